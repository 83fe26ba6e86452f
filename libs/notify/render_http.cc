// The HTTP request of every kind but email.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "notify/notify.h"
#include "notify/text.h"
#include "notify/view.h"

namespace tocsin::notify {
namespace {

using internal::DumpJson;
using internal::Format;
using internal::Truncate;
using internal::Units;
using internal::View;
using nlohmann::json;

// Longest user-written free text a chat message shows; the check's page has
// the rest.
constexpr size_t kChatDescription = 1000;
constexpr size_t kChatTags = 500;

constexpr std::string_view kJson = "application/json";

HttpRequest JsonPost(std::string url, const json& body) {
  return HttpRequest{
      .method = "POST",
      .url = std::move(url),
      .headers = {{"Content-Type", std::string(kJson)}},
      .body = DumpJson(body),
  };
}

std::string S(std::string_view s) { return std::string(s); }

bool SameHeader(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

absl::StatusOr<HttpRequest> Webhook(const json& s, const Event& e) {
  if (e.status != "down" && e.status != "up") {
    return absl::InvalidArgumentError(
        "status: must be \"down\" or \"up\" for a notification");
  }
  const std::string& side = e.status;
  const auto& url = s["url_" + side].get_ref<const std::string&>();
  if (url.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("this webhook has no URL for status ", side));
  }
  HttpRequest req;
  req.method = s["method_" + side].get<std::string>();
  req.url = ExpandPlaceholders(url, e, /*url_encode=*/true);
  req.body = ExpandPlaceholders(s["body_" + side].get<std::string>(), e, false);
  bool has_agent = false;
  for (const auto& [name, value] : s["headers_" + side].items()) {
    // A placeholder such as $BODY may bring line breaks; in a header value
    // they would start a new header.
    req.headers.emplace_back(
        name, internal::SingleLine(ExpandPlaceholders(
                  value.get_ref<const std::string&>(), e, false)));
    if (SameHeader(name, "User-Agent")) has_agent = true;
  }
  if (!has_agent) req.headers.emplace_back("User-Agent", "Tocsin");
  return req;
}

// Slack's incoming-webhook format, which Mattermost and Rocket.Chat accept
// too.
HttpRequest SlackLike(const json& s, const View& v) {
  auto esc = internal::SlackEscape;
  const Messages& m = *v.m;
  json fields = json::array();
  auto field = [&](std::string_view title, const std::string& value,
                   bool short_) {
    fields.push_back(
        {{"title", S(title)}, {"value", value}, {"short", short_}});
  };
  field(m.last_ping, v.last_ping, true);
  if (v.exit_status) field(m.exit_status, *v.exit_status, true);
  if (!v.tags.empty())
    field(m.tags, esc(Truncate(v.JoinedTags(), kChatTags)), true);
  if (!v.description.empty()) {
    field(m.description, esc(Truncate(v.description, kChatDescription)), false);
  }
  json attachment = {
      {"color", internal::StatusColorHex(v.down)},
      {"fallback", esc(v.Headline(v.name))},
      {"title", esc(v.name)},
      {"fields", std::move(fields)},
  };
  if (!v.link.empty()) attachment["title_link"] = v.link;
  json body = {
      {"username", v.site},
      {"text", absl::StrCat(Absl(internal::StatusEmoji(v.down)), " ",
                            esc(v.Headline(v.name)))},
      {"attachments", json::array({std::move(attachment)})},
  };
  return JsonPost(s["url"].get<std::string>(), body);
}

// Escaped for Discord and cut to `limit` UTF-16 units (Discord's measure),
// never leaving half an escape before the ellipsis.
std::string DiscordText(std::string_view raw, size_t limit) {
  std::string escaped = internal::DiscordEscape(raw);
  if (internal::Length(escaped, Units::kUtf16) <= limit) return escaped;
  std::string cut = Truncate(escaped, limit, Units::kUtf16);
  constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  cut.resize(cut.size() - kEllipsis.size());
  size_t slashes = 0;
  while (slashes < cut.size() && cut[cut.size() - 1 - slashes] == '\\')
    ++slashes;
  if (slashes % 2 == 1) cut.pop_back();
  return cut + std::string(kEllipsis);
}

HttpRequest Discord(const json& s, const View& v, const Event& e) {
  // Discord's documented embed limits.
  constexpr size_t kTitle = 256, kDescription = 4096, kFieldName = 256,
                   kFieldValue = 1024, kEmbedTotal = 6000;
  const Messages& m = *v.m;
  size_t used = 0;
  json fields = json::array();
  auto field = [&](std::string_view name, const std::string& value) {
    std::string n = DiscordText(name, kFieldName);
    std::string val = DiscordText(value, kFieldValue);
    used += internal::Length(n, Units::kUtf16) +
            internal::Length(val, Units::kUtf16);
    fields.push_back({{"name", n}, {"value", val}, {"inline", true}});
  };
  field(m.last_ping, v.last_ping);
  if (v.exit_status) field(m.exit_status, *v.exit_status);
  if (!v.tags.empty()) field(m.tags, v.JoinedTags());

  // Our templates hold no markdown, so escaping the whole title only
  // escapes the name.
  std::string title =
      DiscordText(absl::StrCat(Absl(internal::StatusEmoji(v.down)), " ",
                               v.Headline(v.name)),
                  kTitle);
  used += internal::Length(title, Units::kUtf16);

  json embed = {
      {"title", title},
      {"color", internal::StatusColor(v.down)},
      {"fields", std::move(fields)},
      {"timestamp", FormatUtcZ(e.now)},
  };
  if (!v.description.empty()) {
    size_t room = kEmbedTotal > used ? kEmbedTotal - used : 0;
    embed["description"] =
        DiscordText(v.description, std::min(kDescription, room));
  }
  if (!v.link.empty()) embed["url"] = v.link;
  json body = {
      {"username", v.site},
      {"embeds", json::array({std::move(embed)})},
      // Text from a check must never ping @everyone or anyone else.
      {"allowed_mentions", {{"parse", json::array()}}},
  };
  return JsonPost(s["url"].get<std::string>(), body);
}

// Microsoft Teams "Workflows" webhook: an Adaptive Card in a message.
HttpRequest Teams(const json& s, const View& v) {
  const Messages& m = *v.m;
  json facts = json::array();
  auto fact = [&](std::string_view title, const std::string& value) {
    facts.push_back({{"title", S(title)}, {"value", value}});
  };
  fact(m.last_ping, v.last_ping);
  if (v.exit_status) fact(m.exit_status, *v.exit_status);
  if (!v.tags.empty()) fact(m.tags, Truncate(v.JoinedTags(), kChatTags));

  json card_body = json::array({
      {{"type", "TextBlock"},
       {"text", absl::StrCat(Absl(internal::StatusEmoji(v.down)), " ",
                             v.Headline(v.name))},
       {"weight", "Bolder"},
       {"size", "Medium"},
       {"wrap", true},
       {"color", v.down ? "Attention" : "Good"}},
      {{"type", "FactSet"}, {"facts", std::move(facts)}},
  });
  if (!v.description.empty()) {
    card_body.push_back({{"type", "TextBlock"},
                         {"text", Truncate(v.description, kChatDescription)},
                         {"wrap", true},
                         {"isSubtle", true}});
  }
  json card = {
      {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
      {"type", "AdaptiveCard"},
      {"version", "1.2"},
      {"body", std::move(card_body)},
  };
  if (!v.link.empty()) {
    card["actions"] = json::array({{{"type", "Action.OpenUrl"},
                                    {"title", Format(m.view_in_site, {v.site})},
                                    {"url", v.link}}});
  }
  json body = {
      {"type", "message"},
      {"attachments",
       json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                     {"contentUrl", nullptr},
                     {"content", std::move(card)}}})},
  };
  return JsonPost(s["url"].get<std::string>(), body);
}

