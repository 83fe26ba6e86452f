#include "scheduler/config.h"

#include "absl/strings/str_cat.h"
#include "cron/cron.h"

namespace tocsin::scheduler {

absl::StatusOr<SchedulerConfig> LoadSchedulerConfig(Settings& s) {
  SchedulerConfig c;
  c.listen = s.String("TOCSIN_SCHEDULER_LISTEN", "127.0.0.1:8052");
  c.data_addr = s.String("TOCSIN_DATA_ADDR", "127.0.0.1:8051");
  c.internal_token = s.InternalToken();
  c.rpc_deadline = s.Duration("TOCSIN_RPC_DEADLINE", absl::Seconds(5),
                              absl::Milliseconds(10), absl::Minutes(5));
  c.watch_every = s.Duration("TOCSIN_DEADLINE_WATCH", absl::Seconds(1),
                             absl::Milliseconds(50), absl::Minutes(1));
  c.heartbeat_every = s.Duration("TOCSIN_HEARTBEAT_EVERY", absl::Seconds(1),
                                 absl::Milliseconds(100), absl::Minutes(1));

  AlertConfig& a = c.alerts;
  a.poll = s.Duration("TOCSIN_ALERT_POLL", absl::Seconds(1),
                      absl::Milliseconds(50), absl::Minutes(5));
  a.lease = s.Duration("TOCSIN_ALERT_LEASE", absl::Seconds(60), absl::Seconds(2),
                       absl::Hours(1));
  a.concurrency =
      static_cast<int>(s.Int("TOCSIN_ALERT_CONCURRENCY", 8, 1, 256));
  a.max_attempts =
      static_cast<int>(s.Int("TOCSIN_ALERT_MAX_ATTEMPTS", 8, 1, 100));
  a.retry_base = s.Duration("TOCSIN_ALERT_RETRY_BASE", absl::Seconds(10),
                            absl::Milliseconds(100), absl::Hours(1));
  a.retry_max = s.Duration("TOCSIN_ALERT_RETRY_MAX", absl::Minutes(30),
                           absl::Milliseconds(100), absl::Hours(24));
  a.http.allow_private_ips = s.Bool("INTEGRATIONS_ALLOW_PRIVATE_IPS", false);
  a.http.timeout = s.Duration("TOCSIN_ALERT_HTTP_TIMEOUT", absl::Seconds(10),
                              absl::Milliseconds(100), absl::Minutes(5));
  a.http.connect_timeout = std::min(a.http.timeout, absl::Seconds(5));
  a.smtp.host = s.String("EMAIL_HOST", "");
  a.smtp.port = static_cast<int>(s.Int("EMAIL_PORT", 587, 1, 65535));
  a.smtp.user = s.String("EMAIL_HOST_USER", "");
  a.smtp.password = s.Secret("EMAIL_HOST_PASSWORD", "");
  a.smtp.use_tls = s.Bool("EMAIL_USE_TLS", true);
  a.smtp.use_ssl = s.Bool("EMAIL_USE_SSL", false);
  if (a.smtp.use_tls && a.smtp.use_ssl) {
    s.Fail("EMAIL_USE_SSL", "EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other");
  }
  a.smtp.from = s.String("DEFAULT_FROM_EMAIL", "tocsin@localhost");
  a.smtp.timeout = s.Duration("TOCSIN_ALERT_SMTP_TIMEOUT", absl::Seconds(20),
                              absl::Milliseconds(100), absl::Minutes(5));
  // A lease must outlast the slowest send, or a live sender's notification
  // would be claimed again and sent twice.
  if (a.lease < 2 * std::max(a.http.timeout, a.smtp.timeout)) {
    s.Fail("TOCSIN_ALERT_LEASE",
           "must be at least twice TOCSIN_ALERT_HTTP_TIMEOUT and "
           "TOCSIN_ALERT_SMTP_TIMEOUT");
  }
  a.urls = ReadUrlConfig(s);
  a.site_name = s.String("SITE_NAME", "Tocsin");
  a.language = s.Choice("TOCSIN_LANGUAGE", "en", {"en", "ja"});

  c.prune_schedule = s.String("TOCSIN_PRUNE_SCHEDULE", "17 * * * *");
  if (!cron::CronExpr::Parse(c.prune_schedule).ok()) {
    s.Fail("TOCSIN_PRUNE_SCHEDULE", "must be a cron expression");
  }
  c.backup.dir = s.String("TOCSIN_BACKUP_DIR", "");
  c.backup.schedule = s.String("TOCSIN_BACKUP_SCHEDULE", "0 3 * * *");
  if (!cron::CronExpr::Parse(c.backup.schedule).ok()) {
    s.Fail("TOCSIN_BACKUP_SCHEDULE", "must be a cron expression (UTC)");
  }
  c.backup.prove_every = s.Duration("TOCSIN_BACKUP_PROVE_EVERY", absl::Hours(1),
                                    absl::Seconds(1), absl::Hours(24 * 7));
  c.backup.keep.daily =
      static_cast<int>(s.Int("TOCSIN_BACKUP_KEEP_DAILY", 7, 0, 3650));
  c.backup.keep.weekly =
      static_cast<int>(s.Int("TOCSIN_BACKUP_KEEP_WEEKLY", 4, 0, 520));
  c.backup.keep.monthly =
      static_cast<int>(s.Int("TOCSIN_BACKUP_KEEP_MONTHLY", 6, 0, 1200));
  // Off-site copies (Healthchecks' S3_* settings mean ping-body storage;
  // these are backups only).
  std::string s3_endpoint = s.String("BACKUP_S3_ENDPOINT", "");
  if (!s3_endpoint.empty()) {
    s3::S3Config s3;
    s3.endpoint = s3_endpoint;
    if (s3_endpoint.rfind("https://", 0) != 0 && s3_endpoint.rfind("http://", 0) != 0) {
      s.Fail("BACKUP_S3_ENDPOINT", "must be an http(s) URL");
    }
    s3.bucket = s.String("BACKUP_S3_BUCKET", "");
    if (s3.bucket.empty()) s.Fail("BACKUP_S3_BUCKET", "is required with BACKUP_S3_ENDPOINT");
    s3.region = s.String("BACKUP_S3_REGION", "us-east-1");
    s3.credentials.access_key = s.String("BACKUP_S3_ACCESS_KEY", "");
    s3.credentials.secret_key = s.Secret("BACKUP_S3_SECRET_KEY", "");
    if (s3.credentials.access_key.empty()) {
      s.Fail("BACKUP_S3_ACCESS_KEY", "is required with BACKUP_S3_ENDPOINT");
    }
    if (s3.credentials.secret_key.empty()) {
      s.Fail("BACKUP_S3_SECRET_KEY", "is required with BACKUP_S3_ENDPOINT");
    }
    c.backup.s3 = s3;
    c.backup.s3_prefix = s.String("BACKUP_S3_PREFIX", "tocsin-backups/");
  }
  c.keep_flips = s.Duration("TOCSIN_KEEP_FLIPS", absl::Hours(24 * 93),
                            absl::Hours(1), absl::Hours(24 * 3650));
  c.keep_notifications =
      s.Duration("TOCSIN_KEEP_NOTIFICATIONS", absl::Hours(24 * 31),
                 absl::Hours(1), absl::Hours(24 * 3650));
  if (c.keep_flips < c.keep_notifications) {
    s.Fail("TOCSIN_KEEP_FLIPS",
           "must not be below TOCSIN_KEEP_NOTIFICATIONS (deleting a flip "
           "deletes its notifications)");
  }
  c.reports_every = s.Duration("TOCSIN_REPORTS_EVERY", absl::Minutes(1),
                               absl::Seconds(1), absl::Hours(1));
  c.metrics_listen = s.String("TOCSIN_SCHEDULER_METRICS_LISTEN", "");
  c.log_level = s.LogLevel();
  if (!s.status().ok()) return s.status();
  return c;
}

}  // namespace tocsin::scheduler
