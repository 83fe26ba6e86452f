#ifndef TOCSIN_GATEWAY_WEB_FORMS_H_
#define TOCSIN_GATEWAY_WEB_FORMS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tocsin::gateway {

// Cookies of a request's Cookie header (the first of each name wins);
// values that are not text are left out.
std::map<std::string, std::string> ParseCookies(std::string_view header);

// A Set-Cookie value: Path=/, SameSite=Lax, HttpOnly; Secure when the site
// is served over https; Max-Age 0 deletes it.
std::string CookieHeader(std::string_view name, std::string_view value,
                         long max_age_s, bool secure);

// Fields of an application/x-www-form-urlencoded body (first wins); none
// when a name or value is not text (invalid UTF-8, NUL), which the caller
// refuses with 400.
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body);

// Compares secrets (CSRF tokens) without an early exit; empty never matches.
bool SameToken(std::string_view a, std::string_view b);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_WEB_FORMS_H_
