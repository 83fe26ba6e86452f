#include "outbound/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace tocsin::outbound::testing {
namespace {

constexpr int kPollMillis = 50;

int ListenLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 16) != 0) {
    std::abort();
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// Waits up to kPollMillis for `fd` to become readable.
bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, kPollMillis) > 0;
}

}  // namespace

LoopbackServer::LoopbackServer() { listen_fd_ = ListenLoopback(&port_); }

LoopbackServer::~LoopbackServer() {
  Stop();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void LoopbackServer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LoopbackServer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void LoopbackServer::Loop() {
  while (!stop_) {
    if (!Readable(listen_fd_)) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    Serve(fd);
    close(fd);
  }
}

bool LoopbackServer::ReadUntil(int fd, std::string* buf,
                               std::string_view delim) {
  while (buf->find(delim) == std::string::npos) {
    if (stop_) return false;
    if (!Readable(fd)) continue;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buf->append(chunk, static_cast<size_t>(n));
  }
  return true;
}

bool LoopbackServer::ReadAtLeast(int fd, std::string* buf, size_t n) {
  while (buf->size() < n) {
    if (stop_) return false;
    if (!Readable(fd)) continue;
    char chunk[4096];
    ssize_t got = read(fd, chunk, sizeof(chunk));
    if (got <= 0) return false;
    buf->append(chunk, static_cast<size_t>(got));
  }
  return true;
}

void LoopbackServer::WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void LoopbackServer::WaitForClose(int fd) {
  while (!stop_) {
    if (!Readable(fd)) continue;
    char chunk[4096];
    if (read(fd, chunk, sizeof(chunk)) <= 0) return;
  }
}

std::optional<std::string> SeenRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(Absl(k), Absl(name))) return v;
  }
  return std::nullopt;
}

HttpTestServer::HttpTestServer(Handler handler) : handler_(std::move(handler)) {
  Start();
}

HttpTestServer::~HttpTestServer() { Stop(); }

std::string HttpTestServer::Url(std::string_view target) const {
  return absl::StrCat("http://127.0.0.1:", port(), Absl(target));
}

std::vector<SeenRequest> HttpTestServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void HttpTestServer::Serve(int fd) {
  std::string buf;
  if (!ReadUntil(fd, &buf, "\r\n\r\n")) return;
  size_t head_end = buf.find("\r\n\r\n");
  std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(buf.data(), head_end), "\r\n");
  SeenRequest req;
  std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
  if (request_line.size() == 3) {
    req.method = request_line[0];
    req.target = request_line[1];
  }
  size_t content_length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    std::string name = lines[i].substr(0, colon);
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      (void)absl::SimpleAtoi(value, &content_length);
    }
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  buf.erase(0, head_end + 4);
  if (!ReadAtLeast(fd, &buf, content_length)) return;
  req.body = buf.substr(0, content_length);

  Reply reply = handler_(req);
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(std::move(req));
  }
  if (reply.silent) {
    WaitForClose(fd);
    return;
  }
  std::string out = absl::StrCat("HTTP/1.1 ", reply.status, " Test\r\n");
  for (const auto& [k, v] : reply.headers)
    absl::StrAppend(&out, k, ": ", v, "\r\n");
  absl::StrAppend(&out, "Content-Length: ",
                  reply.content_length.value_or(reply.body.size()),
                  "\r\nConnection: close\r\n\r\n", reply.body);
  WriteAll(fd, out);
  if (reply.hang_after) WaitForClose(fd);
}

SmtpSink::SmtpSink(SmtpSinkOptions opt) : opt_(std::move(opt)) { Start(); }

SmtpSink::~SmtpSink() { Stop(); }

std::vector<SeenMail> SmtpSink::mails() {
  std::lock_guard<std::mutex> lock(mu_);
  return mails_;
}

std::vector<SeenMail> SmtpSink::WaitForMails(size_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(3),
               [&] { return mails_.size() >= n; });
  return mails_;
}

void SmtpSink::Serve(int fd) {
  SeenMail mail;
  auto save = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    mails_.push_back(mail);
    cv_.notify_all();
  };
  WriteAll(fd, "220 sink.test ESMTP ready\r\n");
  std::string buf;
  bool awaiting_auth_response = false;
  while (ReadUntil(fd, &buf, "\r\n")) {
    size_t eol = buf.find("\r\n");
    std::string line = buf.substr(0, eol);
    buf.erase(0, eol + 2);
    mail.commands.push_back(line);
    std::string upper = absl::AsciiStrToUpper(line);
    if (awaiting_auth_response) {
      awaiting_auth_response = false;
      WriteAll(fd, opt_.auth_reply + "\r\n");
    } else if (absl::StartsWith(upper, "EHLO") ||
               absl::StartsWith(upper, "HELO")) {
      WriteAll(fd, opt_.advertise_auth
                       ? "250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
                       : "250-sink.test\r\n250 8BITMIME\r\n");
    } else if (absl::StartsWith(upper, "AUTH")) {
      // "AUTH PLAIN" alone asks for the credentials on the next line.
      if (absl::StripAsciiWhitespace(upper) == "AUTH PLAIN") {
        awaiting_auth_response = true;
        WriteAll(fd, "334 \r\n");
      } else {
        WriteAll(fd, opt_.auth_reply + "\r\n");
      }
    } else if (absl::StartsWith(upper, "MAIL FROM:")) {
      std::string arg = line.substr(10);
      mail.mail_from = arg.substr(0, arg.find(' '));
      WriteAll(fd, "250 2.1.0 Ok\r\n");
    } else if (absl::StartsWith(upper, "RCPT TO:")) {
      mail.rcpt_to.push_back(line.substr(8));
      WriteAll(fd, opt_.rcpt_reply + "\r\n");
    } else if (upper == "DATA") {
      WriteAll(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
      if (!ReadUntil(fd, &buf, "\r\n.\r\n")) break;
      size_t end = buf.find("\r\n.\r\n");
      std::string data = buf.substr(0, end + 2);
      buf.erase(0, end + 5);
      // Undo dot-stuffing.
      std::string unstuffed;
      for (absl::string_view l : absl::StrSplit(data, "\r\n")) {
        if (absl::StartsWith(l, ".")) l.remove_prefix(1);
        absl::StrAppend(&unstuffed, l, "\r\n");
      }
      unstuffed.resize(unstuffed.size() - 2);  // the split's empty tail
      mail.data = std::move(unstuffed);
      WriteAll(fd, "250 2.0.0 Ok: queued as TEST123\r\n");
    } else if (upper == "QUIT") {
      WriteAll(fd, "221 2.0.0 Bye\r\n");
      break;
    } else if (upper == "RSET" || upper == "NOOP") {
      WriteAll(fd, "250 2.0.0 Ok\r\n");
    } else {
      WriteAll(fd, "502 5.5.2 Command not recognized\r\n");
    }
  }
  save();
}

int ClosedPort() {
  int port = 0;
  int fd = ListenLoopback(&port);
  close(fd);
  return port;
}

}  // namespace tocsin::outbound::testing
