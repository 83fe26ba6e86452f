#include "data/object_store.h"

#include "common/log.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/files.h"

namespace tocsin::data {
namespace fs = std::filesystem;

namespace {
// Bodies are bounded by PING_BODY_LIMIT (at most 100 MiB).
constexpr size_t kMaxObjectBytes = 128 << 20;
}  // namespace

bool ObjectStore::IsName(std::string_view name) {
  if (name.size() != 64) return false;
  for (char c : name) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

fs::path ObjectStore::PathOf(const std::string& name) const {
  return dir_ / name.substr(0, 2) / name;
}

absl::Status ObjectStore::Prepare() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the object directory ", dir_.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ObjectStore::Put(std::string_view content) {
  std::string name = Sha256Hex(content);
  if (auto s = PutNamed(name, content); !s.ok()) return s;
  return name;
}

absl::Status ObjectStore::PutNamed(const std::string& name,
                                   std::string_view content) {
  if (!IsName(name) || Sha256Hex(content) != name) {
    return absl::DataLossError(
        absl::StrCat("object ", name.substr(0, 64), " does not match its content"));
  }
  fs::path path = PathOf(name);
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) == content.size()) {
    // Already there (the same body seen before). Touch it, so a sweep
    // racing with this ping does not take it as old; if it is gone by now
    // (a sweep took it), write it again.
    fs::last_write_time(path, fs::file_time_type::clock::now(), ec);
    if (!ec) return absl::OkStatus();
  }
  ec.clear();
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ",
                                            path.parent_path().string(), ": ",
                                            ec.message()));
  }
  return WriteFileAtomically(path, content, 0640);
}

absl::StatusOr<std::string> ObjectStore::Get(const std::string& name) const {
  if (!IsName(name)) return absl::InvalidArgumentError("not an object name");
  return ReadWholeFile(PathOf(name), kMaxObjectBytes);
}

absl::StatusOr<int64_t> ObjectStore::Sweep(const std::set<std::string>& referenced,
                                           absl::Time cutoff) {
  int64_t removed = 0;
  std::error_code ec;
  auto cutoff_ft = fs::file_time_type::clock::now() -
                   std::chrono::duration_cast<fs::file_time_type::duration>(
                       absl::ToChronoNanoseconds(absl::Now() - cutoff));
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    bool temp = name.rfind(kTempFilePrefix, 0) == 0;
    if (!temp && (!IsName(name) || referenced.count(name))) continue;
    std::error_code tec;
    if (it->last_write_time(tec) > cutoff_ft || tec) continue;
    if (temp) {
      if (fs::remove(it->path(), tec)) ++removed;
      continue;
    }
    // A ping may reuse this object right now (PutNamed touches it). Moved
    // aside first, its time is read again: a touch before the move shows
    // there, and one after it fails, so PutNamed writes the object anew.
    fs::path aside = it->path().parent_path() / (kTempFilePrefix + ("swept-" + name));
    fs::rename(it->path(), aside, tec);
    if (tec) continue;
    if (fs::last_write_time(aside, tec) > cutoff_ft || tec) {
      fs::rename(aside, it->path(), tec);  // In use again: put it back.
      if (tec) {
        log::Error("cannot put a swept object back",
                   {{"object", name}, {"error", tec.message()}});
      }
      continue;
    }
    if (fs::remove(aside, tec)) ++removed;
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot read ", dir_.string(), ": ", ec.message()));
  }
  return removed;
}

}  // namespace tocsin::data
