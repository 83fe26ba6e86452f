#include "data/server.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/instance.h"
#include "metrics/grpc_server_metrics.h"
#include "metrics/metrics.h"
#include "common/time_format.h"
#include "common/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace tocsin::data {

absl::StatusOr<std::unique_ptr<DataServer>> DataServer::Start(
    const DataConfig& config, absl::Duration startup_wait) {
  std::unique_ptr<DataServer> s(new DataServer());
  s->pool_ = std::make_unique<PgPool>(config.ConnectionString(),
                                      config.pool_size, config.pool_wait);
  StoreOptions options;
  options.pings_kept = config.pings_kept;
  options.ping_state_cache = static_cast<size_t>(config.ping_state_cache);
  options.outage_threshold = config.outage_threshold;
  if (!config.object_dir.empty()) {
    s->objects_ = std::make_unique<ObjectStore>(config.object_dir);
    if (auto st = s->objects_->Prepare(); !st.ok()) return st;
    options.objects = s->objects_.get();
    options.object_threshold = static_cast<size_t>(config.object_threshold);
    options.object_sweep_age = config.object_sweep_age;
  }
  s->store_ = std::make_unique<Store>(*s->pool_, options);
  s->heartbeat_every_ = config.heartbeat_every;
  s->started_ = absl::Now();

  // The database may still be starting (compose, Kubernetes): wait for it.
  absl::Time give_up = absl::Now() + startup_wait;
  absl::StatusOr<MigrationResult> migrated;
  for (absl::Duration backoff = absl::Milliseconds(200);;
       backoff = std::min(backoff * 2, absl::Seconds(5))) {
    migrated = s->store_->Migrate();
    if (migrated.ok() || !absl::IsUnavailable(migrated.status()) ||
        absl::Now() + backoff > give_up) {
      break;
    }
    log::Warning("database not ready; retrying",
                 {{"database", config.DescribeDatabase()},
                  {"error", std::string(migrated.status().message())}});
    absl::SleepFor(backoff);
  }
  if (!migrated.ok()) return migrated.status();
  log::Info("database schema ready",
            {{"database", config.DescribeDatabase()},
             {"schema_version", int64_t{migrated->current_version}}});

  // Said once at start, where whoever deploys looks: PostgreSQL's defaults
  // serve about ten thousand checks before the ping path's p99 grows.
  if (auto sizing = s->store_->GetDatabaseSizing(); !sizing.ok()) {
    log::Warning("cannot read PostgreSQL's shared_buffers and max_wal_size",
                 {{"error", std::string(sizing.status().message())}});
  } else {
    // One line per setting below what this many checks want.
    auto warn_if_small = [&](std::string_view why, std::string_view setting,
                             int64_t have, std::optional<int64_t> want) {
      if (!want) return;
      constexpr int64_t kMb = 1024 * 1024;
      const std::string have_mb = std::string(setting) + "_mb";
      const std::string want_mb = "suggested_" + have_mb;
      log::Warning(why, {{have_mb, have / kMb},
                         {"checks", sizing->checks},
                         {want_mb, *want / kMb}});
    };
    warn_if_small(
        "PostgreSQL's shared_buffers are small for this many checks: pings "
        "will miss its buffers and take longer; give it about 10 KB per "
        "check (deploy/README.md, \"Many checks\")",
        "shared_buffers", sizing->shared_buffers_bytes,
        sizing->SuggestedSharedBuffers());
    warn_if_small(
        "PostgreSQL's max_wal_size is small for this many checks: at a "
        "high ping rate, checkpoints will follow each other within "
        "seconds, each making the WAL write whole pages; give it about "
        "80 KB per check (deploy/README.md, \"Many checks\")",
        "max_wal_size", sizing->max_wal_size_bytes,
        sizing->SuggestedMaxWalSize());
  }

  s->auth_ = std::make_unique<Authenticator>(config.internal_token, *s->store_);
  s->checks_ = std::make_unique<CheckServiceImpl>(*s->store_, *s->auth_);
  s->batcher_ = std::make_unique<PingBatcher>(*s->store_, config.batching);
  s->pings_ = std::make_unique<PingServiceImpl>(*s->batcher_, *s->auth_,
                                                config.ping_body_limit);
  s->projects_ = std::make_unique<ProjectServiceImpl>(*s->store_, *s->auth_);
  s->admin_ = std::make_unique<AdminServiceImpl>(*s->store_, *s->auth_);
  s->deadlines_ = std::make_unique<DeadlineServiceImpl>(*s->store_, *s->auth_);
  s->badges_ = std::make_unique<BadgeServiceImpl>(*s->store_, *s->auth_);
  s->channels_ = std::make_unique<ChannelServiceImpl>(*s->store_, *s->auth_);
  s->alerts_ = std::make_unique<AlertServiceImpl>(*s->store_, *s->auth_);
  s->system_ = std::make_unique<SystemServiceImpl>(*s->store_, *s->auth_);
  s->accounts_ = std::make_unique<AccountServiceImpl>(*s->store_, *s->auth_);
  s->backups_ = std::make_unique<DatabaseBackupServiceImpl>(
      config, *s->pool_, *s->store_, *s->auth_, s->objects_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  ApplyServerDefaults(builder);
  metrics::AddServerMetrics(builder);
  // Handlers (all but the ping calls) block on PostgreSQL, so each call in
  // progress holds a thread; beyond the quota gRPC answers RESOURCE_EXHAUSTED at once (HTTP 429):
  // backpressure rather than a pile-up. gRPC 1.51's sync server counts this
  // quota far faster than real threads (at 256 it refused calls with 29
  // threads alive), hence the large default.
  grpc::ResourceQuota quota("tocsin-data");
  quota.SetMaxThreads(config.max_threads);
  builder.SetResourceQuota(quota);
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(),
                           &s->port_);
  builder.RegisterService(s->checks_.get());
  builder.RegisterService(s->pings_.get());
  builder.RegisterService(s->projects_.get());
  builder.RegisterService(s->admin_.get());
  builder.RegisterService(s->deadlines_.get());
  builder.RegisterService(s->badges_.get());
  builder.RegisterService(s->channels_.get());
  builder.RegisterService(s->alerts_.get());
  builder.RegisterService(s->system_.get());
  builder.RegisterService(s->accounts_.get());
  builder.RegisterService(s->backups_.get());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen));
  }
  s->server_->GetHealthCheckService()->SetServingStatus(true);
  // Computed at scrape time (two indexed counts).
  Store* store = s->store_.get();
  metrics::DefaultRegistry().AddCallbackGauge(
      "tocsin_backlog",
      "Checks past their deadline not yet marked down (checks_overdue) and "
      "notifications waiting for delivery (notifications_pending).",
      [store] {
        metrics::Registry::CallbackSamples out;
        if (auto b = store->GetBacklog(absl::Now()); b.ok()) {
          out.push_back({{"checks_overdue"}, double(b->checks_overdue)});
          out.push_back({{"notifications_pending"},
                         double(b->notifications_pending)});
        }
        return out;
      },
      {"what"});
  s->watcher_ = std::thread([p = s.get()] { p->WatchDatabase(); });
  log::Info("serving", {{"listen", config.listen},
                        {"port", int64_t{s->port_}},
                        {"pool_size", int64_t{config.pool_size}}});
  return s;
}

