#include "scheduler/backup_offsite.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/files.h"

namespace tocsin::scheduler {
namespace fs = std::filesystem;

namespace {
std::string Base(const std::string& name) {
  return name.substr(0, name.size() - 5);  // Without ".dump".
}
}  // namespace

absl::Status BackupOffsite::Upload(const BackupVolume& volume,
                                   const v1::Backup& backup) {
  const std::string& name = backup.name();
  std::error_code ec;
  fs::path objects = volume.ObjectsDirOf(name);
  if (fs::exists(objects, ec)) {
    for (const auto& e : fs::directory_iterator(objects, ec)) {
      std::string hash = e.path().filename().string();
      if (auto s = client_.PutFile(
              absl::StrCat(prefix_, Base(name), ".objects/", hash), e.path(), hash);
          !s.ok()) {
        return s;
      }
    }
  }
  for (const std::string& side : {name + ".sha256", Base(name) + ".json"}) {
    auto data = ReadWholeFile(volume.dir() / side, 1 << 20);
    if (!data.ok()) return data.status();
    if (auto s = client_.PutBytes(prefix_ + side, *data); !s.ok()) return s;
  }
  return client_.PutFile(prefix_ + name, volume.PathOf(name), backup.sha256());
}

absl::StatusOr<int> BackupOffsite::Rotate() {
  auto keys = client_.List(prefix_);
  if (!keys.ok()) return keys.status();
  std::vector<BackupEntry> copies;
  for (const auto& key : *keys) {
    std::string name = key.substr(prefix_.size());
    if (!IsBackupName(name)) continue;
    auto t = BackupNameTime(name);
    if (!t) continue;
    copies.push_back({name, *t, /*proven=*/true});
  }
  auto doomed = BackupsToDelete(copies, keep_);
  std::set<std::string> doomed_set(doomed.begin(), doomed.end());
  for (const auto& name : doomed) {
    // The dump first: a copy without its dump is not listed as a backup.
    if (auto s = client_.Delete(prefix_ + name); !s.ok()) return s;
  }
  for (const auto& key : *keys) {
    std::string rest = key.substr(prefix_.size());
    for (const auto& name : doomed_set) {
      if (rest != name && absl::StartsWith(rest, Base(name) + ".")) {
        if (auto s = client_.Delete(key); !s.ok()) return s;
        break;
      }
    }
  }
  return static_cast<int>(doomed.size());
}

}  // namespace tocsin::scheduler
