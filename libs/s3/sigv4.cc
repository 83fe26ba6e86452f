#include "s3/sigv4.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"

namespace tocsin::s3 {

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

// Header values: trimmed, inner runs of spaces folded to one.
std::string CanonicalValue(absl::string_view v) {
  std::string out;
  bool space = false;
  for (char c : absl::StripAsciiWhitespace(v)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

Signed Sign(const SignRequest& req, const Credentials& creds) {
  Signed out;
  out.amz_date = absl::FormatTime("%Y%m%dT%H%M%SZ", req.time, absl::UTCTimeZone());
  std::string day = out.amz_date.substr(0, 8);

  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : req.query) {
    query.emplace_back(UriEncode(k, false), UriEncode(v, false));
  }
  std::sort(query.begin(), query.end());
  std::vector<std::string> qparts;
  for (const auto& [k, v] : query) qparts.push_back(absl::StrCat(k, "=", v));

  std::map<std::string, std::vector<std::string>> headers;
  headers["host"].push_back(req.host);
  headers["x-amz-date"].push_back(out.amz_date);
  for (const auto& [k, v] : req.headers) {
    headers[absl::AsciiStrToLower(k)].push_back(CanonicalValue(v));
  }
  std::string canonical_headers;
  std::vector<std::string> names;
  for (const auto& [k, values] : headers) {
    absl::StrAppend(&canonical_headers, k, ":", absl::StrJoin(values, ","), "\n");
    names.push_back(k);
  }
  std::string signed_headers = absl::StrJoin(names, ";");

  out.canonical_request =
      absl::StrCat(req.method, "\n", req.path.empty() ? "/" : req.path, "\n",
                   absl::StrJoin(qparts, "&"), "\n", canonical_headers, "\n",
                   signed_headers, "\n", req.payload_sha256);
  std::string scope = absl::StrCat(day, "/", req.region, "/", req.service,
                                   "/aws4_request");
  out.string_to_sign =
      absl::StrCat("AWS4-HMAC-SHA256\n", out.amz_date, "\n", scope, "\n",
                   Sha256Hex(out.canonical_request));
  std::string key = HmacSha256(absl::StrCat("AWS4", creds.secret_key), day);
  key = HmacSha256(key, req.region);
  key = HmacSha256(key, req.service);
  key = HmacSha256(key, "aws4_request");
  std::string signature = HexEncode(HmacSha256(key, out.string_to_sign));
  out.authorization = absl::StrCat("AWS4-HMAC-SHA256 Credential=", creds.access_key,
                                   "/", scope, ", SignedHeaders=", signed_headers,
                                   ", Signature=", signature);
  return out;
}

}  // namespace tocsin::s3
