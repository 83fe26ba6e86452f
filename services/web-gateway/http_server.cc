#include "web-gateway/http_server.h"

#include <array>
#include <chrono>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/log.h"
#include "common/strings.h"
#include "web-gateway/forwarded.h"
#include "web-gateway/http_wire.h"

namespace tocsin::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
// Sessions name their strand's type: a socket or timer on the type-erased
// `any_io_executor` copies the strand onto the heap for each operation it
// starts (a strand does not fit the erasure's inline buffer).
using Executor = net::strand<net::io_context::executor_type>;
using Stream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>,
                                        Executor>;

constexpr size_t kHeaderLimit = 16 * 1024;
// While stopping, how long an idle keep-alive connection is left open for a
// request already on its way; then it is closed in order (FIN).
constexpr auto kDrainIdle = std::chrono::milliseconds(300);
// A lingering close reads and drops at most this long, and this much.
constexpr auto kLinger = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 4 * 1024 * 1024;

}  // namespace

class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, const GatewayConfig& config, const Router& router,
          std::atomic<int>& in_flight, const std::atomic<bool>& stopping,
          std::atomic<int>& open)
      : stream_(std::move(socket)),
        drain_timer_(stream_.get_executor()),
        config_(config),
        router_(router),
        in_flight_(in_flight),
        stopping_(stopping),
        open_(open) {
    ++open_;
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address();
  }
  ~Session() { --open_; }

  // Graceful stop: an idle connection gets a short while for a request
  // already sent, then closes; a busy one closes after its answer. (A new
  // expiry would not reach the read already waiting, hence the timer.)
  void Drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->drain_timer_.expires_after(kDrainIdle);
      self->drain_timer_.async_wait([self](beast::error_code ec) {
        // Still waiting, with nothing of a request received: close.
        if (!ec && self->reading_ && self->parser_ && !self->parser_->got_some()) {
          self->Close();
        }
      });
    });
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(config_.max_body);
    parser_->header_limit(kHeaderLimit);
    if (stopping_) {
      stream_.expires_after(kDrainIdle);
    } else {
      stream_.expires_after(absl::ToChronoSeconds(config_.idle_timeout));
    }
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead,
                                               shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      return Close();
    }
    if (ec) {
      // Hostile or broken input: a clear 4xx, then close.
      HttpResponse r;
      r.status = ec == http::error::body_limit      ? 413
                 : ec == http::error::header_limit  ? 431
                                                    : 400;
      r.body = r.status == 413   ? "request body too large"
               : r.status == 431 ? "request headers too large"
                                 : "bad request";
      return Write(std::move(r), /*keep_alive=*/false, 11, false);
    }
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    size_t q = target.find('?');
    bool ok = UrlDecode(target.substr(0, q), false, &req.path);
    if (q != std::string_view::npos) ParseQuery(target.substr(q + 1), &req.query);
    req.headers.reserve(std::distance(msg.begin(), msg.end()));
    for (const auto& f : msg) {
      req.headers.emplace_back(
          absl::AsciiStrToLower(std::string(f.name_string())),
          std::string(f.value()));
    }
    req.body = std::move(msg.body());
    ClientInfo client =
        ResolveClient(config_.trusted_proxies, peer_,
                      req.Header("x-forwarded-for"),
                      req.Header("x-forwarded-proto"));
    req.remote_addr = client.address;
    req.scheme = client.scheme;
    // While stopping, answer what was read and then close.
    bool keep_alive = msg.keep_alive() && !stopping_;
    unsigned version = msg.version();
    bool head = msg.method() == http::verb::head;
    if (!ok || req.path.empty() || req.path[0] != '/') {
      HttpResponse r;
      r.status = 400;
      r.body = "bad request";
      return Write(std::move(r), false, version, head);
    }
    // Our paths are text; one that is not (%ff, %00) names nothing here.
    if (!IsStorableText(req.path)) {
      HttpResponse r;
      r.status = 404;
      r.body = "not found";
      return Write(std::move(r), keep_alive, version, head);
    }
    ++in_flight_;
    auto self = shared_from_this();
    router_.Dispatch(req, [self, keep_alive, version, head](HttpResponse r) {
      // Handlers answer from any thread; the session lives on its strand.
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r), keep_alive, version, head]() mutable {
                  --self->in_flight_;
                  self->Write(std::move(r), keep_alive, version, head);
                });
    });
  }

  void Write(HttpResponse r, bool keep_alive, unsigned version, bool head) {
    // Stopping since the request was read: say so, so that the client does
    // not send another request on a connection about to close.
    keep_alive = keep_alive && !stopping_;
    out_ = SerializeResponse(std::move(r), keep_alive, version, head);
    stream_.expires_after(absl::ToChronoSeconds(config_.idle_timeout));
    std::array<net::const_buffer, 2> buffers{net::buffer(out_.head),
                                             net::buffer(out_.body)};
    net::async_write(stream_, buffers,
                     beast::bind_front_handler(&Session::OnWrite,
                                               shared_from_this(),
                                               !keep_alive));
  }

  void OnWrite(bool close, beast::error_code ec, size_t) {
    // Not closed merely because we are stopping now: the answer promised
    // keep-alive, so the client may already be sending the next request.
    // Read() waits kDrainIdle for it and answers it with close.
    if (ec) return Close();
    if (close) return CloseAfterAnswer();
    Read();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  // A lingering close: after the answer, what the client still sends (the
  // rest of a body we refused, say) is read and dropped until it closes too,
  // for a while at most. Closing with unread data would make the kernel
  // send a reset, which can destroy the answer before the client reads it.
  void CloseAfterAnswer() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(kLinger);
    buffer_.consume(buffer_.size());
    Discard(0);
  }

  void Discard(size_t dropped) {
    stream_.async_read_some(
        buffer_.prepare(16 * 1024),
        [self = shared_from_this(), dropped](beast::error_code ec, size_t n) {
          self->buffer_.consume(n);
          if (ec || dropped + n > kLingerBytes) return self->Close();
          self->Discard(dropped + n);
        });
  }

  Stream stream_;
  Timer drain_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  WireResponse out_;  // The answer being written.
  const GatewayConfig& config_;
  const Router& router_;
  std::atomic<int>& in_flight_;
  const std::atomic<bool>& stopping_;
  std::atomic<int>& open_;
  bool reading_ = false;  // Waiting for a request (on the strand only).
  net::ip::address peer_;
};

