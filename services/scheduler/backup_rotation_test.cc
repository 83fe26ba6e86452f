#include "scheduler/backup_rotation.h"
#include "scheduler/backup_volume.h"

#include <set>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace tocsin::scheduler {
namespace {

absl::Time Day(int y, int m, int d, int hour = 3) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hour, 0, 0),
                         absl::UTCTimeZone());
}

std::string NameOf(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
}

// Simulates a year of daily backups, each proved and then rotated, as the
// scheduler does: what remains on 31 December.
TEST(BackupRotationTest, AYearOfDailyBackups) {
  std::vector<BackupEntry> volume;
  RotationPolicy policy;  // 7 daily, 4 weekly, 6 monthly.
  for (absl::Time t = Day(2026, 1, 1); t <= Day(2026, 12, 31);
       t += absl::Hours(24)) {
    volume.push_back({NameOf(t), t, /*proven=*/true});
    auto gone = BackupsToDelete(volume, policy);
    std::set<std::string> del(gone.begin(), gone.end());
    std::erase_if(volume, [&](const BackupEntry& b) { return del.count(b.name) > 0; });
  }
  std::set<std::string> left;
  for (const auto& b : volume) left.insert(b.name);
  std::set<std::string> expected = {
      // Daily: the last seven days.
      "2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28", "2026-12-29",
      "2026-12-30", "2026-12-31",
      // Weekly (weeks start on Monday): 28 Dec-3 Jan (31st), 21-27 Dec,
      // 14-20 Dec, 7-13 Dec: their Sundays.
      "2026-12-20", "2026-12-13",
      // Monthly: the last day of each of the last six months.
      "2026-11-30", "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31"};
  EXPECT_EQ(left, expected);
}

TEST(BackupRotationTest, NothingDeletedWhileTheNewestIsUnproven) {
  std::vector<BackupEntry> volume;
  for (int d = 1; d <= 20; ++d) volume.push_back({NameOf(Day(2026, 3, d)), Day(2026, 3, d), true});
  volume.push_back({"newest", Day(2026, 3, 21), false});
  EXPECT_TRUE(BackupsToDelete(volume, RotationPolicy{}).empty());
  volume.back().proven = true;
  EXPECT_FALSE(BackupsToDelete(volume, RotationPolicy{}).empty());
}

TEST(BackupRotationTest, SeveralBackupsADayKeepTheNewestOfTheDay) {
  std::vector<BackupEntry> volume = {
      {"a", Day(2026, 5, 1, 1), true},
      {"b", Day(2026, 5, 1, 9), true},
      {"c", Day(2026, 5, 1, 17), true},
  };
  RotationPolicy policy{1, 1, 1};
  auto gone = BackupsToDelete(volume, policy);
  EXPECT_EQ(std::set<std::string>(gone.begin(), gone.end()),
            (std::set<std::string>{"a", "b"}));
}

TEST(BackupRotationTest, ZeroKeepsOnlyTheNewest) {
  std::vector<BackupEntry> volume = {{"old", Day(2026, 1, 1), true},
                                     {"new", Day(2026, 2, 1), true}};
  auto gone = BackupsToDelete(volume, RotationPolicy{0, 0, 0});
  EXPECT_EQ(gone, std::vector<std::string>{"old"});
  EXPECT_TRUE(BackupsToDelete({}, RotationPolicy{}).empty());
}

TEST(BackupNamesTest, NamesCarryTheirTime) {
  EXPECT_TRUE(IsBackupName("tocsin-20261125T030000Z.dump"));
  EXPECT_TRUE(IsBackupName("tocsin-20261125T030000Z-2.dump"));
  EXPECT_FALSE(IsBackupName("tocsin-20261125T030000Z.json"));
  EXPECT_FALSE(IsBackupName("../tocsin-20261125T030000Z.dump"));
  auto t = BackupNameTime("tocsin-20261125T031502Z-3.dump");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, Day(2026, 11, 25, 3) + absl::Minutes(15) + absl::Seconds(2));
  EXPECT_FALSE(BackupNameTime("backup.dump").has_value());
}

}  // namespace
}  // namespace tocsin::scheduler
