#include "metrics/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace tocsin::metrics {
namespace {

// A blocking client socket with a receive timeout, so a broken server fails
// the test instead of hanging it.
class Client {
 public:
  explicit Client(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { close(fd_); }

  bool connected() const { return connected_; }
  void Send(const std::string& s) {
    ASSERT_EQ(send(fd_, s.data(), s.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(s.size()));
  }
  // Everything until the server closes (or the 5 s timeout).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Fetch(int port, const std::string& request) {
  Client c(port);
  if (!c.connected()) return "";
  c.Send(request);
  return c.ReadAll();
}

std::string Get(int port, const std::string& path) {
  return Fetch(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

std::string Body(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

class MetricsServerTest : public ::testing::Test {
 protected:
  MetricsServerTest() : server_(registry_) {
    registry_.AddCounter("tocsin_pings_total", "Pings.", {"kind"})
        .With({"success"})
        .Inc(42);
  }

  void StartServer() {
    ASSERT_TRUE(server_.Start("127.0.0.1:0").ok());
    ASSERT_GT(server_.port(), 0);
  }

  Registry registry_;
  MetricsServer server_;
};

TEST_F(MetricsServerTest, ServesMetrics) {
  StartServer();
  std::string r = Get(server_.port(), "/metrics");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("\r\nContent-Type: text/plain; version=0.0.4; "
                   "charset=utf-8\r\n"),
            std::string::npos)
      << r;
  EXPECT_NE(Body(r).find("tocsin_pings_total{kind=\"success\"} 42\n"),
            std::string::npos)
      << r;
  EXPECT_EQ(Body(r), registry_.Render());
  // Query strings are ignored; later increments show up in the next scrape.
  registry_.AddCounter("tocsin_pings_total", "Pings.", {"kind"})
      .With({"success"})
      .Inc();
  EXPECT_NE(Get(server_.port(), "/metrics?x=1").find("} 43\n"),
            std::string::npos);
}

TEST_F(MetricsServerTest, UnknownPathIs404) {
  StartServer();
  std::string r = Get(server_.port(), "/nope");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 404 Not Found\r\n")) << r;
}

TEST_F(MetricsServerTest, OtherMethodsAre405AndHeadHasNoBody) {
  StartServer();
  std::string r = Fetch(server_.port(),
                        "POST /metrics HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 2\r\n\r\nhi");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << r;
  EXPECT_NE(r.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << r;

  r = Fetch(server_.port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("\r\nContent-Length: " +
                   std::to_string(registry_.Render().size()) + "\r\n"),
            std::string::npos)
      << r;
  EXPECT_EQ(Body(r), "");
}

TEST_F(MetricsServerTest, MalformedRequestIs400) {
  StartServer();
  std::string r = Fetch(server_.port(), "GARBAGE\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 400 Bad Request\r\n")) << r;
}

TEST_F(MetricsServerTest, CustomHandler) {
  server_.AddHandler("/health", [] {
    return std::pair<int, std::string>(503, "{\"ok\":false}");
  });
  StartServer();
  std::string r = Get(server_.port(), "/health");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << r;
  EXPECT_NE(r.find("\r\nContent-Type: application/json\r\n"),
            std::string::npos)
      << r;
  EXPECT_EQ(Body(r), "{\"ok\":false}");

  // Added after Start, with its own content type.
  server_.AddHandler(
      "/version", [] { return std::pair<int, std::string>(200, "1.2.3"); },
      "text/plain");
  r = Get(server_.port(), "/version");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_NE(r.find("\r\nContent-Type: text/plain\r\n"), std::string::npos);
  EXPECT_EQ(Body(r), "1.2.3");
}

TEST_F(MetricsServerTest, IdleClientDoesNotBlockScrapes) {
  StartServer();
  Client idle(server_.port());
  ASSERT_TRUE(idle.connected());
  Client partial(server_.port());
  ASSERT_TRUE(partial.connected());
  partial.Send("GET /metr");
  std::string r = Get(server_.port(), "/metrics");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
}

TEST_F(MetricsServerTest, StopIsPromptWithIdleConnections) {
  StartServer();
  Client idle(server_.port());
  ASSERT_TRUE(idle.connected());
  Client partial(server_.port());
  ASSERT_TRUE(partial.connected());
  partial.Send("GET /metrics HTTP/1.1\r\n");
  // Let the server accept both and start reading.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  server_.Stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(1));
  // The server closed them: EOF, not a 5 s receive timeout.
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(idle.ReadAll(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  server_.Stop();  // idempotent
  EXPECT_FALSE(Client(server_.port()).connected());
}

TEST_F(MetricsServerTest, SlowClientTimesOut) {
  server_.set_io_timeout(std::chrono::milliseconds(200));
  StartServer();
  Client slow(server_.port());
  ASSERT_TRUE(slow.connected());
  slow.Send("GET /metrics HTTP/1.1\r\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(slow.ReadAll(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(MetricsServerTest, StartErrors) {
  EXPECT_EQ(server_.port(), 0);
  EXPECT_FALSE(server_.Start("no-port").ok());
  EXPECT_FALSE(server_.Start("127.0.0.1:99999").ok());
  EXPECT_FALSE(server_.Start("127.0.0.1:http").ok());
  EXPECT_FALSE(server_.Start("not-an-ip:0").ok());
  StartServer();
  EXPECT_EQ(server_.Start("127.0.0.1:0").code(),
            absl::StatusCode::kFailedPrecondition);

  // The port is taken.
  MetricsServer other(registry_);
  absl::Status s = other.Start("127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

TEST_F(MetricsServerTest, ListenForms) {
  MetricsServer any(registry_);
  ASSERT_TRUE(any.Start(":0").ok());
  std::string r = Get(any.port(), "/metrics");  // 0.0.0.0 includes loopback
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  MetricsServer local(registry_);
  ASSERT_TRUE(local.Start("localhost:0").ok());
  EXPECT_TRUE(Get(local.port(), "/metrics").starts_with("HTTP/1.1 200"));
  MetricsServer v4(registry_);
  EXPECT_TRUE(v4.Start("[127.0.0.1]:0").ok());
}

}  // namespace
}  // namespace tocsin::metrics
