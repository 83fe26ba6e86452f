// Validation and normalization of each integration kind's settings.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "notify/notify.h"
#include "notify/text.h"

namespace tocsin::notify {
namespace {

using nlohmann::json;

constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxBody = 10000;
constexpr size_t kMaxHeaders = 20;
constexpr size_t kMaxHeaderName = 100;
constexpr size_t kMaxHeaderValue = 1000;
constexpr size_t kMaxEmails = 10;
constexpr size_t kMaxToken = 256;
constexpr size_t kMaxTopic = 64;
constexpr size_t kMaxBotToken = 100;
constexpr size_t kMaxChatUsername = 64;

constexpr std::string_view kChatKinds[] = {"slack", "mattermost", "rocketchat",
                                           "discord", "msteamsw"};

bool IsChatKind(std::string_view kind) {
  return std::find(std::begin(kChatKinds), std::end(kChatKinds), kind) !=
         std::end(kChatKinds);
}

absl::Status Bad(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(Absl(field), ": ", Absl(problem)));
}

// A user-supplied string quoted for an error message, so stray control
// characters cannot garble the message.
std::string Quote(std::string_view s) {
  return internal::DumpJson(internal::CleanText(s, 200));
}

bool IsAlnum(char c);

// A field name as an error message starts: bare when it looks like one.
std::string FieldName(std::string_view key) {
  bool plain = !key.empty() && key.size() <= 64 &&
               std::all_of(key.begin(), key.end(),
                           [](char c) { return IsAlnum(c) || c == '_'; });
  return plain ? std::string(key) : Quote(key);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// Reads fields of one settings object; absent and null fields are "not
// given" and take the caller's default.
class Reader {
 public:
  explicit Reader(const json& in) : in_(in) {}

  absl::Status OnlyKnown(std::string_view kind,
                         std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : in_.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Bad(FieldName(key), absl::StrCat("unknown field for ",
                                                Absl(kind), " integrations"));
      }
    }
    return absl::OkStatus();
  }

