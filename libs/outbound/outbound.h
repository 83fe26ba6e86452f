#ifndef TOCSIN_OUTBOUND_OUTBOUND_H_
#define TOCSIN_OUTBOUND_OUTBOUND_H_

// Delivers one HTTP request or one email and says, in a form the caller can
// store, whether it worked and whether trying again later makes sense. The
// caller records every attempt and owns the retry schedule; nothing here
// retries or logs.
//
// HTTP behaviour (libcurl, one easy handle per call, so calls from many
// threads never share connections or DNS caches):
//   * only http and https, also for redirects; proxies from the environment
//     are ignored so the address check below cannot be routed around;
//   * unless allow_private_ips, every connection (first one and each
//     redirect) is checked after DNS resolution against IsPublicAddress and
//     refused before connect(2) when the address is not public;
//   * redirects (at most max_redirects) re-send the same method and body for
//     301/302/303 as well as 307/308, like a webhook caller expects;
//   * "User-Agent: Tocsin" is added when the request has no User-Agent; no
//     Content-Type is added (curl's form default is suppressed) and
//     "Expect: 100-continue" is never sent; a GET sends no body;
//   * only the first max_response_bytes of the body are read: the transfer
//     stops there and the status already received decides the outcome;
//   * Outcome.detail is "HTTP <code>" plus ": <start of the body>" when there
//     is one, or curl's error text; the URL's path, query and credentials are
//     never part of it (they often hold tokens), at most its host name.
//
// Classification: 2xx ok; 408, 425, 429 and 5xx retryable; other statuses
// (including a 3xx that is not followed) not retryable; DNS, connect, timeout
// and TLS failures retryable; a refused private address, an unsupported
// scheme, a malformed URL or too many redirects not retryable.
//
// Email goes to the operator's SMTP server (EMAIL_* settings), which is not
// subject to the private-address check. SMTP 4xx is retryable, 5xx is not,
// connection trouble is retryable.

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

struct sockaddr;

namespace tocsin::outbound {

struct HttpRequest {
  std::string method;  // GET, POST, PUT
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpOptions {
  bool allow_private_ips = false;              // INTEGRATIONS_ALLOW_PRIVATE_IPS
  absl::Duration timeout = absl::Seconds(10);  // whole transfer
  absl::Duration connect_timeout = absl::Seconds(5);
  int max_redirects = 3;
  size_t max_response_bytes = 16 * 1024;  // body kept (and read) at most
};

struct Outcome {
  bool ok = false;         // delivered (2xx for HTTP; 250 after DATA for SMTP)
  bool retryable = false;  // worth another attempt later
  int code = 0;            // HTTP status or SMTP reply code, 0 when none
  // Short human-readable error or response summary: at most 500 bytes of
  // printable UTF-8, never containing credentials or URL paths.
  std::string detail;
};

Outcome SendHttp(const HttpRequest& req, const HttpOptions& opt);

// Healthchecks' EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
// EMAIL_USE_TLS (STARTTLS, required when true), EMAIL_USE_SSL (implicit TLS,
// smtps://) and DEFAULT_FROM_EMAIL ("addr" or "Name <addr>").
struct SmtpConfig {
  std::string host;
  int port = 587;
  std::string user, password;
  bool use_tls = true;
  bool use_ssl = false;
  std::string from;
  absl::Duration timeout = absl::Seconds(20);
};

struct Email {
  std::vector<std::string> to;  // "addr" or "Name <addr>"
  std::string subject, text, html;
};

// Sends `mail` to all of mail.to in one SMTP transaction (one refused
// recipient fails the whole message). Addresses holding control characters,
// spaces or angle brackets are rejected before anything is sent.
Outcome SendEmail(const SmtpConfig& cfg, const Email& mail);

// The message SendEmail uploads: From, To, Subject (RFC 2047 when needed),
// Date, Message-ID, MIME-Version, Auto-Submitted, then multipart/alternative
// with text/plain and text/html (UTF-8, quoted-printable); only the text part
// when mail.html is empty. CR/LF and other control characters in the
// subject and addresses become spaces, so they never start new headers.
std::string BuildMime(const std::string& from, const Email& mail,
                      absl::Time now);

// True when `addr` (AF_INET or AF_INET6) may be contacted with
// allow_private_ips=false. Refuses loopback, private, link-local, CGNAT,
// unspecified, multicast, broadcast/reserved, documentation and benchmarking
// ranges, IPv6 outside 2000::/3, and judges IPv4-mapped, IPv4-compatible,
// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses by their IPv4 address.
bool IsPublicAddress(const struct sockaddr* addr);

// One-time curl_global_init. Call from main before threads start; SendHttp
// and SendEmail also call it (once) so forgetting it is not fatal.
void GlobalInit();

}  // namespace tocsin::outbound

#endif  // TOCSIN_OUTBOUND_OUTBOUND_H_
