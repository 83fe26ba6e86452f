#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notify/notify.h"
#include "notify/test_event.h"

namespace tocsin::notify {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const json kTo = {{"to", {"alice@example.org", "bob@example.org"}}};

EmailMessage Render(const Event& e, const json& settings = kTo) {
  auto r = RenderEmail(settings, e);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : EmailMessage{};
}

TEST(EmailTest, Down) {
  EmailMessage m = Render(SampleEvent());
  EXPECT_THAT(m.to, ElementsAre("alice@example.org", "bob@example.org"));
  EXPECT_EQ(m.subject, "DOWN | Database Backup");
  for (const std::string* part : {&m.text, &m.html}) {
    EXPECT_THAT(*part, HasSubstr("Database Backup"));
    EXPECT_THAT(*part, HasSubstr("is DOWN."));
    EXPECT_THAT(*part, HasSubstr("2024-03-10 07:00:00 UTC"));  // changed
    EXPECT_THAT(*part, HasSubstr("2024-03-10 06:59:30 UTC"));  // last ping
    EXPECT_THAT(*part, HasSubstr("pg_dump: error: disk full"));
    EXPECT_THAT(*part, HasSubstr("Nightly pg_dump of the main database."));
    EXPECT_THAT(*part, HasSubstr("Exit status"));
    EXPECT_THAT(*part, HasSubstr("prod db"));
  }
  EXPECT_THAT(m.text, HasSubstr(std::string("View the check: ") + kCheckUrl));
  EXPECT_THAT(m.text, HasSubstr("Exit status: 1\n"));
  EXPECT_THAT(m.html, HasSubstr(std::string("<a href=\"") + kCheckUrl +
                                "\">View the check</a>"));
  EXPECT_THAT(m.html, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(m.html, HasSubstr("<title>DOWN | Database Backup</title>"));
}

TEST(EmailTest, UpUnnamedNeverPinged) {
  Event e = SampleEvent();
  e.status = "up";
  e.name = "";
  e.last_ping.reset();
  e.exit_status.reset();
  e.body = "";
  e.check_url = "";
  EmailMessage m = Render(e);
  EXPECT_EQ(m.subject, std::string("UP | ") + kUuid);
  EXPECT_THAT(m.text, HasSubstr("is UP again."));
  EXPECT_THAT(m.text, HasSubstr("Last ping: never"));
  EXPECT_THAT(m.text, Not(HasSubstr("Exit status")));
  EXPECT_THAT(m.text, Not(HasSubstr("Last ping body")));
  EXPECT_THAT(m.text, Not(HasSubstr("View the check")));
  EXPECT_THAT(m.html, Not(HasSubstr("<a ")));
}

TEST(EmailTest, UserTextIsEscapedInHtml) {
  Event e = SampleEvent();
  e.name = "<script>alert('x')</script>";
  e.body = "<img src=x onerror=alert(1)> & more";
  e.description = "<i>desc</i>";
  e.tags = "<t>";
  EmailMessage m = Render(e);
  EXPECT_THAT(m.html, Not(HasSubstr("<script>")));
  EXPECT_THAT(m.html, Not(HasSubstr("<img")));
  EXPECT_THAT(m.html, Not(HasSubstr("<i>")));
  EXPECT_THAT(m.html, Not(HasSubstr("<t>")));
  EXPECT_THAT(m.html,
              HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_THAT(m.html,
              HasSubstr("&lt;img src=x onerror=alert(1)&gt; &amp; more"));
  // The text part is not HTML: it shows the name as it is.
  EXPECT_THAT(m.text, HasSubstr("<script>alert('x')</script>"));
  EXPECT_EQ(m.subject, "DOWN | <script>alert('x')</script>");
}

TEST(EmailTest, SubjectIsOneBoundedLine) {
  Event e = SampleEvent();
  e.name = "evil\r\nBcc: victim@example.org\nX";
  EmailMessage m = Render(e);
  EXPECT_EQ(m.subject.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(m.subject, "DOWN | evil  Bcc: victim@example.org X");
  e.name = std::string(500, 'x');
  m = Render(e);
  EXPECT_LE(m.subject.size(), 200u + 2);  // 199 characters and "…" (3 bytes)
  EXPECT_TRUE(m.subject.ends_with("\xE2\x80\xA6"));
}

TEST(EmailTest, LongBodyIsTruncated) {
  Event e = SampleEvent();
  e.body = std::string(10000, 'b') + "TAIL";
  EmailMessage m = Render(e);
  EXPECT_THAT(m.text, HasSubstr(std::string(4096, 'b')));
  EXPECT_THAT(m.text, Not(HasSubstr(std::string(4097, 'b'))));
  EXPECT_THAT(m.text, Not(HasSubstr("TAIL")));
  EXPECT_THAT(m.text, HasSubstr("(truncated)"));
  EXPECT_THAT(m.html, HasSubstr("(truncated)"));
  e.body = "short";
  EXPECT_THAT(Render(e).text, Not(HasSubstr("(truncated)")));
}

TEST(EmailTest, Japanese) {
  Event e = SampleEvent();
  e.language = "ja";
  EmailMessage m = Render(e);
  EXPECT_EQ(m.subject, "【ダウン】Database Backup");
  EXPECT_THAT(m.text,
              HasSubstr("チェック「Database Backup」がダウンしました。"));
  EXPECT_THAT(m.html, HasSubstr("<html lang=\"ja\">"));
  e.status = "up";
  EXPECT_EQ(Render(e).subject, "【復旧】Database Backup");
}

TEST(EmailTest, Errors) {
  EXPECT_EQ(
      RenderEmail({{"to", "not-an-address"}}, SampleEvent()).status().code(),
      absl::StatusCode::kInvalidArgument);
  Event e = SampleEvent();
  e.status = "paused";
  EXPECT_EQ(RenderEmail(kTo, e).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReportTest, ListsDownChecks) {
  std::vector<ReportLine> down = {
      {"Backups", "down", Utc(2024, 3, 9, 23, 0, 0),
       "https://hc.example.org/c/1"},
      {"", "down", std::nullopt, ""},
      {"<evil>", "grace", Utc(2024, 3, 10, 1, 2, 3), "javascript:alert(1)"},
  };
  EmailMessage m = RenderReport({"ops@example.org"}, "Main & Co", down,
                                Utc(2024, 3, 10, 7, 0, 0), "Tocsin", "en");
  EXPECT_THAT(m.to, ElementsAre("ops@example.org"));
  EXPECT_EQ(m.subject, "Main & Co: 3 checks are down");
  EXPECT_THAT(m.text,
              HasSubstr("Down checks in project \xE2\x80\x9CMain & "
                        "Co\xE2\x80\x9D as of 2024-03-10 07:00:00 UTC:"));
  EXPECT_THAT(m.text,
              HasSubstr("- Backups [DOWN] Last ping: 2024-03-09 23:00:00 UTC\n"
                        "  https://hc.example.org/c/1\n"));
  EXPECT_THAT(m.text, HasSubstr("- (unnamed) [DOWN] Last ping: never\n"));
  EXPECT_THAT(
      m.text,
      HasSubstr("- <evil> [LATE] Last ping: 2024-03-10 01:02:03 UTC\n"));
  EXPECT_THAT(m.text, Not(HasSubstr("javascript")));
  EXPECT_THAT(m.html,
              HasSubstr("<a href=\"https://hc.example.org/c/1\">Backups</a>"));
  EXPECT_THAT(m.html, HasSubstr("&lt;evil&gt;"));
  EXPECT_THAT(m.html, Not(HasSubstr("<evil>")));
  EXPECT_THAT(m.html, Not(HasSubstr("javascript")));
  EXPECT_THAT(m.html, HasSubstr("Main &amp; Co"));
  EXPECT_THAT(m.html, HasSubstr("2024-03-09 23:00:00 UTC"));
}

TEST(ReportTest, SubjectCountsAndLanguages) {
  absl::Time now = Utc(2024, 3, 10, 7, 0, 0);
  std::vector<ReportLine> one = {{"A", "down", std::nullopt, ""}};
  EXPECT_EQ(RenderReport({}, "P", one, now, "Tocsin", "en").subject,
            "P: 1 check is down");
  EmailMessage none = RenderReport({}, "P", {}, now, "Tocsin", "xx");
  EXPECT_EQ(none.subject, "P: no checks are down");
  EXPECT_THAT(none.text, HasSubstr("no checks in project"));
  EXPECT_THAT(none.html, Not(HasSubstr("<table")));
  EmailMessage ja = RenderReport({}, "P", one, now, "Tocsin", "ja");
  EXPECT_EQ(ja.subject, "P: 1 件のチェックがダウンしています");
  EXPECT_THAT(ja.text, HasSubstr("[ダウン]"));
  EXPECT_THAT(ja.html, HasSubstr("<html lang=\"ja\">"));
}

}  // namespace
}  // namespace tocsin::notify

namespace tocsin::notify {
namespace {

TEST(InvitationEmailTest, LinkRoleAndHostileNamesEscaped) {
  EmailMessage m = RenderInvitation("kim@example.org", "judy@example.org",
                                    "<b>Ops</b>\r\nBcc: x@evil", "ro",
                                    "https://hc.example.org/invitations/abc", "Tocsin", "en");
  EXPECT_EQ(m.to, std::vector<std::string>{"kim@example.org"});
  EXPECT_EQ(m.subject.find('\n'), std::string::npos);
  EXPECT_NE(m.subject.find("<b>Ops</b>"), std::string::npos);
  EXPECT_NE(m.text.find("https://hc.example.org/invitations/abc"), std::string::npos);
  EXPECT_NE(m.text.find("read-only"), std::string::npos);
  EXPECT_NE(m.html.find("&lt;b&gt;Ops&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(m.html.find("<b>Ops</b>"), std::string::npos);
  EXPECT_NE(m.html.find("href=\"https://hc.example.org/invitations/abc\""), std::string::npos);
  // Not a web link: no link at all.
  EmailMessage bad = RenderInvitation("kim@example.org", "judy@example.org", "P", "rw",
                                      "javascript:alert(1)", "Tocsin", "en");
  EXPECT_EQ(bad.html.find("javascript:"), std::string::npos);
  EXPECT_EQ(bad.text.find("javascript:"), std::string::npos);
  EmailMessage ja = RenderInvitation("kim@example.org", "judy@example.org", "P", "rw",
                                     "https://hc.example.org/invitations/abc", "Tocsin", "ja");
  EXPECT_NE(ja.subject.find("\xe6\x8b\x9b\xe5\xbe\x85"), std::string::npos);  // 招待
  EXPECT_NE(ja.text.find("\xe8\xaa\xad\xe3\x81\xbf\xe6\x9b\xb8\xe3\x81\x8d"),
            std::string::npos);  // 読み書き
}

}  // namespace
}  // namespace tocsin::notify