HttpRequest Ntfy(const json& s, const View& v) {
  // ntfy turns messages over 4096 bytes into attachments.
  constexpr size_t kMaxMessageBytes = 4000;
  const Messages& m = *v.m;
  std::string message = absl::StrCat(Absl(m.last_ping), ": ", v.last_ping);
  if (v.exit_status) {
    absl::StrAppend(&message, "\n", Absl(m.exit_status), ": ", *v.exit_status);
  }
  if (!v.tags.empty()) {
    absl::StrAppend(&message, "\n", Absl(m.tags), ": ",
                    Truncate(v.JoinedTags(), kChatTags));
  }
  if (!v.description.empty()) {
    absl::StrAppend(&message, "\n", Absl(m.description), ": ",
                    Truncate(v.description, kChatDescription));
  }
  json body = {
      {"topic", s["topic"]},
      {"title", v.Headline(v.name)},
      {"message", internal::CleanText(message, kMaxMessageBytes)},
      {"priority", s[v.down ? "priority_down" : "priority_up"]},
      {"tags", json::array({v.down ? "red_circle" : "green_circle"})},
  };
  if (!v.link.empty()) {
    body["click"] = v.link;
    body["actions"] = json::array({{{"action", "view"},
                                    {"label", Format(m.view_in_site, {v.site})},
                                    {"url", v.link}}});
  }
  HttpRequest req = JsonPost(s["url"].get<std::string>(), body);
  const auto& token = s["token"].get_ref<const std::string&>();
  if (!token.empty())
    req.headers.emplace_back("Authorization", "Bearer " + token);
  return req;
}

