#include "dumpstream/dump_stream.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace tocsin::dumpstream {

bool SendObject(const std::string& name, std::string_view data,
                const std::function<bool(v1::ObjectPart)>& write, size_t piece) {
  do {
    v1::ObjectPart part;
    part.set_name(name);
    size_t n = std::min(data.size(), piece);
    part.set_data(std::string(data.substr(0, n)));
    data.remove_prefix(n);
    part.set_last(data.empty());
    if (!write(std::move(part))) return false;
  } while (!data.empty());
  return true;
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>>
ObjectAssembler::Add(const v1::ObjectPart& part) {
  if (!name_.empty() && part.name() != name_) {
    return absl::DataLossError("object parts arrived out of order");
  }
  name_ = part.name();
  data_ += part.data();
  if (!part.last()) return std::nullopt;
  std::pair<std::string, std::string> done(std::move(name_), std::move(data_));
  name_.clear();
  data_.clear();
  return std::optional(std::move(done));
}

absl::Status SendRestoreStream(
    const std::filesystem::path& dump, const std::filesystem::path& objects_dir,
    const v1::RestoreOptions& options,
    grpc::ClientWriter<v1::RestoreDatabaseRequest>& writer) {
  std::ifstream in(dump, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", dump.string()));
  v1::RestoreDatabaseRequest msg;
  *msg.mutable_options() = options;
  bool open = writer.Write(msg);
  std::string buf(kPieceBytes, '\0');
  while (open && in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() <= 0) break;
    msg.set_chunk(buf.data(), static_cast<size_t>(in.gcount()));
    open = writer.Write(msg);
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", dump.string()));
  std::error_code ec;
  if (!open || objects_dir.empty() || !std::filesystem::exists(objects_dir, ec)) {
    return absl::OkStatus();
  }
  for (const auto& e : std::filesystem::directory_iterator(objects_dir, ec)) {
    auto data = ReadWholeFile(e.path(), 256 << 20);
    if (!data.ok()) return data.status();
    open = SendObject(e.path().filename().string(), *data, [&](v1::ObjectPart p) {
      v1::RestoreDatabaseRequest part;
      *part.mutable_object() = std::move(p);
      return writer.Write(part);
    });
    if (!open) break;
  }
  return absl::OkStatus();
}

}  // namespace tocsin::dumpstream
