#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "outbound/internal.h"
#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace {

using internal::FinishDetail;
using internal::Printable;
using internal::RedactShared;

constexpr char kUserAgent[] = "Tocsin";
// How much of an error response body goes into Outcome.detail.
constexpr size_t kBodySnippetChars = 200;
// Any run of this many bytes shared with the URL's path, query or
// credentials is redacted from Outcome.detail.
constexpr size_t kSecretRunMin = 8;

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

// State the callbacks share with SendHttp for one transfer.
struct Transfer {
  bool allow_private_ips = false;
  size_t max_body = 0;
  std::string body;
  bool capped = false;          // stopped reading at max_body
  std::string refused_address;  // last address refused, printable form
};

Outcome Fail(bool retryable, std::string_view detail, int code = 0) {
  Outcome o;
  o.retryable = retryable;
  o.code = code;
  o.detail = FinishDetail(detail);
  return o;
}

std::string AddressText(const sockaddr* a) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (a->sa_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, a, sizeof(in));
    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof(buf));
  } else if (a->sa_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, a, sizeof(in6));
    inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

// Called by curl right before every connect(2), after DNS resolution, for the
// first request and for each redirect: the one place where the address that
// will actually be contacted is known.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose,
                           struct curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!t->allow_private_ips && !IsPublicAddress(&address->addr)) {
    t->refused_address = AddressText(&address->addr);
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC,
                address->protocol);
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  // A status line starts a new response (1xx, or a redirect hop): only the
  // final response's body is worth keeping.
  if (len >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
    t->body.clear();
    t->capped = false;
  }
  return len;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  size_t room = t->max_body - std::min(t->max_body, t->body.size());
  if (len > room) {
    // Stop the transfer instead of downloading what nobody reads; the status
    // line has already arrived and decides the outcome.
    t->body.append(data, room);
    t->capped = true;
    return 0;
  }
  t->body.append(data, len);
  return len;
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool ValidHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenChar);
}

bool ValidHeaderValue(std::string_view value) {
  // CR or LF would let a value start a header or a request of its own.
  return std::none_of(value.begin(), value.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}

bool HasHeader(const HttpRequest& req, std::string_view name) {
  return std::any_of(req.headers.begin(), req.headers.end(),
                     [&](const auto& h) {
                       return absl::EqualsIgnoreCase(Absl(h.first), Absl(name));
                     });
}

// The parts of `url` that must not show up in Outcome.detail: credentials
// and everything from the path on, raw and percent-decoded. The scheme and
// host may show.
void AddUrlSecrets(std::string_view url, std::vector<std::string>* out) {
  if (url.empty()) return;
  // A crude split first, so that even a URL curl cannot parse is covered.
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t rest = url.find_first_of("/?#", start);
  size_t at = url.rfind('@', rest);
  if (at != std::string_view::npos && at >= start) {
    out->emplace_back(url.substr(start, at - start));
  }
  if (rest != std::string_view::npos) out->emplace_back(url.substr(rest));
  if (start == 0) out->emplace_back(url);  // no scheme: no telling

  CurlPtr<CURLU> u(curl_url());
  if (!u) return;
  std::string copy(url);
  if (curl_url_set(u.get(), CURLUPART_URL, copy.c_str(),
                   CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return;
  }
  static constexpr CURLUPart kParts[] = {CURLUPART_USER,    CURLUPART_PASSWORD,
                                         CURLUPART_OPTIONS, CURLUPART_PATH,
                                         CURLUPART_QUERY,   CURLUPART_FRAGMENT};
  for (CURLUPart part : kParts) {
    char* value = nullptr;
    if (curl_url_get(u.get(), part, &value, CURLU_URLDECODE) == CURLUE_OK &&
        value != nullptr) {
      out->emplace_back(value);
    }
    curl_free(value);
  }
}

bool RetryableStatus(long code) {
  return code == 408 || code == 425 || code == 429 ||
         (code >= 500 && code <= 599);
}

// Errors that another attempt with the same request cannot fix.
bool PermanentCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      return true;
    default:
      return false;
  }
}

long ClampMillis(absl::Duration d) {
  // curl reads 0 as "no limit"; a non-positive setting must not mean that.
  return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

}  // namespace

