#include "data/backup_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/files.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/subprocess.h"
#include "common/time_format.h"
#include "data/services.h"
#include "dumpstream/dump_stream.h"
#include "pqxx/pqxx"

namespace tocsin::data {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
// pg_dump may be silent for a while on a big table, never this long.
constexpr absl::Duration kToolSilence = absl::Minutes(10);
constexpr absl::Duration kRestoreTimeout = absl::Hours(6);
// Every custom-format archive starts so.
constexpr std::string_view kDumpMagic = "PGDMP";

// libpq's words for a database it could not reach (as pg_dump/pg_restore
// print them).
bool IsConnectionFailure(absl::string_view message) {
  for (absl::string_view m : {"could not translate host name",
                             "connection to server", "Connection refused",
                             "the database system is starting up",
                             "the database system is shutting down"}) {
    if (absl::StrContains(message, m)) return true;
  }
  return false;
}

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

const std::vector<std::string>& FactTables() {
  static const std::vector<std::string> tables = {
      "projects", "api_keys",      "checks",        "pings",
      "flips",    "channels",      "check_channels", "notifications"};
  return tables;
}

v1::DatabaseFacts ReadDatabaseFacts(pqxx::transaction_base& tx) {
  v1::DatabaseFacts facts;
  facts.set_schema_version(
      tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0]
          .as<int64_t>());
  for (const auto& t : FactTables()) {
    auto r = tx.exec1(absl::StrCat("SELECT count(*) FROM ", tx.quote_name(t)));
    (*facts.mutable_row_counts())[t] = r[0].as<int64_t>();
  }
  return facts;
}

struct DatabaseBackupServiceImpl::ReceivedFile {
  std::filesystem::path path;
  int64_t size = 0;
  std::string sha256;
  int64_t objects = 0;
  ~ReceivedFile() {
    if (!path.empty()) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }
};

DatabaseBackupServiceImpl::DatabaseBackupServiceImpl(const DataConfig& config,
                                                     PgPool& pool, Store& store,
                                                     Authenticator& auth,
                                                     ObjectStore* objects)
    : config_(config),
      pool_(pool),
      store_(store),
      auth_(auth),
      objects_(objects) {}

std::vector<std::string> DatabaseBackupServiceImpl::ToolEnv(
    const std::string& dbname) const {
  std::vector<std::string> env = {
      "PATH=" + Env("PATH", "/usr/local/bin:/usr/bin:/bin"),
      "PGHOST=" + config_.db_host,
      absl::StrCat("PGPORT=", config_.db_port),
      "PGUSER=" + config_.db_user,
      "PGDATABASE=" + dbname,
      "PGCONNECT_TIMEOUT=10",
      "PGAPPNAME=tocsin-backup",
      "LC_ALL=C.UTF-8",
  };
  if (!config_.db_password.empty()) env.push_back("PGPASSWORD=" + config_.db_password);
  if (!config_.db_sslmode.empty()) env.push_back("PGSSLMODE=" + config_.db_sslmode);
  return env;
}

grpc::Status DatabaseBackupServiceImpl::DumpDatabase(
    grpc::ServerContext* ctx, const v1::DumpDatabaseRequest*,
    grpc::ServerWriter<v1::DumpDatabaseResponse>* out) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "DumpDatabase");
  return Reply(Dump(ctx, out), "DumpDatabase");
}

