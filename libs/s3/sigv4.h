#ifndef TOCSIN_S3_SIGV4_H_
#define TOCSIN_S3_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace tocsin::s3 {

struct Credentials {
  std::string access_key;
  std::string secret_key;  // Secret: never logged.
};

// One request to sign (AWS Signature Version 4, header form).
struct SignRequest {
  std::string method;  // "GET", "PUT", ...
  std::string host;    // As sent in Host (with ":port" when not default).
  std::string path;    // Already URI-encoded ("/bucket/key%20name").
  // Query parameters, raw (encoded and sorted here).
  std::vector<std::pair<std::string, std::string>> query;
  // Extra headers to sign (names in any case). Host and x-amz-date are
  // added here.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // Lower-case hex, or "UNSIGNED-PAYLOAD".
  std::string region;
  std::string service = "s3";
  absl::Time time;
};

struct Signed {
  std::string amz_date;          // x-amz-date header value.
  std::string authorization;     // Authorization header value.
  std::string canonical_request;  // For tests and debugging (no secrets).
  std::string string_to_sign;
};

Signed Sign(const SignRequest& req, const Credentials& creds);

// RFC 3986 encoding as SigV4 wants it ('/' kept when `keep_slash`).
std::string UriEncode(std::string_view s, bool keep_slash);

}  // namespace tocsin::s3

#endif  // TOCSIN_S3_SIGV4_H_
