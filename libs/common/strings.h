#ifndef TOCSIN_COMMON_STRINGS_H_
#define TOCSIN_COMMON_STRINGS_H_

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace tocsin {

// Debian's Abseil is built with its own string_view (not std::string_view);
// this converts at the boundary without copying.
inline absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// &, <, > (and with `quotes`, " and ') as entities: HTML text and
// attribute values (pages, emails); without quotes, Slack's reserved three.
std::string HtmlEscape(std::string_view s, bool quotes = true);

// True for well-formed UTF-8 without NUL characters: what a PostgreSQL text
// column accepts.
bool IsStorableText(std::string_view s);

// True when JSON text nests arrays/objects at most `max_depth` deep (a quick
// scan that honours strings). Deep nesting is refused before parsing:
// copying or printing such a value recurses and could exhaust the stack.
bool JsonDepthWithin(std::string_view json, int max_depth);

// Makes hostile bytes storable as text: invalid UTF-8 sequences become
// U+FFFD, NULs are dropped, and the result is cut to at most `max_bytes`
// without splitting a character.
std::string ToStorableText(std::string_view s, size_t max_bytes);

}  // namespace tocsin

#endif  // TOCSIN_COMMON_STRINGS_H_
