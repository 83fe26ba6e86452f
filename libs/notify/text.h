#ifndef TOCSIN_NOTIFY_TEXT_H_
#define TOCSIN_NOTIFY_TEXT_H_

// Text helpers shared by the renderers. Internal to libs/notify.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace tocsin::notify::internal {

// User text made safe to embed anywhere: valid UTF-8 (bad bytes become
// U+FFFD), no NULs, at most `max_bytes` (cut on a character boundary).
std::string CleanText(std::string_view s, size_t max_bytes = 1 << 20);

// Control characters (CR, LF, tabs, ...) become spaces: for one-line fields
// such as subjects, titles and header values.
std::string SingleLine(std::string_view s);

// How a service counts the length of a string.
enum class Units { kCodePoints, kUtf16 };

// `s` (valid UTF-8) cut to at most `max` units, ending in "…" when cut.
std::string Truncate(std::string_view s, size_t max,
                     Units units = Units::kCodePoints);

// Number of `units` in `s` (valid UTF-8).
size_t Length(std::string_view s, Units units = Units::kCodePoints);

// &, <, >, " and ' as entities: for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

// The three characters Slack's message formatting reserves (&, <, >), as
// Slack documents: keeps user text from forming links or mentions.
std::string SlackEscape(std::string_view s);

// Discord markdown characters backslash-escaped, so user text cannot form
// masked links, code blocks or formatting.
std::string DiscordEscape(std::string_view s);

// "2024-03-10 07:00:00 UTC": the human form of a time in every language.
std::string HumanTime(absl::Time t);

// Tags as stored (space-separated) split into words.
std::vector<std::string> SplitTags(std::string_view tags);

// Serialized compactly; invalid UTF-8 becomes U+FFFD instead of throwing.
std::string DumpJson(const nlohmann::json& j);

// True for a link we are willing to put in an href: http(s) only.
bool IsWebLink(std::string_view url);

// `tmpl` with $0..$9 replaced by `args` ("$$" is a dollar sign). Templates
// are ours; the arguments may be anything and are inserted verbatim.
std::string Format(std::string_view tmpl,
                   std::initializer_list<std::string_view> args);

}  // namespace tocsin::notify::internal

#endif  // TOCSIN_NOTIFY_TEXT_H_
