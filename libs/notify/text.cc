#include "notify/text.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace tocsin::notify::internal {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // "…"

// Byte length of the (valid) UTF-8 sequence whose lead byte is `c`.
size_t SeqLen(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;  // A stray continuation byte: count it alone.
}

size_t UnitsOf(size_t seq_len, Units units) {
  // Characters outside the BMP take a surrogate pair in UTF-16.
  return units == Units::kUtf16 && seq_len == 4 ? 2 : 1;
}

}  // namespace

std::string CleanText(std::string_view s, size_t max_bytes) {
  return ToStorableText(s, max_bytes);
}

std::string SingleLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return out;
}

size_t Length(std::string_view s, Units units) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    size_t len = SeqLen(static_cast<unsigned char>(s[i]));
    n += UnitsOf(len, units);
    i += len;
  }
  return n;
}

std::string Truncate(std::string_view s, size_t max, Units units) {
  if (Length(s, units) <= max) return std::string(s);
  if (max == 0) return "";
  // Keep max - 1 units and spend the last on the ellipsis.
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < s.size();) {
    size_t len =
        std::min(SeqLen(static_cast<unsigned char>(s[i])), s.size() - i);
    size_t u = UnitsOf(len, units);
    if (used + u > max - 1) break;
    out.append(s.substr(i, len));
    used += u;
    i += len;
  }
  out.append(kEllipsis);
  return out;
}

std::string HtmlEscape(std::string_view s) { return tocsin::HtmlEscape(s); }

std::string SlackEscape(std::string_view s) {
  return tocsin::HtmlEscape(s, /*quotes=*/false);
}

std::string DiscordEscape(std::string_view s) {
  static constexpr std::string_view kSpecial = "\\*_~`|[]()<>#";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (kSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string HumanTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                          absl::FromUnixSeconds(absl::ToUnixSeconds(t)),
                          absl::UTCTimeZone());
}

std::vector<std::string> SplitTags(std::string_view tags) {
  return absl::StrSplit(Absl(tags), absl::ByAnyChar(" \t\r\n"),
                        absl::SkipEmpty());
}

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsWebLink(std::string_view url) {
  auto starts = [&](std::string_view p) {
    if (url.size() <= p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != p[i])
        return false;
    }
    return true;
  };
  if (!starts("http://") && !starts("https://")) return false;
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  return true;
}

std::string Format(std::string_view tmpl,
                   std::initializer_list<std::string_view> args) {
  std::string out;
  out.reserve(tmpl.size());
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '$' && i + 1 < tmpl.size()) {
      char next = tmpl[i + 1];
      if (next == '$') {
        out += '$';
        ++i;
        continue;
      }
      if (next >= '0' && next <= '9') {
        size_t k = static_cast<size_t>(next - '0');
        if (k < args.size()) out.append(*(args.begin() + k));
        ++i;
        continue;
      }
    }
    out += tmpl[i];
  }
  return out;
}

}  // namespace tocsin::notify::internal
