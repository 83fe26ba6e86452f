#ifndef TOCSIN_SCHEDULER_BACKUP_VOLUME_H_
#define TOCSIN_SCHEDULER_BACKUP_VOLUME_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/files.h"
#include "dumpstream/dump_stream.h"
#include "tocsin/v1/backup_service.pb.h"
#include "tocsin/v1/database_backup_service.pb.h"

namespace tocsin::scheduler {

// The backup directory the scheduler owns. A backup NAME.dump comes with
// NAME.dump.sha256 (`sha256sum -c` format) and NAME.json (its facts and
// proof). The dump is renamed into place last, so a NAME.dump that exists
// is complete; temporary files and leftovers of a killed run are removed by
// Clean().
class BackupVolume {
 public:
  explicit BackupVolume(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Creates the directory if needed and removes what a killed run left.
  absl::Status Prepare();
  // Temporary files, and checksum/facts files whose dump is missing.
  absl::Status Clean();

  // Every complete backup, newest first.
  absl::StatusOr<std::vector<v1::Backup>> List() const;
  absl::StatusOr<v1::Backup> Get(const std::string& name) const;

  // A new backup being written: the dump goes to a temporary file; Commit
  // writes the checksum and facts files, then renames the dump into place.
  class Writer {
   public:
    ~Writer();
    absl::Status Append(std::string_view bytes) { return file_.Append(bytes); }
    // A piece of a body object (checked against its name when complete).
    absl::Status AddObjectPart(const v1::ObjectPart& part);
    // `meta` carries the facts and the expected size and SHA-256.
    absl::StatusOr<v1::Backup> Commit(v1::Backup meta);
    const std::string& name() const { return name_; }

   private:
    friend class BackupVolume;
    const BackupVolume* volume_ = nullptr;
    std::string name_;
    AtomicFileWriter file_;
    std::filesystem::path objects_temp_;  // Empty until the first object.
    dumpstream::ObjectAssembler assembler_;
    int64_t objects_ = 0;
  };
  // A free name for a backup created at `t`: tocsin-YYYYMMDDTHHMMSSZ.dump.
  absl::Status StartWriting(absl::Time t, Writer& writer) const;

  // Records a proof result in the backup's facts file.
  absl::Status SaveProof(const std::string& name, v1::BackupProof proof,
                         absl::Time when, const std::string& detail) const;
  // Where a backup's body objects are: NAME without ".dump" + ".objects".
  std::filesystem::path ObjectsDirOf(const std::string& name) const;
  // Checks the backup's objects (count, and each file's SHA-256 against its
  // name): empty when they are whole, else what is wrong.
  std::string CheckObjects(const v1::Backup& backup) const;

  // Records that a copy reached the off-site bucket.
  absl::Status SaveOffsite(const std::string& name, absl::Time when) const;

  // Deletes a backup (dump first, so it is never listed half-deleted).
  absl::Status Delete(const std::string& name) const;

  std::filesystem::path PathOf(const std::string& name) const {
    return dir_ / name;
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  absl::Status WriteMeta(const v1::Backup& meta) const;
  absl::StatusOr<v1::Backup> ReadMeta(const std::string& name) const;
  std::filesystem::path dir_;
};

// "tocsin-20261125T030000Z.dump" (optionally "-2" before ".dump"): a name
// this volume could have made. Anything else is refused as a backup name.
bool IsBackupName(std::string_view name);
// The time a backup name carries (to the second); nullopt if not a name.
std::optional<absl::Time> BackupNameTime(std::string_view name);

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_BACKUP_VOLUME_H_
