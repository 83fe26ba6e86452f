#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_format.h"
#include "nlohmann/json.hpp"
#include "notify/notify.h"
#include "notify/text.h"

namespace tocsin::notify {
namespace {

// Percent-encodes all but RFC 3986 unreserved characters, byte by byte.
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                      (u >= '0' && u <= '9') || u == '-' || u == '.' ||
                      u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// A JSON string literal, ASCII-only (\uXXXX for the rest) so it survives any
// body encoding; invalid UTF-8 becomes U+FFFD.
std::string JsonQuote(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

// Fixed names, longest first among those sharing a prefix, so "$NAME_JSON"
// is not read as "$NAME" followed by "_JSON".
enum class Ph {
  kCode,
  kNameJson,
  kName,
  kSlug,
  kNow,
  kStatus,
  kTags,
  kBodyJson,
  kBody,
  kExitStatus,
  kJson
};
struct Named {
  std::string_view word;
  Ph ph;
};
constexpr Named kNamed[] = {
    {"CODE", Ph::kCode}, {"NAME_JSON", Ph::kNameJson},
    {"NAME", Ph::kName}, {"SLUG", Ph::kSlug},
    {"NOW", Ph::kNow},   {"STATUS", Ph::kStatus},
    {"TAGS", Ph::kTags}, {"BODY_JSON", Ph::kBodyJson},
    {"BODY", Ph::kBody}, {"EXITSTATUS", Ph::kExitStatus},
    {"JSON", Ph::kJson},
};

std::string Value(Ph ph, const Event& e, const std::vector<std::string>& tags) {
  switch (ph) {
    case Ph::kCode:
      return e.check_uuid;
    case Ph::kNameJson:
      return JsonQuote(e.name);
    case Ph::kName:
      return e.name;
    case Ph::kSlug:
      return e.slug;
    case Ph::kNow:
      return FormatApiTime(e.now);
    case Ph::kStatus:
      return e.status;
    case Ph::kTags: {
      std::string joined;
      for (const auto& t : tags) {
        if (!joined.empty()) joined += ' ';
        joined += t;
      }
      return joined;
    }
    case Ph::kBodyJson:
      return JsonQuote(e.body);
    case Ph::kBody:
      return e.body;
    case Ph::kExitStatus:
      return std::to_string(e.exit_status.value_or(-1));
    case Ph::kJson:
      return e.check_json;
  }
  return "";
}

}  // namespace

std::string ExpandPlaceholders(std::string_view tmpl, const Event& e,
                               bool url_encode) {
  const std::vector<std::string> tags = internal::SplitTags(e.tags);
  std::string out;
  out.reserve(tmpl.size());
  auto insert = [&](const std::string& v) {
    out += url_encode ? UrlEncode(v) : v;
  };

  size_t i = 0;
  while (i < tmpl.size()) {
    size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, dollar - i));
    std::string_view rest = tmpl.substr(dollar + 1);

    // $TAG<digits>: all the digits belong to the placeholder.
    if (rest.starts_with("TAG") && rest.size() > 3 && rest[3] >= '0' &&
        rest[3] <= '9') {
      size_t end = 3;
      uint64_t n = 0;
      bool huge = false;
      while (end < rest.size() && rest[end] >= '0' && rest[end] <= '9') {
        if (n > 1'000'000) huge = true;  // Far beyond any tag count.
        if (!huge) n = n * 10 + static_cast<uint64_t>(rest[end] - '0');
        ++end;
      }
      if (!huge && n >= 1 && n <= tags.size()) insert(tags[n - 1]);
      i = dollar + 1 + end;
      continue;
    }

    bool matched = false;
    for (const Named& p : kNamed) {
      if (rest.starts_with(p.word)) {
        insert(Value(p.ph, e, tags));
        i = dollar + 1 + p.word.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      out += '$';
      i = dollar + 1;
    }
  }
  return out;
}

}  // namespace tocsin::notify
