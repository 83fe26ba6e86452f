#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/strings.h"
#include "outbound/internal.h"
#include "outbound/mime_internal.h"
#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace {

using internal::FinishDetail;
using internal::Printable;
using internal::Redact;

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

struct Upload {
  std::string data;
  size_t pos = 0;
  std::string last_reply;   // latest reply line, QUIT's aside
  std::string error_reply;  // first 4xx/5xx reply line
};

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, len);
  u->pos += len;
  return len;
}

// curl hands SMTP reply lines to the header callback. The server's own words
// explain a failure better than curl's "RCPT failed: 550"; after a failure
// curl sends QUIT at once, so the error reply is kept apart from the last.
size_t OnReply(char* data, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = size * n;
  std::string line = Printable(std::string_view(data, len), 200);
  if (line.empty() || line.starts_with("221")) return len;
  if (u->error_reply.empty() && (line[0] == '4' || line[0] == '5')) {
    u->error_reply = line;
  }
  u->last_reply = std::move(line);
  return len;
}

Outcome Fail(bool retryable, std::string_view detail, int code = 0) {
  Outcome o;
  o.retryable = retryable;
  o.code = code;
  o.detail = FinishDetail(detail);
  return o;
}

// Whether `addr` can go into MAIL FROM / RCPT TO as it is: anything that
// could end the command or the angle brackets is refused.
bool ValidMailbox(std::string_view addr) {
  if (addr.empty() || addr.size() > 254) return false;
  for (char c : addr) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '<' || c == '>') return false;
  }
  size_t at = addr.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < addr.size();
}

bool ValidHost(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
  });
}

bool PermanentCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_LOGIN_DENIED:
      return true;
    default:
      return false;
  }
}

}  // namespace

Outcome SendEmail(const SmtpConfig& cfg, const Email& mail) {
  internal::EnsureGlobalInit();

  if (!ValidHost(cfg.host))
    return Fail(false, "EMAIL_HOST is missing or invalid");
  if (cfg.port < 1 || cfg.port > 65535)
    return Fail(false, "EMAIL_PORT is invalid");
  std::string from = mime_internal::BareAddress(cfg.from);
  if (!ValidMailbox(from)) {
    return Fail(false, "DEFAULT_FROM_EMAIL is missing or invalid");
  }
  if (mail.to.empty()) return Fail(false, "no recipients");
  curl_slist* raw_rcpts = nullptr;
  for (const std::string& to : mail.to) {
    std::string addr = mime_internal::BareAddress(to);
    if (!ValidMailbox(addr)) {
      curl_slist_free_all(raw_rcpts);
      return Fail(false, absl::StrCat("invalid recipient address \"",
                                      Printable(to, 100), "\""));
    }
    curl_slist* l = curl_slist_append(raw_rcpts, ("<" + addr + ">").c_str());
    if (l == nullptr) {
      curl_slist_free_all(raw_rcpts);
      return Fail(true, "out of memory");
    }
    raw_rcpts = l;
  }
  CurlPtr<curl_slist> rcpts(raw_rcpts);

  CurlPtr<CURL> h(curl_easy_init());
  if (!h) return Fail(true, "curl_easy_init failed");
  CURL* c = h.get();

  Upload up;
  up.data = BuildMime(cfg.from, mail, absl::Now());
  char errbuf[CURL_ERROR_SIZE] = "";

  std::string host = cfg.host;
  if (host.find(':') != std::string::npos && host.front() != '[') {
    host = absl::StrCat("[", host, "]");  // IPv6 literal
  }
  std::string url =
      absl::StrCat(cfg.use_ssl ? "smtps://" : "smtp://", host, ":", cfg.port);
  std::string mail_from = absl::StrCat("<", from, ">");
  long timeout_ms = static_cast<long>(
      std::max<int64_t>(1, absl::ToInt64Milliseconds(cfg.timeout)));

  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  // With use_tls, STARTTLS is mandatory: a server (or a man in the middle)
  // that does not offer it gets no mail rather than a plaintext copy.
  curl_easy_setopt(
      c, CURLOPT_USE_SSL,
      static_cast<long>(cfg.use_tls || cfg.use_ssl ? CURLUSESSL_ALL
                                                   : CURLUSESSL_NONE));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!cfg.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, cfg.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, cfg.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(up.data.size()));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnReply);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &up);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);

  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);

  // A server might echo what it was sent; keep credentials out regardless.
  std::vector<std::string> secrets;
  if (!cfg.password.empty()) {
    secrets.push_back(cfg.password);
    secrets.push_back(absl::Base64Escape(Absl(cfg.password)));
    std::string plain = absl::StrCat(std::string(1, '\0'), cfg.user,
                                     std::string(1, '\0'), cfg.password);
    secrets.push_back(absl::Base64Escape(Absl(plain)));
  }

  Outcome o;
  o.code = static_cast<int>(code);
  if (rc == CURLE_OK && code == 250) {
    o.ok = true;
    o.detail = FinishDetail(
        Redact(up.last_reply.empty() ? "SMTP 250" : up.last_reply, secrets));
    return o;
  }
  bool has_reply_code = code >= 400 && code <= 599;
  if (has_reply_code) {
    o.retryable = code < 500;
  } else {
    o.retryable = rc == CURLE_OK || !PermanentCurlError(rc);
  }
  std::string curl_text = rc == CURLE_OK ? "" : curl_easy_strerror(rc);
  if (errbuf[0] != '\0' && curl_text != errbuf) {
    absl::StrAppend(&curl_text, curl_text.empty() ? "" : ": ", errbuf);
  }
  std::string detail;
  if (has_reply_code && !up.error_reply.empty()) {
    detail = curl_text.empty()
                 ? up.error_reply
                 : absl::StrCat(up.error_reply, " (", curl_text, ")");
  } else if (!curl_text.empty()) {
    detail = curl_text;
  } else {
    detail = absl::StrCat("unexpected SMTP reply ", code);
  }
  o.detail = FinishDetail(Redact(std::move(detail), std::move(secrets)));
  return o;
}

}  // namespace tocsin::outbound
