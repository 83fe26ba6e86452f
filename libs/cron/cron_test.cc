#include "cron/cron.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

// Expected values come from cronsim's own test suite and README (Europe/Riga
// DST cases, L/LW/#/weekday-L, the 50-year stop), from tracing cronsim's
// parsing and stepping rules by hand for the other zones, and were
// cross-checked with `systemd-analyze calendar --base-time=... --iterations=N`
// wherever cron and OnCalendar semantics coincide (noted per test).

namespace tocsin::cron {
namespace {

// Builds the expected list of local times.
template <typename... T>
std::vector<std::string> Times(const T&... t) {
  return {std::string(t)...};
}

// Substring check with a readable failure message.
#define EXPECT_CONTAINS(haystack, needle)                          \
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, std::string(needle), \
                      std::string(haystack))

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
  return tz;
}

absl::Time At(std::string_view rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(
      absl::ParseTime(absl::RFC3339_full, std::string(rfc3339), &t, &err))
      << rfc3339 << ": " << err;
  return t;
}

std::string Format(absl::Time t, const absl::TimeZone& tz) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, tz);
}

// The first `n` matches after `start` in `zone`, as local ISO-8601 strings
// with offsets (the form cronsim's tests use).
std::vector<std::string> Matches(std::string_view expr, std::string_view start,
                                 const std::string& zone, int n) {
  const absl::StatusOr<CronExpr> cron = CronExpr::Parse(expr);
  EXPECT_TRUE(cron.ok()) << expr << ": " << cron.status();
  if (!cron.ok()) return {};
  const absl::TimeZone tz = Zone(zone);
  std::vector<std::string> out;
  for (absl::Time t : cron->NextN(At(start), tz, n)) {
    out.push_back(Format(t, tz));
  }
  return out;
}

std::vector<std::string> RunUtc(
    std::string_view expr, int n,
    std::string_view start = "2020-01-01T00:00:00Z") {
  return Matches(expr, start, "UTC", n);
}

// --- Parsing: accepted forms, checked through what they match. ------------

TEST(ParseTest, StarsMatchEveryMinute) {
  EXPECT_EQ(RunUtc("* * * * *", 2),
            Times("2020-01-01T00:01:00+00:00", "2020-01-01T00:02:00+00:00"));
}

TEST(ParseTest, ListsRangesAndSteps) {
  EXPECT_EQ(RunUtc("1,2,3 * * * *", 4),
            Times("2020-01-01T00:01:00+00:00", "2020-01-01T00:02:00+00:00",
                  "2020-01-01T00:03:00+00:00", "2020-01-01T01:01:00+00:00"));
  EXPECT_EQ(RunUtc("1-3,7-9 * * * *", 7),
            Times("2020-01-01T00:01:00+00:00", "2020-01-01T00:02:00+00:00",
                  "2020-01-01T00:03:00+00:00", "2020-01-01T00:07:00+00:00",
                  "2020-01-01T00:08:00+00:00", "2020-01-01T00:09:00+00:00",
                  "2020-01-01T01:01:00+00:00"));
  EXPECT_EQ(RunUtc("*/15 * * * *", 4),
            Times("2020-01-01T00:15:00+00:00", "2020-01-01T00:30:00+00:00",
                  "2020-01-01T00:45:00+00:00", "2020-01-01T01:00:00+00:00"));
  EXPECT_EQ(RunUtc("0-10/2 * * * *", 6),
            Times("2020-01-01T00:02:00+00:00", "2020-01-01T00:04:00+00:00",
                  "2020-01-01T00:06:00+00:00", "2020-01-01T00:08:00+00:00",
                  "2020-01-01T00:10:00+00:00", "2020-01-01T01:00:00+00:00"));
}

TEST(ParseTest, SingleStartWithStepRunsToTheEndOfTheRange) {
  EXPECT_EQ(RunUtc("5/15 * * * *", 5),
            Times("2020-01-01T00:05:00+00:00", "2020-01-01T00:20:00+00:00",
                  "2020-01-01T00:35:00+00:00", "2020-01-01T00:50:00+00:00",
                  "2020-01-01T01:05:00+00:00"));
  // cronsim treats a one-value range like a single start value.
  EXPECT_EQ(RunUtc("1-1/20 * * * *", 4),
            Times("2020-01-01T00:01:00+00:00", "2020-01-01T00:21:00+00:00",
                  "2020-01-01T00:41:00+00:00", "2020-01-01T01:01:00+00:00"));
  // Day-of-week runs up to 7, so "1/2" is Mon, Wed, Fri and Sun (as 7).
  // Cross-checked: systemd "Sun,Mon,Wed,Fri *-*-* 12:00:00".
  EXPECT_EQ(RunUtc("0 12 * * 1/2", 5, "2021-01-01T13:00:00Z"),
            Times("2021-01-03T12:00:00+00:00", "2021-01-04T12:00:00+00:00",
                  "2021-01-06T12:00:00+00:00", "2021-01-08T12:00:00+00:00",
                  "2021-01-10T12:00:00+00:00"));
}

TEST(ParseTest, WeekdayStepsStartFromSunday) {
  // cronsim: "* * * * */2" is {0, 2, 4, 6}; 2020-01-01 is a Wednesday.
  EXPECT_EQ(RunUtc("0 0 * * */2", 4),
            Times("2020-01-02T00:00:00+00:00", "2020-01-04T00:00:00+00:00",
                  "2020-01-05T00:00:00+00:00", "2020-01-07T00:00:00+00:00"));
}

TEST(ParseTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(RunUtc("0 0 * * MON", 1), Times("2020-01-06T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * mon", 1), Times("2020-01-06T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 1 feb *", 1), Times("2020-02-01T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 1 JAN *", 1), Times("2021-01-01T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * sun-tue", 3),
            Times("2020-01-05T00:00:00+00:00", "2020-01-06T00:00:00+00:00",
                  "2020-01-07T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * 0-2", 3),
            Times("2020-01-05T00:00:00+00:00", "2020-01-06T00:00:00+00:00",
                  "2020-01-07T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 1 Mar-apR *", 2),
            Times("2020-03-01T00:00:00+00:00", "2020-04-01T00:00:00+00:00"));
}

