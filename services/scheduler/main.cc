// tocsin-scheduler: periodic jobs (late-check detection first).
#include <cstdio>

#include "common/grpc_util.h"
#include "common/log.h"
#include "common/settings.h"
#include "common/shutdown.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "scheduler/job_runner.h"
#include "scheduler/late_checks_job.h"
#include "scheduler/scheduler_service.h"

int main() {
  tocsin::BlockTerminationSignals();
  tocsin::Settings s;
  std::string listen = s.String("TOCSIN_SCHEDULER_LISTEN", "127.0.0.1:8052");
  std::string data_addr = s.String("TOCSIN_DATA_ADDR", "127.0.0.1:8051");
  std::string token = s.InternalToken();
  absl::Duration rpc_deadline = s.Duration(
      "TOCSIN_RPC_DEADLINE", absl::Seconds(5), absl::Milliseconds(10),
      absl::Minutes(5));
  absl::Duration watch_every = s.Duration(
      "TOCSIN_DEADLINE_WATCH", absl::Seconds(1), absl::Milliseconds(50),
      absl::Minutes(1));
  tocsin::log::Level level = s.LogLevel();
  if (!s.status().ok()) {
    std::fprintf(stderr, "tocsin-scheduler: %s\n",
                 std::string(s.status().message()).c_str());
    return 2;
  }
  tocsin::log::Init("scheduler", level);

  auto channel = tocsin::MakeChannel(data_addr);
  tocsin::scheduler::JobRunner runner;
  runner.Add(tocsin::scheduler::MakeLateChecksJob(channel, token, rpc_deadline,
                                                  watch_every));

  tocsin::scheduler::SchedulerServiceImpl service(runner, token);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  tocsin::ApplyServerDefaults(builder);
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    tocsin::log::Error("cannot start", {{"error", "cannot listen"},
                                        {"listen", listen}});
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  runner.Start();
  tocsin::log::Info("serving", {{"listen", listen},
                                {"port", int64_t{port}},
                                {"data", data_addr}});
  int sig = tocsin::WaitForTerminationSignal();
  tocsin::log::Info("shutting down", {{"signal", int64_t{sig}}});
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  runner.Stop();
  tocsin::log::Info("stopped");
  return 0;
}
