#include "scheduler/backup_manager.h"


#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/files.h"
#include "common/grpc_util.h"
#include "common/log.h"
#include "common/time_format.h"
#include "dumpstream/dump_stream.h"
#include "scheduler/maintenance_jobs.h"

namespace tocsin::scheduler {
namespace {

// A dump or restore streams for as long as it takes; this bounds a stuck one.
constexpr absl::Duration kStreamDeadline = absl::Hours(6);

// Differences between the facts at dump time and those of a restored copy,
// in words; empty when they agree.
std::string CompareFacts(const v1::DatabaseFacts& want,
                         const v1::DatabaseFacts& got) {
  std::vector<std::string> diffs;
  if (want.schema_version() != got.schema_version()) {
    diffs.push_back(absl::StrCat("schema version ", got.schema_version(),
                                 ", expected ", want.schema_version()));
  }
  for (const auto& [table, n] : want.row_counts()) {
    auto it = got.row_counts().find(table);
    int64_t g = it == got.row_counts().end() ? -1 : it->second;
    if (g != n) diffs.push_back(absl::StrCat(table, ": ", g, " rows, expected ", n));
  }
  return absl::StrJoin(diffs, "; ");
}

}  // namespace

BackupManager::BackupManager(BackupConfig config,
                             std::shared_ptr<grpc::Channel> data,
                             std::string internal_token,
                             absl::Duration rpc_deadline)
    : config_(std::move(config)),
      volume_(config_.dir),
      data_(std::move(data)),
      stub_(v1::DatabaseBackupService::NewStub(data_)),
      token_(std::move(internal_token)),
      rpc_deadline_(rpc_deadline) {
  if (config_.s3) {
    offsite_ = std::make_unique<BackupOffsite>(*config_.s3, config_.s3_prefix,
                                               config_.keep);
  }
}

void BackupManager::Invalidate() {
  std::lock_guard<std::mutex> lock(state_mu_);
  state_.reset();
}

v1::BackupVolumeState BackupManager::State() {
  std::lock_guard<std::mutex> lock(state_mu_);
  absl::Time now = absl::Now();
  if (state_ && now - state_read_ < absl::Seconds(30)) return *state_;
  v1::BackupVolumeState st;
  auto list = volume_.List();
  if (list.ok()) {
    st.set_count(static_cast<int64_t>(list->size()));
    if (!list->empty()) *st.mutable_newest() = list->front();
    for (const auto& b : *list) {
      if (b.proof() == v1::BACKUP_PROOF_PROVEN) {
        *st.mutable_newest_proven() = b.created();
        break;
      }
    }
  }
  state_ = st;
  state_read_ = now;
  return st;
}

absl::StatusOr<v1::Backup> BackupManager::TakeBackup() {
  std::lock_guard<std::mutex> lock(mu_);
  struct Done {
    BackupManager* m;
    ~Done() { m->Invalidate(); }
  } done{this};
  absl::Time started = absl::Now();
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, token_, kStreamDeadline);
  auto reader = stub_->DumpDatabase(&ctx, v1::DumpDatabaseRequest());
  v1::DumpDatabaseResponse msg;
  if (!reader->Read(&msg) || !msg.has_header()) {
    grpc::Status s = reader->Finish();
    return s.ok() ? absl::InternalError("the dump began without its facts")
                  : FromGrpcStatus(s);
  }
  v1::Backup meta;
  *meta.mutable_created() = msg.header().started();
  *meta.mutable_facts() = msg.header().facts();
  BackupVolume::Writer writer;
  if (auto s = volume_.StartWriting(FromProto(msg.header().started()), writer);
      !s.ok()) {
    ctx.TryCancel();
    (void)reader->Finish();
    return s;
  }
  Sha256Stream sha;
  bool trailer = false;
  while (reader->Read(&msg)) {
    if (msg.has_chunk()) {
      sha.Update(msg.chunk());
      if (auto s = writer.Append(msg.chunk()); !s.ok()) {
        ctx.TryCancel();
        (void)reader->Finish();
        return s;  // The writer removes its temporary file.
      }
    } else if (msg.has_object()) {
      if (auto s = writer.AddObjectPart(msg.object()); !s.ok()) {
        ctx.TryCancel();
        (void)reader->Finish();
        return s;
      }
    } else if (msg.has_trailer()) {
      meta.set_size_bytes(msg.trailer().size_bytes());
      meta.set_sha256(msg.trailer().sha256());
      meta.set_objects(msg.trailer().objects());
      trailer = true;
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return FromGrpcStatus(s);
  if (!trailer) return absl::DataLossError("the dump ended without its trailer");
  std::string got = sha.HexDigest();
  if (got != meta.sha256()) {
    return absl::DataLossError(absl::StrCat(
        "the dump arrived damaged (SHA-256 ", got, ", sent ", meta.sha256(), ")"));
  }
  int64_t sent_objects = meta.objects();
  auto saved = writer.Commit(meta);
  if (saved.ok() && saved->objects() != sent_objects) {
    (void)volume_.Delete(saved->name());
    return absl::DataLossError(absl::StrCat("received ", saved->objects(),
                                            " body objects, the dump sent ",
                                            sent_objects));
  }
  if (!saved.ok()) return saved.status();
  log::Info("backup written",
            {{"name", saved->name()},
             {"bytes", saved->size_bytes()},
             {"took_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
  return saved;
}

template <typename Response>
absl::Status BackupManager::StreamFile(
    const v1::Backup& backup, bool force, bool send_objects,
    std::unique_ptr<grpc::ClientWriter<v1::RestoreDatabaseRequest>> (
        v1::DatabaseBackupService::Stub::*rpc)(grpc::ClientContext*, Response*),
    grpc::ClientContext& ctx, Response* resp) {
  PrepareInternalCall(ctx, token_, kStreamDeadline);
  auto writer = ((*stub_).*rpc)(&ctx, resp);
  v1::RestoreOptions options;
  options.set_force(force);
  options.set_expect_sha256(backup.sha256());
  options.set_source(backup.name());
  // Restores carry the body objects too (a proof checks them here).
  if (auto s = dumpstream::SendRestoreStream(
          volume_.PathOf(backup.name()),
          send_objects ? volume_.ObjectsDirOf(backup.name()) : std::filesystem::path(),
          options, *writer);
      !s.ok()) {
    ctx.TryCancel();
    (void)writer->Finish();
    return s;
  }
  writer->WritesDone();
  return FromGrpcStatus(writer->Finish());
}

absl::StatusOr<v1::RestoreDatabaseResponse> BackupManager::Restore(
    const std::string& name, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  auto backup = volume_.Get(name);
  if (!backup.ok()) return backup.status();
  grpc::ClientContext ctx;
  v1::RestoreDatabaseResponse resp;
  if (auto s = StreamFile(*backup, force, /*send_objects=*/true,
                          &v1::DatabaseBackupService::Stub::RestoreDatabase, ctx,
                          &resp);
      !s.ok()) {
    return s;
  }
  log::Warning("backup restored into the live database", {{"name", name}});
  return resp;
}

absl::StatusOr<std::string> BackupManager::ProveNewestAndRotate() {
  std::lock_guard<std::mutex> lock(mu_);
  struct Done {
    BackupManager* m;
    ~Done() { m->Invalidate(); }
  } done{this};
  if (auto s = volume_.Clean(); !s.ok()) return s;
  auto backups = volume_.List();
  if (!backups.ok()) return backups.status();
  if (backups->empty()) return std::string("no backup yet");
  v1::Backup& newest = backups->front();
  std::string outcome;
  if (newest.proof() == v1::BACKUP_PROOF_UNPROVEN) {
    absl::Time now = absl::Now();
    std::string problem;
    if (std::string bad = volume_.CheckObjects(newest); !bad.empty()) {
      problem = bad;
    } else {
      // The data service checks the file's SHA-256 as it arrives (DATA_LOSS,
      // "checksum mismatch", when damaged or truncated), then restores it.
      grpc::ClientContext ctx;
      v1::VerifyDumpResponse resp;
      absl::Status s = StreamFile(newest, false, /*send_objects=*/false,
                                  &v1::DatabaseBackupService::Stub::VerifyDump,
                                  ctx, &resp);
      if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) {
        return s;  // Not the backup's fault: try again on the next run.
      }
      if (absl::IsDataLoss(s)) {
        problem = std::string(s.message());
      } else if (!s.ok()) {
        problem = absl::StrCat("restore failed: ", s.message());
      } else {
        problem = CompareFacts(newest.facts(), resp.facts());
      }
    }
    v1::BackupProof proof =
        problem.empty() ? v1::BACKUP_PROOF_PROVEN : v1::BACKUP_PROOF_FAILED;
    std::string detail = problem.empty()
                             ? absl::StrCat("restored into a scratch database; ",
                                            "schema version and row counts match")
                             : problem;
    if (auto s = volume_.SaveProof(newest.name(), proof, now, detail); !s.ok()) {
      return s;
    }
    newest.set_proof(proof);
    outcome = absl::StrCat(newest.name(), problem.empty() ? " proven" : " FAILED: ",
                           problem);
    if (!problem.empty()) {
      log::Error("backup is not restorable",
                 {{"name", newest.name()}, {"problem", problem}});
    }
  } else {
    outcome = absl::StrCat(newest.name(), " already ",
                           newest.proof() == v1::BACKUP_PROOF_PROVEN ? "proven"
                                                                     : "failed");
  }
  std::vector<BackupEntry> entries;
  for (const auto& b : *backups) {
    entries.push_back({b.name(), FromProto(b.created()),
                       b.proof() == v1::BACKUP_PROOF_PROVEN});
  }
  auto doomed = BackupsToDelete(entries, config_.keep);
  for (const auto& name : doomed) {
    if (auto s = volume_.Delete(name); !s.ok()) return s;
    log::Info("backup rotated out", {{"name", name}});
  }
  if (!doomed.empty()) absl::StrAppend(&outcome, "; rotated out ", doomed.size());
  if (newest.proof() != v1::BACKUP_PROOF_PROVEN) {
    absl::StrAppend(&outcome, "; nothing rotated while the newest is unproven");
    return outcome;
  }
  // Off site: a copy of the newest (proven) backup, then the same rotation
  // there. A failure fails the run; the next run tries again.
  if (offsite_ && !newest.has_offsite_time()) {
    if (auto s = offsite_->Upload(volume_, newest); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(outcome, "; off-site copy failed: ",
                                                 s.message()));
    }
    if (auto s = volume_.SaveOffsite(newest.name(), absl::Now()); !s.ok()) return s;
    auto rotated = offsite_->Rotate();
    if (!rotated.ok()) {
      return absl::Status(rotated.status().code(),
                          absl::StrCat(outcome, "; off-site rotation failed: ",
                                       rotated.status().message()));
    }
    absl::StrAppend(&outcome, "; copied off site (", *rotated, " rotated out there)");
    log::Info("backup copied off site", {{"name", newest.name()}});
  }
  return outcome;
}

JobSpec BackupManager::BackupJob(JobRunner& runner) {
  JobSpec job;
  job.name = "backup";
  job.trigger = *Trigger::Cron(config_.schedule);
  job.run = [this, &runner]() -> absl::StatusOr<JobOutcome> {
    auto b = TakeBackup();
    if (!b.ok()) return b.status();
    runner.Kick("prove-backups");
    JobOutcome out;
    out.message = absl::StrCat(b->name(), " (", b->size_bytes(), " bytes)");
    return out;
  };
  return WithLease(std::move(job), data_, token_, rpc_deadline_, absl::Minutes(30));
}

JobSpec BackupManager::ProveJob() {
  JobSpec job;
  job.name = "prove-backups";
  job.trigger = Trigger::Every(config_.prove_every);
  job.run = [this]() -> absl::StatusOr<JobOutcome> {
    auto out = ProveNewestAndRotate();
    if (!out.ok()) return out.status();
    JobOutcome o;
    o.message = *out;
    return o;
  };
  return WithLease(std::move(job), data_, token_, rpc_deadline_, absl::Minutes(30));
}

grpc::Status BackupServiceImpl::Check(const grpc::ServerContext& ctx) const {
  if (!HasInternalToken(ctx, token_)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this call needs the internal token");
  }
  if (manager_ == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "backups are off: set TOCSIN_BACKUP_DIR");
  }
  return grpc::Status::OK;
}

grpc::Status BackupServiceImpl::CreateBackup(grpc::ServerContext* ctx,
                                             const v1::CreateBackupRequest*,
                                             v1::CreateBackupResponse* resp) {
  if (auto s = Check(*ctx); !s.ok()) return s;
  auto b = manager_->TakeBackup();
  if (!b.ok()) return ToGrpcStatus(b.status());
  *resp->mutable_backup() = *b;
  return grpc::Status::OK;
}

grpc::Status BackupServiceImpl::ListBackups(grpc::ServerContext* ctx,
                                            const v1::ListBackupsRequest*,
                                            v1::ListBackupsResponse* resp) {
  if (auto s = Check(*ctx); !s.ok()) return s;
  auto list = manager_->List();
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (auto& b : *list) *resp->add_backups() = std::move(b);
  return grpc::Status::OK;
}

grpc::Status BackupServiceImpl::RestoreBackup(grpc::ServerContext* ctx,
                                              const v1::RestoreBackupRequest* req,
                                              v1::RestoreBackupResponse* resp) {
  if (auto s = Check(*ctx); !s.ok()) return s;
  auto r = manager_->Restore(req->name(), req->force());
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp->mutable_facts() = r->facts();
  return grpc::Status::OK;
}

}  // namespace tocsin::scheduler
