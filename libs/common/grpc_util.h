#ifndef TOCSIN_COMMON_GRPC_UTIL_H_
#define TOCSIN_COMMON_GRPC_UTIL_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace tocsin {

// Metadata keys of our calls.
inline constexpr char kAuthorizationMetadata[] = "authorization";
inline constexpr char kApiKeyMetadata[] = "x-api-key";
// The largest gRPC message our services take (a long list of checks, a
// batch of pings with their bodies).
inline constexpr int kMaxMessageBytes = 64 * 1024 * 1024;
// PING_BODY_LIMIT's most: a ping with such a body still fits a message.
inline constexpr int kMaxPingBodyLimit = 16 * 1024 * 1024;

// gRPC sends a status's message in a trailer, percent-encoded, and the
// peer refuses trailers over its metadata limit (8 KiB by default) with
// RESOURCE_EXHAUSTED, failing other calls on the connection too. Messages
// may quote a caller's input (an unknown time zone, say): ToGrpcStatus
// cuts them to this many bytes, at a character boundary, ending in "…".
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// absl::Status codes are the gRPC codes: the conversion is a cast.
grpc::Status ToGrpcStatus(const absl::Status& s);
absl::Status FromGrpcStatus(const grpc::Status& s);

// A channel to `target` ("host:port" or "dns:///name:port") that balances
// round-robin over every address the name resolves to and reconnects quickly
// after a peer restarts.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

// Process-wide settings for our services, first thing in main(): gRPC's
// mutexes are absl::Mutex, and Debian's Abseil leaves deadlock detection on,
// which takes a global lock and updates a lock graph on every acquisition
// (seen in the gateway's profile); our locking is reviewed and tested
// instead.
void InitServiceProcess();

// Server options shared by our gRPC servers: a maximum connection age makes
// clients re-resolve DNS regularly so new replicas receive traffic.
void ApplyServerDefaults(grpc::ServerBuilder& builder);

// True when the call carries `authorization: Bearer <token>`; compared in
// constant time.
bool HasInternalToken(const grpc::ServerContextBase& ctx,
                      std::string_view token);

// The deadline the caller set on this call; InfiniteFuture when it set none.
absl::Time CallerDeadline(const grpc::ServerContextBase& ctx);

// Prepares a client context: deadline and the internal token.
void PrepareInternalCall(grpc::ClientContext& ctx, std::string_view token,
                         absl::Duration deadline);

}  // namespace tocsin

#endif  // TOCSIN_COMMON_GRPC_UTIL_H_