  // The field, or nullptr when absent or null.
  const json* Get(std::string_view field) const {
    auto it = in_.find(std::string(field));
    if (it == in_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  absl::StatusOr<std::string> String(std::string_view field,
                                     std::string_view default_value,
                                     size_t max_chars) const {
    const json* v = Get(field);
    if (v == nullptr) return std::string(default_value);
    if (!v->is_string()) return Bad(field, "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    RETURN_IF_ERROR(CheckText(field, s, max_chars));
    return s;
  }

  absl::StatusOr<bool> Bool(std::string_view field, bool default_value) const {
    const json* v = Get(field);
    if (v == nullptr) return default_value;
    if (!v->is_boolean()) return Bad(field, "must be true or false");
    return v->get<bool>();
  }

  absl::StatusOr<int64_t> Int(std::string_view field, int64_t default_value,
                              int64_t min, int64_t max) const {
    const json* v = Get(field);
    if (v == nullptr) return default_value;
    ASSIGN_OR_RETURN(int64_t n, AsInt(field, *v));
    if (n < min || n > max) {
      return Bad(field, absl::StrCat("must be between ", min, " and ", max));
    }
    return n;
  }

  static absl::StatusOr<int64_t> AsInt(std::string_view field, const json& v) {
    if (v.is_number_unsigned()) {
      if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
        return Bad(field, "is too large");
      }
      return static_cast<int64_t>(v.get<uint64_t>());
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    return Bad(field, "must be an integer");
  }

  static absl::Status CheckText(std::string_view field, std::string_view s,
                                size_t max_chars) {
    if (!IsStorableText(s)) {
      return Bad(field, "must be valid UTF-8 text without NUL characters");
    }
    if (internal::Length(s) > max_chars) {
      return Bad(field,
                 absl::StrCat("must be at most ", max_chars, " characters"));
    }
    return absl::OkStatus();
  }

 private:
  const json& in_;
};

bool IsRegNameChar(char c) {
  static constexpr std::string_view kOther = "-._~%!$&'()*+,;=";
  return IsAlnum(c) || kOther.find(c) != std::string_view::npos;
}

// http(s) URL with a host. `base` URLs get paths appended, so they may not
// have a query or fragment.
absl::Status CheckUrl(std::string_view field, std::string_view url, bool base) {
  constexpr std::string_view kNotHttp = "must be an http or https URL";
  if (url.empty()) return Bad(field, "is required");
  if (url.size() > kMaxUrl) {
    return Bad(field, absl::StrCat("must be at most ", kMaxUrl, " characters"));
  }
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) {
      return Bad(field, "must not contain spaces or control characters");
    }
    if (u >= 0x80) {
      return Bad(
          field,
          "must contain only ASCII characters (percent-encode the rest)");
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Bad(field, kNotHttp);
  std::string scheme = Lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return Bad(field, kNotHttp);

  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  std::string_view hostport =
      at == std::string_view::npos ? authority : authority.substr(at + 1);

  std::string_view host, port;
  bool has_port = false;
  bool host_ok = true;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos)
      return Bad(field, "has an invalid host");
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad(field, "has an invalid host");
      has_port = true;
      port = after.substr(1);
    }
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' &&
          c != '.') {
        host_ok = false;
      }
    }
  } else {
    size_t colon = hostport.find(':');
    host = hostport.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = hostport.substr(colon + 1);
    }
    host_ok = std::all_of(host.begin(), host.end(), IsRegNameChar);
  }
  if (host.empty())
    return Bad(field, "must be an http or https URL with a host");
  if (!host_ok) return Bad(field, "has an invalid host");
  if (has_port) {
    if (!IsDigits(port) || port.size() > 5 ||
        std::stoi(std::string(port)) < 1 ||
        std::stoi(std::string(port)) > 65535) {
      return Bad(field, "has an invalid port");
    }
  }
  if (base && url.find_first_of("?#") != std::string_view::npos) {
    return Bad(field, "must not have a query or fragment");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadUrl(const Reader& r, std::string_view field,
                                    std::string_view default_value, bool base) {
  ASSIGN_OR_RETURN(std::string url, r.String(field, default_value, kMaxUrl));
  RETURN_IF_ERROR(CheckUrl(field, url, base));
  // Base URLs get "/..." appended.
  if (base) {
    while (url.ends_with('/')) url.pop_back();  // The host is never empty.
  }
  return url;
}

bool IsTokenChar(char c) {
  static constexpr std::string_view kOther = "!#$%&'*+-.^_`|~";
  return IsAlnum(c) || kOther.find(c) != std::string_view::npos;
}

absl::StatusOr<json> ReadHeaders(const Reader& r, std::string_view field) {
  const json* v = r.Get(field);
  json out = json::object();
  if (v == nullptr) return out;
  if (!v->is_object()) {
    return Bad(field, "must be an object of header names to values");
  }
  if (v->size() > kMaxHeaders) {
    return Bad(field, absl::StrCat("at most ", kMaxHeaders, " headers"));
  }
  std::set<std::string> seen;
  for (const auto& [name, value] : v->items()) {
    if (name.empty() || name.size() > kMaxHeaderName ||
        !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Bad(field,
                 absl::StrCat(Quote(name), " is not a valid header name"));
    }
    std::string lower = Lower(name);
    // These frame the request itself; letting users set them would let a
    // webhook desynchronize or redirect the connection.
    if (lower == "host" || lower == "content-length" ||
        lower == "transfer-encoding" || lower == "connection") {
      return Bad(field,
                 absl::StrCat(Quote(name),
                              " is set by Tocsin and cannot be configured"));
    }
    if (!seen.insert(lower).second) {
      return Bad(field, absl::StrCat(Quote(name), " is given twice"));
    }
    if (!value.is_string()) {
      return Bad(field, absl::StrCat("the value of ", Quote(name),
                                     " must be a string"));
    }
    const auto& s = value.get_ref<const std::string&>();
    if (!IsStorableText(s) || internal::Length(s) > kMaxHeaderValue) {
      return Bad(field, absl::StrCat("the value of ", Quote(name),
                                     " must be UTF-8 text of at most ",
                                     kMaxHeaderValue, " characters"));
    }
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) {
        return Bad(field, absl::StrCat("the value of ", Quote(name),
                                       " must not contain CR, LF or other "
                                       "control characters"));
      }
    }
    out[name] = s;
  }
  return out;
}

