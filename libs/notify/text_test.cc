#include "notify/text.h"

#include "gtest/gtest.h"
#include "notify/messages.h"
#include "notify/test_event.h"

namespace tocsin::notify::internal {
namespace {

TEST(TextTest, TruncateCountsCharactersAndAddsEllipsis) {
  EXPECT_EQ(Truncate("abcdef", 6), "abcdef");
  EXPECT_EQ(Truncate("abcdef", 4), "abc\xE2\x80\xA6");
  // "üüü" is 3 characters (6 bytes): no cut inside a character.
  EXPECT_EQ(Truncate("\xC3\xBC\xC3\xBC\xC3\xBC", 3),
            "\xC3\xBC\xC3\xBC\xC3\xBC");
  EXPECT_EQ(Truncate("\xC3\xBC\xC3\xBC\xC3\xBC", 2), "\xC3\xBC\xE2\x80\xA6");
  EXPECT_EQ(Truncate("abc", 0), "");
}

TEST(TextTest, Utf16LengthCountsSurrogatePairs) {
  std::string emoji = "\xF0\x9F\x98\x80";  // 😀
  EXPECT_EQ(Length(emoji, Units::kCodePoints), 1u);
  EXPECT_EQ(Length(emoji, Units::kUtf16), 2u);
  EXPECT_EQ(Length("a\xC3\xBC" + emoji, Units::kUtf16), 4u);
  // Three emoji are 6 units; in 5 units only two fit beside the ellipsis.
  EXPECT_EQ(Truncate(emoji + emoji + emoji, 5, Units::kUtf16),
            emoji + emoji + "\xE2\x80\xA6");
}

TEST(TextTest, Escapes) {
  EXPECT_EQ(HtmlEscape("<b>\"&'"), "&lt;b&gt;&quot;&amp;&#39;");
  EXPECT_EQ(SlackEscape("<!channel> & <http://x|y>"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt;");
  EXPECT_EQ(DiscordEscape("[x](http://e) **b** `c`"),
            "\\[x\\]\\(http://e\\) \\*\\*b\\*\\* \\`c\\`");
}

TEST(TextTest, SingleLineAndClean) {
  EXPECT_EQ(SingleLine("a\r\nb\tc"), "a  b c");
  EXPECT_EQ(CleanText(std::string("a\0b\xFF", 4)), "ab\xEF\xBF\xBD");
}

TEST(TextTest, HumanTimeAndFormat) {
  EXPECT_EQ(HumanTime(Utc(2024, 3, 10, 7, 0, 0) + absl::Milliseconds(999)),
            "2024-03-10 07:00:00 UTC");
  EXPECT_EQ(Format("$0 and $1, $$0 $2", {"a", "$1"}), "a and $1, $0 ");
}

TEST(TextTest, WebLinks) {
  EXPECT_TRUE(IsWebLink("https://hc.example.org/x"));
  EXPECT_TRUE(IsWebLink("HTTP://hc.example.org/x"));
  EXPECT_FALSE(IsWebLink("javascript:alert(1)"));
  EXPECT_FALSE(IsWebLink("https://a b"));
  EXPECT_FALSE(IsWebLink(""));
}

TEST(MessagesTest, LanguageFallsBackToEnglish) {
  EXPECT_EQ(MessagesFor("en").code, "en");
  EXPECT_EQ(MessagesFor("fr").code, "en");
  EXPECT_EQ(MessagesFor("").code, "en");
  EXPECT_EQ(MessagesFor("ja").code, "ja");
  EXPECT_EQ(MessagesFor("ja-JP").code, "ja");
  EXPECT_EQ(MessagesFor("JA_jp").code, "ja");
}

TEST(MessagesTest, TemplatesHoldNoMarkup) {
  // Renderers insert these templates unescaped in Slack, Discord and Teams
  // (subjects only go into email, where "|" is harmless).
  for (const Messages* m : {&MessagesFor("en"), &MessagesFor("ja")}) {
    for (std::string_view s :
         {m->headline_down, m->headline_up, m->last_ping, m->exit_status,
          m->tags, m->description, m->view_in_site}) {
      EXPECT_EQ(s.find_first_of("<>&*_[]`\\|~#"), std::string_view::npos) << s;
      EXPECT_FALSE(s.empty());
    }
  }
}

}  // namespace
}  // namespace tocsin::notify::internal
