#ifndef TOCSIN_DUMPSTREAM_DUMP_STREAM_H_
#define TOCSIN_DUMPSTREAM_DUMP_STREAM_H_

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/sync_stream.h"
#include "tocsin/v1/database_backup_service.pb.h"

namespace tocsin::dumpstream {

// The wire layout of dumps and restores (database_backup_service.proto),
// shared by its ends: the data service, the scheduler and tocsinctl.

// Pieces of at most this many bytes per message.
inline constexpr size_t kPieceBytes = 256 * 1024;

// Sends one body object as ObjectParts of at most `piece` bytes through
// `write`; false as soon as `write` returns false (the stream closed).
bool SendObject(const std::string& name, std::string_view data,
                const std::function<bool(v1::ObjectPart)>& write,
                size_t piece = kPieceBytes);

// Puts ObjectParts back together. Add returns the object (name, content)
// once its last part arrived, nullopt before; DataLoss when parts of two
// objects interleave.
class ObjectAssembler {
 public:
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Add(
      const v1::ObjectPart& part);
  // True while an object is incomplete (a stream ending now was cut short).
  bool pending() const { return !name_.empty(); }

 private:
  std::string name_, data_;
};

// A restore-like call's stream: `options`, the dump file in pieces, then
// (when `objects_dir` exists) every object file in it. Does not finish the
// call. DataLoss when a file cannot be read; OK also when the server
// closed the stream early (its status says why).
absl::Status SendRestoreStream(
    const std::filesystem::path& dump, const std::filesystem::path& objects_dir,
    const v1::RestoreOptions& options,
    grpc::ClientWriter<v1::RestoreDatabaseRequest>& writer);

}  // namespace tocsin::dumpstream

#endif  // TOCSIN_DUMPSTREAM_DUMP_STREAM_H_
