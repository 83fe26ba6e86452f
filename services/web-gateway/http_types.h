#ifndef TOCSIN_GATEWAY_HTTP_TYPES_H_
#define TOCSIN_GATEWAY_HTTP_TYPES_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tocsin::gateway {

// A request as handlers see it, independent of the HTTP library.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // Decoded path, without the query.
  std::multimap<std::string, std::string> query;  // Decoded parameters.
  // Lower-case names, in arrival order; a request has a handful, so a flat
  // list (one allocation) beats a map (a node per header).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_addr;  // The real client (see forwarded.h).
  std::string scheme;       // "http" or "https".

  // The first value of a header, or "".
  const std::string& Header(const std::string& lower_name) const;
  // The first value of a query parameter, if given.
  const std::string* QueryValue(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(HttpResponse)>;

// Percent-decoding of a path or query component; '+' is a space only in
// queries. Returns false on malformed escapes.
bool UrlDecode(std::string_view in, bool query, std::string* out);
// Splits "a=1&b=2" into decoded pairs; a part with a malformed escape is
// kept as it came.
void ParseQuery(std::string_view qs,
                std::multimap<std::string, std::string>* out);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HTTP_TYPES_H_
