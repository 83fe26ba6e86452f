#ifndef TOCSIN_GATEWAY_HTTP_SERVER_H_
#define TOCSIN_GATEWAY_HTTP_SERVER_H_

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
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
  // Stops accepting, waits up to `grace` for requests in progress, stops.
  void Stop(absl::Duration grace);

  // Requests being handled right now (for graceful stop).
  std::atomic<int>& in_flight() { return in_flight_; }

 private:
  void Accept();

  const GatewayConfig& config_;
  const Router& router_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<int> in_flight_{0};
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HTTP_SERVER_H_