HttpRequest Telegram(const json& s, const View& v) {
  auto esc = internal::HtmlEscape;
  const Messages& m = *v.m;
  std::string text = absl::StrCat(
      Absl(internal::StatusEmoji(v.down)), " ",
      v.HeadlineHtml(absl::StrCat("<b>", esc(v.name), "</b>")), "\n");
  auto line = [&](std::string_view label, const std::string& value) {
    absl::StrAppend(&text, "\n<b>", esc(label), ":</b> ", esc(value));
  };
  line(m.last_ping, v.last_ping);
  if (v.exit_status) line(m.exit_status, *v.exit_status);
  if (!v.tags.empty()) line(m.tags, Truncate(v.JoinedTags(), kChatTags));
  if (!v.description.empty()) {
    line(m.description, Truncate(v.description, kChatDescription));
  }
  if (!v.link.empty()) {
    absl::StrAppend(&text, "\n\n<a href=\"", esc(v.link), "\">",
                    esc(Format(m.view_in_site, {v.site})), "</a>");
  }
  json body = {
      {"chat_id", s["chat_id"]},
      {"text", text},
      {"parse_mode", "HTML"},
      {"disable_web_page_preview", true},
  };
  if (!s["thread_id"].is_null()) body["message_thread_id"] = s["thread_id"];
  return JsonPost(
      absl::StrCat(s["api_url"].get<std::string>(), "/bot",
                   s["bot_token"].get<std::string>(), "/sendMessage"),
      body);
}

}  // namespace

absl::StatusOr<HttpRequest> RenderHttp(std::string_view kind,
                                       const nlohmann::json& settings,
                                       const Event& e) {
  if (kind == "email") {
    return absl::FailedPreconditionError(
        "email integrations send email, not HTTP requests");
  }
  ASSIGN_OR_RETURN(json s, ValidateSettings(kind, settings));
  if (kind == "webhook") return Webhook(s, e);
  ASSIGN_OR_RETURN(View v, internal::MakeView(e));
  if (kind == "discord") return Discord(s, v, e);
  if (kind == "msteamsw") return Teams(s, v);
  if (kind == "ntfy") return Ntfy(s, v);
  if (kind == "telegram") return Telegram(s, v);
  return SlackLike(s, v);  // slack, mattermost, rocketchat
}

}  // namespace tocsin::notify
