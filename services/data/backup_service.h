#ifndef TOCSIN_DATA_BACKUP_SERVICE_H_
#define TOCSIN_DATA_BACKUP_SERVICE_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/auth.h"
#include "data/config.h"
#include "data/object_store.h"
#include "data/pg_pool.h"
#include "data/store.h"
#include "grpcpp/grpcpp.h"
#include "tocsin/v1/database_backup_service.grpc.pb.h"

namespace tocsin::data {

// Dumps and restores with PostgreSQL's own tools (pg_dump, pg_restore from
// TOCSIN_PG_DUMP / TOCSIN_PG_RESTORE), which get the database credentials
// in their environment, never on their command line.
class DatabaseBackupServiceImpl final
    : public v1::DatabaseBackupService::Service {
 public:
  // `objects` may be null (no object directory).
  DatabaseBackupServiceImpl(const DataConfig& config, PgPool& pool,
                            Store& store, Authenticator& auth,
                            ObjectStore* objects);

  grpc::Status DumpDatabase(
      grpc::ServerContext* ctx, const v1::DumpDatabaseRequest* req,
      grpc::ServerWriter<v1::DumpDatabaseResponse>* out) override;
  grpc::Status RestoreDatabase(
      grpc::ServerContext* ctx,
      grpc::ServerReader<v1::RestoreDatabaseRequest>* in,
      v1::RestoreDatabaseResponse* resp) override;
  grpc::Status VerifyDump(grpc::ServerContext* ctx,
                          grpc::ServerReader<v1::RestoreDatabaseRequest>* in,
                          v1::VerifyDumpResponse* resp) override;

 private:
  // A received dump, in a temporary file removed on destruction.
  struct ReceivedFile;
  absl::StatusOr<v1::RestoreOptions> Receive(
      grpc::ServerReader<v1::RestoreDatabaseRequest>* in, ReceivedFile& file);
  absl::Status Dump(grpc::ServerContext* ctx,
                    grpc::ServerWriter<v1::DumpDatabaseResponse>* out);
  // Environment for pg_dump/pg_restore connecting to `dbname`.
  std::vector<std::string> ToolEnv(const std::string& dbname) const;
  absl::Status RunRestore(const std::string& path, const std::string& dbname,
                          bool single_transaction);

  const DataConfig config_;
  PgPool& pool_;
  Store& store_;
  Authenticator& auth_;
  ObjectStore* objects_;
  // One restore or verification at a time on this replica.
  std::mutex restore_mu_;
};

// What a database holds (schema version, row counts of the main tables),
// read in the caller's transaction (for a dump: the snapshot pg_dump uses,
// so facts and dump agree exactly).
v1::DatabaseFacts ReadDatabaseFacts(pqxx::transaction_base& tx);

// The tables whose row counts a backup's facts list.
const std::vector<std::string>& FactTables();

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_BACKUP_SERVICE_H_
