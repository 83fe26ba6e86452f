#ifndef TOCSIN_GATEWAY_STATUS_MAPPING_H_
#define TOCSIN_GATEWAY_STATUS_MAPPING_H_

#include "absl/status/status.h"

namespace tocsin::gateway {

// The one place where gRPC status codes become HTTP statuses (after
// google/rpc/code.proto). Every handler goes through it.
int HttpStatusFor(absl::StatusCode code);

// True for errors whose message is the server's business, not the client's:
// these are logged and answered with a generic message.
bool IsServerError(absl::StatusCode code);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_STATUS_MAPPING_H_
