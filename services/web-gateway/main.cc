// tocsin-gateway: HTTP/1.1 behind nginx, translated to gRPC calls.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "common/grpc_util.h"
#include "common/heartbeat.h"
#include "common/log.h"
#include "metrics/metrics.h"
#include "common/settings.h"
#include "common/shutdown.h"
#include "web-gateway/api.h"
#include "web-gateway/dashboard.h"
#include "web-gateway/health_document.h"
#include "web-gateway/http_server.h"
#include "web-gateway/static_assets.h"

namespace {

// `tocsin-gateway export-static DIR`: only the static-file export, then exit
// (an init container of the Kubernetes edge, which has no shared volume
// with the gateways). Needs no other setting.
int ExportStatic(const std::string& dest) {
  const char* src = std::getenv("TOCSIN_STATIC_DIR");
  auto assets = tocsin::gateway::StaticAssets::Load(
      src != nullptr && *src != '\0' ? src : "/usr/share/tocsin/static");
  if (!assets.ok()) {
    std::fprintf(stderr, "tocsin-gateway: TOCSIN_STATIC_DIR: %s\n",
                 std::string(assets.status().message()).c_str());
    return 2;
  }
  if (auto s = assets->Export(dest); !s.ok()) {
    std::fprintf(stderr, "tocsin-gateway: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("exported %zu static files to %s\n", assets->size(), dest.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tocsin::InitServiceProcess();
  if (argc >= 2 && std::string(argv[1]) == "export-static") {
    if (argc != 3) {
      std::fprintf(stderr, "usage: tocsin-gateway export-static DIR\n");
      return 2;
    }
    return ExportStatic(argv[2]);
  }
  if (argc > 1) {
    std::fprintf(stderr,
                 "usage: tocsin-gateway (settings from the environment) | "
                 "tocsin-gateway export-static DIR\n");
    return 2;
  }
  tocsin::BlockTerminationSignals();
  tocsin::Settings settings;
  auto config = tocsin::gateway::LoadGatewayConfig(settings);
  absl::Duration grace = settings.Duration("TOCSIN_SHUTDOWN_GRACE",
                                           absl::Seconds(10),
                                           absl::ZeroDuration(), absl::Minutes(10));
  if (!config.ok() || !settings.status().ok()) {
    std::fprintf(stderr, "tocsin-gateway: %s\n",
                 std::string((config.ok() ? settings.status() : config.status())
                                 .message())
                     .c_str());
    return 2;
  }
  tocsin::log::Init("gateway", config->log_level);
  // The seed's collectstatic: this image's static files into the volume
  // nginx serves, before anything is served.
  std::optional<tocsin::gateway::StaticAssets> assets;
  if (!config->static_dir.empty()) {
    auto loaded = tocsin::gateway::StaticAssets::Load(config->static_dir);
    if (!loaded.ok()) {
      std::fprintf(stderr, "tocsin-gateway: TOCSIN_STATIC_DIR: %s\n",
                   std::string(loaded.status().message()).c_str());
      return 2;
    }
    assets = *std::move(loaded);
    if (!config->static_export.empty()) {
      if (auto s = assets->Export(config->static_export); !s.ok()) {
        std::fprintf(stderr, "tocsin-gateway: TOCSIN_STATIC_EXPORT: %s\n",
                     std::string(s.message()).c_str());
        return 2;
      }
      tocsin::log::Info("static files exported",
                        {{"files", static_cast<int64_t>(assets->size())},
                         {"to", config->static_export}});
    }
  }
  tocsin::gateway::DataClient data(config->data_addr, config->internal_token,
                                   config->rpc_deadline);
  tocsin::gateway::Router router;
  tocsin::gateway::Api api(*config, data);
  api.Register(router);
  tocsin::gateway::Dashboard dashboard(*config, data, assets ? &*assets : nullptr);
  dashboard.Register(router);
  tocsin::gateway::HttpServer server(*config, router);
  if (auto s = server.Start(); !s.ok()) {
    tocsin::log::Error("cannot start", {{"error", s.ToString()}});
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
  // Our heartbeat proves that pings can be recorded (gateway -> data ->
  // PostgreSQL); its own channel keeps it off the request path.
  tocsin::Heartbeater heartbeat(tocsin::MakeChannel(config->data_addr),
                                config->internal_token, "gateway",
                                config->heartbeat_every, config->rpc_deadline);
  heartbeat.Start();
  tocsin::gateway::HealthWatcher health(
      tocsin::MakeChannel(config->data_addr), config->internal_token,
      absl::Seconds(15), 3 * config->heartbeat_every + absl::Seconds(1));
  health.Start();
  tocsin::log::Info("serving", {{"listen", config->listen_host},
                                {"port", int64_t{server.port()}},
                                {"data", config->data_addr},
                                {"threads", int64_t{config->threads}}});
  int sig = tocsin::WaitForTerminationSignal();
  tocsin::log::Info("shutting down", {{"signal", int64_t{sig}}});
  // Calls in progress end by their deadline at the latest: wait that long
  // too. A ping's deadline counts from its arrival, so by then the pings
  // are answered as well; the batcher's own wait makes sure that no call's
  // callback is still at work when the server and the batcher go.
  server.Stop(grace + config->rpc_deadline + absl::Seconds(1));
  if (!api.StopPings(config->rpc_deadline + absl::Seconds(1))) {
    tocsin::log::Warning("stopping with pings still unanswered");
  }
  health.Stop();
  heartbeat.Stop();
  metrics_server.Stop();
  tocsin::log::Info("stopped");
  return 0;
}
