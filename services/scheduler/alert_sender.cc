#include "scheduler/alert_sender.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "checkjson/check_json.h"
#include "common/grpc_util.h"
#include "common/instance.h"
#include "common/log.h"
#include "common/time_format.h"
#include "metrics/metrics.h"
#include "nlohmann/json.hpp"

namespace tocsin::scheduler {
namespace {

struct SenderMetrics {
  metrics::Family<metrics::Counter>& attempts;
  metrics::Family<metrics::Histogram>& latency;
  metrics::Family<metrics::Counter>& claimed;
};

SenderMetrics& Metrics() {
  static SenderMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new SenderMetrics{
        r.AddCounter("tocsin_notification_attempts_total",
                     "Notification attempts by channel kind and outcome "
                     "(ok, retry, failed, skipped).",
                     {"kind", "outcome"}),
        r.AddHistogram("tocsin_alert_latency_seconds",
                       "From a status change (for late checks: the end of "
                       "the grace period) to its delivery.",
                       {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600},
                       {"kind"}),
        r.AddCounter("tocsin_notifications_claimed_total",
                     "Notifications claimed by this replica.")};
  }();
  return *m;
}

}  // namespace

absl::Duration RetryDelay(int attempt, absl::Duration base,
                          absl::Duration max) {
  absl::Duration d = base;
  for (int i = 1; i < attempt && d < max; ++i) d *= 2;
  return std::min(d, max);
}

std::string AttemptOutcome(const outbound::Outcome& o, int attempt,
                           int max_attempts) {
  if (o.ok) return "ok";
  if (o.retryable && attempt < max_attempts) return "retry";
  return "failed";
}

notify::Event MakeEvent(const v1::ClaimedNotification& c,
                        const AlertConfig& config) {
  const v1::Check& check = c.check();
  notify::Event e;
  e.check_uuid = check.uuid();
  e.name = check.name();
  e.slug = check.slug();
  e.tags = check.tags();
  e.description = check.desc();
  e.status = c.notification().status();
  e.now = c.notification().has_flip_created()
              ? FromProto(c.notification().flip_created())
              : absl::Now();
  e.body = c.last_body();
  if (c.has_last_exit_status()) e.exit_status = c.last_exit_status();
  if (check.has_last_ping()) e.last_ping = FromProto(check.last_ping());
  e.check_json = CheckToJson(check, config.urls, 3).dump();
  e.check_url =
      absl::StrCat(config.urls.site_root, "/checks/", check.uuid(), "/details/");
  e.site_name = config.site_name;
  e.language = config.language;
  return e;
}

AlertSender::AlertSender(std::shared_ptr<grpc::Channel> data,
                         std::string internal_token,
                         absl::Duration rpc_deadline, AlertConfig config)
    : stub_(v1::AlertService::NewStub(data)),
      token_(std::move(internal_token)),
      rpc_deadline_(rpc_deadline),
      config_(std::move(config)) {}

AlertSender::Result AlertSender::Send(const v1::ClaimedNotification& c) {
  Result r;
  const std::string& kind = c.channel().kind();
  nlohmann::json settings =
      nlohmann::json::parse(c.channel().settings_json(), nullptr, false);
  std::string status = c.notification().status();
  if (c.test() && !settings.is_discarded()) {
    // A test goes out as the change the channel sends: "down" if it does.
    status = notify::Wants(kind, settings, "down") ? "down" : "up";
  }
  if (c.channel().id().empty() || c.check().uuid().empty() ||
      settings.is_discarded()) {
    // The channel or check was deleted after the claim.
    r.outcome.detail = "channel or check no longer exists";
    r.recorded = "failed";
    return r;
  }
  if (!notify::Wants(kind, settings, status)) {
    r.outcome.ok = true;
    r.outcome.detail = absl::StrCat("channel sends nothing for \"", status, "\"");
    r.recorded = "skipped";
    return r;
  }
  notify::Event event = MakeEvent(c, config_);
  event.status = status;
  // An email integration may ask for its own language.
  if (settings.is_object() && settings.contains("language") &&
      settings["language"].is_string()) {
    event.language = settings["language"].get<std::string>();
  }
  if (kind == "email") {
    if (config_.smtp.host.empty()) {
      r.outcome.detail = "email is not configured (EMAIL_HOST is empty)";
      r.recorded = "failed";
      return r;
    }
    auto mail = notify::RenderEmail(settings, event);
    if (!mail.ok()) {
      r.outcome.detail = std::string(mail.status().message());
      r.recorded = "failed";
      return r;
    }
    outbound::Email out{mail->to, mail->subject, mail->text, mail->html};
    r.outcome = outbound::SendEmail(config_.smtp, out);
  } else {
    auto req = notify::RenderHttp(kind, settings, event);
    if (!req.ok()) {
      r.outcome.detail = std::string(req.status().message());
      r.recorded = "failed";
      return r;
    }
    outbound::HttpRequest out{req->method, req->url, req->headers, req->body};
    r.outcome = outbound::SendHttp(out, config_.http);
  }
  r.recorded = AttemptOutcome(r.outcome, c.notification().attempts(),
                              config_.max_attempts);
  return r;
}

