#include "web-gateway/health_document.h"

#include <algorithm>
#include <map>

#include "common/grpc_util.h"
#include "common/log.h"
#include "common/time_format.h"
#include "metrics/metrics.h"

namespace tocsin::gateway {
namespace {

using nlohmann::ordered_json;

double Age(absl::Time now, absl::Time t) {
  return std::max(0.0, absl::ToDoubleSeconds(now - t));
}

// A job is stalled when a run lasts far beyond its cadence, or when it has
// shown no activity (runs, watch polls) for several cadences.
bool JobStalled(const v1::JobState& j, absl::Time now, absl::Time started) {
  absl::Duration every = j.has_expected_every()
                             ? FromProto(j.expected_every())
                             : absl::Hours(1);
  if (j.has_running_since() &&
      now - FromProto(j.running_since()) >
          std::max(10 * every, absl::Minutes(10))) {
    return true;
  }
  absl::Time last =
      j.has_last_activity() ? FromProto(j.last_activity()) : started;
  return now - last > std::max(5 * every, absl::Seconds(60));
}

}  // namespace

HealthDocument BuildHealthDocument(
    const absl::StatusOr<v1::GetSystemHealthResponse>& facts, absl::Time now,
    absl::Duration stale) {
  HealthDocument doc;
  ordered_json& b = doc.body;
  b["status"] = "ok";
  b["checked_at"] = FormatApiTime(now);
  ordered_json components = ordered_json::object();
  bool healthy = true;
  if (!facts.ok()) {
    b["status"] = "down";
    components["database"] = {
        {"status", "down"},
        {"error", "the data service or its database does not answer"}};
    b["components"] = std::move(components);
    doc.http_status = 503;
    return doc;
  }
  components["database"] = {{"status", "ok"}};

  std::map<std::string, ordered_json> instances;
  std::map<std::string, int> alive;
  // Per job name: stalled on every live scheduler replica?
  std::map<std::string, bool> job_ok;
  std::map<std::string, ordered_json> job_facts;
  // The backup volume as the freshest live scheduler with one sees it.
  const v1::BackupVolumeState* backups = nullptr;
  absl::Time backups_seen = absl::InfinitePast();
  for (const auto& i : facts->instances()) {
    absl::Time seen = FromProto(i.last_seen());
    bool live = now - seen <= stale;
    ordered_json inst = {{"instance", i.instance()},
                         {"started", FormatApiTime(FromProto(i.started()))},
                         {"last_seen", FormatApiTime(seen)},
                         {"age_s", Age(now, seen)},
                         {"live", live}};
    if (!instances.count(i.component())) {
      instances[i.component()] = ordered_json::array();
    }
    instances[i.component()].push_back(inst);
    if (!live) continue;
    ++alive[i.component()];
    if (i.has_backups() && seen > backups_seen) {
      backups = &i.backups();
      backups_seen = seen;
    }
    for (const auto& j : i.jobs()) {
      bool stalled = JobStalled(j, now, FromProto(i.started()));
      job_ok[j.name()] = job_ok[j.name()] || !stalled;
      ordered_json f = {{"job", j.name()}};
      if (j.has_last_success()) {
        f["last_success"] = FormatApiTime(FromProto(j.last_success()));
      }
      if (j.has_last_failure()) {
        f["last_failure"] = FormatApiTime(FromProto(j.last_failure()));
      }
      if (j.has_running_since()) {
        f["running_since"] = FormatApiTime(FromProto(j.running_since()));
      }
      f["last_message"] = j.last_message();
      job_facts[j.name()] = f;
    }
  }
  for (const char* c : {"gateway", "data", "scheduler"}) {
    ordered_json entry = {{"status", alive[c] > 0 ? "ok" : "absent"},
                          {"live_instances", alive[c]}};
    entry["instances"] =
        instances.count(c) ? instances[c] : ordered_json::array();
    if (alive[c] == 0) healthy = false;
    components[c] = std::move(entry);
  }
  ordered_json jobs = ordered_json::array();
  bool any_stalled = false;
  for (auto& [name, f] : job_facts) {
    f["status"] = job_ok[name] ? "ok" : "stalled";
    any_stalled = any_stalled || !job_ok[name];
    jobs.push_back(f);
  }
  components["scheduler"]["jobs"] = std::move(jobs);
  if (any_stalled && alive["scheduler"] > 0) {
    components["scheduler"]["status"] = "stalled";
    healthy = false;
  }

  ordered_json alerts = {{"status", "ok"},
                         {"pending", facts->notifications_pending()},
                         {"failed_24h", facts->notifications_failed_24h()}};
  if (facts->has_oldest_pending()) {
    double age = Age(now, FromProto(facts->oldest_pending()));
    alerts["oldest_pending_age_s"] = age;
    if (age > 300) {
      alerts["status"] = "backlogged";
      healthy = false;
    }
  }
  components["alerts"] = std::move(alerts);

  ordered_json intake = {{"status", "ok"},
                         {"outages_total", facts->outages_total()}};
  if (facts->has_intake_last_seen()) {
    absl::Time seen = FromProto(facts->intake_last_seen());
    intake["last_proven"] = FormatApiTime(seen);
    if (now - seen > stale) {
      intake["status"] = "down";
      healthy = false;
    }
  }
  if (facts->has_last_outage()) {
    const auto& o = facts->last_outage();
    intake["last_outage"] = {
        {"started", FormatApiTime(FromProto(o.started()))},
        {"ended", FormatApiTime(FromProto(o.ended()))},
        {"checks_given_grace", o.checks_given_grace()}};
  }
  components["intake"] = std::move(intake);

  // Backups: "none" yet, the newest "unproven" (normal until the next
  // proof), "ok" when proven, "failed" (degrades the whole document: the
  // newest backup would not restore). Absent when no scheduler keeps
  // backups.
  if (backups != nullptr) {
    ordered_json bk = {{"status", "none"}, {"count", backups->count()}};
    if (backups->has_newest()) {
      const v1::Backup& n = backups->newest();
      absl::Time created = FromProto(n.created());
      ordered_json newest = {{"name", n.name()},
                             {"created", FormatApiTime(created)},
                             {"age_s", Age(now, created)},
                             {"size_bytes", n.size_bytes()}};
      switch (n.proof()) {
        case v1::BACKUP_PROOF_PROVEN:
          bk["status"] = "ok";
          newest["proof"] = "proven";
          break;
        case v1::BACKUP_PROOF_FAILED:
          bk["status"] = "failed";
          newest["proof"] = "failed";
          healthy = false;
          break;
        default:
          bk["status"] = "unproven";
          newest["proof"] = "unproven";
      }
      if (n.has_proof_time()) {
        newest["proof_time"] = FormatApiTime(FromProto(n.proof_time()));
        newest["proof_detail"] = n.proof_detail();
      }
      bk["newest"] = std::move(newest);
    }
    if (backups->has_newest_proven()) {
      bk["newest_proven"] = FormatApiTime(FromProto(backups->newest_proven()));
    }
    components["backups"] = std::move(bk);
  }
  b["components"] = std::move(components);
  if (!healthy) {
    b["status"] = "degraded";
    doc.http_status = 503;
  }
  return doc;
}

HealthWatcher::HealthWatcher(std::shared_ptr<grpc::Channel> data,
                             std::string internal_token, absl::Duration every,
                             absl::Duration stale)
    : stub_(v1::SystemService::NewStub(data)),
      token_(std::move(internal_token)),
      every_(every),
      stale_(stale) {}

HealthWatcher::~HealthWatcher() { Stop(); }

void HealthWatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void HealthWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthWatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  // The first look waits a full period: replicas starting together need a
  // few heartbeats before "absent" means anything.
  while (!cv_.wait_for(lock, absl::ToChronoMicroseconds(every_),
                       [this] { return stopping_; })) {
    lock.unlock();
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, token_, absl::Seconds(5));
    v1::GetSystemHealthResponse resp;
    grpc::Status s = stub_->GetSystemHealth(&ctx, {}, &resp);
    absl::StatusOr<v1::GetSystemHealthResponse> facts =
        s.ok() ? absl::StatusOr<v1::GetSystemHealthResponse>(std::move(resp))
               : absl::StatusOr<v1::GetSystemHealthResponse>(FromGrpcStatus(s));
    Observe(BuildHealthDocument(facts, absl::Now(), stale_));
    lock.lock();
  }
}

void HealthWatcher::Observe(const HealthDocument& doc) {
  static auto& gauge = metrics::DefaultRegistry().AddGauge(
      "tocsin_health_status",
      "1 when the component is ok in the health document, else 0.",
      {"component"});
  for (const auto& [name, c] : doc.body["components"].items()) {
    std::string status = c.value("status", "unknown");
    gauge.With({name}).Set(status == "ok" ? 1 : 0);
    auto it = last_.find(name);
    if (it != last_.end() && it->second == status) continue;
    if (status == "ok") {
      if (it != last_.end()) log::Info("component healthy again", {{"component", name}});
    } else {
      log::Error("component unhealthy",
                 {{"component", name}, {"status", status},
                  {"detail", c.dump()}});
    }
    last_[name] = status;
  }
}

}  // namespace tocsin::gateway
