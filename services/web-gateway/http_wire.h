#ifndef TOCSIN_GATEWAY_HTTP_WIRE_H_
#define TOCSIN_GATEWAY_HTTP_WIRE_H_

#include <string>

#include "web-gateway/http_types.h"

namespace tocsin::gateway {

// An HTTP/1.x answer as it goes on the wire: the head (status line,
// `Server`, `Content-Type`, the handler's headers, `Connection` where the
// version needs it, and `Content-Length`, none for 1xx, 204 and 304, which
// carry no body) in one string, then the body, moved from the response and
// never copied. The two are written as one gather write. Beast's fields
// allocate a node per header, and its serializer walks a sequence of
// buffers. With `head` (a HEAD request), the length is the one the body
// would have, and the body is left out. CR and LF inside a header value
// become spaces, so a value can never start another header.
struct WireResponse {
  std::string head;
  std::string body;
};
WireResponse SerializeResponse(HttpResponse r, bool keep_alive,
                               unsigned version, bool head);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HTTP_WIRE_H_
