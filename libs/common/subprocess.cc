#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tocsin {
namespace {

constexpr size_t kStderrKept = 4096;

absl::Status Errno(std::string_view what) {
  return absl::InternalError(
      absl::StrCat(std::string(what), ": ", std::strerror(errno)));
}

std::string LastLine(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  return lines.empty() ? "" : std::string(absl::StripAsciiWhitespace(lines.back()));
}

int PollMs(absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1,
                                            60 * 1000));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to run");
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Errno("pipe");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return Errno("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // Signals blocked in this process (the services block SIGTERM for their
  // signal thread) must not stay blocked in the child.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all_default;
  sigemptyset(&none);
  sigemptyset(&all_default);
  sigaddset(&all_default, SIGTERM);
  sigaddset(&all_default, SIGINT);
  sigaddset(&all_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all_default);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(),
                          envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", argv[0], ": ", std::strerror(rc)));
  }
  std::unique_ptr<Subprocess> p(new Subprocess());
  p->name_ = argv[0];
  p->pid_ = pid;
  p->out_fd_ = out[0];
  p->err_fd_ = err[0];
  return p;
}

Subprocess::~Subprocess() {
  if (!exited_ && pid_ > 0) {
    Kill();
    int status;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void Subprocess::Kill() {
  if (!exited_ && pid_ > 0) ::kill(pid_, SIGKILL);
}

void Subprocess::DrainStderr() {
  if (err_fd_ < 0) return;
  char buf[4096];
  ssize_t n = ::read(err_fd_, buf, sizeof buf);
  if (n > 0) {
    stderr_.append(buf, static_cast<size_t>(n));
    if (stderr_.size() > kStderrKept) {
      stderr_.erase(0, stderr_.size() - kStderrKept);
    }
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    ::close(err_fd_);
    err_fd_ = -1;
  }
}

absl::StatusOr<std::string> Subprocess::Read(size_t max,
                                             absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (out_fd_ >= 0) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    int n = ::poll(fds, err_fd_ >= 0 ? 2 : 1, PollMs(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("poll");
    }
    if (n == 0) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " gave no output for ", absl::FormatDuration(timeout)));
    }
    if (err_fd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      DrainStderr();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::string buf(max, '\0');
      ssize_t got = ::read(out_fd_, buf.data(), max);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return Errno("read");
      }
      if (got == 0) {
        ::close(out_fd_);
        out_fd_ = -1;
        return std::string();
      }
      buf.resize(static_cast<size_t>(got));
      return buf;
    }
  }
  return std::string();
}

absl::Status Subprocess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (err_fd_ >= 0) {
    pollfd fd = {err_fd_, POLLIN, 0};
    int n = ::poll(&fd, 1, PollMs(deadline));
    if (n == 0) break;
    if (n > 0) DrainStderr();
  }
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) return Errno("waitpid");
    if (absl::Now() >= deadline) {
      Kill();
      ::waitpid(pid_, &status, 0);
      exited_ = true;
      return absl::DeadlineExceededError(absl::StrCat(
          name_, " did not finish within ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  exited_ = true;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  std::string how = WIFEXITED(status)
                        ? absl::StrCat("exited with status ", WEXITSTATUS(status))
                        : absl::StrCat("was killed by signal ", WTERMSIG(status));
  std::string line = LastLine(stderr_);
  return absl::InternalError(absl::StrCat(name_, " ", how,
                                          line.empty() ? "" : ": ", line));
}

absl::StatusOr<std::string> Subprocess::Finish(absl::Duration timeout,
                                               size_t max_kept) {
  absl::Time deadline = absl::Now() + timeout;
  std::string out;
  for (;;) {
    auto chunk = Read(64 * 1024, deadline - absl::Now());
    if (!chunk.ok()) {
      Kill();
      (void)Wait(absl::Seconds(5));
      return chunk.status();
    }
    if (chunk->empty()) break;
    if (out.size() < max_kept) {
      out.append(chunk->substr(0, max_kept - out.size()));
    }
  }
  if (auto s = Wait(std::max(deadline - absl::Now(), absl::Seconds(1)));
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<std::string> RunProgram(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env,
                                       absl::Duration timeout) {
  auto p = Subprocess::Start(argv, env);
  if (!p.ok()) return p.status();
  return (*p)->Finish(timeout);
}

}  // namespace tocsin