void AlertSender::Complete(const v1::ClaimedNotification& c,
                           absl::Time started, const Result& r) {
  const v1::Notification& n = c.notification();
  v1::CompleteNotificationRequest req;
  req.set_sender(InstanceName());
  req.set_id(n.id());
  req.set_attempt(n.attempts());
  *req.mutable_started() = ToProto(started);
  req.set_outcome(r.recorded);
  req.set_code(r.outcome.code);
  req.set_detail(r.outcome.detail);
  if (r.recorded == "retry") {
    *req.mutable_retry_at() = ToProto(
        absl::Now() +
        RetryDelay(n.attempts(), config_.retry_base, config_.retry_max));
  }
  const std::string& kind = c.channel().kind();
  Metrics().attempts.With({kind, r.recorded}).Inc();
  if (r.recorded == "ok" && n.has_flip_created()) {
    Metrics().latency.With({kind}).Observe(
        absl::ToDoubleSeconds(absl::Now() - FromProto(n.flip_created())));
  }
  log::Write(r.recorded == "ok" || r.recorded == "skipped"
                 ? log::Level::kInfo
                 : log::Level::kWarning,
             "notification attempt",
             {{"notification", n.id()},
              {"check", n.check()},
              {"channel", n.channel()},
              {"kind", kind},
              {"status", n.status()},
              {"attempt", int64_t{n.attempts()}},
              {"outcome", r.recorded},
              {"code", int64_t{r.outcome.code}},
              {"detail", r.outcome.detail}});
  // The report is what stops a second send: retry it briefly. If it never
  // lands, the lease runs out and the notification is sent again
  // (at-least-once).
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, token_, rpc_deadline_);
    v1::CompleteNotificationResponse resp;
    grpc::Status s = stub_->CompleteNotification(&ctx, req, &resp);
    if (s.ok()) {
      if (!resp.lease_held()) {
        log::Warning("notification lease was lost before the report",
                     {{"notification", n.id()}});
      }
      return;
    }
    log::Warning("cannot record notification attempt",
                 {{"notification", n.id()}, {"error", s.error_message()}});
    absl::SleepFor(absl::Milliseconds(200) * (i + 1));
  }
}

absl::StatusOr<JobOutcome> AlertSender::RunOnce() {
  int free_slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_slots = config_.concurrency - in_flight_;
  }
  JobOutcome out;
  if (free_slots <= 0) {
    out.message = "every sender is busy";
    out.quiet = true;
    return out;
  }
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, token_, rpc_deadline_);
  v1::ClaimNotificationsRequest req;
  req.set_sender(InstanceName());
  req.set_limit(free_slots);
  *req.mutable_lease() = ToProto(config_.lease);
  v1::ClaimNotificationsResponse resp;
  grpc::Status s = stub_->ClaimNotifications(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  if (resp.claimed().empty()) {
    out.message = "nothing due";
    out.quiet = true;
    return out;
  }
  Metrics().claimed.With({}).Inc(resp.claimed_size());
  // Each send runs on its own thread and the job returns at once: a slow
  // receiver holds one slot, not the next claims (the next run claims as
  // many as there are free slots).
  for (auto& c : *resp.mutable_claimed()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++in_flight_;
    }
    std::thread([this, c = std::move(c)] {
      absl::Time started = absl::Now();
      Result r = Send(c);
      Complete(c, started, r);
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
      cv_.notify_all();
    }).detach();
  }
  out.message = absl::StrCat("dispatched ", resp.claimed_size());
  out.run_again_now = resp.more() && resp.claimed_size() < free_slots;
  return out;
}

void AlertSender::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return in_flight_ == 0; });
}

AlertSender::~AlertSender() { Drain(); }

JobSpec AlertSender::Job() {
  return JobSpec{"send-alerts", Trigger::Every(config_.poll),
                 [this] { return RunOnce(); }};
}

}  // namespace tocsin::scheduler
