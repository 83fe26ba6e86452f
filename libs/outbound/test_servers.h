#ifndef TOCSIN_OUTBOUND_TEST_SERVERS_H_
#define TOCSIN_OUTBOUND_TEST_SERVERS_H_

// Minimal HTTP and SMTP servers on 127.0.0.1 for the outbound tests. Each
// runs one thread that handles one connection at a time, which is all a test
// of a single request needs.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace tocsin::outbound::testing {

// A listening socket on 127.0.0.1 (ephemeral port) with an accept thread.
class LoopbackServer {
 public:
  LoopbackServer();
  virtual ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 protected:
  // Starts the accept thread; call from the derived constructor.
  void Start();
  // Stops and joins the accept thread; call from the derived destructor.
  void Stop();
  virtual void Serve(int fd) = 0;

  bool stopping() const { return stop_.load(); }
  // Reads into `buf` until it contains `delim`; false on EOF, error or stop.
  bool ReadUntil(int fd, std::string* buf, std::string_view delim);
  // Reads until `buf` holds at least `n` bytes.
  bool ReadAtLeast(int fd, std::string* buf, size_t n);
  void WriteAll(int fd, std::string_view data);
  // Waits until the peer closes or the server stops.
  void WaitForClose(int fd);

 private:
  void Loop();

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

struct SeenRequest {
  std::string method;
  std::string target;  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Content-Length to announce instead of body.size().
  std::optional<size_t> content_length;
  bool silent = false;      // send nothing, keep the connection open
  bool hang_after = false;  // send the reply, then keep the connection open
};

class HttpTestServer : public LoopbackServer {
 public:
  using Handler = std::function<Reply(const SeenRequest&)>;
  explicit HttpTestServer(Handler handler);
  ~HttpTestServer() override;

  std::string Url(std::string_view target) const;
  std::vector<SeenRequest> requests();

 protected:
  void Serve(int fd) override;

 private:
  Handler handler_;
  std::mutex mu_;
  std::vector<SeenRequest> requests_;
};

struct SmtpSinkOptions {
  std::string rcpt_reply = "250 2.1.5 Ok";
  bool advertise_auth = false;
  std::string auth_reply = "235 2.7.0 Authentication successful";
};

struct SeenMail {
  std::vector<std::string> commands;  // every command line, in order
  std::string mail_from;              // argument of MAIL FROM, with brackets
  std::vector<std::string> rcpt_to;
  std::string data;  // message as uploaded, dot-unstuffed, without "."
};

class SmtpSink : public LoopbackServer {
 public:
  explicit SmtpSink(SmtpSinkOptions opt = {});
  ~SmtpSink() override;

  std::vector<SeenMail> mails();
  // The sink records a session when it ends, which may be a moment after the
  // client returned; this waits (up to 3 s) for `n` sessions.
  std::vector<SeenMail> WaitForMails(size_t n);

 protected:
  void Serve(int fd) override;

 private:
  SmtpSinkOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SeenMail> mails_;
};

// A loopback port with nothing listening (connecting is refused).
int ClosedPort();

}  // namespace tocsin::outbound::testing

#endif  // TOCSIN_OUTBOUND_TEST_SERVERS_H_
