#ifndef TOCSIN_DATA_CONFIG_H_
#define TOCSIN_DATA_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/settings.h"
#include "data/ping_batcher.h"

namespace tocsin::data {

// How long PostgreSQL lets one of our sessions sit idle inside a
// transaction before it ends the session (see ConnectionString). The
// dump's snapshot holder, idle by design, turns it off for itself.
inline constexpr absl::Duration kIdleInTransactionLimit = absl::Seconds(2);

// The data service's settings, read from the environment at start.
struct DataConfig {
  std::string db_host;
  int db_port = 5432;
  std::string db_name;
  std::string db_user;
  std::string db_password;  // Secret: never logged.
  std::string db_sslmode;
  int pool_size = 8;
  int max_threads = 2048;
  absl::Duration pool_wait = absl::Seconds(2);
  std::string listen;
  std::string internal_token;  // Secret: never logged.
  int ping_body_limit = 10000;
  int64_t pings_kept = 100;
  int64_t ping_state_cache = 100000;  // Checks (0: off); see StoreOptions.
  // Ping bodies above object_threshold bytes are files under object_dir
  // (empty: every body stays in the database).
  std::string object_dir;
  int64_t object_threshold = 1024;
  absl::Duration object_sweep_age = absl::Hours(1);
  PingBatcherOptions batching;
  absl::Duration outage_threshold = absl::Seconds(15);
  absl::Duration heartbeat_every = absl::Seconds(1);
  std::string metrics_listen;  // Empty: no metrics endpoint.
  log::Level log_level = log::Level::kInfo;

  // A libpq connection string. Contains the password: never log it.
  std::string ConnectionString() const;
  // The same without secrets, for logs and errors.
  std::string DescribeDatabase() const;
};

// Reads and validates every setting; InvalidArgument names the first bad one.
absl::StatusOr<DataConfig> LoadDataConfig(Settings& settings);

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_CONFIG_H_
