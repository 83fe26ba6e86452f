#include "scheduler/backup_volume.h"

#include <algorithm>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/time_format.h"
#include "google/protobuf/util/json_util.h"

namespace tocsin::scheduler {
namespace fs = std::filesystem;

namespace {
constexpr char kDumpSuffix[] = ".dump";
constexpr size_t kMaxMetaBytes = 1 << 20;

std::string MetaName(const std::string& name) {
  return name.substr(0, name.size() - (sizeof(kDumpSuffix) - 1)) + ".json";
}
std::string SumName(const std::string& name) { return name + ".sha256"; }
std::string ObjectsName(const std::string& name) {
  return name.substr(0, name.size() - (sizeof(kDumpSuffix) - 1)) + ".objects";
}
}  // namespace

bool IsBackupName(std::string_view name) {
  static const std::regex re(R"(tocsin-\d{8}T\d{6}Z(-\d{1,3})?\.dump)");
  return std::regex_match(name.begin(), name.end(), re);
}

std::optional<absl::Time> BackupNameTime(std::string_view name) {
  if (!IsBackupName(name)) return std::nullopt;
  // tocsin-YYYYMMDDTHHMMSSZ: fixed positions (absl's %Y would swallow the
  // month and day, as they are not separated).
  auto num = [&](size_t at, size_t len) {
    int v = 0;
    for (char c : name.substr(at, len)) v = v * 10 + (c - '0');
    return v;
  };
  absl::CivilSecond cs(num(7, 4), num(11, 2), num(13, 2), num(16, 2), num(18, 2),
                       num(20, 2));
  return absl::FromCivil(cs, absl::UTCTimeZone());
}

absl::Status BackupVolume::Prepare() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the backup directory ", dir_.string(), ": ", ec.message()));
  }
  return Clean();
}

fs::path BackupVolume::ObjectsDirOf(const std::string& name) const {
  return dir_ / ObjectsName(name);
}

std::string BackupVolume::CheckObjects(const v1::Backup& backup) const {
  fs::path dir = ObjectsDirOf(backup.name());
  int64_t n = 0;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      auto data = ReadWholeFile(e.path(), 256 << 20);
      if (!data.ok()) return absl::StrCat("object ", name, " unreadable");
      if (Sha256Hex(*data) != name) {
        return absl::StrCat("object ", name, " is damaged (checksum mismatch)");
      }
      ++n;
    }
  }
  if (n != backup.objects()) {
    return absl::StrCat(n, " body objects, expected ", backup.objects());
  }
  return "";
}

BackupVolume::Writer::~Writer() {
  if (!objects_temp_.empty()) {
    std::error_code ignored;
    fs::remove_all(objects_temp_, ignored);
  }
}

absl::Status BackupVolume::Writer::AddObjectPart(const v1::ObjectPart& part) {
  if (objects_temp_.empty()) {
    objects_temp_ = volume_->dir_ / absl::StrCat(kTempFilePrefix, ObjectsName(name_),
                                                 "-", RandomToken(8));
    std::error_code ec;
    fs::create_directories(objects_temp_, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot create ",
                                              objects_temp_.string(), ": ",
                                              ec.message()));
    }
  }
  auto done = assembler_.Add(part);
  if (!done.ok()) return done.status();
  if (!*done) return absl::OkStatus();
  const auto& [name, data] = **done;
  // Content-addressed: the name must be the content's SHA-256 (and so
  // cannot be a path).
  if (name.size() != 64 || Sha256Hex(data) != name) {
    return absl::DataLossError(
        absl::StrCat("object ", name.substr(0, 64), " arrived damaged"));
  }
  if (auto s = WriteFileAtomically(objects_temp_ / name, data, 0640); !s.ok()) {
    return s;
  }
  ++objects_;
  return absl::OkStatus();
}

absl::Status BackupVolume::Clean() {
  std::error_code ec;
  std::vector<fs::path> remove;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    if (absl::StartsWith(n, kTempFilePrefix)) {
      remove.push_back(e.path());
      continue;
    }
    std::string dump;
    if (absl::EndsWith(n, ".objects") && absl::StartsWith(n, "tocsin-")) {
      dump = n.substr(0, n.size() - 8) + std::string(kDumpSuffix);
    } else if (absl::EndsWith(n, ".dump.sha256")) {
      dump = n.substr(0, n.size() - 7);
    } else if (absl::EndsWith(n, ".json") && absl::StartsWith(n, "tocsin-")) {
      dump = n.substr(0, n.size() - 5) + std::string(kDumpSuffix);
    } else {
      continue;
    }
    if (IsBackupName(dump) && !fs::exists(dir_ / dump)) remove.push_back(e.path());
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot read ", dir_.string(), ": ", ec.message()));
  }
  for (const auto& p : remove) fs::remove_all(p, ec);
  return absl::OkStatus();
}