TEST(ParseTest, SundayIsZeroAndSeven) {
  EXPECT_EQ(RunUtc("0 0 * * 0", 1), Times("2020-01-05T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * 7", 1), Times("2020-01-05T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * MON-7", 7),
            Times("2020-01-02T00:00:00+00:00", "2020-01-03T00:00:00+00:00",
                  "2020-01-04T00:00:00+00:00", "2020-01-05T00:00:00+00:00",
                  "2020-01-06T00:00:00+00:00", "2020-01-07T00:00:00+00:00",
                  "2020-01-08T00:00:00+00:00"));
}

TEST(ParseTest, LowercaseLAndStepsOnL) {
  for (const char* expr : {"0 0 L * *", "0 0 l * *", "0 0 L/2 * *"}) {
    EXPECT_EQ(RunUtc(expr, 2),
              Times("2020-01-31T00:00:00+00:00", "2020-02-29T00:00:00+00:00"))
        << expr;
  }
  for (const char* expr : {"1 1 LW 5 *", "1 1 lw 5 *", "1 1 LW/2 5 *"}) {
    EXPECT_EQ(RunUtc(expr, 1), Times("2020-05-29T01:01:00+00:00")) << expr;
  }
}

TEST(ParseTest, MixOfPlainAndNthWeekdays) {
  // Mondays, Tuesdays, and the first Wednesday. 2020-01-01 is Wednesday #1.
  EXPECT_EQ(RunUtc("0 0 * * 1,2,3#1", 4, "2019-12-31T12:00:00Z"),
            Times("2020-01-01T00:00:00+00:00", "2020-01-06T00:00:00+00:00",
                  "2020-01-07T00:00:00+00:00", "2020-01-13T00:00:00+00:00"));
}

TEST(ParseTest, WhitespaceAsPythonSplitsIt) {
  EXPECT_TRUE(CronExpr::Parse("  0\t0 *\n*  *  ").ok());
  // U+00A0 (no-break space) and U+3000 separate fields for str.split().
  EXPECT_TRUE(CronExpr::Parse("0\xc2\xa0"
                              "0 * *\xe3\x80\x80*")
                  .ok());
}

TEST(ParseTest, NonAsciiLettersThatUpperCaseToAscii) {
  // Python upper-cases dotless i to I and long s to S.
  EXPECT_EQ(RunUtc("0 0 * * fr\xc4\xb1", 1),
            Times("2020-01-03T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * \xc5\xbfun", 1),
            Times("2020-01-05T00:00:00+00:00"));
}

TEST(ParseTest, DayThirtyIsAllowedWhenSomeListedMonthHasIt) {
  EXPECT_EQ(RunUtc("0 0 30 2,3 *", 2),
            Times("2020-03-30T00:00:00+00:00", "2021-03-30T00:00:00+00:00"));
  // With L in the list the check is skipped; the 30th simply never comes.
  EXPECT_EQ(RunUtc("0 0 30,L 2 *", 2),
            Times("2020-02-29T00:00:00+00:00", "2021-02-28T00:00:00+00:00"));
  EXPECT_TRUE(CronExpr::Parse("0 0 31 1-12 *").ok());
  EXPECT_TRUE(CronExpr::Parse("0 0 29 2 *").ok());
}

// --- Parsing: rejected forms name the bad field. --------------------------

struct RejectCase {
  std::string expr;
  std::string field;  // "" for a wrong field count
};

