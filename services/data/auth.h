#ifndef TOCSIN_DATA_AUTH_H_
#define TOCSIN_DATA_AUTH_H_

#include <string>

#include "absl/status/statusor.h"
#include "data/store.h"
#include "grpcpp/grpcpp.h"

namespace tocsin::data {

// Who is calling. Later kinds (dashboard users) extend this.
struct Caller {
  enum class Kind { kInternal, kProject };
  Kind kind = Kind::kProject;
  // For project callers: the project their API key belongs to.
  std::string project;
  bool read_only = true;
};

// Authenticates a call from its metadata: `authorization: Bearer <internal
// token>` for services and operators, `x-api-key: <key>` for project-scoped
// callers (the gateway forwards the HTTP API's key). When both come, the key
// decides the project and the token must still be right.
class Authenticator {
 public:
  Authenticator(std::string internal_token, Store& store)
      : token_(std::move(internal_token)), store_(store) {}

  // UNAUTHENTICATED ("missing api key", "wrong api key", "wrong internal
  // token") when neither proves anything.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContext& ctx);

  // Internal callers only.
  absl::Status RequireInternal(const grpc::ServerContextBase& ctx);

  // The project a project-scoped call acts on: the key's project, or for
  // internal callers the one the request names. `write` refuses read-only
  // keys (UNAUTHENTICATED, as Healthchecks answers 401).
  absl::StatusOr<Caller> ForProject(const grpc::ServerContext& ctx,
                                    const std::string& requested_project,
                                    bool write);

 private:
  std::string token_;
  Store& store_;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_AUTH_H_
