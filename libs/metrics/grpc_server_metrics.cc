#include "metrics/grpc_server_metrics.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/support/server_interceptor.h"
#include "metrics/registry.h"

namespace tocsin::metrics {
namespace {

const char* CodeName(grpc::StatusCode c) {
  static const char* kNames[] = {
      "OK",           "CANCELLED",          "UNKNOWN",
      "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED",     "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",          "UNAVAILABLE",
      "DATA_LOSS",    "UNAUTHENTICATED"};
  int i = static_cast<int>(c);
  return i >= 0 && i <= 16 ? kNames[i] : "UNKNOWN";
}

struct RpcMetrics {
  Family<Counter>& handled;
  Family<Histogram>& seconds;
};

RpcMetrics& Metrics() {
  static RpcMetrics* m = [] {
    auto& r = DefaultRegistry();
    return new RpcMetrics{
        r.AddCounter("tocsin_grpc_server_handled_total",
                     "RPCs completed by this server, by method and code.",
                     {"method", "code"}),
        r.AddHistogram("tocsin_grpc_server_handling_seconds",
                       "Time from receiving an RPC to sending its status.",
                       LatencyBuckets(), {"method"})};
  }();
  return *m;
}

class Interceptor final : public grpc::experimental::Interceptor {
 public:
  explicit Interceptor(std::string method) : method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    using grpc::experimental::InterceptionHookPoints;
    if (m->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
    }
    if (m->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status s = m->GetSendStatus();
      Metrics().handled.With({method_, CodeName(s.error_code())}).Inc();
      Metrics().seconds.With({method_}).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start_)
              .count());
    }
    m->Proceed();
  }

 private:
  std::string method_;
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Method names come from registered services only (unknown methods are
    // answered before interceptors), so the label set is bounded.
    return new Interceptor(info->method() ? info->method() : "unknown");
  }
};

}  // namespace

void AddServerMetrics(grpc::ServerBuilder& builder) {
  std::vector<std::unique_ptr<
      grpc::experimental::ServerInterceptorFactoryInterface>>
      factories;
  factories.push_back(std::make_unique<Factory>());
  builder.experimental().SetInterceptorCreators(std::move(factories));
}

}  // namespace tocsin::metrics
