#ifndef TOCSIN_GATEWAY_CONFIG_H_
#define TOCSIN_GATEWAY_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "checkjson/check_json.h"
#include "common/log.h"
#include "common/settings.h"
#include "web-gateway/forwarded.h"

namespace tocsin::gateway {

struct GatewayConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8081;
  int threads = 1;
  std::string data_addr;
  std::string internal_token;  // Secret: never logged.
  UrlConfig urls;
  std::string site_name = "Tocsin";
  bool registration_open = true;  // REGISTRATION_OPEN: dashboard sign-up.
  std::string secret_key;  // Secret: signs badge URLs; never logged.
  int ping_body_limit = 10000;
  size_t max_body = 1 << 20;
  absl::Duration rpc_deadline = absl::Seconds(5);
  absl::Duration idle_timeout = absl::Seconds(75);
  TrustedProxies trusted_proxies;
  // Rate limits (TOCSIN_RATE_LIMITS=off disables them all).
  bool rate_limits = true;
  double ping_rate_per_minute = 600;  // Per check.
  double ping_burst = 120;
  double api_rate_per_minute = 600;  // Per API key.
  double api_burst = 100;
  // Ping batching toward the data service, and the in-flight bound.
  int ping_batch_max = 500;
  int ping_calls_max = 2;
  // A call beyond the first starts only when the queue holds a full batch
  // or the oldest call has taken this long (see PingBatcher).
  absl::Duration ping_overlap_after = absl::Milliseconds(10);
  int pings_pending_max = 5000;
  size_t ping_bytes_pending_max = 256 << 20;
  absl::Duration heartbeat_every = absl::Seconds(1);
  std::string metrics_listen;  // Empty: no metrics endpoint.
  // Static files: exported at start from static_dir into static_export
  // (the directory nginx serves /static/ from). Empty: nothing to do.
  std::string static_dir;
  std::string static_export;
  log::Level log_level = log::Level::kInfo;
};

absl::StatusOr<GatewayConfig> LoadGatewayConfig(Settings& s);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_CONFIG_H_
