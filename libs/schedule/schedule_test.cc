#include "schedule/schedule.h"

#include "gtest/gtest.h"

namespace tocsin::schedule {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

TEST(ScheduleTest, KindDetection) {
  EXPECT_TRUE(LooksLikeCron("0 5 * * *"));
  EXPECT_TRUE(LooksLikeCron("  0\t5 * *  *\n"));
  EXPECT_FALSE(LooksLikeCron("0 5 * * * *"));
  EXPECT_FALSE(LooksLikeCron("* * * *"));
  EXPECT_FALSE(LooksLikeCron("0 5 * * *\n0 6 * * *"));
  EXPECT_FALSE(LooksLikeCron("Mon *-*-* 12:00"));
}

TEST(ScheduleTest, EvaluatesEachKind) {
  auto cron = Schedule::Parse("15 5 * * *");
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(cron->kind(), Kind::kCron);
  EXPECT_EQ(cron->Next(Utc(2024, 1, 1, 0, 0), absl::UTCTimeZone()),
            Utc(2024, 1, 1, 5, 15));
  auto cal = Schedule::Parse("*-*-* 05:15");
  ASSERT_TRUE(cal.ok()) << cal.status();
  EXPECT_EQ(cal->kind(), Kind::kOnCalendar);
  EXPECT_EQ(cal->Next(Utc(2024, 1, 1, 0, 0), absl::UTCTimeZone()),
            Utc(2024, 1, 1, 5, 15));
  auto two = Schedule::Parse("05:15\n06:30");
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->NextN(Utc(2024, 1, 1, 5, 20), absl::UTCTimeZone(), 2),
            (std::vector<absl::Time>{Utc(2024, 1, 1, 6, 30), Utc(2024, 1, 2, 5, 15)}));
}

TEST(ScheduleTest, ErrorsComeFromTheMatchingEvaluator) {
  auto bad_cron = Schedule::Parse("61 * * * *");
  ASSERT_FALSE(bad_cron.ok());
  EXPECT_NE(bad_cron.status().message().find("minute"), std::string::npos);
  auto bad_cal = Schedule::Parse("*-*-* 25:00");
  ASSERT_FALSE(bad_cal.ok());
  EXPECT_NE(bad_cal.status().message().find("OnCalendar"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::schedule

namespace tocsin::schedule {
namespace {

TEST(ZoneTest, OnlyIanaNamesAreLoaded) {
  EXPECT_TRUE(LoadZone("Europe/Riga").ok());
  EXPECT_TRUE(LoadZone("UTC").ok());
  EXPECT_TRUE(LoadZone("America/Argentina/Buenos_Aires").ok());
  for (const char* bad : {"", "localtime", "/etc/passwd", "../../etc/passwd",
                          "Europe/../../x", "file:UTC", "Mars/Olympus", "UTC ",
                          "Europe/Riga\n"}) {
    auto z = LoadZone(bad);
    EXPECT_EQ(z.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(IsZoneName(std::string(65, 'a')));
  EXPECT_EQ(LoadZone("Nope/Nope").status().message(),
            "tz is not a valid time zone: Nope/Nope");
}

}  // namespace
}  // namespace tocsin::schedule