absl::Status DatabaseBackupServiceImpl::Dump(
    grpc::ServerContext* ctx, grpc::ServerWriter<v1::DumpDatabaseResponse>* out) {
  absl::Time started = absl::Now();
  try {
    // A connection of its own, held for the whole dump: its snapshot is
    // the one pg_dump reads, so the facts match the file exactly.
    pqxx::connection conn(config_.ConnectionString());
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
    // Idle while pg_dump reads: exempt from the sessions' idle limit.
    tx.exec("SET LOCAL idle_in_transaction_session_timeout = 0");
    std::string snapshot =
        tx.exec1("SELECT pg_export_snapshot()")[0].as<std::string>();
    v1::DumpDatabaseResponse msg;
    auto* header = msg.mutable_header();
    *header->mutable_started() = tocsin::ToProto(started);
    *header->mutable_facts() = ReadDatabaseFacts(tx);
    std::string pg_dump = Env("TOCSIN_PG_DUMP", "pg_dump");
    auto version = RunProgram({pg_dump, "--version"}, ToolEnv(config_.db_name),
                              absl::Seconds(30));
    if (!version.ok()) return version.status();
    header->set_tool_version(std::string(absl::StripAsciiWhitespace(*version)));
    if (!out->Write(msg)) return absl::CancelledError("the caller went away");

    auto proc = Subprocess::Start(
        {pg_dump, "--format=custom", "--compress=6", "--no-owner",
         "--no-privileges", "--snapshot=" + snapshot},
        ToolEnv(config_.db_name));
    if (!proc.ok()) return proc.status();
    Sha256Stream sha;
    int64_t size = 0;
    for (;;) {
      if (ctx->IsCancelled()) {
        (*proc)->Kill();
        return absl::CancelledError("the caller cancelled the dump");
      }
      auto chunk = (*proc)->Read(kChunkBytes, kToolSilence);
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) break;
      sha.Update(*chunk);
      size += static_cast<int64_t>(chunk->size());
      v1::DumpDatabaseResponse part;
      part.set_chunk(*std::move(chunk));
      if (!out->Write(part)) {
        (*proc)->Kill();
        return absl::CancelledError("the caller went away");
      }
    }
    if (auto done = (*proc)->Finish(absl::Minutes(1)); !done.ok()) {
      return done.status();
    }
    // The body objects the dumped pings refer to (same snapshot).
    int64_t objects = 0;
    for (const auto& row : tx.exec(
             "SELECT DISTINCT body_object FROM pings "
             "WHERE body_object IS NOT NULL ORDER BY 1")) {
      std::string name = row[0].c_str();
      if (objects_ == nullptr) {
        return absl::FailedPreconditionError(
            "pings refer to body objects, but TOCSIN_OBJECT_DIR is not set");
      }
      auto data = objects_->Get(name);
      if (!data.ok()) {
        return absl::DataLossError(absl::StrCat(
            "body object ", name, " is missing or unreadable: ",
            data.status().message()));
      }
      bool sent = dumpstream::SendObject(
          name, *data, [&](v1::ObjectPart p) {
            v1::DumpDatabaseResponse part;
            *part.mutable_object() = std::move(p);
            return out->Write(part);
          });
      if (!sent) return absl::CancelledError("the caller went away");
      ++objects;
    }
    tx.commit();
    v1::DumpDatabaseResponse last;
    last.mutable_trailer()->set_size_bytes(size);
    last.mutable_trailer()->set_sha256(sha.HexDigest());
    last.mutable_trailer()->set_objects(objects);
    if (!out->Write(last)) return absl::CancelledError("the caller went away");
    log::Info("database dumped",
              {{"bytes", size},
               {"took_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

absl::StatusOr<v1::RestoreOptions> DatabaseBackupServiceImpl::Receive(
    grpc::ServerReader<v1::RestoreDatabaseRequest>* in, ReceivedFile& file) {
  v1::RestoreDatabaseRequest msg;
  if (!in->Read(&msg) || !msg.has_options()) {
    return absl::InvalidArgumentError(
        "the first message must carry the restore options");
  }
  v1::RestoreOptions options = msg.options();
  std::string dir = Env("TMPDIR", "/tmp");
  file.path = std::filesystem::path(dir) /
              absl::StrCat(kTempFilePrefix, "restore-", RandomToken(12));
  std::ofstream f(file.path, std::ios::binary | std::ios::trunc);
  if (!f) {
    return absl::InternalError(
        absl::StrCat("cannot create a temporary file in ", dir));
  }
  ::chmod(file.path.c_str(), 0600);
  Sha256Stream sha;
  std::string head;
  dumpstream::ObjectAssembler assembler;
  while (in->Read(&msg)) {
    if (msg.has_object()) {
      // Body objects follow the file; each is stored once complete (and
      // checked against its name) before anything is restored.
      if (objects_ == nullptr) {
        return absl::FailedPreconditionError(
            "the backup holds ping-body objects, but TOCSIN_OBJECT_DIR is "
            "not set");
      }
      auto done = assembler.Add(msg.object());
      if (!done.ok()) return absl::InvalidArgumentError(done.status().message());
      if (*done) {
        if (auto s = objects_->PutNamed((*done)->first, (*done)->second); !s.ok()) {
          return s;
        }
        ++file.objects;
      }
      continue;
    }
    if (!msg.has_chunk()) {
      return absl::InvalidArgumentError("only file chunks may follow the options");
    }
    if (file.objects > 0 || assembler.pending()) {
      return absl::InvalidArgumentError("file chunks must come before objects");
    }
    const std::string& chunk = msg.chunk();
    if (head.size() < kDumpMagic.size()) {
      head.append(chunk.substr(0, kDumpMagic.size() - head.size()));
    }
    sha.Update(chunk);
    f.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!f) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot write the received file in ", dir,
                       " (disk full?)"));
    }
    file.size += static_cast<int64_t>(chunk.size());
  }
  if (assembler.pending()) {
    return absl::InvalidArgumentError("the last object was cut short");
  }
  f.close();
  if (!f) return absl::InternalError("cannot write the received file");
  file.sha256 = sha.HexDigest();
  if (!options.expect_sha256().empty() &&
      !absl::EqualsIgnoreCase(options.expect_sha256(), file.sha256)) {
    return absl::DataLossError(
        absl::StrCat("checksum mismatch: the file's SHA-256 is ", file.sha256,
                     ", recorded ", options.expect_sha256(),
                     " (damaged or truncated)"));
  }
  if (head != kDumpMagic) {
    return absl::InvalidArgumentError(
        file.size == 0 ? "the file is empty"
                       : "not a backup: not a pg_dump custom-format file");
  }
  return options;
}

