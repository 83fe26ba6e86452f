#ifndef TOCSIN_SCHEDULER_BACKUP_ROTATION_H_
#define TOCSIN_SCHEDULER_BACKUP_ROTATION_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tocsin::scheduler {

// How many backups rotation keeps: the newest backup of each of the
// `daily` most recent days (UTC) that have one, of each of the `weekly`
// most recent ISO weeks, and of each of the `monthly` most recent months.
struct RotationPolicy {
  int daily = 7;
  int weekly = 4;
  int monthly = 6;
};

struct BackupEntry {
  std::string name;
  absl::Time created;
  bool proven = false;  // Restored into a scratch database and matched.
};

// The backups rotation deletes. Nothing at all while the newest backup is
// not proven restorable: a run of bad backups must not push out the last
// good ones.
std::vector<std::string> BackupsToDelete(std::vector<BackupEntry> backups,
                                         const RotationPolicy& policy);

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_BACKUP_ROTATION_H_
