// tocsin-data: the only owner of PostgreSQL.
#include <cstdio>

#include "common/grpc_util.h"
#include "common/log.h"
#include "common/settings.h"
#include "common/shutdown.h"
#include "data/server.h"
#include "metrics/metrics.h"

int main() {
  tocsin::InitServiceProcess();
  tocsin::BlockTerminationSignals();
  tocsin::Settings settings;
  auto config = tocsin::data::LoadDataConfig(settings);
  absl::Duration startup_wait = settings.Duration(
      "TOCSIN_DB_STARTUP_WAIT", absl::Seconds(60), absl::ZeroDuration(),
      absl::Hours(1));
  absl::Duration shutdown_grace = settings.Duration(
      "TOCSIN_SHUTDOWN_GRACE", absl::Seconds(10), absl::ZeroDuration(),
      absl::Minutes(10));
  if (!config.ok() || !settings.status().ok()) {
    std::fprintf(stderr, "tocsin-data: %s\n",
                 std::string((config.ok() ? settings.status() : config.status())
                                 .message())
                     .c_str());
    return 2;
  }
  tocsin::log::Init("data", config->log_level);
  auto server = tocsin::data::DataServer::Start(*config, startup_wait);
  if (!server.ok()) {
    tocsin::log::Error("cannot start", {{"error", server.status().ToString()}});
    return 1;
  }
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
  int sig = tocsin::WaitForTerminationSignal();
  tocsin::log::Info("shutting down", {{"signal", int64_t{sig}}});
  (*server)->Shutdown(shutdown_grace);
  metrics_server.Stop();
  tocsin::log::Info("stopped");
  return 0;
}
