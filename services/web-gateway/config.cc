#include "web-gateway/config.h"

#include "common/grpc_util.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace tocsin::gateway {

absl::StatusOr<GatewayConfig> LoadGatewayConfig(Settings& s) {
  GatewayConfig c;
  std::string listen = s.String("TOCSIN_GATEWAY_LISTEN", "127.0.0.1:8081");
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &c.listen_port) ||
      c.listen_port < 0 || c.listen_port > 65535) {
    s.Fail("TOCSIN_GATEWAY_LISTEN", "must be host:port");
  } else {
    c.listen_host = listen.substr(0, colon);
    // "[::1]:8081" names an IPv6 host.
    if (absl::StartsWith(c.listen_host, "[") &&
        absl::EndsWith(c.listen_host, "]")) {
      c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
    }
  }
  c.threads = static_cast<int>(s.Int("TOCSIN_GATEWAY_THREADS", 1, 1, 256));
  c.data_addr = s.String("TOCSIN_DATA_ADDR", "127.0.0.1:8051");
  c.internal_token = s.InternalToken();
  c.urls = ReadUrlConfig(s);
  c.ping_body_limit =
      static_cast<int>(s.Int("PING_BODY_LIMIT", 10000, 0, kMaxPingBodyLimit));
  c.max_body = static_cast<size_t>(s.Int("TOCSIN_MAX_REQUEST_BODY", 1 << 20,
                                         1024, 1024 * 1024 * 1024));
  if (c.max_body < static_cast<size_t>(c.ping_body_limit)) {
    s.Fail("TOCSIN_MAX_REQUEST_BODY", "must not be below PING_BODY_LIMIT");
  }
  c.rpc_deadline = s.Duration("TOCSIN_RPC_DEADLINE", absl::Seconds(5),
                              absl::Milliseconds(10), absl::Minutes(5));
  c.idle_timeout = s.Duration("TOCSIN_HTTP_IDLE_TIMEOUT", absl::Seconds(75),
                              absl::Seconds(1), absl::Hours(1));
  auto proxies =
      TrustedProxies::Parse(s.String("TOCSIN_TRUSTED_PROXIES", "127.0.0.1,::1"));
  if (!proxies.ok()) {
    s.Fail("TOCSIN_TRUSTED_PROXIES", std::string(proxies.status().message()));
  } else {
    c.trusted_proxies = *proxies;
  }
  c.site_name = s.String("SITE_NAME", "Tocsin");
  c.registration_open = s.Choice("REGISTRATION_OPEN", "True", {"True", "False"}) == "True";
  c.ping_batch_max =
      static_cast<int>(s.Int("TOCSIN_GATEWAY_PING_BATCH_MAX", 500, 1, 5000));
  c.ping_calls_max =
      static_cast<int>(s.Int("TOCSIN_GATEWAY_PING_CALLS", 2, 1, 64));
  c.ping_overlap_after =
      s.Duration("TOCSIN_GATEWAY_PING_OVERLAP_AFTER", absl::Milliseconds(10),
                 absl::ZeroDuration(), absl::Seconds(10));
  c.pings_pending_max = static_cast<int>(
      s.Int("TOCSIN_GATEWAY_MAX_PENDING_PINGS", 5000, 1, 1000000));
  c.ping_bytes_pending_max = static_cast<size_t>(
      s.Int("TOCSIN_GATEWAY_MAX_PENDING_PING_BYTES", 256 << 20, 1 << 20,
            int64_t{64} << 30));
  c.heartbeat_every = s.Duration("TOCSIN_HEARTBEAT_EVERY", absl::Seconds(1),
                                 absl::Milliseconds(100), absl::Minutes(1));
  c.metrics_listen = s.String("TOCSIN_GATEWAY_METRICS_LISTEN", "");
  c.static_dir = s.String("TOCSIN_STATIC_DIR", "");
  c.static_export = s.String("TOCSIN_STATIC_EXPORT", "");
  if (!c.static_export.empty() && c.static_dir.empty()) {
    s.Fail("TOCSIN_STATIC_DIR", "must be set when TOCSIN_STATIC_EXPORT is");
  }
  c.secret_key = s.Secret("SECRET_KEY", "");
  if (c.secret_key.size() < 16) {
    s.Fail("SECRET_KEY",
           "must be set (or SECRET_KEY_FILE) to at least 16 characters");
  }
  c.rate_limits = s.Choice("TOCSIN_RATE_LIMITS", "on", {"on", "off"}) == "on";
  c.ping_rate_per_minute = static_cast<double>(
      s.Int("TOCSIN_PING_RATE_LIMIT", 600, 1, 100000000));
  c.ping_burst = static_cast<double>(
      s.Int("TOCSIN_PING_RATE_BURST", 120, 1, 100000000));
  c.api_rate_per_minute = static_cast<double>(
      s.Int("TOCSIN_API_RATE_LIMIT", 600, 1, 100000000));
  c.api_burst = static_cast<double>(
      s.Int("TOCSIN_API_RATE_BURST", 100, 1, 100000000));
  c.log_level = s.LogLevel();
  if (!s.status().ok()) return s.status();
  return c;
}

}  // namespace tocsin::gateway
