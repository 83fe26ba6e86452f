#ifndef TOCSIN_SCHEDULER_BACKUP_OFFSITE_H_
#define TOCSIN_SCHEDULER_BACKUP_OFFSITE_H_

#include <string>

#include "absl/status/statusor.h"
#include "s3/s3_client.h"
#include "scheduler/backup_rotation.h"
#include "scheduler/backup_volume.h"

namespace tocsin::scheduler {

// Copies of proven backups in an S3-compatible bucket (BACKUP_S3_*), under
// a key prefix, with the same rotation as the volume: NAME.dump,
// NAME.dump.sha256, NAME.json and NAME.objects/<hash>. Only proven backups
// are copied, so every copy off the host is one known to restore.
class BackupOffsite {
 public:
  BackupOffsite(s3::S3Config config, std::string prefix, RotationPolicy keep)
      : client_(std::move(config)), prefix_(std::move(prefix)), keep_(keep) {}

  // Uploads one backup (the dump last, so a listed copy is complete).
  absl::Status Upload(const BackupVolume& volume, const v1::Backup& backup);
  // Applies the rotation to the copies; how many backups were deleted.
  absl::StatusOr<int> Rotate();

 private:
  s3::S3Client client_;
  std::string prefix_;
  RotationPolicy keep_;
};

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_BACKUP_OFFSITE_H_