Outcome SendHttp(const HttpRequest& req, const HttpOptions& opt) {
  internal::EnsureGlobalInit();

  std::string method = absl::AsciiStrToUpper(Absl(req.method));
  if (method != "GET" && method != "POST" && method != "PUT") {
    return Fail(false, absl::StrCat("unsupported HTTP method \"",
                                    Printable(req.method, 16), "\""));
  }
  if (req.url.empty()) return Fail(false, "no URL");
  for (const auto& [name, value] : req.headers) {
    if (!ValidHeaderName(name) || !ValidHeaderValue(value)) {
      // The value may be a token: name the header only.
      return Fail(false,
                  absl::StrCat("invalid header \"", Printable(name, 64), "\""));
    }
  }

  CurlPtr<CURL> h(curl_easy_init());
  if (!h) return Fail(true, "curl_easy_init failed");
  CURL* c = h.get();

  Transfer t;
  t.allow_private_ips = opt.allow_private_ips;
  t.max_body = opt.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = "";

  curl_slist* raw_headers = nullptr;
  auto append = [&](const std::string& line) {
    if (curl_slist* l = curl_slist_append(raw_headers, line.c_str())) {
      raw_headers = l;
    }
  };
  for (const auto& [name, value] : req.headers) {
    // "Name:" would tell curl to remove the header; "Name;" sends it empty.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  if (!HasHeader(req, "Content-Type")) append("Content-Type:");
  if (!HasHeader(req, "Expect")) append("Expect:");
  CurlPtr<curl_slist> headers(raw_headers);

  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // An empty proxy overrides http_proxy & co: through a proxy the address
  // check below would judge the proxy, not the target.
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ClampMillis(opt.timeout));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   ClampMillis(opt.connect_timeout));
  if (opt.max_redirects > 0) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS,
                     static_cast<long>(opt.max_redirects));
    // Keep POST (and its body) on 301/302/303 too: a webhook that moved
    // still expects the notification, not an empty GET.
    curl_easy_setopt(c, CURLOPT_POSTREDIR,
                     static_cast<long>(CURL_REDIR_POST_ALL));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!HasHeader(req, "User-Agent")) {
    curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
  }
  if (method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    // curl keeps a custom method on every redirect hop.
    if (method == "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);

  CURLcode rc = curl_easy_perform(c);

  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  std::vector<std::string> secrets;
  AddUrlSecrets(req.url, &secrets);
  // Header values often are credentials (X-Token, Authorization); a
  // receiver echoing them must not put them into the attempt log.
  for (const auto& [name, value] : req.headers) {
    if (value.size() >= kSecretRunMin) secrets.push_back(value);
    size_t sp = value.find(' ');  // "Bearer <token>"
    if (sp != std::string::npos && value.size() - sp - 1 >= kSecretRunMin) {
      secrets.push_back(value.substr(sp + 1));
    }
  }
  for (CURLINFO info : {CURLINFO_EFFECTIVE_URL, CURLINFO_REDIRECT_URL}) {
    char* u = nullptr;
    if (curl_easy_getinfo(c, info, &u) == CURLE_OK && u) {
      AddUrlSecrets(u, &secrets);
    }
  }

  if (rc == CURLE_WRITE_ERROR && t.capped) rc = CURLE_OK;
  if (rc != CURLE_OK) {
    if (!t.refused_address.empty()) {
      return Fail(false,
                  absl::StrCat("refused: ", t.refused_address,
                               " is a private, loopback or link-local address "
                               "(set INTEGRATIONS_ALLOW_PRIVATE_IPS=True to "
                               "allow)"));
    }
    // The error buffer is usually the more specific text; the generic one
    // is added when the buffer does not already say it.
    std::string text = curl_easy_strerror(rc);
    if (errbuf[0] != '\0') {
      text = absl::StrContains(errbuf, text) ? std::string(errbuf)
                                             : absl::StrCat(text, ": ", errbuf);
    }
    return Fail(!PermanentCurlError(rc),
                RedactShared(text, secrets, kSecretRunMin),
                static_cast<int>(code));
  }

  Outcome o;
  o.code = static_cast<int>(code);
  o.ok = code >= 200 && code <= 299;
  o.retryable = !o.ok && (code == 0 || RetryableStatus(code));
  std::string detail = absl::StrCat("HTTP ", code);
  std::string snippet = Printable(t.body, kBodySnippetChars);
  if (!snippet.empty()) absl::StrAppend(&detail, ": ", snippet);
  o.detail = FinishDetail(RedactShared(detail, secrets, kSecretRunMin));
  return o;
}

}  // namespace tocsin::outbound
