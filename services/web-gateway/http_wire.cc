#include "web-gateway/http_wire.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "boost/beast/http/status.hpp"

namespace tocsin::gateway {
namespace {

void AppendHeader(std::string& out, std::string_view name,
                  std::string_view value) {
  out.append(name);
  out.append(": ");
  size_t at = out.size();
  out.append(value);
  for (size_t i = at; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n");
}

}  // namespace

WireResponse SerializeResponse(HttpResponse r, bool keep_alive,
                               unsigned version, bool head) {
  const bool no_body =
      r.status / 100 == 1 || r.status == 204 || r.status == 304;
  auto reason = boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(r.status));
  WireResponse out;
  std::string& h = out.head;
  size_t extra = 0;
  for (const auto& [k, v] : r.headers) extra += k.size() + v.size() + 4;
  h.reserve(96 + r.content_type.size() + extra);
  absl::StrAppend(&h, version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ", r.status,
                  " ");
  h.append(reason.data(), reason.size());
  h.append("\r\nServer: tocsin\r\n");
  AppendHeader(h, "Content-Type", r.content_type);
  for (const auto& [k, v] : r.headers) AppendHeader(h, k, v);
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes unless told.
  if (version >= 11 && !keep_alive) h.append("Connection: close\r\n");
  if (version < 11 && keep_alive) h.append("Connection: keep-alive\r\n");
  if (!no_body) absl::StrAppend(&h, "Content-Length: ", r.body.size(), "\r\n");
  h.append("\r\n");
  if (!head && !no_body) out.body = std::move(r.body);
  return out;
}

}  // namespace tocsin::gateway
