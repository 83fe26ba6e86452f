#include "metrics/server.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/log.h"
#include "common/strings.h"

namespace tocsin::metrics {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Scrapers are few; more connections than this are closed on accept.
constexpr size_t kMaxConnections = 8;
constexpr size_t kHeaderLimit = 8 * 1024;
constexpr uint64_t kBodyLimit = 4 * 1024;  // we accept no request bodies

absl::Status ParseListen(const std::string& listen, std::string* host,
                         uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address needs host:port: ", listen));
  }
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  }
  if (h.empty()) h = "0.0.0.0";
  if (h == "localhost") h = "127.0.0.1";
  int p = -1;
  std::string_view port_str = std::string_view(listen).substr(colon + 1);
  if (port_str.empty() || !absl::SimpleAtoi(Absl(port_str), &p) || p < 0 ||
      p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad port in listen address: ", listen));
  }
  *host = std::move(h);
  *port = static_cast<uint16_t>(p);
  return absl::OkStatus();
}

}  // namespace

struct MetricsServer::Impl {
  struct HandlerEntry {
    Handler fn;
    std::string content_type;
  };
  struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  class Session;

  explicit Impl(const Registry& r) : registry(r) {}

  void Accept();
  Response Handle(http::verb method, std::string_view target);

  const Registry& registry;
  std::chrono::milliseconds io_timeout{10000};

  std::mutex handlers_mu;
  std::map<std::string, HandlerEntry, std::less<>> handlers;

  // Everything below runs on the server thread only (or after it joined).
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  std::vector<std::weak_ptr<Session>> sessions;
  std::thread thread;
  std::atomic<int> port{0};
  bool started = false;
};

class MetricsServer::Impl::Session
    : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl& impl)
      : stream_(std::move(socket)), impl_(impl) {}

  void Run() {
    parser_.header_limit(kHeaderLimit);
    parser_.body_limit(kBodyLimit);
    stream_.expires_after(impl_.io_timeout);
    http::async_read(
        stream_, buffer_, parser_,
        beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void OnRead(beast::error_code ec, size_t) {
    Response r;
    unsigned version = 11;
    bool head = false;
    if (ec) {
      // Timeouts, resets and closes end the connection quietly; malformed
      // requests get a 400 so a misconfigured scraper sees why.
      const auto& http_category =
          http::make_error_code(http::error::bad_target).category();
      bool malformed = ec.category() == http_category &&
                       ec != http::error::end_of_stream &&
                       ec != http::error::partial_message;
      if (!malformed) return Close();
      r.status = 400;
      r.body = "bad request\n";
    } else {
      const auto& req = parser_.get();
      version = req.version();
      head = req.method() == http::verb::head;
      r = impl_.Handle(req.method(), std::string_view(req.target().data(),
                                                      req.target().size()));
    }
    res_.version(version);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::server, "tocsin-metrics");
    res_.set(http::field::content_type, r.content_type);
    if (r.status == 405) res_.set(http::field::allow, "GET, HEAD");
    // One request per connection keeps the single thread free for others.
    res_.keep_alive(false);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    if (head) res_.body().clear();  // keeps the GET Content-Length
    stream_.expires_after(impl_.io_timeout);
    http::async_write(
        stream_, res_,
        beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code, size_t) { Close(); }

  beast::tcp_stream stream_;
  Impl& impl_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> res_;
};

void MetricsServer::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: back off instead of spinning.
      log::Warning("metrics server accept failed", {{"error", ec.message()}});
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code wec) {
        if (!wec) Accept();
      });
      return;
    }
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    if (sessions.size() >= kMaxConnections) {
      beast::error_code cec;
      socket.close(cec);
    } else {
      auto s = std::make_shared<Session>(std::move(socket), *this);
      sessions.push_back(s);
      s->Run();
    }
    Accept();
  });
}

MetricsServer::Impl::Response MetricsServer::Impl::Handle(
    http::verb method, std::string_view target) {
  Response r;
  if (method != http::verb::get && method != http::verb::head) {
    r.status = 405;
    r.body = "method not allowed\n";
    return r;
  }
  std::string_view path = target.substr(0, target.find('?'));
  std::optional<HandlerEntry> entry;
  {
    std::lock_guard lock(handlers_mu);
    auto it = handlers.find(path);
    if (it != handlers.end()) entry = it->second;
  }
  if (entry) {
    auto [status, body] = entry->fn();
    if (status < 100 || status > 599) {
      r.status = 500;
      r.body = "bad handler status\n";
      return r;
    }
    r.status = status;
    r.body = std::move(body);
    r.content_type = entry->content_type;
    return r;
  }
  if (path == "/metrics") {
    r.body = registry.Render();
    r.content_type = std::string(kPrometheusContentType);
    return r;
  }
  r.status = 404;
  r.body = "not found\n";
  return r;
}

MetricsServer::MetricsServer(const Registry& registry)
    : impl_(std::make_unique<Impl>(registry)) {}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::AddHandler(std::string path, Handler fn,
                               std::string content_type) {
  std::lock_guard lock(impl_->handlers_mu);
  impl_->handlers[std::move(path)] =
      Impl::HandlerEntry{std::move(fn), std::move(content_type)};
}

void MetricsServer::set_io_timeout(std::chrono::milliseconds timeout) {
  impl_->io_timeout = timeout;
}

absl::Status MetricsServer::Start(const std::string& listen) {
  if (impl_->started) {
    return absl::FailedPreconditionError("metrics server already started");
  }
  std::string host;
  uint16_t port = 0;
  if (absl::Status s = ParseListen(listen, &host, &port); !s.ok()) return s;
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad listen address: ", listen));
  }
  tcp::endpoint ep(addr, port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    return absl::UnavailableError(absl::StrCat(
        "metrics server cannot listen on ", listen, ": ", ec.message()));
  }
  impl_->port = acceptor.local_endpoint().port();
  impl_->started = true;
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
  log::Info("metrics server listening",
            {{"listen", listen}, {"port", static_cast<int64_t>(impl_->port)}});
  return absl::OkStatus();
}

int MetricsServer::port() const { return impl_->port; }

void MetricsServer::Stop() {
  if (!impl_->thread.joinable()) return;
  // Closing on the server thread avoids racing its handlers; stopping the
  // context then returns run() at once, without waiting for idle clients.
  net::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->accept_retry.cancel();
    for (auto& w : impl->sessions) {
      if (auto s = w.lock()) s->Close();
    }
    impl->ioc.stop();
  });
  impl_->thread.join();
}

}  // namespace tocsin::metrics
