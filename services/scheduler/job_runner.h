#ifndef TOCSIN_SCHEDULER_JOB_RUNNER_H_
#define TOCSIN_SCHEDULER_JOB_RUNNER_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cron/cron.h"

namespace tocsin::scheduler {

// What one run of a job reports.
struct JobOutcome {
  std::string message;  // One line: what it did.
  // For jobs driven by deadlines: when it wants to run next (nullopt: no
  // known time; the watch may find one). Ignored by cron and interval jobs.
  std::optional<absl::Time> next_run;
  bool run_again_now = false;  // More work is waiting (a batch was full).
  bool quiet = false;  // Nothing happened: logged at debug level only.
};

struct JobRunRecord {
  absl::Time started;
  absl::Duration duration;
  bool ok = false;
  std::string message;
};

// When a job runs.
struct Trigger {
  enum class Kind { kCron, kInterval, kDeadlines };
  Kind kind = Kind::kInterval;
  std::optional<cron::CronExpr> cron;  // kCron, evaluated in UTC.
  std::string cron_text;
  absl::Duration interval;  // kInterval.
  // kDeadlines: polled every `watch_every` between runs; returns the earliest
  // known deadline so a new, earlier one is not missed.
  std::function<absl::StatusOr<std::optional<absl::Time>>()> watch;
  absl::Duration watch_every = absl::Seconds(1);

  static absl::StatusOr<Trigger> Cron(std::string_view expr);
  static Trigger Every(absl::Duration d);
  static Trigger AtDeadlines(
      std::function<absl::StatusOr<std::optional<absl::Time>>()> watch,
      absl::Duration watch_every);
  std::string Describe() const;
  // How often the job is expected to show activity (a run, or a watch
  // poll): the health document calls a job quiet for much longer stalled.
  absl::Duration ExpectedEvery(absl::Time now) const;
};

struct JobSpec {
  std::string name;
  Trigger trigger;
  std::function<absl::StatusOr<JobOutcome>()> run;
};

struct JobInfo {
  std::string name;
  std::string schedule;
  std::optional<JobRunRecord> last_run;
  std::optional<absl::Time> next_run;
  bool running = false;
  std::optional<absl::Time> last_success, last_failure;
  std::optional<absl::Time> running_since;
  // The latest run end or watch poll.
  std::optional<absl::Time> last_activity;
  absl::Duration expected_every;
};

// Told about every finished run (metrics).
using RunObserver = std::function<void(const std::string& job, bool ok,
                                       absl::Duration took, absl::Time end)>;

// Runs each job on its own thread, so a job never overlaps itself and a slow
// job never delays another. Every run is logged with its duration and
// outcome. RunNow() lets tests and operators trigger a job on demand.
class JobRunner {
 public:
  JobRunner() = default;
  ~JobRunner();

  void Add(JobSpec spec);
  // Before Start().
  void SetRunObserver(RunObserver observer) { observer_ = std::move(observer); }
  void Start();
  void Stop();  // Lets runs in progress finish.

  std::vector<JobInfo> List();
  // Runs the job now (after a run in progress, if any) and returns that run.
  absl::StatusOr<JobRunRecord> RunNow(const std::string& name,
                                      absl::Duration timeout);
  // Asks for a run as soon as possible without waiting for it (e.g. the
  // late-check job wakes the alert sender when it wrote flips).
  void Kick(const std::string& name);

 private:
  struct Job {
    JobSpec spec;
    std::mutex mu;
    std::condition_variable cv;
    bool running = false;
    int64_t requested = 0;  // RunNow requests received.
    int64_t served = 0;     // Requests satisfied by a run that started after.
    int64_t completed_runs = 0;
    std::optional<JobRunRecord> last_run;
    std::optional<absl::Time> next_run;
    std::optional<absl::Time> last_success, last_failure, running_since,
        last_activity;
    std::thread thread;
  };
  void Loop(Job& job);
  std::optional<absl::Time> NextAfter(Job& job, absl::Time now,
                                      const std::optional<JobOutcome>& outcome);

  std::vector<std::unique_ptr<Job>> jobs_;
  RunObserver observer_;
  std::mutex stop_mu_;
  bool stopping_ = false;
};

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_JOB_RUNNER_H_
