#include "web-gateway/badges.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace tocsin::gateway {
namespace {

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// Rough text width in Verdana 11px; good enough to size the two boxes.
int TextWidth(const std::string& s) {
  int chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return chars * 7 + 10;
}

}  // namespace

std::string BadgeSignature(const std::string& secret_key,
                           const std::string& badge_key, const std::string& tag) {
  return Base64Url(HmacSha256(secret_key, absl::StrCat(badge_key, "/", tag)))
      .substr(0, 8);
}

std::string BadgeState(const v1::GetBadgeCountsResponse& counts, bool three_state) {
  if (counts.down() > 0) return "down";
  if (three_state && counts.grace() > 0) return "late";
  return "up";
}

std::string RenderBadge(const std::string& format, const std::string& label,
                        const std::string& state,
                        const v1::GetBadgeCountsResponse& counts,
                        std::string* content_type) {
  if (format == "json") {
    *content_type = "application/json";
    return nlohmann::ordered_json{{"status", state},
                                  {"total", counts.total()},
                                  {"grace", counts.grace()},
                                  {"down", counts.down()}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (format == "shields") {
    *content_type = "application/json";
    std::string color = state == "up"     ? "success"
                        : state == "late" ? "important"
                                          : "critical";
    return nlohmann::ordered_json{{"schemaVersion", 1},
                                  {"label", label},
                                  {"message", state},
                                  {"color", color}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  *content_type = "image/svg+xml";
  std::string color = state == "up" ? "#4c1" : state == "late" ? "#fe7d37" : "#e05d44";
  int lw = TextWidth(label), sw = TextWidth(state);
  std::string l = XmlEscape(label);
  return absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", lw + sw,
      "\" height=\"20\" role=\"img\" aria-label=\"", l, ": ", state, "\">",
      "<title>", l, ": ", state, "</title>",
      "<rect width=\"", lw, "\" height=\"20\" fill=\"#555\"/>",
      "<rect x=\"", lw, "\" width=\"", sw, "\" height=\"20\" fill=\"", color, "\"/>",
      "<g fill=\"#fff\" text-anchor=\"middle\" "
      "font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\">",
      "<text x=\"", lw / 2, "\" y=\"14\">", l, "</text>",
      "<text x=\"", lw + sw / 2, "\" y=\"14\">", state, "</text></g></svg>");
}

std::optional<v1::GetBadgeCountsResponse> BadgeCache::Get(const std::string& key,
                                                          absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.stored >= ttl_) return std::nullopt;
  return it->second.value;
}

void BadgeCache::Put(const std::string& key,
                     const v1::GetBadgeCountsResponse& value, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[key] = Entry{value, now};
}

nlohmann::ordered_json BadgeUrls(const std::string& site_root,
                                 const std::string& secret_key,
                                 const std::string& badge_key,
                                 const std::string& tag) {
  std::string sig = BadgeSignature(secret_key, badge_key, tag);
  std::string base = absl::StrCat(site_root, "/badge/", badge_key, "/");
  // Tags are free text: escape what a path segment cannot hold.
  std::string path_tag;
  for (unsigned char c : tag) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        c == '*') {
      path_tag.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      path_tag += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  nlohmann::ordered_json j;
  for (const char* fmt : {"svg", "json", "shields"}) {
    if (tag == "*") {
      // The all-checks badge has no tag segment, as Healthchecks' URLs.
      j[fmt] = absl::StrCat(base, sig, "-2.", fmt);
      j[absl::StrCat(fmt, "3")] = absl::StrCat(base, sig, ".", fmt);
    } else {
      j[fmt] = absl::StrCat(base, sig, "-2/", path_tag, ".", fmt);
      j[absl::StrCat(fmt, "3")] = absl::StrCat(base, sig, "/", path_tag, ".", fmt);
    }
  }
  return j;
}

}  // namespace tocsin::gateway