HttpServer::HttpServer(const GatewayConfig& config, const Router& router)
    : config_(config),
      router_(router),
      acceptor_(net::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()) {}

HttpServer::~HttpServer() { Stop(absl::Seconds(1)); }

absl::Status HttpServer::Start() {
  beast::error_code ec;
  auto addr = net::ip::make_address(config_.listen_host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad listen address ", config_.listen_host));
  }
  tcp::endpoint ep(addr, static_cast<unsigned short>(config_.listen_port));
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", config_.listen_host, ":", config_.listen_port,
        ": ", ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  Accept();
  for (int i = 0; i < config_.threads; ++i) {
    threads_.emplace_back([this] { ioc_.run(); });
  }
  return absl::OkStatus();
}

void HttpServer::StartSession(Socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto session = std::make_shared<Session>(std::move(socket), config_, router_,
                                           in_flight_, stopping_, open_sessions_);
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    // Forget the closed ones now and then, not on every accept.
    if (sessions_.size() >= 2 * sessions_kept_ + 64) {
      std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
      sessions_kept_ = sessions_.size();
    }
    sessions_.push_back(session);
  }
  // While stopping, Run()'s read waits only kDrainIdle for the request
  // already on its way, and the answer closes the connection.
  session->Run();
}

void HttpServer::Accept() {
  acceptor_.async_accept(
      net::make_strand(ioc_), [this](beast::error_code ec, Socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (!ec) {
          // Accepted, even if we are stopping by now: dropping it would
          // reset a client that may have sent its request already.
          StartSession(std::move(socket));
          if (acceptor_.is_open() && !stopping_) Accept();
          return;
        }
        if (stopping_) return;
        // Out of descriptors, say: pause instead of spinning on the error.
        log::Warning("accept failed; pausing 100 ms", {{"error", ec.message()}});
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor_.is_open() && !stopping_) Accept();
        });
      });
}

void HttpServer::Stop(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  net::post(acceptor_.get_executor(), [this] {
    // Closing a listening socket resets the connections the kernel has
    // completed but we have not accepted yet; take those first (their
    // clients may have sent a request), then close.
    beast::error_code ec;
    acceptor_.non_blocking(true, ec);
    while (!ec) {
      Socket socket(net::make_strand(ioc_));
      acceptor_.accept(socket, ec);
      if (!ec) StartSession(std::move(socket));
    }
    acceptor_.close(ec);
    accept_retry_.cancel();
  });
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& w : sessions_) {
      if (auto s = w.lock()) s->Drain();
    }
  }
  // Every connection closes by itself: after its answer, or idle after
  // kDrainIdle. Tearing them down earlier would cut off (reset) requests
  // that are already on their way.
  absl::Time give_up = absl::Now() + grace;
  while ((in_flight_ > 0 || open_sessions_ > 0) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (open_sessions_ > 0) {
    log::Warning("stopping with connections still open",
                 {{"connections", int64_t{open_sessions_.load()}},
                  {"in_flight", int64_t{in_flight_.load()}}});
  }
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace tocsin::gateway
