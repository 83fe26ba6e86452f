#ifndef TOCSIN_S3_S3_CLIENT_H_
#define TOCSIN_S3_S3_CLIENT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "s3/sigv4.h"

namespace tocsin::s3 {

struct S3Config {
  // "https://s3.eu-central-1.amazonaws.com", "http://127.0.0.1:9000", ...
  // Requests are path-style: <endpoint>/<bucket>/<key>.
  std::string endpoint;
  std::string bucket;
  std::string region = "us-east-1";
  Credentials credentials;
  absl::Duration timeout = absl::Minutes(30);
};

// The few S3 calls backups need, over libcurl, signed with Signature
// Version 4 (sigv4.h). The process must have initialised libcurl
// (outbound::GlobalInit). Errors name the call, the key and S3's error
// code, never the credentials.
class S3Client {
 public:
  explicit S3Client(S3Config config) : config_(std::move(config)) {}

  // Uploads a file whose SHA-256 (lower-case hex) is known; S3 checks it.
  absl::Status PutFile(const std::string& key, const std::filesystem::path& file,
                       const std::string& sha256);
  absl::Status PutBytes(const std::string& key, const std::string& data);
  // Every key under `prefix` (ListObjectsV2, all pages).
  absl::StatusOr<std::vector<std::string>> List(const std::string& prefix);
  absl::Status Delete(const std::string& key);

 private:
  struct Response {
    long code = 0;
    std::string body;
  };
  absl::StatusOr<Response> Call(const std::string& method, const std::string& key,
                                const std::vector<std::pair<std::string, std::string>>& query,
                                const std::string& payload_sha256, FILE* upload,
                                int64_t upload_size);
  S3Config config_;
};

}  // namespace tocsin::s3

#endif  // TOCSIN_S3_S3_CLIENT_H_