absl::StatusOr<json> ValidateWebhook(const Reader& r) {
  RETURN_IF_ERROR(r.OnlyKnown(
      "webhook", {"url_down", "url_up", "method_down", "method_up", "body_down",
                  "body_up", "headers_down", "headers_up"}));
  json out = json::object();
  for (std::string_view side : {"down", "up"}) {
    std::string url_f = absl::StrCat("url_", Absl(side));
    std::string method_f = absl::StrCat("method_", Absl(side));
    std::string body_f = absl::StrCat("body_", Absl(side));
    std::string headers_f = absl::StrCat("headers_", Absl(side));

    ASSIGN_OR_RETURN(std::string url, r.String(url_f, "", kMaxUrl));
    if (!url.empty()) RETURN_IF_ERROR(CheckUrl(url_f, url, false));
    ASSIGN_OR_RETURN(std::string body, r.String(body_f, "", kMaxBody));
    ASSIGN_OR_RETURN(std::string method,
                     r.String(method_f, body.empty() ? "GET" : "POST", 100));
    for (char& c : method)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (method != "GET" && method != "POST" && method != "PUT") {
      return Bad(method_f, "must be GET, POST or PUT");
    }
    if (method == "GET" && !body.empty()) {
      return Bad(body_f, absl::StrCat("a GET request has no body; set ",
                                      method_f, " to POST or PUT"));
    }
    ASSIGN_OR_RETURN(json headers, ReadHeaders(r, headers_f));
    out[url_f] = url;
    out[method_f] = method;
    out[body_f] = body;
    out[headers_f] = std::move(headers);
  }
  if (out["url_down"].get_ref<const std::string&>().empty() &&
      out["url_up"].get_ref<const std::string&>().empty()) {
    return Bad("url_down", "url_down and url_up cannot both be empty");
  }
  return out;
}

bool IsEmailAddress(std::string_view a) {
  if (a.size() < 3 || a.size() > 254) return false;
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size())
    return false;
  std::string_view local = a.substr(0, at);
  std::string_view domain = a.substr(at + 1);
  if (local.size() > 64) return false;
  // No characters that would let one "address" become several, or a header.
  static constexpr std::string_view kSpecials = "()<>[]:;@\\,\"";
  for (char c : local) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || kSpecials.find(c) != std::string_view::npos) {
      return false;
    }
  }
  size_t label = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      if (label == 0) return false;  // Empty label: "a@.b", "a@b.", "a@b..c".
      label = 0;
      continue;
    }
    char c = domain[i];
    if (!IsAlnum(c) && c != '-' && static_cast<unsigned char>(c) < 0x80) {
      return false;
    }
    ++label;
  }
  return true;
}

