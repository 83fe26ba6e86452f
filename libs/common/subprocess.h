#ifndef TOCSIN_COMMON_SUBPROCESS_H_
#define TOCSIN_COMMON_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tocsin {

// A child program (pg_dump, pg_restore) run with an environment given in
// full, so secrets travel in its environment, never on its command line.
// Its standard output is a pipe the caller reads; its standard error is
// collected (the last few KiB) for error messages; its standard input is
// /dev/null.
class Subprocess {
 public:
  // Starts argv[0] (looked up in this process's PATH).
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv,
      const std::vector<std::string>& env);
  ~Subprocess();  // Kills and reaps a child still running.
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // The next bytes of standard output, at most `max` (empty: end of it).
  // Waits at most `timeout` for output (DeadlineExceeded after).
  absl::StatusOr<std::string> Read(size_t max, absl::Duration timeout);

  // Reads standard output to its end, keeping at most `max_kept` bytes,
  // then waits for the exit. OK only for exit status 0; otherwise Internal
  // with the program's name, its exit status and the last line of its
  // standard error.
  absl::StatusOr<std::string> Finish(absl::Duration timeout,
                                     size_t max_kept = 1 << 20);

  void Kill();
  // The tail of standard error so far.
  const std::string& stderr_tail() const { return stderr_; }

 private:
  Subprocess() = default;
  void DrainStderr();
  absl::Status Wait(absl::Duration timeout);

  std::string name_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string stderr_;
  bool exited_ = false;
};

// Runs a program to its end; its standard output (up to 1 MiB) on success.
absl::StatusOr<std::string> RunProgram(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env,
                                       absl::Duration timeout);

}  // namespace tocsin

#endif  // TOCSIN_COMMON_SUBPROCESS_H_
