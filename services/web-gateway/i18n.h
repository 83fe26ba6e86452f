#ifndef TOCSIN_GATEWAY_I18N_H_
#define TOCSIN_GATEWAY_I18N_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/substitute.h"

namespace tocsin::gateway {

// The dashboard's languages: "en" (the text in the code) and "ja".
inline constexpr const char* kLanguages[] = {"en", "ja"};

// The language for a request: the `tocsin_lang` cookie's when it names one
// of ours, else the best of the Accept-Language header's (by q, "ja-JP"
// counts as "ja"), else "en".
std::string PickLanguage(std::string_view cookie, std::string_view accept_language);

// The text in `lang`: English text is the key; text without a translation
// stays English.
const char* Tr(std::string_view lang, const char* english);

// Tr, then $0, $1 ... replaced by the arguments (already escaped by the
// caller where the text is HTML).
template <typename... Args>
std::string Trf(std::string_view lang, const char* english, const Args&... args) {
  return absl::Substitute(Tr(lang, english), args...);
}

// Every (English, Japanese) pair of the catalogue, for tests.
const std::vector<std::pair<const char*, const char*>>& Catalogue();

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_I18N_H_
