// tocsin-scheduler: periodic jobs — late-check detection, alert delivery,
// pruning and email reports — with a heartbeat and metrics.
#include <cstdio>

#include "common/grpc_util.h"
#include "common/heartbeat.h"
#include "common/log.h"
#include "common/settings.h"
#include "common/shutdown.h"
#include "common/time_format.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "metrics/metrics.h"
#include "outbound/outbound.h"
#include "scheduler/alert_sender.h"
#include "scheduler/config.h"
#include "scheduler/job_runner.h"
#include "scheduler/late_checks_job.h"
#include "scheduler/maintenance_jobs.h"
#include "scheduler/scheduler_service.h"

namespace {

using tocsin::scheduler::JobRunner;

// Job runs by job and outcome, and seconds since each job's last success.
void AddJobMetrics(JobRunner& runner) {
  auto& reg = tocsin::metrics::DefaultRegistry();
  auto& runs = reg.AddCounter("tocsin_job_runs_total",
                              "Scheduler job runs by job and outcome.",
                              {"job", "outcome"});
  runner.SetRunObserver([&runs](const std::string& job, bool ok,
                                absl::Duration, absl::Time) {
    runs.With({job, ok ? "ok" : "error"}).Inc();
  });
  reg.AddCallbackGauge(
      "tocsin_job_last_success_timestamp_seconds",
      "Unix time of each job's last successful run on this replica.",
      [&runner] {
        std::vector<std::pair<std::vector<std::string>, double>> out;
        for (const auto& j : runner.List()) {
          if (j.last_success) {
            out.push_back({{j.name}, absl::ToDoubleSeconds(
                                         *j.last_success - absl::UnixEpoch())});
          }
        }
        return out;
      },
      {"job"});
}

// The backup volume as this replica sees it.
void AddBackupMetrics(tocsin::scheduler::BackupManager& backups) {
  auto& reg = tocsin::metrics::DefaultRegistry();
  using Samples = std::vector<std::pair<std::vector<std::string>, double>>;
  reg.AddCallbackGauge("tocsin_backups", "Complete backups in the volume.",
                       [&backups] {
                         return Samples{{{}, static_cast<double>(
                                                 backups.State().count())}};
                       });
  reg.AddCallbackGauge(
      "tocsin_backup_newest_timestamp_seconds",
      "Unix time the newest backup was taken (absent: none).", [&backups] {
        auto st = backups.State();
        if (!st.has_newest()) return Samples{};
        return Samples{{{}, absl::ToDoubleSeconds(
                                tocsin::FromProto(st.newest().created()) -
                                absl::UnixEpoch())}};
      });
  reg.AddCallbackGauge(
      "tocsin_backup_newest_proof",
      "Proof of the newest backup: 1 for the state it is in (unproven, "
      "proven, failed).",
      [&backups] {
        auto st = backups.State();
        if (!st.has_newest()) return Samples{};
        auto p = st.newest().proof();
        return Samples{
            {{"unproven"}, p == tocsin::v1::BACKUP_PROOF_UNPROVEN ? 1.0 : 0.0},
            {{"proven"}, p == tocsin::v1::BACKUP_PROOF_PROVEN ? 1.0 : 0.0},
            {{"failed"}, p == tocsin::v1::BACKUP_PROOF_FAILED ? 1.0 : 0.0}};
      },
      {"state"});
  reg.AddCallbackGauge(
      "tocsin_backup_newest_proven_timestamp_seconds",
      "Unix time the newest backup proved restorable was taken.", [&backups] {
        auto st = backups.State();
        if (!st.has_newest_proven()) return Samples{};
        return Samples{{{}, absl::ToDoubleSeconds(
                                tocsin::FromProto(st.newest_proven()) -
                                absl::UnixEpoch())}};
      });
}

void FillJobs(JobRunner& runner, tocsin::v1::HeartbeatRequest& req) {
  for (const auto& j : runner.List()) {
    auto* s = req.add_jobs();
    s->set_name(j.name);
    if (j.last_success) *s->mutable_last_success() = tocsin::ToProto(*j.last_success);
    if (j.last_failure) *s->mutable_last_failure() = tocsin::ToProto(*j.last_failure);
    if (j.last_run) s->set_last_message(j.last_run->message.substr(0, 300));
    if (j.running_since) {
      *s->mutable_running_since() = tocsin::ToProto(*j.running_since);
    }
    if (j.last_activity) {
      *s->mutable_last_activity() = tocsin::ToProto(*j.last_activity);
    }
    *s->mutable_expected_every() = tocsin::ToProto(j.expected_every);
  }
}

}  // namespace