// Health follows the database: a replica that cannot reach PostgreSQL says
// so, and load balancers and `tocsinctl health` see it. The same loop
// records this replica's heartbeat for the health document.
void DataServer::WatchDatabase() {
  bool serving = true;
  absl::Time next_probe = absl::Now() + absl::Seconds(5);
  absl::Time next_heartbeat = absl::Now();
  v1::HeartbeatRequest beat;
  beat.set_component("data");
  beat.set_instance(InstanceName());
  *beat.mutable_started() = tocsin::ToProto(started_);
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stopping_) break;
    absl::Time now = absl::Now();
    if (now >= next_heartbeat) {
      next_heartbeat = now + heartbeat_every_;
      if (auto hb = store_->Heartbeat(beat, now); !hb.ok()) {
        log::Debug("heartbeat not recorded", {{"error", hb.status().ToString()}});
      }
    }
    if (now < next_probe) continue;
    next_probe = now + absl::Seconds(5);
    bool ok = pool_->Ping().ok();
    if (ok != serving) {
      serving = ok;
      server_->GetHealthCheckService()->SetServingStatus(ok);
      if (ok) {
        log::Info("database reachable again");
      } else {
        log::Error("database unreachable; reporting NOT_SERVING");
      }
    }
  }
}

void DataServer::Shutdown(absl::Duration grace) {
  if (stopping_.exchange(true)) return;
  metrics::DefaultRegistry().RemoveCallbackGauge("tocsin_backlog");
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  batcher_->Stop();
  if (watcher_.joinable()) watcher_.join();
}

DataServer::~DataServer() { Shutdown(absl::Seconds(5)); }

}  // namespace tocsin::data
