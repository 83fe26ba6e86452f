#include "checkjson/check_json.h"

#include <cctype>
#include <cstdint>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time_format.h"

namespace tocsin {

UrlConfig ReadUrlConfig(Settings& s) {
  UrlConfig urls;
  std::string site_root = s.String("SITE_ROOT", "http://localhost:8000");
  while (absl::EndsWith(site_root, "/")) site_root.pop_back();
  if (!absl::StartsWith(site_root, "http://") &&
      !absl::StartsWith(site_root, "https://")) {
    s.Fail("SITE_ROOT", "must start with http:// or https://");
  }
  urls.site_root = site_root;
  urls.ping_endpoint =
      s.String("PING_ENDPOINT", absl::StrCat(site_root, "/ping/"));
  if (!absl::EndsWith(urls.ping_endpoint, "/")) urls.ping_endpoint += "/";
  return urls;
}
namespace {

nlohmann::ordered_json TimeOrNull(bool present,
                                  const google::protobuf::Timestamp& ts) {
  if (!present) return nullptr;
  return FormatApiTime(FromProto(ts));
}

}  // namespace

std::string CheckStatusName(v1::CheckStatus s) {
  switch (s) {
    case v1::CHECK_STATUS_UP:
      return "up";
    case v1::CHECK_STATUS_GRACE:
      return "grace";
    case v1::CHECK_STATUS_DOWN:
      return "down";
    case v1::CHECK_STATUS_PAUSED:
      return "paused";
    default:
      return "new";
  }
}

nlohmann::ordered_json CheckToJson(const v1::Check& c, const UrlConfig& urls,
                                   int api_version) {
  nlohmann::ordered_json j;
  j["name"] = c.name();
  j["slug"] = c.slug();
  j["tags"] = c.tags();
  j["desc"] = c.desc();
  j["grace"] = c.grace().seconds();
  j["n_pings"] = c.n_pings();
  if (api_version == 1) {
    j["status"] = c.started() ? "started" : CheckStatusName(c.status());
  } else {
    j["status"] = CheckStatusName(c.status());
    j["started"] = c.started();
  }
  j["last_ping"] = TimeOrNull(c.has_last_ping(), c.last_ping());
  j["next_ping"] = TimeOrNull(c.has_next_ping(), c.next_ping());
  j["manual_resume"] = c.manual_resume();
  j["methods"] = c.methods();
  j["start_kw"] = c.start_kw();
  j["success_kw"] = c.success_kw();
  j["failure_kw"] = c.failure_kw();
  j["filter_subject"] = c.filter_subject();
  j["filter_body"] = c.filter_body();
  j["filter_http_body"] = c.filter_http_body();
  j["filter_default_fail"] = c.filter_default_fail();
  j["badge_url"] = absl::StrCat(urls.site_root, "/b/2/", c.badge_key(), ".svg");
  if (c.uuid().empty()) {
    j["unique_key"] = c.unique_key();
  } else {
    const std::string api = absl::StrCat(urls.site_root, "/api/v", api_version,
                                         "/checks/", c.uuid());
    j["uuid"] = c.uuid();
    j["ping_url"] = absl::StrCat(urls.ping_endpoint, c.uuid());
    j["update_url"] = api;
    j["pause_url"] = absl::StrCat(api, "/pause");
    j["resume_url"] = absl::StrCat(api, "/resume");
    j["channels"] = absl::StrJoin(c.channels(), ",");
  }
  if (c.kind() == v1::SCHEDULE_KIND_CRON ||
      c.kind() == v1::SCHEDULE_KIND_ONCALENDAR) {
    j["schedule"] = c.schedule();
    j["tz"] = c.tz();
  } else {
    j["timeout"] = c.timeout().seconds();
  }
  return j;
}

nlohmann::ordered_json PingToJson(const v1::Ping& p,
                                  const std::string& check_uuid,
                                  const UrlConfig& urls, int api_version) {
  static const char* kTypes[] = {"", "success", "start", "fail", "log", "ign"};
  nlohmann::ordered_json j;
  int kind = static_cast<int>(p.kind());
  j["type"] = kind >= 1 && kind <= 5 ? kTypes[kind] : "ign";
  // Pings carry microseconds, as Healthchecks shows them.
  j["date"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00",
                               FromProto(p.created()), absl::UTCTimeZone());
  j["n"] = p.n();
  j["scheme"] = p.scheme();
  j["remote_addr"] = p.remote_addr();
  j["method"] = p.method();
  j["ua"] = p.user_agent();
  j["rid"] = p.rid().empty() ? nlohmann::ordered_json(nullptr)
                             : nlohmann::ordered_json(p.rid());
  if (p.has_duration()) {
    j["duration"] = absl::ToDoubleSeconds(FromProto(p.duration()));
  }
  if (p.body_size() > 0) {
    j["body_url"] = absl::StrCat(urls.site_root, "/api/v", api_version,
                                 "/checks/", check_uuid,
                                 "/pings/", p.n(), "/body");
  } else {
    j["body_url"] = nullptr;
  }
  return j;
}

namespace {

// ASCII letters for the accented Latin letters of U+00C0..U+017F, as a
// compatibility decomposition followed by dropping the accents gives them
// (what Django's slugify does); 0 where there is none.
char FoldLatin(uint32_t cp) {
  // Generated from Unicode's NFKD decompositions (letters that decompose to
  // one ASCII letter plus marks); Æ, ß, Đ and the like have none.
  static constexpr char kLatin1[] =  // U+00C0 .. U+00FF
      "AAAAAA\0CEEEEIIII\0NOOOOO\0\0UUUUY\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y";
  static constexpr char kExtendedA[] =  // U+0100 .. U+017F
      "AaAaAaCcCcCcCcDd\0\0EeEeEeEeEeGgGgGgGgHh\0\0IiIiIiIiI\0\0\0JjKk\0LlLlLlLl"
      "\0\0NnNnNnn\0\0OoOoOo\0\0RrRrRrSsSsSsSsTtTt\0\0UuUuUuUuUuUuWwYyYZzZzZzs";
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  if (cp >= 0x100 && cp <= 0x17F) return kExtendedA[cp - 0x100];
  return 0;
}

}  // namespace

std::string Slugify(const std::string& raw) {
  // Fold accented Latin letters to ASCII first; other non-ASCII is dropped.
  std::string name;
  for (size_t i = 0; i < raw.size();) {
    unsigned char b = static_cast<unsigned char>(raw[i]);
    if (b < 0x80) {
      name.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (n == 2 && i + 1 < raw.size()) {
      cp = ((b & 0x1F) << 6) | (static_cast<unsigned char>(raw[i + 1]) & 0x3F);
    }
    if (char folded = FoldLatin(cp)) name.push_back(folded);
    i += n;
  }
  std::string out;
  bool pending_hyphen = false;
  for (unsigned char ch : name) {
    char c = static_cast<char>(std::tolower(ch));
    bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (c == '-' || std::isspace(static_cast<unsigned char>(c))) {
      pending_hyphen = !out.empty();
    } else if (word) {
      if (pending_hyphen) out.push_back('-');
      pending_hyphen = false;
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.front() == '_' || out.front() == '-')) out.erase(0, 1);
  while (!out.empty() && (out.back() == '_' || out.back() == '-')) out.pop_back();
  return out;
}

nlohmann::ordered_json FlipToJson(const v1::Flip& f) {
  nlohmann::ordered_json j;
  j["timestamp"] = FormatApiTime(FromProto(f.created()));
  j["up"] = f.new_status() == v1::CHECK_STATUS_UP ? 1 : 0;
  return j;
}

}  // namespace tocsin
