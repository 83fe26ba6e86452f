#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/strings.h"

namespace tocsin {
namespace {

absl::Status ErrnoStatus(std::string_view what, const std::filesystem::path& p) {
  int e = errno;
  std::string msg = absl::StrCat(Absl(what), " ", p.string(), ": ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(msg);
  if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(msg);
  if (e == ENOSPC || e == EDQUOT) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

absl::Status SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("cannot sync directory", dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::filesystem::path& path,
                                          size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return ec == std::errc::no_such_file_or_directory
               ? absl::NotFoundError(absl::StrCat("no file ", path.string()))
               : absl::InternalError(absl::StrCat("cannot read ", path.string(),
                                                  ": ", ec.message()));
  }
  if (size > max_bytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        path.string(), " is larger than ", max_bytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot open", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

AtomicFileWriter::~AtomicFileWriter() { Discard(); }

void AtomicFileWriter::Discard() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(temp_, ignored);
    temp_.clear();
  }
}

absl::Status AtomicFileWriter::Open(const std::filesystem::path& target,
                                    int mode) {
  Discard();
  target_ = target;
  written_ = 0;
  auto dir = target.parent_path();
  if (dir.empty()) dir = ".";
  temp_ = dir / absl::StrCat(kTempFilePrefix, target.filename().string(), "-",
                             RandomToken(12));
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0) {
    auto s = ErrnoStatus("cannot create", temp_);
    temp_.clear();
    return s;
  }
  // The mode asked for, whatever the umask.
  if (::fchmod(fd_, static_cast<mode_t>(mode)) != 0) {
    auto s = ErrnoStatus("cannot set the mode of", temp_);
    Discard();
    return s;
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Append(std::string_view bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError("no file is open");
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", temp_);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    written_ += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError("no file is open");
  if (::fsync(fd_) != 0) return ErrnoStatus("cannot sync", temp_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return ErrnoStatus("cannot close", temp_);
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    return ErrnoStatus("cannot rename onto", target_);
  }
  temp_.clear();
  auto dir = target_.parent_path();
  return SyncDirectory(dir.empty() ? "." : dir);
}

absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                 std::string_view contents, int mode) {
  AtomicFileWriter w;
  if (auto s = w.Open(path, mode); !s.ok()) return s;
  if (auto s = w.Append(contents); !s.ok()) return s;
  return w.Commit();
}

}  // namespace tocsin
