#include "scheduler/backup_rotation.h"

#include <algorithm>
#include <set>

namespace tocsin::scheduler {
namespace {

// Keeps the first (newest) backup of each of the `count` most recent
// periods, a period being whatever `key` maps a time to.
template <typename Key>
void KeepNewestPerPeriod(const std::vector<BackupEntry>& newest_first,
                         int count, Key key, std::set<std::string>& keep) {
  std::set<int64_t> seen;
  for (const auto& b : newest_first) {
    if (static_cast<int>(seen.size()) >= count) break;
    if (seen.insert(key(b.created)).second) keep.insert(b.name);
  }
}

int64_t DayNumber(absl::Time t) {
  return absl::ToUnixSeconds(t) / 86400 - (absl::ToUnixSeconds(t) % 86400 < 0);
}

}  // namespace

std::vector<std::string> BackupsToDelete(std::vector<BackupEntry> backups,
                                         const RotationPolicy& policy) {
  if (backups.empty()) return {};
  std::sort(backups.begin(), backups.end(),
            [](const BackupEntry& a, const BackupEntry& b) {
              return a.created != b.created ? a.created > b.created
                                            : a.name > b.name;
            });
  if (!backups.front().proven) return {};
  std::set<std::string> keep = {backups.front().name};
  KeepNewestPerPeriod(backups, policy.daily, DayNumber, keep);
  // 1970-01-01 was a Thursday: +3 makes weeks start on Mondays (ISO).
  KeepNewestPerPeriod(
      backups, policy.weekly,
      [](absl::Time t) {
        int64_t d = DayNumber(t) + 3;
        return d / 7 - (d % 7 < 0);
      },
      keep);
  KeepNewestPerPeriod(
      backups, policy.monthly,
      [](absl::Time t) {
        absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone());
        return day.year() * 12 + (day.month() - 1);
      },
      keep);
  std::vector<std::string> out;
  for (const auto& b : backups) {
    if (!keep.count(b.name)) out.push_back(b.name);
  }
  return out;
}

}  // namespace tocsin::scheduler