void ExpectRejected(const RejectCase& c) {
  const absl::StatusOr<CronExpr> cron = CronExpr::Parse(c.expr);
  ASSERT_FALSE(cron.ok()) << "accepted: \"" << c.expr << "\"";
  EXPECT_EQ(cron.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(cron.status().message());
  EXPECT_CONTAINS(msg, "invalid cron expression") << c.expr;
  if (c.field.empty()) {
    EXPECT_CONTAINS(msg, "expected 5 fields") << c.expr;
  } else {
    EXPECT_CONTAINS(msg, "bad " + c.field + " field") << c.expr;
  }
}

TEST(RejectTest, WrongNumberOfFields) {
  for (const char* expr : {"", "   ", "* * * *", "* * * * * *",
                           "0 0 1 1 * 2020", "*/15 * * * * *"}) {
    ExpectRejected({expr, ""});
  }
  EXPECT_EQ(std::string(CronExpr::Parse("* * * * * *").status().message()),
            "invalid cron expression: expected 5 fields (minute hour "
            "day-of-month month day-of-week), got 6");
}

TEST(RejectTest, MessageQuotesTheField) {
  EXPECT_EQ(std::string(CronExpr::Parse("0 0 32 * *").status().message()),
            "invalid cron expression: bad day-of-month field \"32\"");
  EXPECT_EQ(std::string(CronExpr::Parse("123 * * * *").status().message()),
            "invalid cron expression: bad minute field \"123\"");
  EXPECT_CONTAINS(CronExpr::Parse("* * 30 2 *").status().message(),
                  "bad day-of-month field \"30\"");
}

// cronsim's test_it_rejects_bad_values: every pattern with every bad value.
TEST(RejectTest, BadValuesInEveryPosition) {
  const std::vector<std::pair<std::string, std::string>> patterns = {
      {"%s * * * *", "minute"},          {"* %s * * *", "hour"},
      {"* * %s * *", "day-of-month"},    {"* * * %s * ", "month"},
      {"* * * * %s", "day-of-week"},     {"* * * * * %s", ""},
      {"1-%s * * * *", "minute"},        {"%s-60 * * * *", "minute"},
      {"* * 1-%s * *", "day-of-month"},  {"* * 1,%s * *", "day-of-month"},
      {"* * %s/1 * *", "day-of-month"},  {"* * * %s-DEC *", "month"},
      {"* * * JAN-%s *", "month"},       {"* * * * %s-SUN", "day-of-week"},
      {"* * * * MON-%s", "day-of-week"},
  };
  const std::vector<std::string> bad_values = {
      "-1",       "61", "ABC", "2/", "/2", "2#", "#2", "1##1", "1//2",
      "\xc2\xb9",  // superscript one
      "LL",       "LWX"};
  for (const auto& [pattern, field] : patterns) {
    for (const std::string& value : bad_values) {
      ExpectRejected({absl::StrReplaceAll(pattern, {{"%s", value}}), field});
    }
  }
}

TEST(RejectTest, SpecificCases) {
  const std::vector<RejectCase> cases = {
      // From cronsim's tests.
      {"* * 5-1 * *", "day-of-month"},
      {"1-1_0 * * * *", "minute"},
      {"*/0 * * * *", "minute"},
      {"* * * * 1#0", "day-of-week"},
      {"* * * * 1#6", "day-of-week"},
      {"* * 30 2 *", "day-of-month"},
      {"* * 31 4 *", "day-of-month"},
      {"* * * * 5L-6", "day-of-week"},
      {"* * * * 5L#1", "day-of-week"},
      {"* * * * 5L/3", "day-of-week"},
      {"* * * * MONL", "day-of-week"},
      // From cronsim's parsing rules.
      {"60 * * * *", "minute"},
      {"* 24 * * *", "hour"},
      {"* * 0 * *", "day-of-month"},
      {"* * 32 * *", "day-of-month"},
      {"* * * 0 *", "month"},
      {"* * * 13 *", "month"},
      {"* * * * 8", "day-of-week"},
      {"* * 31 2,4,6,9,11 *", "day-of-month"},
      {"* * 30,31 feb *", "day-of-month"},
      {"* * 15W * *", "day-of-month"},
      {"* * W * *", "day-of-month"},
      {"* * ? * *", "day-of-month"},
      {"* * * * ?", "day-of-week"},
      {"* * L-5 * *", "day-of-month"},
      {"* * 5L * *", "day-of-month"},
      {"* * * * L", "day-of-week"},
      {"* * * * LW", "day-of-week"},
      {"* * * * 1#2#3", "day-of-week"},
      {"* * * * 8#1", "day-of-week"},
      {"* * * * *#1", "day-of-week"},
      {"* * * * MON-SUN", "day-of-week"},
      {"* * * * MONDAY", "day-of-week"},
      {"* * * * JAN", "day-of-week"},
      {"* * * MON *", "month"},
      {"* * * JANUARY *", "month"},
      {"MON * * * *", "minute"},
      {"1#1 * * * *", "minute"},
      {"L * * * *", "minute"},
      {"* L * * *", "hour"},
      {"* * * L *", "month"},
      {"1, * * * *", "minute"},
      {",1 * * * *", "minute"},
      {"*/ * * * *", "minute"},
      {"** * * * *", "minute"},
      {"1-2-3 * * * *", "minute"},
      {"+1 * * * *", "minute"},
      {"1.5 * * * *", "minute"},
      {"99999999999999999999 * * * *", "minute"},
      {"* * * * 1#99999999999999999999", "day-of-week"},
      // The first bad field wins, even over an impossible date.
      {"* * 30 2 BAD", "day-of-week"},
  };
  for (const RejectCase& c : cases) ExpectRejected(c);
}

// --- Iteration in UTC: cronsim's TestIterator and README examples. --------

TEST(NextTest, LastDayOfMonth) {
  EXPECT_EQ(RunUtc("1 1 L * *", 1), Times("2020-01-31T01:01:00+00:00"));
}

TEST(NextTest, LastWeekdayOfMonth) {
  EXPECT_EQ(RunUtc("1 1 LW 5 *", 1), Times("2020-05-29T01:01:00+00:00"));
  // A month ending on Sunday, on Saturday, and on weekdays.
  EXPECT_EQ(RunUtc("0 0 LW * *", 7, "2021-01-01T00:00:00Z"),
            Times("2021-01-29T00:00:00+00:00",    // 31st is Sunday
                  "2021-02-26T00:00:00+00:00",    // 28th is Sunday
                  "2021-03-31T00:00:00+00:00",    // Wednesday
                  "2021-04-30T00:00:00+00:00",    // Friday
                  "2021-05-31T00:00:00+00:00",    // Monday
                  "2021-06-30T00:00:00+00:00",    // Wednesday
                  "2021-07-30T00:00:00+00:00"));  // 31st is Saturday
}

TEST(NextTest, LastFriday) {
  // Cross-checked: systemd "Fri *-*~07/1 01:01:00".
  EXPECT_EQ(RunUtc("1 1 * * 5L", 12),
            Times("2020-01-31T01:01:00+00:00", "2020-02-28T01:01:00+00:00",
                  "2020-03-27T01:01:00+00:00", "2020-04-24T01:01:00+00:00",
                  "2020-05-29T01:01:00+00:00", "2020-06-26T01:01:00+00:00",
                  "2020-07-31T01:01:00+00:00", "2020-08-28T01:01:00+00:00",
                  "2020-09-25T01:01:00+00:00", "2020-10-30T01:01:00+00:00",
                  "2020-11-27T01:01:00+00:00", "2020-12-25T01:01:00+00:00"));
}

TEST(NextTest, LastSundayBothNotations) {
  for (const char* expr : {"1 1 * * 0L", "1 1 * * 7L", "1 1 * * 0l"}) {
    EXPECT_EQ(RunUtc(expr, 1), Times("2020-01-26T01:01:00+00:00")) << expr;
  }
}

TEST(NextTest, NthWeekday) {
  EXPECT_EQ(RunUtc("1 1 * * 1#2", 1), Times("2020-01-13T01:01:00+00:00"));
  EXPECT_EQ(RunUtc("1 1 * * MON#2", 1), Times("2020-01-13T01:01:00+00:00"));
  // Fifth Friday: only in months that have one. Cross-checked: systemd
  // "Fri *-*-29..31 00:00:00".
  EXPECT_EQ(RunUtc("0 0 * * FRI#5", 6, "2021-01-01T00:00:00Z"),
            Times("2021-01-29T00:00:00+00:00", "2021-04-30T00:00:00+00:00",
                  "2021-07-30T00:00:00+00:00", "2021-10-29T00:00:00+00:00",
                  "2021-12-31T00:00:00+00:00", "2022-04-29T00:00:00+00:00"));
  // Sunday as 7.
  EXPECT_EQ(RunUtc("0 0 * * 7#1", 1), Times("2020-01-05T00:00:00+00:00"));
}

TEST(NextTest, FifthMondayOfFebruaryReadme) {
  // cronsim's README example, with gaps of up to 40 years.
  EXPECT_EQ(RunUtc("0 0 * 2 MON#5", 5),
            Times("2044-02-29T00:00:00+00:00", "2072-02-29T00:00:00+00:00",
                  "2112-02-29T00:00:00+00:00", "2140-02-29T00:00:00+00:00",
                  "2168-02-29T00:00:00+00:00"));
}

// --- The day-of-month / day-of-week rule. ---------------------------------

TEST(DayRuleTest, StarInDayOfWeekMeansAnd) {
  // First Sunday of the month (cronsim's test_it_handles_dow_star).
  EXPECT_EQ(RunUtc("1 1 1-7 * */7", 4),
            Times("2020-01-05T01:01:00+00:00", "2020-02-02T01:01:00+00:00",
                  "2020-03-01T01:01:00+00:00", "2020-04-05T01:01:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 13 * *", 2, "2021-01-01T00:00:00Z"),
            Times("2021-01-13T00:00:00+00:00", "2021-02-13T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 13 * */1", 2, "2021-01-01T00:00:00Z"),
            Times("2021-01-13T00:00:00+00:00", "2021-02-13T00:00:00+00:00"));
}

TEST(DayRuleTest, StarInDayOfMonthMeansAnd) {
  // First Monday of the month (cronsim's test_it_handles_dom_star).
  EXPECT_EQ(RunUtc("1 1 */100,1-7 * MON", 4),
            Times("2020-01-06T01:01:00+00:00", "2020-02-03T01:01:00+00:00",
                  "2020-03-02T01:01:00+00:00", "2020-04-06T01:01:00+00:00"));
  // Mondays on odd dates. Cross-checked: systemd "Mon *-*-1/2 00:00:00".
  EXPECT_EQ(RunUtc("0 0 */2 * MON", 5, "2021-01-01T00:00:00Z"),
            Times("2021-01-11T00:00:00+00:00", "2021-01-25T00:00:00+00:00",
                  "2021-02-01T00:00:00+00:00", "2021-02-15T00:00:00+00:00",
                  "2021-03-01T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 * * MON", 2, "2021-01-01T00:00:00Z"),
            Times("2021-01-04T00:00:00+00:00", "2021-01-11T00:00:00+00:00"));
}

TEST(DayRuleTest, BothRestrictedMeansOr) {
  // The 13th or any Friday. Cross-checked: the union of systemd
  // "*-*-13 00:00:00" and "Fri *-*-* 00:00:00".
  EXPECT_EQ(RunUtc("0 0 13 * FRI", 6, "2021-01-01T00:00:00Z"),
            Times("2021-01-08T00:00:00+00:00", "2021-01-13T00:00:00+00:00",
                  "2021-01-15T00:00:00+00:00", "2021-01-22T00:00:00+00:00",
                  "2021-01-29T00:00:00+00:00", "2021-02-05T00:00:00+00:00"));
  // "1-31" does not start with a star, so this is every day.
  EXPECT_EQ(RunUtc("0 0 1-31 * MON", 3, "2021-01-01T00:00:00Z"),
            Times("2021-01-02T00:00:00+00:00", "2021-01-03T00:00:00+00:00",
                  "2021-01-04T00:00:00+00:00"));
  // L or the last Friday.
  EXPECT_EQ(RunUtc("0 0 L * 5L", 4, "2021-01-01T00:00:00Z"),
            Times("2021-01-29T00:00:00+00:00", "2021-01-31T00:00:00+00:00",
                  "2021-02-26T00:00:00+00:00", "2021-02-28T00:00:00+00:00"));
}

TEST(DayRuleTest, EveryThirdWeekdayFromSunday) {
  // cronsim's test_it_handles_every_x_weekdays: */3 is Sun, Wed, Sat.
  // Cross-checked: systemd "Wed,Sat,Sun *-*-* 01:01:00".
  EXPECT_EQ(RunUtc("1 1 * * */3", 4),
            Times("2020-01-01T01:01:00+00:00", "2020-01-04T01:01:00+00:00",
                  "2020-01-05T01:01:00+00:00", "2020-01-08T01:01:00+00:00"));
}

// --- Leap years. -----------------------------------------------------------

TEST(LeapYearTest, FebruaryTwentyNinth) {
  // 2100 is not a leap year. Cross-checked: systemd "*-02-29 00:00:00".
  EXPECT_EQ(RunUtc("0 0 29 2 *", 3, "2096-03-01T00:00:00Z"),
            Times("2104-02-29T00:00:00+00:00", "2108-02-29T00:00:00+00:00",
                  "2112-02-29T00:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 0 29 2 *", 2, "2021-01-01T00:00:00Z"),
            Times("2024-02-29T00:00:00+00:00", "2028-02-29T00:00:00+00:00"));
}

TEST(LeapYearTest, LastDayOfFebruary) {
  // Cross-checked: systemd "*-02~01 12:00:00".
  EXPECT_EQ(RunUtc("0 12 L 2 *", 5, "2023-06-01T00:00:00Z"),
            Times("2024-02-29T12:00:00+00:00", "2025-02-28T12:00:00+00:00",
                  "2026-02-28T12:00:00+00:00", "2027-02-28T12:00:00+00:00",
                  "2028-02-29T12:00:00+00:00"));
}

// --- Start times and the 50-year stop. ------------------------------------

TEST(StartTest, StrictlyAfterTheStartMinute) {
  EXPECT_EQ(RunUtc("* * * * *", 1, "2020-01-01T10:00:00Z"),
            Times("2020-01-01T10:01:00+00:00"));
  EXPECT_EQ(RunUtc("* * * * *", 1, "2020-01-01T10:00:30Z"),
            Times("2020-01-01T10:01:00+00:00"));
  EXPECT_EQ(RunUtc("* * * * *", 1, "2020-01-01T09:59:59.999Z"),
            Times("2020-01-01T10:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 10 * * *", 1, "2020-01-01T10:00:00Z"),
            Times("2020-01-02T10:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 10 * * *", 1, "2020-01-01T10:00:30Z"),
            Times("2020-01-02T10:00:00+00:00"));
  EXPECT_EQ(RunUtc("0 10 * * *", 1, "2020-01-01T09:59:30Z"),
            Times("2020-01-01T10:00:00+00:00"));
  // Seconds on the local clock, in both DST modes.
  EXPECT_EQ(Matches("0 3 * * *", "2021-06-01T03:00:45+03:00", "Europe/Riga", 1),
            Times("2021-06-02T03:00:00+03:00"));
  EXPECT_EQ(Matches("* * * * *", "2021-06-01T03:00:45+03:00", "Europe/Riga", 1),
            Times("2021-06-01T03:01:00+03:00"));
  // Crossing into a new year and month.
  EXPECT_EQ(RunUtc("*/20 * * * *", 2, "2020-12-31T23:59:59Z"),
            Times("2021-01-01T00:00:00+00:00", "2021-01-01T00:20:00+00:00"));
}

TEST(StopTest, NoMatchWithinFiftyYears) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time start = At("2020-01-01T00:00:00Z");
  // cronsim's test_it_handles_no_matches and README example.
  for (const char* expr : {"1 1 */100 * MON#4", "* * */20 * 1L"}) {
    const absl::StatusOr<CronExpr> cron = CronExpr::Parse(expr);
    ASSERT_TRUE(cron.ok()) << cron.status();
    EXPECT_EQ(cron->Next(start, utc), std::nullopt) << expr;
    EXPECT_TRUE(cron->NextN(start, utc, 3).empty()) << expr;
  }
}

