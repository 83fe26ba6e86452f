#include "web-gateway/web_forms.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "web-gateway/http_types.h"

namespace tocsin::gateway {

std::map<std::string, std::string> ParseCookies(std::string_view header) {
  std::map<std::string, std::string> out;
  for (absl::string_view part : absl::StrSplit(absl::string_view(header.data(), header.size()), ';')) {
    part = absl::StripAsciiWhitespace(part);
    size_t eq = part.find('=');
    if (eq == absl::string_view::npos || eq == 0) continue;
    std::string_view value(part.data() + eq + 1, part.size() - eq - 1);
    // Our cookies are ASCII tokens: one that is not text is not ours, and
    // passed on it would fail the data service's request as a whole.
    if (!IsStorableText(value)) continue;
    out.emplace(std::string(part.substr(0, eq)), std::string(value));
  }
  return out;
}

std::string CookieHeader(std::string_view name, std::string_view value,
                         long max_age_s, bool secure) {
  return absl::StrCat(std::string(name), "=", std::string(value),
                      "; Path=/; Max-Age=", max_age_s,
                      "; HttpOnly; SameSite=Lax", secure ? "; Secure" : "");
}

std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::multimap<std::string, std::string> all;
  ParseQuery(body, &all);
  std::map<std::string, std::string> out;
  for (auto& [k, v] : all) {
    if (!IsStorableText(k) || !IsStorableText(v)) return std::nullopt;
    out.emplace(k, v);
  }
  return out;
}

bool SameToken(std::string_view a, std::string_view b) {
  return !a.empty() && ConstantTimeEquals(a, b);
}

}  // namespace tocsin::gateway