absl::StatusOr<json> ValidateEmail(const Reader& r) {
  RETURN_IF_ERROR(r.OnlyKnown("email", {"to", "notify_down", "notify_up", "language"}));
  const json* to = r.Get("to");
  if (to == nullptr) return Bad("to", "is required");
  json list = to->is_array() ? *to : json::array({*to});
  if (list.empty()) return Bad("to", "is required");
  if (list.size() > kMaxEmails) {
    return Bad("to", absl::StrCat("at most ", kMaxEmails, " addresses"));
  }
  json addresses = json::array();
  std::set<std::string> seen;
  for (const json& item : list) {
    if (!item.is_string()) {
      return Bad("to", "must be an email address or a list of them");
    }
    const auto& a = item.get_ref<const std::string&>();
    if (!IsStorableText(a) || !IsEmailAddress(a)) {
      return Bad("to", absl::StrCat(Quote(a), " is not a valid email address"));
    }
    if (seen.insert(Lower(a)).second) addresses.push_back(a);
  }
  ASSIGN_OR_RETURN(bool down, r.Bool("notify_down", true));
  ASSIGN_OR_RETURN(bool up, r.Bool("notify_up", true));
  json out{{"to", std::move(addresses)}, {"notify_down", down}, {"notify_up", up}};
  // The messages' language; without one, the site's (TOCSIN_LANGUAGE).
  ASSIGN_OR_RETURN(std::string language, r.String("language", "", 10));
  if (!language.empty()) {
    if (language != "en" && language != "ja") return Bad("language", "must be \"en\" or \"ja\"");
    out["language"] = language;
  }
  return out;
}

absl::StatusOr<json> ValidateChat(std::string_view kind, const Reader& r) {
  RETURN_IF_ERROR(r.OnlyKnown(kind, {"url", "notify_down", "notify_up"}));
  ASSIGN_OR_RETURN(std::string url, ReadUrl(r, "url", "", false));
  ASSIGN_OR_RETURN(bool down, r.Bool("notify_down", true));
  ASSIGN_OR_RETURN(bool up, r.Bool("notify_up", true));
  return json{{"url", url}, {"notify_down", down}, {"notify_up", up}};
}

absl::StatusOr<json> ValidateNtfy(const Reader& r) {
  RETURN_IF_ERROR(
      r.OnlyKnown("ntfy", {"url", "topic", "priority_down", "priority_up",
                           "token", "notify_down", "notify_up"}));
  ASSIGN_OR_RETURN(std::string url, ReadUrl(r, "url", "https://ntfy.sh", true));
  ASSIGN_OR_RETURN(std::string topic, r.String("topic", "", kMaxTopic));
  if (topic.empty()) return Bad("topic", "is required");
  if (!std::all_of(topic.begin(), topic.end(),
                   [](char c) { return IsAlnum(c) || c == '-' || c == '_'; })) {
    return Bad("topic", "must be letters, digits, '-' and '_' only");
  }
  ASSIGN_OR_RETURN(int64_t prio_down, r.Int("priority_down", 5, 1, 5));
  ASSIGN_OR_RETURN(int64_t prio_up, r.Int("priority_up", 3, 1, 5));
  ASSIGN_OR_RETURN(std::string token, r.String("token", "", kMaxToken));
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      return Bad("token", "must be printable ASCII without spaces");
    }
  }
  ASSIGN_OR_RETURN(bool down, r.Bool("notify_down", true));
  ASSIGN_OR_RETURN(bool up, r.Bool("notify_up", true));
  return json{{"url", url},
              {"topic", topic},
              {"priority_down", prio_down},
              {"priority_up", prio_up},
              {"token", token},
              {"notify_down", down},
              {"notify_up", up}};
}

