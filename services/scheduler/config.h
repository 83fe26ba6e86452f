#ifndef TOCSIN_SCHEDULER_CONFIG_H_
#define TOCSIN_SCHEDULER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "checkjson/check_json.h"
#include "common/log.h"
#include "common/settings.h"
#include "outbound/outbound.h"
#include "scheduler/backup_manager.h"

namespace tocsin::scheduler {

// How alerts are delivered.
struct AlertConfig {
  absl::Duration poll = absl::Seconds(1);    // Outbox poll between kicks.
  absl::Duration lease = absl::Seconds(60);  // Claim length per batch.
  int concurrency = 8;                       // Sends in flight per replica.
  int max_attempts = 8;
  absl::Duration retry_base = absl::Seconds(10);  // Doubles per attempt.
  absl::Duration retry_max = absl::Minutes(30);
  outbound::HttpOptions http;
  outbound::SmtpConfig smtp;  // host empty: email not configured.
  UrlConfig urls;
  std::string site_name = "Tocsin";
  std::string language = "en";
};

struct SchedulerConfig {
  std::string listen;
  std::string data_addr;
  std::string internal_token;  // Secret: never logged.
  absl::Duration rpc_deadline = absl::Seconds(5);
  absl::Duration watch_every = absl::Seconds(1);
  absl::Duration heartbeat_every = absl::Seconds(1);
  AlertConfig alerts;
  std::string prune_schedule = "17 * * * *";
  absl::Duration keep_flips = absl::Hours(24 * 93);
  absl::Duration keep_notifications = absl::Hours(24 * 31);
  absl::Duration reports_every = absl::Minutes(1);
  BackupConfig backup;
  std::string metrics_listen;  // Empty: no metrics endpoint.
  log::Level log_level = log::Level::kInfo;
};

// Reads and validates every setting; InvalidArgument names the first bad one.
absl::StatusOr<SchedulerConfig> LoadSchedulerConfig(Settings& s);

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_CONFIG_H_
