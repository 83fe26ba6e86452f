#include "data/config.h"

#include "common/grpc_util.h"

#include "absl/strings/str_cat.h"

namespace tocsin::data {
namespace {

// libpq keyword values are quoted so spaces and quotes survive.
std::string Quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace

std::string DataConfig::ConnectionString() const {
  std::string s = absl::StrCat("host=", Quote(db_host), " port=", db_port,
                               " dbname=", Quote(db_name), " user=",
                               Quote(db_user), " connect_timeout=5",
                               " application_name=tocsin-data",
                               // Our transactions never wait between
                               // statements: one left open by a process
                               // that hangs (stopped, or its host stalled)
                               // would hold its row locks, and every ping
                               // to those checks with them. PostgreSQL
                               // ends such a session, and the locks, soon.
                               " options='-c idle_in_transaction_session_timeout=",
                               absl::ToInt64Milliseconds(kIdleInTransactionLimit),
                               "'");
  if (!db_password.empty()) absl::StrAppend(&s, " password=", Quote(db_password));
  if (!db_sslmode.empty()) absl::StrAppend(&s, " sslmode=", Quote(db_sslmode));
  return s;
}

std::string DataConfig::DescribeDatabase() const {
  return absl::StrCat(db_user, "@", db_host, ":", db_port, "/", db_name);
}

absl::StatusOr<DataConfig> LoadDataConfig(Settings& s) {
  DataConfig c;
  c.db_host = s.String("DB_HOST", "localhost");
  c.db_port = static_cast<int>(s.Int("DB_PORT", 5432, 1, 65535));
  c.db_name = s.String("DB_NAME", "hc");
  c.db_user = s.String("DB_USER", "postgres");
  c.db_password = s.Secret("DB_PASSWORD", "");
  c.db_sslmode = s.Choice("DB_SSLMODE", "",
                          {"disable", "allow", "prefer", "require",
                           "verify-ca", "verify-full"});
  c.pool_size = static_cast<int>(s.Int("TOCSIN_DB_POOL_SIZE", 8, 1, 256));
  c.max_threads =
      static_cast<int>(s.Int("TOCSIN_DATA_MAX_THREADS", 2048, 16, 65536));
  // Shorter than callers' deadlines (5 s), so a saturated pool answers
  // "busy" rather than the caller timing out on a call that may still run.
  c.pool_wait = s.Duration("TOCSIN_DB_POOL_WAIT", absl::Seconds(2),
                           absl::Milliseconds(10), absl::Minutes(5));
  c.listen = s.String("TOCSIN_DATA_LISTEN", "127.0.0.1:8051");
  c.internal_token = s.InternalToken();
  c.ping_body_limit =
      static_cast<int>(s.Int("PING_BODY_LIMIT", 10000, 0, kMaxPingBodyLimit));
  c.pings_kept = s.Int("TOCSIN_PINGS_KEPT", 100, 1, 100000);
  c.ping_state_cache =
      s.Int("TOCSIN_PING_STATE_CACHE", 100000, 0, 10 * 1000 * 1000);
  c.object_dir = s.String("TOCSIN_OBJECT_DIR", "");
  c.object_threshold =
      s.Int("TOCSIN_OBJECT_THRESHOLD", 1024, 0, 100 * 1024 * 1024);
  // Not below a minute: a ping's object is written before its row commits.
  c.object_sweep_age = s.Duration("TOCSIN_OBJECT_SWEEP_AGE", absl::Hours(1),
                                  absl::Minutes(1), absl::Hours(24 * 30));
  c.batching.flushers = static_cast<int>(s.Int("TOCSIN_PING_FLUSHERS", 2, 1, 64));
  c.batching.max_batch =
      static_cast<int>(s.Int("TOCSIN_PING_BATCH_MAX", 500, 1, kMaxPingsPerCall));
  c.batching.max_wait = s.Duration("TOCSIN_PING_BATCH_WAIT", absl::ZeroDuration(),
                                   absl::ZeroDuration(), absl::Milliseconds(100));
  c.batching.max_queued =
      static_cast<int>(s.Int("TOCSIN_PING_QUEUE_MAX", 20000, kMaxPingsPerCall, 1000000));
  if (c.batching.flushers >= c.pool_size) {
    s.Fail("TOCSIN_PING_FLUSHERS",
           "must be below TOCSIN_DB_POOL_SIZE (each flusher holds a connection "
           "while it commits)");
  }
  c.outage_threshold = s.Duration("TOCSIN_OUTAGE_THRESHOLD", absl::Seconds(15),
                                  absl::Seconds(2), absl::Hours(1));
  c.heartbeat_every = s.Duration("TOCSIN_HEARTBEAT_EVERY", absl::Seconds(1),
                                 absl::Milliseconds(100), absl::Minutes(1));
  if (c.heartbeat_every * 3 > c.outage_threshold) {
    s.Fail("TOCSIN_OUTAGE_THRESHOLD",
           "must be at least three times TOCSIN_HEARTBEAT_EVERY");
  }
  c.metrics_listen = s.String("TOCSIN_DATA_METRICS_LISTEN", "");
  c.log_level = s.LogLevel();
  if (!s.status().ok()) return s.status();
  return c;
}

}  // namespace tocsin::data