absl::Status DatabaseBackupServiceImpl::RunRestore(const std::string& path,
                                                   const std::string& dbname,
                                                   bool single_transaction) {
  std::vector<std::string> argv = {Env("TOCSIN_PG_RESTORE", "pg_restore"),
                                   "--no-owner", "--no-privileges",
                                   "--exit-on-error", "--dbname=" + dbname};
  if (single_transaction) {
    // Replace what is there, all or nothing.
    argv.insert(argv.end(), {"--clean", "--if-exists", "--single-transaction"});
  }
  argv.push_back(path);
  auto out = RunProgram(argv, ToolEnv(dbname), kRestoreTimeout);
  if (!out.ok() && IsConnectionFailure(out.status().message())) {
    // Not the file's fault: the database could not be reached.
    return absl::UnavailableError(
        absl::StrCat("restore could not reach the database: ",
                     out.status().message()));
  }
  if (!out.ok()) {
    // pg_restore's message names the failing object: useful, not secret.
    return absl::FailedPreconditionError(
        absl::StrCat("restore failed: ", out.status().message()));
  }
  return absl::OkStatus();
}

grpc::Status DatabaseBackupServiceImpl::RestoreDatabase(
    grpc::ServerContext* ctx, grpc::ServerReader<v1::RestoreDatabaseRequest>* in,
    v1::RestoreDatabaseResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "RestoreDatabase");
  std::lock_guard<std::mutex> lock(restore_mu_);
  ReceivedFile file;
  auto options = Receive(in, file);
  if (!options.ok()) return Reply(options.status(), "RestoreDatabase");
  absl::Status s = pool_.Run([&](pqxx::connection& c) -> absl::Status {
    pqxx::read_transaction tx(c);
    int64_t projects = tx.exec1("SELECT count(*) FROM projects")[0].as<int64_t>();
    if (projects > 0 && !options->force()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database holds ", projects,
          " project(s); restore into an empty database, or force it to "
          "replace them"));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, "RestoreDatabase");
  log::Warning("restoring the database",
               {{"source", options->source()}, {"bytes", file.size},
                {"force", options->force()}});
  if (s = RunRestore(file.path, config_.db_name, true); !s.ok()) {
    return Reply(s, "RestoreDatabase");
  }
  // Connections prepared their statements against the tables just
  // replaced: start afresh.
  pool_.DropIdle();
  // A backup from an older version is brought up to this one's schema.
  if (auto migrated = store_.Migrate(); !migrated.ok()) {
    return Reply(migrated.status(), "RestoreDatabase");
  }
  s = pool_.Run([&](pqxx::connection& c) -> absl::Status {
    pqxx::read_transaction tx(c);
    *resp->mutable_facts() = ReadDatabaseFacts(tx);
    return absl::OkStatus();
  });
  if (!s.ok()) return Reply(s, "RestoreDatabase");
  resp->set_size_bytes(file.size);
  resp->set_objects(file.objects);
  log::Warning("database restored",
               {{"source", options->source()}, {"objects", file.objects}});
  return grpc::Status::OK;
}

