#ifndef TOCSIN_GATEWAY_HTTP_WIRE_H_
#define TOCSIN_GATEWAY_HTTP_WIRE_H_

#include <string>

#include "web-gateway/http_types.h"

namespace tocsin::gateway {

// The bytes of an HTTP/1.x answer: status line, `Server`, `Content-Type`,
// the handler's headers, `Connection` where the version needs it, and
// `Content-Length` (none for 1xx, 204 and 304, which carry no body). Written
// as one string, so an answer costs one allocation and one buffer to send
// (Beast's fields allocate a node per header, and its serializer walks a
// sequence of buffers). With `head`, the length is the one the body would
// have, and the body is left out. CR and LF inside a header value become
// spaces: a value can never start another header.
std::string SerializeResponse(const HttpResponse& r, bool keep_alive,
                              unsigned version, bool head);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HTTP_WIRE_H_