TEST(StopTest, GivingUpIsFast) {
  const absl::TimeZone riga = Zone("Europe/Riga");
  const absl::Time start = At("2020-01-01T00:00:00Z");
  const auto begin = std::chrono::steady_clock::now();
  for (const char* expr : {"1 1 */100 * MON#4", "* * */20 * 1L",
                           "* * */100 2 MON#5", "30 2 */100 * MON#4"}) {
    const absl::StatusOr<CronExpr> cron = CronExpr::Parse(expr);
    ASSERT_TRUE(cron.ok()) << cron.status();
    EXPECT_EQ(cron->Next(start, riga), std::nullopt) << expr;
  }
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST(StopTest, InfiniteStartHasNoMatch) {
  const absl::StatusOr<CronExpr> cron = CronExpr::Parse("* * * * *");
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(cron->Next(absl::InfiniteFuture(), absl::UTCTimeZone()),
            std::nullopt);
  EXPECT_TRUE(cron->NextN(absl::UnixEpoch(), absl::UTCTimeZone(), 0).empty());
}

// --- DST: cronsim's TestDstTransitions, Europe/Riga. ----------------------
// 2021-03-28: 02:59+02:00 is followed by 04:00+03:00.
// 2021-10-31: 03:59+03:00 is followed by 03:00+02:00.

std::vector<std::string> Riga(std::string_view expr, std::string_view start,
                              int n) {
  return Matches(expr, start, "Europe/Riga", n);
}

TEST(RigaDstTest, EveryHour) {
  EXPECT_EQ(Riga("0 * * * *", "2021-03-28T01:30:00+02:00", 2),
            Times("2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00"));
  EXPECT_EQ(Riga("0 * * * *", "2021-10-31T01:30:00+03:00", 4),
            Times("2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T03:00:00+02:00", "2021-10-31T04:00:00+02:00"));
}

TEST(RigaDstTest, Every30Minutes) {
  EXPECT_EQ(Riga("*/30 * * * *", "2021-03-28T02:10:00+02:00", 3),
            Times("2021-03-28T02:30:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T04:30:00+03:00"));
  EXPECT_EQ(Riga("*/30 * * * *", "2021-10-31T02:10:00+03:00", 6),
            Times("2021-10-31T02:30:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T03:30:00+03:00", "2021-10-31T03:00:00+02:00",
                  "2021-10-31T03:30:00+02:00", "2021-10-31T04:00:00+02:00"));
}

TEST(RigaDstTest, Every15Minutes) {
  EXPECT_EQ(Riga("*/15 * * * *", "2021-03-28T02:40:00+02:00", 2),
            Times("2021-03-28T02:45:00+02:00", "2021-03-28T04:00:00+03:00"));
  EXPECT_EQ(Riga("*/15 * * * *", "2021-10-31T02:40:00+03:00", 10),
            Times("2021-10-31T02:45:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T03:15:00+03:00", "2021-10-31T03:30:00+03:00",
                  "2021-10-31T03:45:00+03:00", "2021-10-31T03:00:00+02:00",
                  "2021-10-31T03:15:00+02:00", "2021-10-31T03:30:00+02:00",
                  "2021-10-31T03:45:00+02:00", "2021-10-31T04:00:00+02:00"));
}

TEST(RigaDstTest, EveryTwoAndThreeHours) {
  EXPECT_EQ(Riga("0 */2 * * *", "2021-03-28T01:30:00+02:00", 3),
            Times("2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T06:00:00+03:00"));
  EXPECT_EQ(Riga("0 */2 * * *", "2021-10-31T01:30:00+03:00", 3),
            Times("2021-10-31T02:00:00+03:00", "2021-10-31T04:00:00+02:00",
                  "2021-10-31T06:00:00+02:00"));
  EXPECT_EQ(Riga("30 */2 * * *", "2021-03-28T01:30:00+02:00", 2),
            Times("2021-03-28T02:30:00+02:00", "2021-03-28T04:30:00+03:00"));
  EXPECT_EQ(Riga("30 */2 * * *", "2021-10-31T01:30:00+03:00", 2),
            Times("2021-10-31T02:30:00+03:00", "2021-10-31T04:30:00+02:00"));
  EXPECT_EQ(Riga("0 */3 * * *", "2021-10-31T01:30:00+03:00", 3),
            Times("2021-10-31T03:00:00+03:00", "2021-10-31T03:00:00+02:00",
                  "2021-10-31T06:00:00+02:00"));
}

TEST(RigaDstTest, ListedHours) {
  EXPECT_EQ(Riga("0 1,2,3,4,5 * * *", "2021-03-28T01:30:00+02:00", 3),
            Times("2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T05:00:00+03:00"));
  EXPECT_EQ(Riga("0 1,2,3,4,5 * * *", "2021-10-31T01:30:00+03:00", 3),
            Times("2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T04:00:00+02:00"));
  EXPECT_EQ(Riga("30 1,2,3,4,5 * * *", "2021-03-28T01:30:00+02:00", 3),
            Times("2021-03-28T02:30:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T04:30:00+03:00"));
  EXPECT_EQ(Riga("30 1,2,3,4,5 * * *", "2021-10-31T01:30:00+03:00", 3),
            Times("2021-10-31T02:30:00+03:00", "2021-10-31T03:30:00+03:00",
                  "2021-10-31T04:30:00+02:00"));
  EXPECT_EQ(Riga("0 1-5 * * *", "2021-03-28T01:30:00+02:00", 3),
            Times("2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T05:00:00+03:00"));
  EXPECT_EQ(Riga("0 1-5 * * *", "2021-10-31T01:30:00+03:00", 3),
            Times("2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T04:00:00+02:00"));
}

TEST(RigaDstTest, EveryHourEnumerated) {
  const char* all =
      "0 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * *";
  EXPECT_EQ(Riga(all, "2021-03-28T01:30:00+02:00", 3),
            Times("2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T05:00:00+03:00"));
  EXPECT_EQ(Riga(all, "2021-10-31T01:30:00+03:00", 3),
            Times("2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T04:00:00+02:00"));
  const char* odd = "0 1,3,5,7,9,11,13,15,17,19,21,23 * * *";
  EXPECT_EQ(Riga(odd, "2021-03-28T00:30:00+02:00", 3),
            Times("2021-03-28T01:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-28T05:00:00+03:00"));
  EXPECT_EQ(Riga(odd, "2021-10-31T00:30:00+03:00", 3),
            Times("2021-10-31T01:00:00+03:00", "2021-10-31T03:00:00+03:00",
                  "2021-10-31T05:00:00+02:00"));
}

TEST(RigaDstTest, DailyAtTwoThreeFour) {
  EXPECT_EQ(Riga("0 2 * * *", "2021-03-28T01:30:00+02:00", 2),
            Times("2021-03-28T02:00:00+02:00", "2021-03-29T02:00:00+03:00"));
  EXPECT_EQ(Riga("0 2 * * *", "2021-10-31T01:30:00+03:00", 2),
            Times("2021-10-31T02:00:00+03:00", "2021-11-01T02:00:00+02:00"));
  // 03:00 does not exist on 2021-03-28: the job runs when the clock jumps.
  EXPECT_EQ(Riga("0 3 * * *", "2021-03-27T01:30:00+02:00", 3),
            Times("2021-03-27T03:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-29T03:00:00+03:00"));
  // 03:00 happens twice on 2021-10-31: the job runs once.
  EXPECT_EQ(Riga("0 3 * * *", "2021-10-31T01:30:00+03:00", 2),
            Times("2021-10-31T03:00:00+03:00", "2021-11-01T03:00:00+02:00"));
  EXPECT_EQ(Riga("0 4 * * *", "2021-03-27T01:30:00+02:00", 3),
            Times("2021-03-27T04:00:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-29T04:00:00+03:00"));
  EXPECT_EQ(Riga("0 4 * * *", "2021-10-30T01:30:00+03:00", 3),
            Times("2021-10-30T04:00:00+03:00", "2021-10-31T04:00:00+02:00",
                  "2021-11-01T04:00:00+02:00"));
}

TEST(RigaDstTest, DailyAtQuarterPastThree) {
  EXPECT_EQ(Riga("15 3 * * *", "2021-03-27T00:00:00+02:00", 3),
            Times("2021-03-27T03:15:00+02:00", "2021-03-28T04:00:00+03:00",
                  "2021-03-29T03:15:00+03:00"));
  EXPECT_EQ(Riga("15 3 * * *", "2021-10-30T00:00:00+03:00", 3),
            Times("2021-10-30T03:15:00+03:00", "2021-10-31T03:15:00+03:00",
                  "2021-11-01T03:15:00+02:00"));
}

TEST(RigaDstTest, EveryMinute) {
  EXPECT_EQ(Riga("* * * * *", "2021-03-28T02:58:00+02:00", 2),
            Times("2021-03-28T02:59:00+02:00", "2021-03-28T04:00:00+03:00"));
  EXPECT_EQ(Riga("* * * * *", "2021-10-31T03:58:00+03:00", 3),
            Times("2021-10-31T03:59:00+03:00", "2021-10-31T03:00:00+02:00",
                  "2021-10-31T03:01:00+02:00"));
  EXPECT_EQ(Riga("* 1-6 * * *", "2021-03-28T02:58:00+02:00", 2),
            Times("2021-03-28T02:59:00+02:00", "2021-03-28T04:00:00+03:00"));
  EXPECT_EQ(Riga("* 1-6 * * *", "2021-10-31T03:58:00+03:00", 3),
            Times("2021-10-31T03:59:00+03:00", "2021-10-31T03:00:00+02:00",
                  "2021-10-31T03:01:00+02:00"));
}

TEST(RigaDstTest, StarInMinuteOrHourSelectsTheAbsoluteClock) {
  // "*/30" starts with a star: 03:xx simply does not happen on March 28.
  EXPECT_EQ(Riga("*/30 3 * * *", "2021-03-28T00:00:00+02:00", 2),
            Times("2021-03-29T03:00:00+03:00", "2021-03-29T03:30:00+03:00"));
  // "0,30" does not: the skipped 03:00 and 03:30 run once at 04:00.
  EXPECT_EQ(Riga("0,30 3 * * *", "2021-03-28T00:00:00+02:00", 2),
            Times("2021-03-28T04:00:00+03:00", "2021-03-29T03:00:00+03:00"));
  // In autumn the absolute clock sees 03:xx twice, the wall clock once.
  EXPECT_EQ(Riga("*/30 3 * * *", "2021-10-31T02:00:00+03:00", 5),
            Times("2021-10-31T03:00:00+03:00", "2021-10-31T03:30:00+03:00",
                  "2021-10-31T03:00:00+02:00", "2021-10-31T03:30:00+02:00",
                  "2021-11-01T03:00:00+02:00"));
  EXPECT_EQ(Riga("0,30 3 * * *", "2021-10-31T02:00:00+03:00", 3),
            Times("2021-10-31T03:00:00+03:00", "2021-10-31T03:30:00+03:00",
                  "2021-11-01T03:00:00+02:00"));
  // "3/1" starts with a digit, so it is wall-clock too.
  EXPECT_EQ(Riga("30 3/1 * * *", "2021-03-28T00:00:00+02:00", 2),
            Times("2021-03-28T04:00:00+03:00", "2021-03-28T04:30:00+03:00"));
}

// --- DST in other zones, by cronsim's rules. ------------------------------

// America/New_York 2021: 02:00 EST becomes 03:00 EDT on March 14, and
// 02:00 EDT becomes 01:00 EST on November 7.
std::vector<std::string> NewYork(std::string_view expr, std::string_view start,
                                 int n) {
  return Matches(expr, start, "America/New_York", n);
}

TEST(NewYorkDstTest, HourlyFollowsTheAbsoluteClock) {
  // Cross-checked: systemd "*-*-* *:00:00 America/New_York".
  EXPECT_EQ(NewYork("0 * * * *", "2021-03-14T00:30:00-05:00", 3),
            Times("2021-03-14T01:00:00-05:00", "2021-03-14T03:00:00-04:00",
                  "2021-03-14T04:00:00-04:00"));
  // Both passes through 01:00 (systemd runs only the first here).
  EXPECT_EQ(NewYork("0 * * * *", "2021-11-07T00:30:00-04:00", 3),
            Times("2021-11-07T01:00:00-04:00", "2021-11-07T01:00:00-05:00",
                  "2021-11-07T02:00:00-05:00"));
  EXPECT_EQ(NewYork("*/30 * * * *", "2021-11-07T00:50:00-04:00", 5),
            Times("2021-11-07T01:00:00-04:00", "2021-11-07T01:30:00-04:00",
                  "2021-11-07T01:00:00-05:00", "2021-11-07T01:30:00-05:00",
                  "2021-11-07T02:00:00-05:00"));
  EXPECT_EQ(NewYork("* * * * *", "2021-11-07T01:58:30-04:00", 3),
            Times("2021-11-07T01:59:00-04:00", "2021-11-07T01:00:00-05:00",
                  "2021-11-07T01:01:00-05:00"));
}

TEST(NewYorkDstTest, SkippedWallTimeRunsWhenTheClockJumps) {
  EXPECT_EQ(NewYork("30 2 * * *", "2021-03-13T00:00:00-05:00", 3),
            Times("2021-03-13T02:30:00-05:00", "2021-03-14T03:00:00-04:00",
                  "2021-03-15T02:30:00-04:00"));
  // 02:00 falls in the gap and collapses onto 03:00, which runs once.
  EXPECT_EQ(NewYork("0 2,3 * * *", "2021-03-14T00:00:00-05:00", 3),
            Times("2021-03-14T03:00:00-04:00", "2021-03-15T02:00:00-04:00",
                  "2021-03-15T03:00:00-04:00"));
}

TEST(NewYorkDstTest, RepeatedWallTimeRunsOnce) {
  // Cross-checked: systemd "*-*-* 01:30:00 America/New_York".
  EXPECT_EQ(NewYork("30 1 * * *", "2021-11-06T12:00:00-04:00", 2),
            Times("2021-11-07T01:30:00-04:00", "2021-11-08T01:30:00-05:00"));
  EXPECT_EQ(NewYork("0,30 1 * * *", "2021-11-07T00:00:00-04:00", 3),
            Times("2021-11-07T01:00:00-04:00", "2021-11-07T01:30:00-04:00",
                  "2021-11-08T01:00:00-05:00"));
}

TEST(NewYorkDstTest, StartInSecondPassOfRepeatedHour) {
  // cronsim drops the zone for wall-clock schedules, so a start at 01:30
  // EST still finds 01:45 on the wall and reports its first pass (EDT),
  // which is before the start. Kept for parity.
  EXPECT_EQ(NewYork("45 1 * * *", "2021-11-07T01:30:00-05:00", 2),
            Times("2021-11-07T01:45:00-04:00", "2021-11-08T01:45:00-05:00"));
  // Absolute-clock schedules continue from the second pass.
  EXPECT_EQ(NewYork("45 * * * *", "2021-11-07T01:30:00-05:00", 1),
            Times("2021-11-07T01:45:00-05:00"));
}

// Europe/London 2021: 01:00 GMT becomes 02:00 BST on March 28, and
// 02:00 BST becomes 01:00 GMT on October 31.
std::vector<std::string> London(std::string_view expr, std::string_view start,
                                int n) {
  return Matches(expr, start, "Europe/London", n);
}

TEST(LondonDstTest, SpringForward) {
  EXPECT_EQ(London("30 1 * * *", "2021-03-27T00:00:00+00:00", 3),
            Times("2021-03-27T01:30:00+00:00", "2021-03-28T02:00:00+01:00",
                  "2021-03-29T01:30:00+01:00"));
  // Cross-checked: systemd "*-*-* *:15:00 Europe/London".
  EXPECT_EQ(London("15 * * * *", "2021-03-28T00:00:00+00:00", 3),
            Times("2021-03-28T00:15:00+00:00", "2021-03-28T02:15:00+01:00",
                  "2021-03-28T03:15:00+01:00"));
  EXPECT_EQ(London("0 9 * * *", "2021-03-27T00:00:00+00:00", 2),
            Times("2021-03-27T09:00:00+00:00", "2021-03-28T09:00:00+01:00"));
}

TEST(LondonDstTest, FallBack) {
  EXPECT_EQ(London("0 1 * * *", "2021-10-30T12:00:00+01:00", 2),
            Times("2021-10-31T01:00:00+01:00", "2021-11-01T01:00:00+00:00"));
  EXPECT_EQ(London("15 * * * *", "2021-10-31T00:30:00+01:00", 3),
            Times("2021-10-31T01:15:00+01:00", "2021-10-31T01:15:00+00:00",
                  "2021-10-31T02:15:00+00:00"));
}

// Australia/Sydney 2021: 03:00 AEDT becomes 02:00 AEST on April 4, and
// 02:00 AEST becomes 03:00 AEDT on October 3.
std::vector<std::string> Sydney(std::string_view expr, std::string_view start,
                                int n) {
  return Matches(expr, start, "Australia/Sydney", n);
}

TEST(SydneyDstTest, SpringForwardInOctober) {
  EXPECT_EQ(Sydney("30 2 * * *", "2021-10-02T00:00:00+10:00", 3),
            Times("2021-10-02T02:30:00+10:00", "2021-10-03T03:00:00+11:00",
                  "2021-10-04T02:30:00+11:00"));
  // Cross-checked: systemd "*-*-* *:00:00 Australia/Sydney".
  EXPECT_EQ(Sydney("0 * * * *", "2021-10-03T01:30:00+10:00", 2),
            Times("2021-10-03T03:00:00+11:00", "2021-10-03T04:00:00+11:00"));
}

TEST(SydneyDstTest, FallBackInApril) {
  EXPECT_EQ(Sydney("30 2 * * *", "2021-04-03T12:00:00+11:00", 2),
            Times("2021-04-04T02:30:00+11:00", "2021-04-05T02:30:00+10:00"));
  EXPECT_EQ(Sydney("*/30 * * * *", "2021-04-04T01:50:00+11:00", 5),
            Times("2021-04-04T02:00:00+11:00", "2021-04-04T02:30:00+11:00",
                  "2021-04-04T02:00:00+10:00", "2021-04-04T02:30:00+10:00",
                  "2021-04-04T03:00:00+10:00"));
}

// America/Santiago 2021: midnight is skipped on September 5 (24:00 -04
// becomes 01:00 -03), and 23:00-24:00 repeats on April 3 (24:00 -03 becomes
// 23:00 -04).
std::vector<std::string> Santiago(std::string_view expr, std::string_view start,
                                  int n) {
  return Matches(expr, start, "America/Santiago", n);
}

TEST(SantiagoDstTest, SkippedMidnight) {
  // cronsim moves to the new day's midnight, which does not exist; read with
  // the offset before the change, that is the moment of the jump.
  EXPECT_EQ(Santiago("*/30 * 5 9 *", "2021-09-04T12:00:00-04:00", 2),
            Times("2021-09-05T01:00:00-03:00", "2021-09-05T01:30:00-03:00"));
  EXPECT_EQ(Santiago("0 0 * * *", "2021-09-04T12:00:00-04:00", 2),
            Times("2021-09-05T01:00:00-03:00", "2021-09-06T00:00:00-03:00"));
}

TEST(SantiagoDstTest, RepeatedLastHour) {
  EXPECT_EQ(Santiago("30 23 * * *", "2021-04-03T12:00:00-03:00", 2),
            Times("2021-04-03T23:30:00-03:00", "2021-04-04T23:30:00-04:00"));
  EXPECT_EQ(Santiago("30 * * * *", "2021-04-03T22:45:00-03:00", 3),
            Times("2021-04-03T23:30:00-03:00", "2021-04-03T23:30:00-04:00",
                  "2021-04-04T00:30:00-04:00"));
}

// --- NextN. -----------------------------------------------------------------

TEST(NextNTest, MatchesRepeatedNext) {
  const absl::StatusOr<CronExpr> cron = CronExpr::Parse("*/15 * * * *");
  ASSERT_TRUE(cron.ok());
  const absl::TimeZone riga = Zone("Europe/Riga");
  absl::Time t = At("2021-10-31T02:40:00+03:00");
  const std::vector<absl::Time> all = cron->NextN(t, riga, 10);
  ASSERT_EQ(all.size(), 10u);
  for (absl::Time expected : all) {
    const std::optional<absl::Time> next = cron->Next(t, riga);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(*next, expected);
    t = *next;
  }
}

}  // namespace
}  // namespace tocsin::cron
