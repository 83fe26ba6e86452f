#include "web-gateway/status_mapping.h"

namespace tocsin::gateway {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    // The gateway never cancels a call whose answer it still wants: a
    // cancelled one was given up by the other side (a data replica
    // shutting down with calls not yet started). The client may try again.
    // Mostly nothing was done, but not always: a connection lost while its
    // replica committed (or keep-alive closing a slow one) is UNAVAILABLE
    // too, so a retried ping may be recorded twice, never lost.
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    default:
      return 500;
  }
}

bool IsServerError(absl::StatusCode code) { return HttpStatusFor(code) >= 500; }

}  // namespace tocsin::gateway
