#include "s3/s3_client.h"

#include <curl/curl.h>

#include <cstdio>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace tocsin::s3 {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() < (1 << 20)) body->append(data, size * n);
  return size * n;
}

// The text between the first <tag> and </tag> after `from`.
std::string Element(const std::string& xml, const std::string& tag, size_t* from) {
  std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t a = xml.find(open, *from);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = xml.find(close, a);
  if (b == std::string::npos) return "";
  *from = b + close.size();
  return xml.substr(a, b - a);
}

// Host (with port) and scheme+authority of the endpoint.
bool SplitEndpoint(const std::string& endpoint, std::string* base, std::string* host) {
  size_t scheme = endpoint.find("://");
  if (scheme == std::string::npos) return false;
  size_t slash = endpoint.find('/', scheme + 3);
  *base = endpoint.substr(0, slash);
  *host = base->substr(scheme + 3);
  return !host->empty();
}

}  // namespace

absl::StatusOr<S3Client::Response> S3Client::Call(
    const std::string& method, const std::string& key,
    const std::vector<std::pair<std::string, std::string>>& query,
    const std::string& payload_sha256, FILE* upload, int64_t upload_size) {
  std::string base, host;
  if (!SplitEndpoint(config_.endpoint, &base, &host)) {
    return absl::InvalidArgumentError("BACKUP_S3_ENDPOINT must be a URL");
  }
  SignRequest req;
  req.method = method;
  req.host = host;
  req.path = "/" + UriEncode(config_.bucket, false) +
             (key.empty() ? "" : "/" + UriEncode(key, true));
  req.query = query;
  req.headers = {{"x-amz-content-sha256", payload_sha256}};
  req.payload_sha256 = payload_sha256;
  req.region = config_.region;
  req.time = absl::Now();
  Signed sig = Sign(req, config_.credentials);

  std::string url = base + req.path;
  for (size_t i = 0; i < query.size(); ++i) {
    absl::StrAppend(&url, i == 0 ? "?" : "&", UriEncode(query[i].first, false), "=",
                    UriEncode(query[i].second, false));
  }
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  struct curl_slist* headers = nullptr;
  for (const std::string& h :
       {"Authorization: " + sig.authorization, "x-amz-date: " + sig.amz_date,
        "x-amz-content-sha256: " + payload_sha256, std::string("Expect:")}) {
    headers = curl_slist_append(headers, h.c_str());
  }
  Response resp;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(config_.timeout)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  if (method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READDATA, upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_size));
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("S3 ", method, " ", key, ": ",
                                               curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.code);
  if (resp.code < 200 || resp.code >= 300) {
    size_t at = 0;
    std::string code = Element(resp.body, "Code", &at);
    std::string msg = absl::StrCat("S3 ", method, " ", key.empty() ? config_.bucket : key,
                                   ": HTTP ", resp.code, code.empty() ? "" : " ", code);
    return resp.code >= 500 ? absl::UnavailableError(msg)
                            : absl::FailedPreconditionError(msg);
  }
  return resp;
}

absl::Status S3Client::PutFile(const std::string& key,
                               const std::filesystem::path& file,
                               const std::string& sha256) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open ", file.string()));
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot stat ", file.string()));
  auto r = Call("PUT", key, {}, sha256, f.get(), static_cast<int64_t>(size));
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status S3Client::PutBytes(const std::string& key, const std::string& data) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(
      fmemopen(const_cast<char*>(data.data()), data.size(), "rb"), std::fclose);
  if (!f && !data.empty()) return absl::InternalError("fmemopen failed");
  if (!f) {
    f.reset(std::fopen("/dev/null", "rb"));
  }
  auto r = Call("PUT", key, {}, Sha256Hex(data), f.get(),
                static_cast<int64_t>(data.size()));
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::vector<std::string>> S3Client::List(const std::string& prefix) {
  std::vector<std::string> keys;
  std::string token;
  for (int page = 0; page < 10000; ++page) {
    std::vector<std::pair<std::string, std::string>> q = {{"list-type", "2"},
                                                           {"prefix", prefix}};
    if (!token.empty()) q.push_back({"continuation-token", token});
    auto r = Call("GET", "", q, Sha256Hex(""), nullptr, 0);
    if (!r.ok()) return r.status();
    size_t at = 0;
    for (;;) {
      std::string contents = Element(r->body, "Contents", &at);
      if (contents.empty()) break;
      size_t k = 0;
      keys.push_back(Element(contents, "Key", &k));
    }
    size_t t = 0;
    bool truncated = Element(r->body, "IsTruncated", &t) == "true";
    t = 0;
    token = Element(r->body, "NextContinuationToken", &t);
    if (!truncated || token.empty()) break;
  }
  return keys;
}

absl::Status S3Client::Delete(const std::string& key) {
  auto r = Call("DELETE", key, {}, Sha256Hex(""), nullptr, 0);
  return r.ok() ? absl::OkStatus() : r.status();
}

}  // namespace tocsin::s3
