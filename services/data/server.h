#ifndef TOCSIN_DATA_SERVER_H_
#define TOCSIN_DATA_SERVER_H_

#include <atomic>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "data/backup_service.h"
#include "data/config.h"
#include "data/object_store.h"
#include "data/pg_pool.h"
#include "data/ping_batcher.h"
#include "data/services.h"
#include "data/store.h"
#include "grpcpp/grpcpp.h"

namespace tocsin::data {

// The data service assembled: pool, store, RPC handlers, gRPC server with
// health checking and reflection. main() and the integration tests use it.
class DataServer {
 public:
  // Connects (waiting up to `startup_wait` for PostgreSQL), migrates, and
  // starts serving on config.listen.
  static absl::StatusOr<std::unique_ptr<DataServer>> Start(
      const DataConfig& config, absl::Duration startup_wait);
  ~DataServer();

  // The port actually bound (useful with port 0).
  int port() const { return port_; }
  Store& store() { return *store_; }

  // Stops accepting, lets in-flight calls finish (up to `grace`), returns.
  void Shutdown(absl::Duration grace);

 private:
  DataServer() = default;
  void WatchDatabase();

  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<ObjectStore> objects_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<PingBatcher> batcher_;
  std::unique_ptr<CheckServiceImpl> checks_;
  std::unique_ptr<PingServiceImpl> pings_;
  std::unique_ptr<ProjectServiceImpl> projects_;
  std::unique_ptr<AdminServiceImpl> admin_;
  std::unique_ptr<DeadlineServiceImpl> deadlines_;
  std::unique_ptr<BadgeServiceImpl> badges_;
  std::unique_ptr<ChannelServiceImpl> channels_;
  std::unique_ptr<AlertServiceImpl> alerts_;
  std::unique_ptr<SystemServiceImpl> system_;
  std::unique_ptr<AccountServiceImpl> accounts_;
  std::unique_ptr<DatabaseBackupServiceImpl> backups_;
  absl::Duration heartbeat_every_ = absl::Seconds(2);
  absl::Time started_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_SERVER_H_