int main() {
  tocsin::InitServiceProcess();
  tocsin::BlockTerminationSignals();
  tocsin::Settings settings;
  auto config = tocsin::scheduler::LoadSchedulerConfig(settings);
  if (!config.ok()) {
    std::fprintf(stderr, "tocsin-scheduler: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  tocsin::log::Init("scheduler", config->log_level);
  tocsin::outbound::GlobalInit();

  auto channel = tocsin::MakeChannel(config->data_addr);
  JobRunner runner;
  tocsin::scheduler::AlertSender sender(channel, config->internal_token,
                                        config->rpc_deadline, config->alerts);
  runner.Add(tocsin::scheduler::MakeLateChecksJob(
      channel, config->internal_token, config->rpc_deadline,
      config->watch_every, [&runner] { runner.Kick("send-alerts"); }));
  runner.Add(sender.Job());
  runner.Add(tocsin::scheduler::MakePruneJob(channel, *config));
  runner.Add(tocsin::scheduler::MakeReportsJob(channel, *config));
  runner.Add(tocsin::scheduler::MakeInvitationMailsJob(channel, *config));
  // Backups, when the scheduler has a backup volume.
  std::unique_ptr<tocsin::scheduler::BackupManager> backups;
  if (!config->backup.dir.empty()) {
    backups = std::make_unique<tocsin::scheduler::BackupManager>(
        config->backup, channel, config->internal_token, config->rpc_deadline);
    if (auto s = backups->Prepare(); !s.ok()) {
      std::fprintf(stderr, "tocsin-scheduler: TOCSIN_BACKUP_DIR: %s\n",
                   std::string(s.message()).c_str());
      return 2;
    }
    runner.Add(backups->BackupJob(runner));
    runner.Add(backups->ProveJob());
  }
  AddJobMetrics(runner);
  if (backups) AddBackupMetrics(*backups);

  tocsin::metrics::MetricsServer metrics_server(
      tocsin::metrics::DefaultRegistry());
  if (!config->metrics_listen.empty()) {
    if (auto s = metrics_server.Start(config->metrics_listen); !s.ok()) {
      tocsin::log::Error("cannot start metrics endpoint",
                         {{"listen", config->metrics_listen},
                          {"error", s.ToString()}});
      return 1;
    }
  }

  tocsin::scheduler::SchedulerServiceImpl service(runner,
                                                  config->internal_token);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  tocsin::ApplyServerDefaults(builder);
  int port = 0;
  builder.AddListeningPort(config->listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  tocsin::scheduler::BackupServiceImpl backup_service(backups.get(),
                                                      config->internal_token);
  builder.RegisterService(&backup_service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    tocsin::log::Error("cannot start", {{"error", "cannot listen"},
                                        {"listen", config->listen}});
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  runner.Start();
  tocsin::Heartbeater heartbeat(
      channel, config->internal_token, "scheduler", config->heartbeat_every,
      config->rpc_deadline,
      [&runner, &backups](tocsin::v1::HeartbeatRequest& req) {
        FillJobs(runner, req);
        if (backups) *req.mutable_backups() = backups->State();
      });
  heartbeat.Start();
  tocsin::log::Info("serving", {{"listen", config->listen},
                                {"port", int64_t{port}},
                                {"data", config->data_addr},
                                {"metrics", config->metrics_listen}});
  int sig = tocsin::WaitForTerminationSignal();
  tocsin::log::Info("shutting down", {{"signal", int64_t{sig}}});
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  heartbeat.Stop();
  runner.Stop();
  sender.Drain();
  metrics_server.Stop();
  tocsin::log::Info("stopped");
  return 0;
}
