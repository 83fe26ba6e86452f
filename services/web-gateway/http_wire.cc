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

std::string SerializeResponse(const HttpResponse& r, bool keep_alive,
                              unsigned version, bool head) {
  const bool no_body =
      r.status / 100 == 1 || r.status == 204 || r.status == 304;
  auto reason = boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(r.status));
  std::string out;
  size_t extra = 0;
  for (const auto& [k, v] : r.headers) extra += k.size() + v.size() + 4;
  out.reserve(96 + r.content_type.size() + extra +
              (head || no_body ? 0 : r.body.size()));
  absl::StrAppend(&out, version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ", r.status,
                  " ");
  out.append(reason.data(), reason.size());
  out.append("\r\nServer: tocsin\r\n");
  AppendHeader(out, "Content-Type", r.content_type);
  for (const auto& [k, v] : r.headers) AppendHeader(out, k, v);
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes unless told.
  if (version >= 11 && !keep_alive) out.append("Connection: close\r\n");
  if (version < 11 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (!no_body) absl::StrAppend(&out, "Content-Length: ", r.body.size(), "\r\n");
  out.append("\r\n");
  if (!head && !no_body) out.append(r.body);
  return out;
}

}  // namespace tocsin::gateway
