#ifndef TOCSIN_COMMON_FILES_H_
#define TOCSIN_COMMON_FILES_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tocsin {

// The whole file, refused when larger than `max_bytes`.
absl::StatusOr<std::string> ReadWholeFile(const std::filesystem::path& path,
                                          size_t max_bytes);

// Writes a file so that readers see either nothing or all of it, also after
// a crash: the bytes go to a temporary file beside the target (a random
// name, so writers in several containers sharing a volume do not collide),
// are flushed to disk, and only then renamed over the target. A writer
// that is destroyed without Commit() removes its temporary file.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Creates the temporary file (mode `mode`) in the target's directory.
  absl::Status Open(const std::filesystem::path& target, int mode = 0644);
  absl::Status Append(std::string_view bytes);
  // fsync, rename onto the target, fsync the directory.
  absl::Status Commit();
  size_t bytes_written() const { return written_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  void Discard();
  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  size_t written_ = 0;
};

absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                 std::string_view contents, int mode = 0644);

// Prefix of the temporary files AtomicFileWriter makes, for cleaners that
// remove what a killed writer left behind.
inline constexpr char kTempFilePrefix[] = ".tmp-";

}  // namespace tocsin

#endif  // TOCSIN_COMMON_FILES_H_
