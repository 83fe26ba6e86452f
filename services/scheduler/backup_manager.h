#ifndef TOCSIN_SCHEDULER_BACKUP_MANAGER_H_
#define TOCSIN_SCHEDULER_BACKUP_MANAGER_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "s3/s3_client.h"
#include "scheduler/backup_offsite.h"
#include "scheduler/backup_rotation.h"
#include "scheduler/backup_volume.h"
#include "scheduler/job_runner.h"
#include "tocsin/v1/backup_service.grpc.pb.h"
#include "tocsin/v1/database_backup_service.grpc.pb.h"
#include "tocsin/v1/system_service.pb.h"

namespace tocsin::scheduler {

struct BackupConfig {
  std::string dir;  // Empty: backups are off.
  std::string schedule = "0 3 * * *";  // Cron, UTC.
  absl::Duration prove_every = absl::Hours(1);
  RotationPolicy keep;
  // Off-site copies of proven backups; unset: none.
  std::optional<s3::S3Config> s3;
  std::string s3_prefix = "tocsin-backups/";
};

// Takes, proves, rotates and restores the backups in the scheduler's
// backup volume, through the data service (the only holder of database
// credentials). One operation at a time per replica.
class BackupManager {
 public:
  BackupManager(BackupConfig config, std::shared_ptr<grpc::Channel> data,
                std::string internal_token, absl::Duration rpc_deadline);

  absl::Status Prepare() { return volume_.Prepare(); }

  // A dump streamed from the data service into the volume.
  absl::StatusOr<v1::Backup> TakeBackup();
  // Restores the newest backup not yet proven into a scratch database and
  // compares its facts with those at dump time; then rotates. The one-line
  // outcome.
  absl::StatusOr<std::string> ProveNewestAndRotate();
  absl::StatusOr<v1::RestoreDatabaseResponse> Restore(const std::string& name,
                                                      bool force);
  absl::StatusOr<std::vector<v1::Backup>> List() const { return volume_.List(); }

  // The volume's state for heartbeats and metrics: re-read at most every
  // 30 s (another replica sharing the volume may have changed it), and
  // after each operation here.
  v1::BackupVolumeState State();

  // "backup" (on the cron schedule) and "prove-backups" (every
  // prove_every; also kicked after each backup), each under a lease.
  JobSpec BackupJob(JobRunner& runner);
  JobSpec ProveJob();

 private:
  // Sends the backup file to a restore-like RPC.
  template <typename Response>
  absl::Status StreamFile(
      const v1::Backup& backup, bool force, bool send_objects,
      std::unique_ptr<grpc::ClientWriter<v1::RestoreDatabaseRequest>> (
          v1::DatabaseBackupService::Stub::*rpc)(grpc::ClientContext*,
                                                  Response*),
      grpc::ClientContext& ctx, Response* resp);

  BackupConfig config_;
  BackupVolume volume_;
  std::unique_ptr<BackupOffsite> offsite_;
  std::shared_ptr<grpc::Channel> data_;
  std::unique_ptr<v1::DatabaseBackupService::Stub> stub_;
  std::string token_;
  absl::Duration rpc_deadline_;
  std::mutex mu_;
  std::mutex state_mu_;
  std::optional<v1::BackupVolumeState> state_;
  absl::Time state_read_;
  void Invalidate();
};

// The scheduler's BackupService (tocsinctl backup ...).
class BackupServiceImpl final : public v1::BackupService::Service {
 public:
  BackupServiceImpl(BackupManager* manager, std::string internal_token)
      : manager_(manager), token_(std::move(internal_token)) {}
  grpc::Status CreateBackup(grpc::ServerContext* ctx,
                            const v1::CreateBackupRequest* req,
                            v1::CreateBackupResponse* resp) override;
  grpc::Status ListBackups(grpc::ServerContext* ctx,
                           const v1::ListBackupsRequest* req,
                           v1::ListBackupsResponse* resp) override;
  grpc::Status RestoreBackup(grpc::ServerContext* ctx,
                             const v1::RestoreBackupRequest* req,
                             v1::RestoreBackupResponse* resp) override;

 private:
  grpc::Status Check(const grpc::ServerContext& ctx) const;
  BackupManager* manager_;  // Null: backups are off (TOCSIN_BACKUP_DIR).
  std::string token_;
};

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_BACKUP_MANAGER_H_
