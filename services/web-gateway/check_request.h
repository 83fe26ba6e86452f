#ifndef TOCSIN_GATEWAY_CHECK_REQUEST_H_
#define TOCSIN_GATEWAY_CHECK_REQUEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tocsin/v1/check.pb.h"

namespace tocsin::gateway {

// A parsed create/update request body of the Management API.
struct CheckRequestBody {
  v1::CheckSpec spec;
  std::vector<std::string> unique;
  std::optional<std::string> api_key;  // The `api_key` field, if present.
};

// Parses and type-checks the JSON body. Unknown fields are ignored (clients
// of newer Healthchecks versions send them); wrong types, broken JSON, and
// numbers out of range are InvalidArgument with the message the client sees.
// An empty body is an empty object.
absl::StatusOr<CheckRequestBody> ParseCheckRequestBody(std::string_view body);

// The checks Healthchecks makes before authenticating: the body (if any) is
// JSON and an object. InvalidArgument with the client's message otherwise.
absl::Status CheckJsonObject(std::string_view body);

// Only the `api_key` field of a JSON body, for endpoints that take no other
// fields; nullopt when the body is not a JSON object or has no such string.
std::optional<std::string> ApiKeyFromBody(std::string_view body);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_CHECK_REQUEST_H_