absl::StatusOr<json> ValidateTelegram(const Reader& r) {
  RETURN_IF_ERROR(
      r.OnlyKnown("telegram", {"bot_token", "chat_id", "thread_id", "api_url",
                               "notify_down", "notify_up"}));
  ASSIGN_OR_RETURN(std::string token, r.String("bot_token", "", kMaxBotToken));
  if (token.empty()) return Bad("bot_token", "is required");
  size_t colon = token.find(':');
  // The token becomes part of the request path, so its shape is strict.
  if (colon == std::string::npos || !IsDigits(token.substr(0, colon)) ||
      colon + 1 == token.size() ||
      !std::all_of(token.begin() + colon + 1, token.end(),
                   [](char c) { return IsAlnum(c) || c == '-' || c == '_'; })) {
    return Bad("bot_token", "must look like 123456:ABC-DEF1234ghIkl");
  }

  const json* chat = r.Get("chat_id");
  if (chat == nullptr) return Bad("chat_id", "is required");
  json chat_id;
  constexpr std::string_view kChatProblem =
      "must be a chat ID (an integer) or an @channelusername";
  if (chat->is_string()) {
    const auto& s = chat->get_ref<const std::string&>();
    std::string_view digits = s;
    if (digits.starts_with('-')) digits.remove_prefix(1);
    if (IsDigits(digits) && digits.size() <= 18) {
      chat_id = std::stoll(s);
    } else if (s.size() >= 2 && s.size() <= kMaxChatUsername + 1 &&
               s[0] == '@' && std::all_of(s.begin() + 1, s.end(), [](char c) {
                 return IsAlnum(c) || c == '_';
               })) {
      chat_id = s;
    } else {
      return Bad("chat_id", kChatProblem);
    }
  } else if (chat->is_number_integer()) {
    ASSIGN_OR_RETURN(int64_t n, Reader::AsInt("chat_id", *chat));
    chat_id = n;
  } else {
    return Bad("chat_id", kChatProblem);
  }
  if (chat_id.is_number() && chat_id.get<int64_t>() == 0) {
    return Bad("chat_id", kChatProblem);
  }

  json thread_id = nullptr;
  if (r.Get("thread_id") != nullptr) {
    ASSIGN_OR_RETURN(int64_t t, r.Int("thread_id", 0, 1, INT64_MAX));
    thread_id = t;
  }
  ASSIGN_OR_RETURN(std::string api_url,
                   ReadUrl(r, "api_url", "https://api.telegram.org", true));
  ASSIGN_OR_RETURN(bool down, r.Bool("notify_down", true));
  ASSIGN_OR_RETURN(bool up, r.Bool("notify_up", true));
  return json{{"bot_token", token},     {"chat_id", chat_id},
              {"thread_id", thread_id}, {"api_url", api_url},
              {"notify_down", down},    {"notify_up", up}};
}

}  // namespace

bool IsKnownKind(std::string_view kind) {
  return kind == "webhook" || kind == "email" || kind == "ntfy" ||
         kind == "telegram" || IsChatKind(kind);
}

absl::StatusOr<json> ValidateSettings(std::string_view kind,
                                      const json& settings) {
  if (!IsKnownKind(kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: unknown integration kind ", Quote(kind)));
  }
  if (!settings.is_object()) return Bad("settings", "must be a JSON object");
  Reader r(settings);
  if (kind == "webhook") return ValidateWebhook(r);
  if (kind == "email") return ValidateEmail(r);
  if (kind == "ntfy") return ValidateNtfy(r);
  if (kind == "telegram") return ValidateTelegram(r);
  return ValidateChat(kind, r);
}

absl::StatusOr<json> MergeSettings(std::string_view kind, const json& current,
                                   const json& patch) {
  if (!patch.is_object()) return Bad("settings", "must be a JSON object");
  json merged = current.is_object() ? current : json::object();
  for (const auto& [key, value] : patch.items()) merged[key] = value;
  return ValidateSettings(kind, merged);
}

bool Wants(std::string_view kind, const json& settings,
           std::string_view status) {
  if (status != "down" && status != "up") return false;
  if (!IsKnownKind(kind) || !settings.is_object()) return false;
  std::string field =
      absl::StrCat(kind == "webhook" ? "url_" : "notify_", Absl(status));
  auto it = settings.find(field);
  if (kind == "webhook") {
    return it != settings.end() && it->is_string() &&
           !it->get_ref<const std::string&>().empty();
  }
  return it == settings.end() || !it->is_boolean() || it->get<bool>();
}

}  // namespace tocsin::notify
