#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notify/notify.h"
#include "notify/test_event.h"

namespace tocsin::notify {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kRed[] = "\xF0\x9F\x94\xB4";    // 🔴
constexpr char kGreen[] = "\xF0\x9F\x9F\xA2";  // 🟢
constexpr char kEllipsis[] = "\xE2\x80\xA6";   // …

HttpRequest Render(std::string_view kind, const json& settings,
                   const Event& e) {
  auto r = RenderHttp(kind, settings, e);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : HttpRequest{};
}

json Body(const HttpRequest& req) { return json::parse(req.body); }

std::string Header(const HttpRequest& req, std::string_view name) {
  for (const auto& [n, v] : req.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

// Discord counts in UTF-16 units.
size_t Utf16Length(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    n += len == 4 ? 2 : 1;
    i += len;
  }
  return n;
}

const json kChat = {{"url", "https://hooks.example.com/services/T0/B0/x"}};

TEST(RenderHttpTest, EmailIsNotHttp) {
  auto r = RenderHttp("email", {{"to", "a@example.org"}}, SampleEvent());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RenderHttpTest, BadSettingsOrStatusAreErrors) {
  EXPECT_EQ(RenderHttp("slack", json::object(), SampleEvent()).status().code(),
            absl::StatusCode::kInvalidArgument);
  Event e = SampleEvent();
  e.status = "grace";
  EXPECT_EQ(RenderHttp("slack", kChat, e).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RenderHttp("webhook", {{"url_down", "https://e.example/"}}, e)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RenderHttpTest, SlackDown) {
  HttpRequest req = Render("slack", kChat, SampleEvent());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://hooks.example.com/services/T0/B0/x");
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  json b = Body(req);
  EXPECT_EQ(b["username"], "Tocsin");
  EXPECT_EQ(b["text"], std::string(kRed) +
                           " The check \xE2\x80\x9C"
                           "Database Backup\xE2\x80\x9D is DOWN.");
  ASSERT_EQ(b["attachments"].size(), 1u);
  const json& a = b["attachments"][0];
  EXPECT_EQ(a["color"], "#d9534f");
  EXPECT_EQ(a["title"], "Database Backup");
  EXPECT_EQ(a["title_link"], kCheckUrl);
  EXPECT_THAT(a["fields"], Contains(json({{"title", "Last ping"},
                                          {"value", "2024-03-10 06:59:30 UTC"},
                                          {"short", true}})));
  EXPECT_THAT(a["fields"],
              Contains(json(
                  {{"title", "Tags"}, {"value", "prod db"}, {"short", true}})));
  EXPECT_THAT(
      a["fields"],
      Contains(
          json({{"title", "Exit status"}, {"value", "1"}, {"short", true}})));
  EXPECT_THAT(a["fields"],
              Contains(json({{"title", "Description"},
                             {"value", "Nightly pg_dump of the main database."},
                             {"short", false}})));
}

TEST(RenderHttpTest, SlackLikeKindsUpUnnamedNeverPinged) {
  Event e = SampleEvent();
  e.status = "up";
  e.name = "";
  e.last_ping.reset();
  e.exit_status.reset();
  e.check_url = "";
  e.tags = "";
  e.description = "";
  e.site_name = "Acme Monitor";
  for (const char* kind : {"slack", "mattermost", "rocketchat"}) {
    json b = Body(Render(kind, kChat, e));
    EXPECT_EQ(b["username"], "Acme Monitor") << kind;
    EXPECT_THAT(b["text"].get<std::string>(), HasSubstr(kGreen)) << kind;
    EXPECT_THAT(b["text"].get<std::string>(),
                HasSubstr(std::string(kUuid) + "\xE2\x80\x9D is UP again."));
    const json& a = b["attachments"][0];
    EXPECT_EQ(a["color"], "#5cb85c");
    EXPECT_EQ(a["title"], kUuid);
    EXPECT_FALSE(a.contains("title_link"));
    ASSERT_EQ(a["fields"].size(), 1u);
    EXPECT_EQ(a["fields"][0]["value"], "never");
  }
}

TEST(RenderHttpTest, SlackEscapesControlCharacters) {
  Event e = SampleEvent();
  e.name = "<!channel> & <https://evil.example|click>";
  json b = Body(Render("slack", kChat, e));
  std::string text = b["text"];
  EXPECT_THAT(
      text,
      HasSubstr("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"));
  EXPECT_THAT(text, Not(HasSubstr("<")));
  EXPECT_EQ(b["attachments"][0]["title"],
            "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;");
}

TEST(RenderHttpTest, Discord) {
  HttpRequest req =
      Render("discord", {{"url", "https://discord.com/api/webhooks/1/abc"}},
             SampleEvent());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://discord.com/api/webhooks/1/abc");
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  json b = Body(req);
  EXPECT_EQ(b["username"], "Tocsin");
  EXPECT_EQ(b["allowed_mentions"], json({{"parse", json::array()}}));
  const json& embed = b["embeds"][0];
  EXPECT_EQ(embed["title"], std::string(kRed) +
                                " The check \xE2\x80\x9C"
                                "Database Backup\xE2\x80\x9D is DOWN.");
  EXPECT_EQ(embed["url"], kCheckUrl);
  EXPECT_EQ(embed["color"], 0xD9534F);
  EXPECT_EQ(embed["description"], "Nightly pg\\_dump of the main database.");
  EXPECT_EQ(embed["timestamp"], "2024-03-10T07:00:00Z");
  EXPECT_THAT(embed["fields"],
              Contains(json({{"name", "Last ping"},
                             {"value", "2024-03-10 06:59:30 UTC"},
                             {"inline", true}})));
  Event up = SampleEvent();
  up.status = "up";
  EXPECT_EQ(Body(Render("discord", kChat, up))["embeds"][0]["color"], 0x5CB85C);
}

TEST(RenderHttpTest, DiscordTruncatesToItsLimits) {
  Event e = SampleEvent();
  e.name = std::string(300, 'n');
  e.description = std::string(5000, 'd');
  e.tags = std::string(1100, 't');
  json embed = Body(Render("discord", kChat, e))["embeds"][0];
  std::string title = embed["title"], desc = embed["description"];
  EXPECT_EQ(Utf16Length(title), 256u);
  EXPECT_TRUE(title.ends_with(kEllipsis));
  EXPECT_EQ(Utf16Length(desc), 4096u);
  EXPECT_TRUE(desc.ends_with(kEllipsis));
  size_t total = Utf16Length(title) + Utf16Length(desc);
  for (const json& f : embed["fields"]) {
    std::string v = f["value"];
    EXPECT_LE(Utf16Length(v), 1024u);
    total += Utf16Length(f["name"].get<std::string>()) + Utf16Length(v);
  }
  EXPECT_LE(total, 6000u);

  // A cut never leaves a dangling escape backslash before the ellipsis.
  e.description = std::string(5000, '*');
  desc = Body(Render("discord", kChat, e))["embeds"][0]["description"];
  EXPECT_LE(Utf16Length(desc), 4096u);
  EXPECT_TRUE(desc.ends_with("\\*" + std::string(kEllipsis)));
}

TEST(RenderHttpTest, DiscordEscapesMarkdownLinks) {
  Event e = SampleEvent();
  e.description = "[click me](https://evil.example) @everyone";
  json b = Body(Render("discord", kChat, e));
  EXPECT_EQ(b["embeds"][0]["description"],
            "\\[click me\\]\\(https://evil.example\\) @everyone");
}

TEST(RenderHttpTest, MsTeamsWorkflows) {
  HttpRequest req =
      Render("msteamsw", {{"url", "https://prod.example.logic.azure.com/wf"}},
             SampleEvent());
  EXPECT_EQ(req.url, "https://prod.example.logic.azure.com/wf");
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  json b = Body(req);
  EXPECT_EQ(b["type"], "message");
  const json& att = b["attachments"][0];
  EXPECT_EQ(att["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_TRUE(att["contentUrl"].is_null());
  const json& card = att["content"];
  EXPECT_EQ(card["$schema"],
            "http://adaptivecards.io/schemas/adaptive-card.json");
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.2");
  EXPECT_EQ(card["body"][0]["type"], "TextBlock");
  EXPECT_THAT(card["body"][0]["text"].get<std::string>(),
              HasSubstr("Database Backup"));
  EXPECT_THAT(card["body"][0]["text"].get<std::string>(), HasSubstr("DOWN"));
  EXPECT_EQ(card["body"][0]["color"], "Attention");
  EXPECT_EQ(card["body"][1]["type"], "FactSet");
  EXPECT_THAT(card["body"][1]["facts"],
              Contains(json({{"title", "Last ping"},
                             {"value", "2024-03-10 06:59:30 UTC"}})));
  EXPECT_EQ(card["actions"], json::array({{{"type", "Action.OpenUrl"},
                                           {"title", "View in Tocsin"},
                                           {"url", kCheckUrl}}}));
  Event e = SampleEvent();
  e.check_url = "";
  e.status = "up";
  json up_card =
      Body(Render("msteamsw", kChat, e))["attachments"][0]["content"];
  EXPECT_FALSE(up_card.contains("actions"));
  EXPECT_EQ(up_card["body"][0]["color"], "Good");
}

TEST(RenderHttpTest, Ntfy) {
  json s = {{"topic", "ops"},
            {"url", "https://ntfy.example.org/"},
            {"token", "tk_secret"}};
  HttpRequest req = Render("ntfy", s, SampleEvent());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://ntfy.example.org");
  EXPECT_EQ(Header(req, "Authorization"), "Bearer tk_secret");
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  json b = Body(req);
  EXPECT_EQ(b["topic"], "ops");
  EXPECT_EQ(b["title"],
            "The check \xE2\x80\x9C"
            "Database Backup\xE2\x80\x9D is DOWN.");
  EXPECT_EQ(b["priority"], 5);
  EXPECT_EQ(b["tags"], json::array({"red_circle"}));
  EXPECT_EQ(b["click"], kCheckUrl);
  EXPECT_EQ(b["actions"][0]["url"], kCheckUrl);
  EXPECT_THAT(b["message"].get<std::string>(),
              HasSubstr("Last ping: 2024-03-10 06:59:30 UTC"));
  EXPECT_THAT(b["message"].get<std::string>(), HasSubstr("Exit status: 1"));

  Event up = SampleEvent();
  up.status = "up";
  up.check_url = "";
  req = Render("ntfy", {{"topic", "ops"}}, up);
  EXPECT_EQ(req.url, "https://ntfy.sh");
  EXPECT_EQ(Header(req, "Authorization"), "<none>");
  b = Body(req);
  EXPECT_EQ(b["priority"], 3);
  EXPECT_EQ(b["tags"], json::array({"green_circle"}));
  EXPECT_FALSE(b.contains("click"));
  EXPECT_FALSE(b.contains("actions"));
}

TEST(RenderHttpTest, Telegram) {
  json s = {{"bot_token", "123456:ABC-def"},
            {"chat_id", "-100200300"},
            {"thread_id", 7}};
  Event e = SampleEvent();
  e.name = "<b>&";
  e.description = "a < b";
  HttpRequest req = Render("telegram", s, e);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.telegram.org/bot123456:ABC-def/sendMessage");
  EXPECT_EQ(Header(req, "Content-Type"), "application/json");
  json b = Body(req);
  EXPECT_EQ(b["chat_id"], -100200300);
  EXPECT_EQ(b["parse_mode"], "HTML");
  EXPECT_EQ(b["disable_web_page_preview"], true);
  EXPECT_EQ(b["message_thread_id"], 7);
  std::string text = b["text"];
  EXPECT_THAT(text, HasSubstr("<b>&lt;b&gt;&amp;</b>"));
  EXPECT_THAT(text, Not(HasSubstr("<b>&</b>")));
  EXPECT_THAT(text, HasSubstr("a &lt; b"));
  EXPECT_THAT(text, HasSubstr("is DOWN."));
  EXPECT_THAT(text, HasSubstr("<b>Last ping:</b> 2024-03-10 06:59:30 UTC"));
  EXPECT_THAT(text, HasSubstr(std::string("<a href=\"") + kCheckUrl +
                              "\">View in Tocsin</a>"));

  req = Render("telegram",
               {{"bot_token", "1:x"},
                {"chat_id", "@chan"},
                {"api_url", "http://bot-api.local:8081"}},
               SampleEvent());
  EXPECT_EQ(req.url, "http://bot-api.local:8081/bot1:x/sendMessage");
  b = Body(req);
  EXPECT_EQ(b["chat_id"], "@chan");
  EXPECT_FALSE(b.contains("message_thread_id"));
}

TEST(RenderHttpTest, NonWebLinksAreDropped) {
  Event e = SampleEvent();
  e.check_url = "javascript:alert(1)";
  json b = Body(Render("slack", kChat, e));
  EXPECT_FALSE(b["attachments"][0].contains("title_link"));
  b = Body(Render("telegram", {{"bot_token", "1:x"}, {"chat_id", 1}}, e));
  EXPECT_THAT(b["text"].get<std::string>(), Not(HasSubstr("javascript")));
}

TEST(RenderHttpTest, InvalidUtf8InUserTextStillRendersJson) {
  Event e = SampleEvent();
  e.name = "bad\xFF\xFE";
  e.description = std::string("nul\0byte", 8);
  for (const char* kind : {"slack", "discord", "msteamsw"}) {
    HttpRequest req = Render(kind, kChat, e);
    EXPECT_NO_THROW(json::parse(req.body)) << kind;
    EXPECT_THAT(req.body, HasSubstr("bad\xEF\xBF\xBD")) << kind;
  }
}

TEST(RenderHttpTest, JapaneseMessages) {
  Event e = SampleEvent();
  e.language = "ja";
  json b = Body(Render("ntfy", {{"topic", "t"}}, e));
  EXPECT_EQ(b["title"], "チェック「Database Backup」がダウンしました。");
  EXPECT_THAT(b["message"].get<std::string>(), HasSubstr("終了ステータス: 1"));
}

// --- webhook ---

TEST(WebhookRenderTest, GetWithUrlOnly) {
  Event e = SampleEvent();
  e.name = "a b&c/\xC3\xBC";
  HttpRequest req = Render(
      "webhook",
      {{"url_down", "https://example.org/hook/$CODE?name=$NAME&s=$STATUS"}}, e);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, std::string("https://example.org/hook/") + kUuid +
                         "?name=a%20b%26c%2F%C3%BC&s=down");
  EXPECT_EQ(req.body, "");
  EXPECT_EQ(req.headers, (std::vector<std::pair<std::string, std::string>>{
                             {"User-Agent", "Tocsin"}}));
}

TEST(WebhookRenderTest, NoUrlForThisStatus) {
  Event e = SampleEvent();
  e.status = "up";
  auto r = RenderHttp("webhook", {{"url_down", "https://example.org/"}}, e);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(WebhookRenderTest, PostWithBodyAndHeaders) {
  json s = {
      {"url_up", "https://example.org/up"},
      {"body_up",
       "{\"name\": $NAME_JSON, \"status\": \"$STATUS\", \"at\": \"$NOW\"}"},
      {"headers_up",
       {{"Content-Type", "application/json"},
        {"X-Check", "$NAME ($TAG1)"},
        {"X-Body", "$BODY"}}}};
  Event e = SampleEvent();
  e.status = "up";
  e.name = "Say \"hi\"";
  e.body = "line1\r\nX-Injected: yes";
  HttpRequest req = Render("webhook", s, e);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://example.org/up");
  EXPECT_EQ(
      req.body,
      R"({"name": "Say \"hi\"", "status": "up", "at": "2024-03-10T07:00:00+00:00"})");
  EXPECT_NO_THROW(json::parse(req.body));
  EXPECT_THAT(req.headers, Contains(Pair("Content-Type", "application/json")));
  EXPECT_THAT(req.headers, Contains(Pair("X-Check", "Say \"hi\" (prod)")));
  // Line breaks from a placeholder cannot start a new header.
  EXPECT_THAT(req.headers, Contains(Pair("X-Body", "line1  X-Injected: yes")));
  EXPECT_THAT(req.headers, Contains(Pair("User-Agent", "Tocsin")));
  EXPECT_EQ(req.headers.size(), 4u);
}

TEST(WebhookRenderTest, UserAgentAndMethodFromSettingsWin) {
  json s = {{"url_down", "http://example.org/d"},
            {"method_down", "PUT"},
            {"headers_down", {{"user-agent", "my-agent/$STATUS"}}}};
  HttpRequest req = Render("webhook", s, SampleEvent());
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.headers, (std::vector<std::pair<std::string, std::string>>{
                             {"user-agent", "my-agent/down"}}));
  // No Content-Type is invented for a body the user did not type.
  s["body_down"] = "$BODY";
  req = Render("webhook", s, SampleEvent());
  EXPECT_EQ(req.body, "pg_dump: error: disk full");
  EXPECT_EQ(Header(req, "Content-Type"), "<none>");
}

}  // namespace
}  // namespace tocsin::notify
