#ifndef TOCSIN_METRICS_SERVER_H_
#define TOCSIN_METRICS_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "metrics/registry.h"

namespace tocsin::metrics {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// A small HTTP/1.1 server for an internal port: GET (or HEAD) /metrics
// renders the registry, extra paths come from AddHandler(). Other paths get
// 404, other methods 405. One thread serves everything; each connection
// carries one request and is closed after the answer, and at most a few
// connections are open at once, each bounded by the I/O timeout, so a slow
// or idle client cannot hang the server or grow its memory.
class MetricsServer {
 public:
  // Status code and body.
  using Handler = std::function<std::pair<int, std::string>()>;

  // `registry` must outlive the server.
  explicit MetricsServer(const Registry& registry = DefaultRegistry());
  ~MetricsServer();  // Stop()s
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Serves `path` (exact match, query string ignored) from `fn`, which runs
  // on the server thread. Takes precedence over /metrics. May be called
  // before or after Start().
  void AddHandler(std::string path, Handler fn,
                  std::string content_type = "application/json");

  // Deadline for reading a request and for writing its answer; default 10 s.
  // Call before Start().
  void set_io_timeout(std::chrono::milliseconds timeout);

  // Binds and starts serving. `listen` is "host:port" with an IP address,
  // "[v6addr]:port", "localhost:port" or ":port" (all IPv4 interfaces);
  // port 0 picks a free port, see port(). Fails if the address is malformed
  // or cannot be bound, or if the server was already started (a server is
  // started at most once).
  absl::Status Start(const std::string& listen);

  // The bound port, 0 before a successful Start().
  int port() const;

  // Closes the listener and every open connection and joins the thread.
  // Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tocsin::metrics

#endif  // TOCSIN_METRICS_SERVER_H_
