#include "common/grpc_util.h"
#include "common/strings.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto.h"

namespace tocsin {

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  std::string message(s.message());
  if (message.size() > kMaxStatusMessageBytes) {
    message = ToStorableText(message, kMaxStatusMessageBytes - 3) + "\u2026";
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::move(message));
}

absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(
      R"({"loadBalancingConfig": [{"round_robin": {}}]})");
  // The default back-off grows to 120 s; after a restart we want minutes
  // of outage to end within a second or two.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // A peer that hangs with its connection open (stopped, or its host
  // stalled) answers no HTTP/2 PING: while calls are in flight, find out
  // within about 2.5 s, close that connection (its calls fail UNAVAILABLE)
  // and let round robin use the other replicas. Without calls, no pings.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 1500);
  // Answers such as a long list of checks may exceed gRPC's 4 MiB default.
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

void ApplyServerDefaults(grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 10 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Our clients ping every second while calls are in flight (MakeChannel);
  // half that here, so that jitter never counts as a ping too many.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             500);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
}

void InitServiceProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

absl::Time CallerDeadline(const grpc::ServerContextBase& ctx) {
  const auto d = ctx.deadline();
  // gRPC's "none" is the clock's end, which absl cannot hold.
  if (d >= std::chrono::system_clock::time_point::max() -
               std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(d);
}

bool HasInternalToken(const grpc::ServerContextBase& ctx,
                      std::string_view token) {
  auto it = ctx.client_metadata().find(kAuthorizationMetadata);
  if (it == ctx.client_metadata().end()) return false;
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  return value.substr(0, kBearer.size()) == kBearer &&
         ConstantTimeEquals(value.substr(kBearer.size()), token);
}

void PrepareInternalCall(grpc::ClientContext& ctx, std::string_view token,
                         absl::Duration deadline) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx.AddMetadata(kAuthorizationMetadata, absl::StrCat("Bearer ", Absl(token)));
}

}  // namespace tocsin