grpc::Status DatabaseBackupServiceImpl::VerifyDump(
    grpc::ServerContext* ctx, grpc::ServerReader<v1::RestoreDatabaseRequest>* in,
    v1::VerifyDumpResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "VerifyDump");
  std::lock_guard<std::mutex> lock(restore_mu_);
  ReceivedFile file;
  auto options = Receive(in, file);
  if (!options.ok()) return Reply(options.status(), "VerifyDump");
  // A scratch database beside the live one; its name says what it is, and
  // a run killed midway leaves one that the next run drops.
  std::string prefix = config_.db_name + "_verify_";
  std::string scratch = prefix + absl::AsciiStrToLower(RandomToken(8));
  for (char& ch : scratch) {
    if (ch == '-') ch = '_';
  }
  auto admin = [&](const std::function<void(pqxx::nontransaction&)>& fn) {
    try {
      pqxx::connection c(config_.ConnectionString());
      pqxx::nontransaction tx(c);
      fn(tx);
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return StatusFromException(e);
    }
  };
  absl::Status s = admin([&](pqxx::nontransaction& tx) {
    auto stale = tx.exec_params(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix);
    for (const auto& row : stale) {
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(row[0].c_str()) +
              " WITH (FORCE)");
    }
    tx.exec("CREATE DATABASE " + tx.quote_name(scratch) + " TEMPLATE template0");
  });
  if (absl::IsUnavailable(s)) return Reply(s, "VerifyDump");  // Retry later.
  if (!s.ok()) {
    return Reply(absl::FailedPreconditionError(absl::StrCat(
                     "cannot create a scratch database (the database user "
                     "needs CREATEDB): ",
                     s.message())),
                 "VerifyDump");
  }
  s = RunRestore(file.path, scratch, false);
  if (s.ok()) {
    try {
      DataConfig scratch_config = config_;
      scratch_config.db_name = scratch;
      pqxx::connection c(scratch_config.ConnectionString());
      pqxx::read_transaction tx(c);
      *resp->mutable_facts() = ReadDatabaseFacts(tx);
    } catch (const std::exception& e) {
      s = absl::FailedPreconditionError(
          absl::StrCat("the restored copy cannot be read: ", e.what()));
    }
  }
  absl::Status dropped = admin([&](pqxx::nontransaction& tx) {
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(scratch) + " WITH (FORCE)");
  });
  if (!dropped.ok()) {
    log::Warning("cannot drop the scratch database",
                 {{"database", scratch}, {"error", dropped.ToString()}});
  }
  if (!s.ok()) return Reply(s, "VerifyDump");
  resp->set_size_bytes(file.size);
  log::Info("backup verified", {{"source", options->source()}, {"bytes", file.size}});
  return grpc::Status::OK;
}

}  // namespace tocsin::data
