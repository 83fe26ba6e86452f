#include "data/auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/crypto.h"
#include "common/grpc_util.h"

namespace tocsin::data {
namespace {

std::optional<std::string> Metadata(const grpc::ServerContext& ctx,
                                    const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<Caller> Authenticator::Authenticate(
    const grpc::ServerContext& ctx) {
  auto key = Metadata(ctx, kApiKeyMetadata);
  bool internal = false;
  if (Metadata(ctx, kAuthorizationMetadata)) {
    if (!HasInternalToken(ctx, token_)) {
      return absl::UnauthenticatedError("wrong internal token");
    }
    internal = true;
  }
  if (key) {
    if (key->empty()) return absl::UnauthenticatedError("missing api key");
    auto grant = store_.FindApiKey(*key);
    if (absl::IsNotFound(grant.status())) {
      return absl::UnauthenticatedError("wrong api key");
    }
    if (!grant.ok()) return grant.status();
    return Caller{Caller::Kind::kProject, grant->project, grant->read_only};
  }
  if (internal) return Caller{Caller::Kind::kInternal, "", false};
  return absl::UnauthenticatedError("missing api key");
}

absl::Status Authenticator::RequireInternal(
    const grpc::ServerContextBase& ctx) {
  if (!HasInternalToken(ctx, token_)) {
    return absl::UnauthenticatedError("this call needs the internal token");
  }
  return absl::OkStatus();
}

absl::StatusOr<Caller> Authenticator::ForProject(
    const grpc::ServerContext& ctx, const std::string& requested_project,
    bool write) {
  auto caller = Authenticate(ctx);
  if (!caller.ok()) return caller.status();
  if (caller->kind == Caller::Kind::kInternal) {
    if (!IsCanonicalUuid(requested_project)) {
      return absl::InvalidArgumentError(
          "internal callers must name the project by UUID");
    }
    caller->project = absl::AsciiStrToLower(requested_project);
    return caller;
  }
  if (write && caller->read_only) {
    return absl::UnauthenticatedError("wrong api key");
  }
  return caller;
}

}  // namespace tocsin::data
