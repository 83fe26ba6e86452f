#ifndef TOCSIN_GATEWAY_HTTP_SERVER_H_
#define TOCSIN_GATEWAY_HTTP_SERVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "web-gateway/config.h"
#include "web-gateway/router.h"

namespace tocsin::gateway {

// HTTP/1.1 server (Boost.Beast) with keep-alive, a body limit, an idle
// timeout and `threads` I/O threads. Requests go to the router; handlers
// answer asynchronously, so no I/O thread waits for gRPC.
class HttpServer {
 public:
  HttpServer(const GatewayConfig& config, const Router& router);
  ~HttpServer();

  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting connections; answers the requests in progress and any
  // already on their way with `Connection: close`, lets idle keep-alive
  // connections close in order, and waits up to `grace` for all of that.
  // Every gRPC call has a deadline, so a `grace` beyond it means no callback
  // outlives the server.
  void Stop(absl::Duration grace);

  // Requests being handled right now (for graceful stop).
  std::atomic<int>& in_flight() { return in_flight_; }

 private:
  class Session;
  using Socket = boost::asio::basic_stream_socket<
      boost::asio::ip::tcp,
      boost::asio::strand<boost::asio::io_context::executor_type>>;
  void Accept();
  void StartSession(Socket socket);

  const GatewayConfig& config_;
  const Router& router_;
  // Before ioc_, so they outlive it: sessions that handlers still hold when
  // it goes (answers posted after Stop) count themselves out here.
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> open_sessions_{0};
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  std::vector<std::thread> threads_;
  std::mutex sessions_mu_;
  std::vector<std::weak_ptr<Session>> sessions_;  // For Stop() to drain.
  size_t sessions_kept_ = 0;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HTTP_SERVER_H_