absl::Status BackupVolume::StartWriting(absl::Time t, Writer& writer) const {
  std::string base = absl::StrCat(
      "tocsin-", absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone()));
  std::string name = absl::StrCat(base, kDumpSuffix);
  for (int i = 2; fs::exists(dir_ / name) || fs::exists(dir_ / MetaName(name));
       ++i) {
    name = absl::StrCat(base, "-", i, kDumpSuffix);
  }
  writer.volume_ = this;
  writer.name_ = name;
  return writer.file_.Open(dir_ / name, 0640);
}

absl::StatusOr<v1::Backup> BackupVolume::Writer::Commit(v1::Backup meta) {
  if (static_cast<int64_t>(file_.bytes_written()) != meta.size_bytes()) {
    return absl::DataLossError(absl::StrCat(
        "received ", file_.bytes_written(), " bytes, the dump had ",
        meta.size_bytes()));
  }
  if (assembler_.pending()) return absl::DataLossError("the last object was cut short");
  meta.set_name(name_);
  meta.set_proof(v1::BACKUP_PROOF_UNPROVEN);
  meta.set_objects(objects_);
  if (!objects_temp_.empty()) {
    std::error_code ec;
    fs::rename(objects_temp_, volume_->ObjectsDirOf(name_), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot move the objects into place: ",
                                              ec.message()));
    }
    objects_temp_.clear();
  }
  if (auto s = WriteFileAtomically(volume_->dir_ / SumName(name_),
                                   absl::StrCat(meta.sha256(), "  ", name_, "\n"),
                                   0640);
      !s.ok()) {
    return s;
  }
  if (auto s = volume_->WriteMeta(meta); !s.ok()) return s;
  if (auto s = file_.Commit(); !s.ok()) return s;
  return meta;
}

absl::Status BackupVolume::WriteMeta(const v1::Backup& meta) const {
  std::string text;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(meta, &text, opts).ok()) {
    return absl::InternalError("cannot encode a backup's facts");
  }
  return WriteFileAtomically(dir_ / MetaName(meta.name()), text, 0640);
}

absl::StatusOr<v1::Backup> BackupVolume::ReadMeta(const std::string& name) const {
  auto text = ReadWholeFile(dir_ / MetaName(name), kMaxMetaBytes);
  if (!text.ok()) return text.status();
  v1::Backup meta;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(*text, &meta, opts).ok()) {
    return absl::DataLossError(
        absl::StrCat("the facts file of ", name, " is damaged"));
  }
  meta.set_name(name);
  return meta;
}

absl::StatusOr<v1::Backup> BackupVolume::Get(const std::string& name) const {
  if (!IsBackupName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not a backup name (see backup list)"));
  }
  if (!fs::exists(dir_ / name)) {
    return absl::NotFoundError(absl::StrCat("no backup ", name));
  }
  return ReadMeta(name);
}

absl::StatusOr<std::vector<v1::Backup>> BackupVolume::List() const {
  std::vector<v1::Backup> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    if (!IsBackupName(n)) continue;
    auto meta = ReadMeta(n);
    if (!meta.ok()) {
      // Listed all the same: an operator must see a backup whose facts
      // are gone, and it is not proven.
      v1::Backup b;
      b.set_name(n);
      b.set_size_bytes(static_cast<int64_t>(e.file_size(ec)));
      b.set_proof(v1::BACKUP_PROOF_FAILED);
      b.set_proof_detail(std::string(meta.status().message()));
      out.push_back(std::move(b));
      continue;
    }
    out.push_back(*std::move(meta));
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot read ", dir_.string(), ": ", ec.message()));
  }
  std::sort(out.begin(), out.end(), [](const v1::Backup& a, const v1::Backup& b) {
    absl::Time ta = FromProto(a.created()), tb = FromProto(b.created());
    return ta != tb ? ta > tb : a.name() > b.name();
  });
  return out;
}

absl::Status BackupVolume::SaveProof(const std::string& name,
                                     v1::BackupProof proof, absl::Time when,
                                     const std::string& detail) const {
  auto meta = ReadMeta(name);
  if (!meta.ok()) return meta.status();
  meta->set_proof(proof);
  *meta->mutable_proof_time() = ToProto(when);
  meta->set_proof_detail(detail);
  return WriteMeta(*meta);
}

absl::Status BackupVolume::SaveOffsite(const std::string& name,
                                       absl::Time when) const {
  auto meta = ReadMeta(name);
  if (!meta.ok()) return meta.status();
  *meta->mutable_offsite_time() = ToProto(when);
  return WriteMeta(*meta);
}

absl::Status BackupVolume::Delete(const std::string& name) const {
  if (!IsBackupName(name)) return absl::InvalidArgumentError("not a backup name");
  std::error_code ec;
  fs::remove(dir_ / name, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot delete ", name, ": ", ec.message()));
  }
  fs::remove(dir_ / SumName(name), ec);
  fs::remove(dir_ / MetaName(name), ec);
  fs::remove_all(ObjectsDirOf(name), ec);
  return absl::OkStatus();
}

}  // namespace tocsin::scheduler
