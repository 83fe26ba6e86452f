#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notify/notify.h"

namespace tocsin::notify {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The error message of an invalid settings object ("" when it was valid).
std::string Error(std::string_view kind, const json& settings) {
  auto r = ValidateSettings(kind, settings);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(SettingsTest, KnownKinds) {
  for (const char* k : {"webhook", "email", "slack", "mattermost", "rocketchat",
                        "discord", "msteamsw", "ntfy", "telegram"}) {
    EXPECT_TRUE(IsKnownKind(k)) << k;
  }
  EXPECT_FALSE(IsKnownKind("pagerduty"));
  EXPECT_FALSE(IsKnownKind("Slack"));
  EXPECT_FALSE(IsKnownKind(""));
  EXPECT_THAT(Error("pagerduty", json::object()), StartsWith("kind:"));
}

TEST(SettingsTest, SettingsMustBeAnObject) {
  EXPECT_THAT(Error("slack", json::array()), StartsWith("settings:"));
  EXPECT_THAT(Error("slack", "https://hooks.slack.com/x"),
              StartsWith("settings:"));
}

TEST(WebhookSettingsTest, DefaultsFilledIn) {
  auto r =
      ValidateSettings("webhook", {{"url_down", "https://example.org/down"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, json({{"url_down", "https://example.org/down"},
                      {"url_up", ""},
                      {"method_down", "GET"},
                      {"method_up", "GET"},
                      {"body_down", ""},
                      {"body_up", ""},
                      {"headers_down", json::object()},
                      {"headers_up", json::object()}}));
}

TEST(WebhookSettingsTest, BodyMakesThePostDefaultAndMethodsAreUpperCased) {
  auto r =
      ValidateSettings("webhook", {{"url_up", "http://example.org:8080/up"},
                                   {"body_up", "{\"s\": \"$STATUS\"}"},
                                   {"method_down", "put"},
                                   {"headers_up", {{"X-Token", "abc"}}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["method_up"], "POST");
  EXPECT_EQ((*r)["method_down"], "PUT");
  EXPECT_EQ((*r)["headers_up"], json({{"X-Token", "abc"}}));
}

TEST(WebhookSettingsTest, Rejections) {
  const json ok = {{"url_down", "https://example.org/"}};
  auto with = [&](const char* field, json value) {
    json s = ok;
    s[field] = std::move(value);
    return Error("webhook", s);
  };
  EXPECT_EQ(Error("webhook", ok), "");
  EXPECT_EQ(Error("webhook",
                  {{"url_down", "https://example.org/"}, {"colour", "red"}}),
            "colour: unknown field for webhook integrations");
  EXPECT_EQ(Error("webhook", json::object()),
            "url_down: url_down and url_up cannot both be empty");
  EXPECT_EQ(Error("webhook", {{"url_down", ""}, {"url_up", nullptr}}),
            "url_down: url_down and url_up cannot both be empty");
  EXPECT_EQ(with("url_down", "ftp://example.org/"),
            "url_down: must be an http or https URL");
  EXPECT_EQ(with("url_up", "example.org/up"),
            "url_up: must be an http or https URL");
  EXPECT_EQ(with("url_up", "https:///path"),
            "url_up: must be an http or https URL with a host");
  EXPECT_EQ(with("url_up", "https://user@:80/"),
            "url_up: must be an http or https URL with a host");
  EXPECT_EQ(with("url_up", "https://example.org:99999/"),
            "url_up: has an invalid port");
  EXPECT_EQ(with("url_up", "https://exa\\mple.org/"),
            "url_up: has an invalid host");
  EXPECT_EQ(with("url_up", "https://example.org/a b"),
            "url_up: must not contain spaces or control characters");
  EXPECT_EQ(with("url_up", "https://example.org/\r\nX: y"),
            "url_up: must not contain spaces or control characters");
  EXPECT_THAT(with("url_up", "https://example.org/" + std::string(2048, 'a')),
              StartsWith("url_up: must be at most 2048"));
  EXPECT_EQ(with("url_up", 42), "url_up: must be a string");
  EXPECT_EQ(with("method_down", "DELETE"),
            "method_down: must be GET, POST or PUT");
  EXPECT_EQ(with("method_down", true), "method_down: must be a string");
  EXPECT_THAT(with("body_down", std::string(10001, 'x')),
              StartsWith("body_down: must be at most 10000 characters"));
  EXPECT_EQ(with("body_down", std::string(10000, 'x')), "");
  EXPECT_THAT(with("body_down", std::string("a\0b", 3)),
              StartsWith("body_down:"));
  EXPECT_THAT(Error("webhook", {{"url_down", "https://example.org/"},
                                {"method_down", "GET"},
                                {"body_down", "x"}}),
              StartsWith("body_down: a GET request has no body"));
}

TEST(WebhookSettingsTest, HeaderRejections) {
  auto headers = [](json h) {
    return Error("webhook", {{"url_down", "https://example.org/"},
                             {"headers_down", std::move(h)}});
  };
  EXPECT_EQ(headers({{"X-A", "1"}, {"Authorization", "Bearer x\ty"}}), "");
  EXPECT_EQ(
      headers({{"X-A", "1\r\nX-Evil: 2"}}),
      "headers_down: the value of \"X-A\" must not contain CR, LF or other "
      "control characters");
  EXPECT_THAT(headers({{"X-A", "1\n"}}),
              StartsWith("headers_down: the value of"));
  EXPECT_THAT(headers({{"X A", "1"}}),
              StartsWith("headers_down: \"X A\" is not a valid header name"));
  EXPECT_THAT(headers({{"X-A\r\n", "1"}}),
              HasSubstr("is not a valid header name"));
  EXPECT_THAT(headers({{"", "1"}}), HasSubstr("is not a valid header name"));
  EXPECT_THAT(headers({{"Content-Length", "1"}}), HasSubstr("set by Tocsin"));
  EXPECT_THAT(headers({{"host", "evil"}}), HasSubstr("set by Tocsin"));
  EXPECT_THAT(headers({{"X-A", "1"}, {"x-a", "2"}}), HasSubstr("given twice"));
  EXPECT_EQ(headers({{"X-A", 1}}),
            "headers_down: the value of \"X-A\" must be a string");
  EXPECT_THAT(headers(json::array({"X-A: 1"})),
              StartsWith("headers_down: must be an object"));
  EXPECT_THAT(headers({{"X-A", std::string(1001, 'v')}}),
              StartsWith("headers_down:"));
  json many = json::object();
  for (int i = 0; i < 21; ++i) many["X-" + std::to_string(i)] = "v";
  EXPECT_EQ(headers(many), "headers_down: at most 20 headers");
}

TEST(WebhookSettingsTest, UrlsMayHoldPlaceholdersPortsAndIpv6) {
  EXPECT_EQ(
      Error("webhook", {{"url_down", "https://example.org/$CODE?n=$NAME"}}),
      "");
  EXPECT_EQ(Error("webhook", {{"url_down", "HTTPS://user:pw@[::1]:8443/x"}}),
            "");
  EXPECT_EQ(Error("webhook", {{"url_down", "http://10.0.0.1:80"}}), "");
  EXPECT_EQ(
      Error("webhook", {{"url_down", "https://example.org/\xC3\xBC"}}),
      "url_down: must contain only ASCII characters (percent-encode the rest)");
}

TEST(EmailSettingsTest, OneAddressBecomesAList) {
  auto r = ValidateSettings("email", {{"to", "alice@example.org"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, json({{"to", {"alice@example.org"}},
                      {"notify_down", true},
                      {"notify_up", true}}));
  r = ValidateSettings(
      "email", {{"to", {"a@example.org", "b@x.example", "A@example.org"}},
                {"notify_up", false}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["to"], json({"a@example.org", "b@x.example"}));
  EXPECT_EQ((*r)["notify_up"], false);
}

TEST(EmailSettingsTest, OptionalLanguage) {
  auto r = ValidateSettings("email", {{"to", "a@example.org"}, {"language", "ja"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["language"], "ja");
  r = ValidateSettings("email", {{"to", "a@example.org"}, {"language", ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->contains("language"));  // the site's
  EXPECT_EQ(Error("email", {{"to", "a@example.org"}, {"language", "fr"}}),
            "language: must be \"en\" or \"ja\"");
  EXPECT_THAT(Error("email", {{"to", "a@example.org"}, {"language", 5}}),
              StartsWith("language:"));
}

TEST(EmailSettingsTest, Rejections) {
  EXPECT_EQ(Error("email", json::object()), "to: is required");
  EXPECT_EQ(Error("email", {{"to", json::array()}}), "to: is required");
  for (const char* bad : {"alice", "@example.org", "alice@", "a b@example.org",
                          "alice@example.org\r\nBcc: x@y.z", "<a@example.org>",
                          "a@example.org,b@example.org", "a@exa mple.org",
                          "a@.example.org", "a@example..org"}) {
    EXPECT_THAT(Error("email", {{"to", bad}}),
                StartsWith("to: " + json(bad).dump() + " is not a valid email"))
        << bad;
  }
  json eleven = json::array();
  for (int i = 0; i < 11; ++i)
    eleven.push_back("u" + std::to_string(i) + "@example.org");
  EXPECT_EQ(Error("email", {{"to", eleven}}), "to: at most 10 addresses");
  EXPECT_EQ(Error("email", {{"to", {1}}}),
            "to: must be an email address or a list of them");
  EXPECT_EQ(Error("email", {{"to", "a@example.org"}, {"notify_down", "yes"}}),
            "notify_down: must be true or false");
  EXPECT_EQ(Error("email", {{"to", "a@example.org"}, {"cc", "b@example.org"}}),
            "cc: unknown field for email integrations");
}

TEST(ChatSettingsTest, EveryChatKindTakesUrlAndFlags) {
  for (const char* kind :
       {"slack", "mattermost", "rocketchat", "discord", "msteamsw"}) {
    auto r = ValidateSettings(
        kind,
        {{"url", "https://hooks.example.com/T0/B0/x"}, {"notify_up", false}});
    ASSERT_TRUE(r.ok()) << kind << ": " << r.status();
    EXPECT_EQ(*r, json({{"url", "https://hooks.example.com/T0/B0/x"},
                        {"notify_down", true},
                        {"notify_up", false}}))
        << kind;
    EXPECT_EQ(Error(kind, json::object()), "url: is required") << kind;
    EXPECT_EQ(Error(kind, {{"url", "ftp://hooks.example.com/"}}),
              "url: must be an http or https URL")
        << kind;
    EXPECT_EQ(Error(kind, {{"url", "https://h.example/"}, {"notify_up", 0}}),
              "notify_up: must be true or false");
    EXPECT_THAT(
        Error(kind, {{"url", "https://h.example/"}, {"channel", "#ops"}}),
        StartsWith("channel: unknown field"));
  }
}

TEST(NtfySettingsTest, Defaults) {
  auto r = ValidateSettings("ntfy", {{"topic", "my-alerts_1"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, json({{"url", "https://ntfy.sh"},
                      {"topic", "my-alerts_1"},
                      {"priority_down", 5},
                      {"priority_up", 3},
                      {"token", ""},
                      {"notify_down", true},
                      {"notify_up", true}}));
  r = ValidateSettings("ntfy", {{"topic", "t"},
                                {"url", "https://ntfy.example.org/"},
                                {"priority_up", 1},
                                {"token", "tk_abc"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["url"], "https://ntfy.example.org");
  EXPECT_EQ((*r)["priority_up"], 1);
}

TEST(NtfySettingsTest, Rejections) {
  EXPECT_EQ(Error("ntfy", json::object()), "topic: is required");
  EXPECT_EQ(Error("ntfy", {{"topic", "a/b"}}),
            "topic: must be letters, digits, '-' and '_' only");
  EXPECT_EQ(Error("ntfy", {{"topic", "with space"}}),
            "topic: must be letters, digits, '-' and '_' only");
  EXPECT_THAT(Error("ntfy", {{"topic", std::string(65, 'a')}}),
              StartsWith("topic: must be at most 64"));
  EXPECT_EQ(Error("ntfy", {{"topic", "t"}, {"priority_down", 6}}),
            "priority_down: must be between 1 and 5");
  EXPECT_EQ(Error("ntfy", {{"topic", "t"}, {"priority_down", 0}}),
            "priority_down: must be between 1 and 5");
  EXPECT_EQ(Error("ntfy", {{"topic", "t"}, {"priority_up", 2.5}}),
            "priority_up: must be an integer");
  EXPECT_EQ(Error("ntfy", {{"topic", "t"}, {"priority_up", "3"}}),
            "priority_up: must be an integer");
  EXPECT_EQ(Error("ntfy", {{"topic", "t"}, {"token", "a b"}}),
            "token: must be printable ASCII without spaces");
  EXPECT_EQ(
      Error("ntfy", {{"topic", "t"}, {"url", "https://ntfy.example/?x=1"}}),
      "url: must not have a query or fragment");
}

TEST(TelegramSettingsTest, NormalizesChatIdAndFillsDefaults) {
  auto r = ValidateSettings("telegram", {{"bot_token", "123456:ABC-DEF_ghi"},
                                         {"chat_id", "-1001234567890"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, json({{"bot_token", "123456:ABC-DEF_ghi"},
                      {"chat_id", -1001234567890LL},
                      {"thread_id", nullptr},
                      {"api_url", "https://api.telegram.org"},
                      {"notify_down", true},
                      {"notify_up", true}}));
  r = ValidateSettings("telegram",
                       {{"bot_token", "1:x"},
                        {"chat_id", "@my_channel"},
                        {"thread_id", 42},
                        {"api_url", "http://bot-api.internal:8081/"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["chat_id"], "@my_channel");
  EXPECT_EQ((*r)["thread_id"], 42);
  EXPECT_EQ((*r)["api_url"], "http://bot-api.internal:8081");
  r = ValidateSettings("telegram", {{"bot_token", "1:x"}, {"chat_id", 12345}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["chat_id"], 12345);
}

TEST(TelegramSettingsTest, Rejections) {
  const char* kBadToken = "bot_token: must look like 123456:ABC-DEF1234ghIkl";
  EXPECT_EQ(Error("telegram", {{"chat_id", 1}}), "bot_token: is required");
  for (const char* bad :
       {"abc", "abc:def", "123:", ":abc", "123:a/b", "123:a?b", "123:a b"}) {
    EXPECT_EQ(Error("telegram", {{"bot_token", bad}, {"chat_id", 1}}),
              kBadToken)
        << bad;
  }
  EXPECT_EQ(Error("telegram", {{"bot_token", "1:x"}}), "chat_id: is required");
  for (json bad : {json("me"), json("@"), json("@a b"), json(1.5), json(true),
                   json(0), json("12x")}) {
    EXPECT_THAT(Error("telegram", {{"bot_token", "1:x"}, {"chat_id", bad}}),
                StartsWith("chat_id: must be a chat ID"))
        << bad;
  }
  EXPECT_EQ(Error("telegram",
                  {{"bot_token", "1:x"}, {"chat_id", 1}, {"thread_id", 0}}),
            "thread_id: must be between 1 and 9223372036854775807");
  EXPECT_EQ(Error("telegram",
                  {{"bot_token", "1:x"}, {"chat_id", 1}, {"thread_id", "7"}}),
            "thread_id: must be an integer");
  EXPECT_EQ(Error("telegram", {{"bot_token", "1:x"},
                               {"chat_id", 1},
                               {"api_url", "file:///etc/passwd"}}),
            "api_url: must be an http or https URL");
}

TEST(MergeSettingsTest, PatchReplacesFieldsAndNullResets) {
  json current =
      *ValidateSettings("ntfy", {{"topic", "a"}, {"priority_up", 1}});
  auto r = MergeSettings("ntfy", current,
                         {{"topic", "b"}, {"priority_up", nullptr}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["topic"], "b");
  EXPECT_EQ((*r)["priority_up"], 3);
  EXPECT_EQ((*r)["priority_down"], 5);

  r = MergeSettings("ntfy", current, {{"topic", "no/slash"}});
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), StartsWith("topic:"));
  EXPECT_FALSE(MergeSettings("ntfy", current, json::array()).ok());

  // Clearing the only URL of a webhook is refused.
  json hook =
      *ValidateSettings("webhook", {{"url_down", "https://e.example/"}});
  r = MergeSettings("webhook", hook, {{"url_down", ""}});
  EXPECT_FALSE(r.ok());
  r = MergeSettings("webhook", hook,
                    {{"url_down", ""}, {"url_up", "https://e.example/up"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["url_up"], "https://e.example/up");
}

TEST(WantsTest, WebhookNeedsAUrlForTheStatus) {
  json hook =
      *ValidateSettings("webhook", {{"url_down", "https://e.example/"}});
  EXPECT_TRUE(Wants("webhook", hook, "down"));
  EXPECT_FALSE(Wants("webhook", hook, "up"));
  EXPECT_FALSE(Wants("webhook", hook, "grace"));
  EXPECT_FALSE(Wants("webhook", json::object(), "down"));
}

TEST(WantsTest, FlagsOfOtherKinds) {
  json slack = {{"url", "https://h.example/"},
                {"notify_down", true},
                {"notify_up", false}};
  EXPECT_TRUE(Wants("slack", slack, "down"));
  EXPECT_FALSE(Wants("slack", slack, "up"));
  // Missing flags mean yes.
  EXPECT_TRUE(Wants("email", {{"to", {"a@example.org"}}}, "up"));
  EXPECT_FALSE(Wants(
      "email", {{"to", {"a@example.org"}}, {"notify_down", false}}, "down"));
  EXPECT_FALSE(Wants("nosuchkind", slack, "down"));
  EXPECT_FALSE(Wants("slack", slack, "paused"));
}

}  // namespace
}  // namespace tocsin::notify
