#include "web-gateway/http_types.h"
#include "common/strings.h"

#include "absl/strings/str_split.h"

namespace tocsin::gateway {

const std::string& HttpRequest::Header(const std::string& name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return kEmpty;
}

const std::string* HttpRequest::QueryValue(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

bool UrlDecode(std::string_view in, bool query, std::string* out) {
  out->clear();
  out->reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && query) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

void ParseQuery(std::string_view qs,
                std::multimap<std::string, std::string>* out) {
  for (absl::string_view apart : absl::StrSplit(Absl(qs), '&', absl::SkipEmpty())) {
    std::string_view part(apart.data(), apart.size());
    size_t eq = part.find('=');
    std::string k, v;
    // A malformed escape ("100%") keeps its raw text, as Django does.
    std::string_view raw_k = part.substr(0, eq);
    if (!UrlDecode(raw_k, true, &k)) k = std::string(raw_k);
    if (eq != std::string_view::npos) {
      std::string_view raw_v = part.substr(eq + 1);
      if (!UrlDecode(raw_v, true, &v)) v = std::string(raw_v);
    }
    out->emplace(std::move(k), std::move(v));
  }
}

}  // namespace tocsin::gateway
