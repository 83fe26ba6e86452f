#include <string>

#include "gtest/gtest.h"
#include "notify/notify.h"
#include "notify/test_event.h"

namespace tocsin::notify {
namespace {

std::string Expand(std::string_view tmpl, const Event& e) {
  return ExpandPlaceholders(tmpl, e, /*url_encode=*/false);
}

TEST(PlaceholdersTest, EveryPlaceholder) {
  Event e = SampleEvent();
  EXPECT_EQ(Expand("$CODE", e), kUuid);
  EXPECT_EQ(Expand("$NAME", e), "Database Backup");
  EXPECT_EQ(Expand("$NAME_JSON", e), "\"Database Backup\"");
  EXPECT_EQ(Expand("$SLUG", e), "database-backup");
  EXPECT_EQ(Expand("$NOW", e), "2024-03-10T07:00:00+00:00");
  EXPECT_EQ(Expand("$STATUS", e), "down");
  EXPECT_EQ(Expand("$TAGS", e), "prod db");
  EXPECT_EQ(Expand("$TAG1/$TAG2/$TAG3.", e), "prod/db/.");
  EXPECT_EQ(Expand("$BODY", e), "pg_dump: error: disk full");
  EXPECT_EQ(Expand("$BODY_JSON", e), "\"pg_dump: error: disk full\"");
  EXPECT_EQ(Expand("$EXITSTATUS", e), "1");
  EXPECT_EQ(Expand("$JSON", e), e.check_json);
  EXPECT_EQ(Expand("Check $NAME is $STATUS since $NOW", e),
            "Check Database Backup is down since 2024-03-10T07:00:00+00:00");
}

TEST(PlaceholdersTest, NowDropsFractionsOfASecond) {
  Event e = SampleEvent();
  e.now += absl::Milliseconds(900);
  EXPECT_EQ(Expand("$NOW", e), "2024-03-10T07:00:00+00:00");
}

TEST(PlaceholdersTest, TagNumbersUseAllDigits) {
  Event e = SampleEvent();
  e.tags = "t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11";
  EXPECT_EQ(Expand("$TAG1", e), "t1");
  EXPECT_EQ(Expand("$TAG10", e), "t10");
  EXPECT_EQ(Expand("$TAG11|", e), "t11|");
  EXPECT_EQ(Expand("[$TAG12]", e), "[]");
  EXPECT_EQ(Expand("[$TAG0]", e), "[]");
  EXPECT_EQ(Expand("[$TAG99999999999999999999]", e), "[]");
  EXPECT_EQ(Expand("$TAG2x", e), "t2x");
}

TEST(PlaceholdersTest, TagsAreSplitOnAnyWhitespace) {
  Event e = SampleEvent();
  e.tags = "  a   b\tc ";
  EXPECT_EQ(Expand("$TAGS|$TAG1|$TAG3", e), "a b c|a|c");
  e.tags = "";
  EXPECT_EQ(Expand("[$TAGS][$TAG1]", e), "[][]");
}

TEST(PlaceholdersTest, InsertedTextIsNotExpandedAgain) {
  Event e = SampleEvent();
  e.name = "$CODE";
  e.body = "$NAME $STATUS";
  e.tags = "$SLUG";
  EXPECT_EQ(Expand("$NAME", e), "$CODE");
  EXPECT_EQ(Expand("$BODY", e), "$NAME $STATUS");
  EXPECT_EQ(Expand("$TAG1 $TAGS", e), "$SLUG $SLUG");
  EXPECT_EQ(Expand("$NAME_JSON", e), "\"$CODE\"");
}

TEST(PlaceholdersTest, UnknownDollarsStay) {
  Event e = SampleEvent();
  EXPECT_EQ(Expand("$FOO $ $$STATUS $name $TAG x$", e),
            "$FOO $ $down $name $TAG x$");
  EXPECT_EQ(Expand("", e), "");
  EXPECT_EQ(Expand("no placeholders", e), "no placeholders");
}

TEST(PlaceholdersTest, LongestNameWins) {
  Event e = SampleEvent();
  e.name = "n";
  EXPECT_EQ(Expand("$NAME_JSON", e), "\"n\"");
  EXPECT_EQ(Expand("$NAME_JSONX", e), "\"n\"X");
  EXPECT_EQ(Expand("$NAMES", e), "nS");
  EXPECT_EQ(Expand("$NAME_J", e), "n_J");
}

TEST(PlaceholdersTest, UrlEncodingAppliesToValuesOnly) {
  Event e = SampleEvent();
  e.name = "a b&c/\xC3\xBC";  // "a b&c/ü"
  EXPECT_EQ(ExpandPlaceholders("https://x.example/p?n=$NAME&s=$STATUS#f", e,
                               /*url_encode=*/true),
            "https://x.example/p?n=a%20b%26c%2F%C3%BC&s=down#f");
  // Unreserved characters are kept.
  e.name = "A-z_0.9~";
  EXPECT_EQ(ExpandPlaceholders("$NAME", e, true), "A-z_0.9~");
  // Quotes of $NAME_JSON are encoded too.
  e.name = "x";
  EXPECT_EQ(ExpandPlaceholders("$NAME_JSON", e, true), "%22x%22");
  EXPECT_EQ(ExpandPlaceholders("$NOW", e, true),
            "2024-03-10T07%3A00%3A00%2B00%3A00");
  // Without url_encode, the same values go in raw.
  e.name = "a b&c";
  EXPECT_EQ(ExpandPlaceholders("?n=$NAME", e, false), "?n=a b&c");
}

TEST(PlaceholdersTest, JsonLiteralsEscapeEverything) {
  Event e = SampleEvent();
  e.name = "say \"hi\"\\ \n\t\x01 \xC3\xBC \xF0\x9F\x98\x80";  // ü, 😀
  EXPECT_EQ(Expand("$NAME_JSON", e),
            R"("say \"hi\"\\ \n\t\u0001 \u00fc \ud83d\ude00")");
  e.body = "line1\r\nline2 </script>";
  EXPECT_EQ(Expand("$BODY_JSON", e), R"("line1\r\nline2 </script>")");
  e.body = "";
  EXPECT_EQ(Expand("$BODY_JSON", e), "\"\"");
  // Bytes that are not UTF-8 become U+FFFD rather than breaking the JSON.
  e.name = "bad\xFF";
  EXPECT_EQ(Expand("$NAME_JSON", e), R"("bad\ufffd")");
}

TEST(PlaceholdersTest, ExitStatus) {
  Event e = SampleEvent();
  e.exit_status.reset();
  EXPECT_EQ(Expand("$EXITSTATUS", e), "-1");
  e.exit_status = 0;
  EXPECT_EQ(Expand("$EXITSTATUS", e), "0");
  e.exit_status = 137;
  EXPECT_EQ(Expand("code=$EXITSTATUS", e), "code=137");
}

TEST(PlaceholdersTest, UpStatus) {
  Event e = SampleEvent();
  e.status = "up";
  EXPECT_EQ(Expand("$STATUS", e), "up");
}

}  // namespace
}  // namespace tocsin::notify
