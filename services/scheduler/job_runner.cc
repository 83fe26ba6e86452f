#include "scheduler/job_runner.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace tocsin::scheduler {

absl::StatusOr<Trigger> Trigger::Cron(std::string_view expr) {
  auto parsed = cron::CronExpr::Parse(expr);
  if (!parsed.ok()) return parsed.status();
  Trigger t;
  t.kind = Kind::kCron;
  t.cron = *parsed;
  t.cron_text = std::string(expr);
  return t;
}

Trigger Trigger::Every(absl::Duration d) {
  Trigger t;
  t.kind = Kind::kInterval;
  t.interval = d;
  return t;
}

Trigger Trigger::AtDeadlines(
    std::function<absl::StatusOr<std::optional<absl::Time>>()> watch,
    absl::Duration watch_every) {
  Trigger t;
  t.kind = Kind::kDeadlines;
  t.watch = std::move(watch);
  t.watch_every = watch_every;
  return t;
}

std::string Trigger::Describe() const {
  switch (kind) {
    case Kind::kCron:
      return absl::StrCat("cron ", cron_text, " UTC");
    case Kind::kInterval:
      return absl::StrCat("every ", absl::FormatDuration(interval));
    case Kind::kDeadlines:
      return "at deadlines";
  }
  return "";
}

absl::Duration Trigger::ExpectedEvery(absl::Time now) const {
  switch (kind) {
    case Kind::kCron: {
      auto a = cron->Next(now, absl::UTCTimeZone());
      auto b = a ? cron->Next(*a, absl::UTCTimeZone()) : std::nullopt;
      return a && b ? *b - *a : absl::Hours(24);
    }
    case Kind::kInterval:
      return interval;
    case Kind::kDeadlines:
      return watch_every;
  }
  return absl::Hours(24);
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Add(JobSpec spec) {
  auto job = std::make_unique<Job>();
  job->spec = std::move(spec);
  jobs_.push_back(std::move(job));
}

void JobRunner::Start() {
  for (auto& j : jobs_) {
    Job* job = j.get();
    // Deadline jobs run once at start: deadlines may have passed while no
    // scheduler was running.
    job->next_run = job->spec.trigger.kind == Trigger::Kind::kDeadlines
                        ? std::optional<absl::Time>(absl::Now())
                        : NextAfter(*job, absl::Now(), std::nullopt);
    job->thread = std::thread([this, job] { Loop(*job); });
  }
}

void JobRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& j : jobs_) {
    {
      std::lock_guard<std::mutex> lock(j->mu);
    }
    j->cv.notify_all();
  }
  for (auto& j : jobs_) {
    if (j->thread.joinable()) j->thread.join();
  }
}

std::optional<absl::Time> JobRunner::NextAfter(
    Job& job, absl::Time now, const std::optional<JobOutcome>& outcome) {
  const Trigger& t = job.spec.trigger;
  // A job that left work behind (a full batch) runs again at once.
  if (outcome && outcome->run_again_now) return now;
  switch (t.kind) {
    case Trigger::Kind::kCron:
      return t.cron->Next(now, absl::UTCTimeZone());
    case Trigger::Kind::kInterval:
      return now + t.interval;
    case Trigger::Kind::kDeadlines:
      if (!outcome || !outcome->next_run) return std::nullopt;
      // A deadline already due (its row held by another replica's run) is
      // retried shortly, not in a tight loop.
      return std::max(*outcome->next_run, now + absl::Milliseconds(100));
  }
  return std::nullopt;
}

void JobRunner::Loop(Job& job) {
  std::unique_lock<std::mutex> lock(job.mu);
  absl::Time next_watch = absl::Now() + job.spec.trigger.watch_every;
  while (true) {
    {
      std::lock_guard<std::mutex> s(stop_mu_);
      if (stopping_) return;
    }
    absl::Time now = absl::Now();
    bool due = (job.next_run && now >= *job.next_run) ||
               job.requested > job.served;
    if (!due) {
      absl::Time wake = job.next_run.value_or(absl::InfiniteFuture());
      bool watching = job.spec.trigger.kind == Trigger::Kind::kDeadlines;
      if (watching) wake = std::min(wake, next_watch);
      // Bounded sleeps keep Stop() prompt; sub-second precision comes from
      // waking at `wake` itself.
      wake = std::min(wake, now + absl::Seconds(1));
      job.cv.wait_for(lock, std::chrono::microseconds(std::max<int64_t>(
                                0, absl::ToInt64Microseconds(wake - now))));
      if (watching && absl::Now() >= next_watch) {
        next_watch = absl::Now() + job.spec.trigger.watch_every;
        lock.unlock();
        auto seen = job.spec.trigger.watch();
        lock.lock();
        if (seen.ok()) job.last_activity = absl::Now();
        if (seen.ok() && *seen && (!job.next_run || **seen < *job.next_run)) {
          job.next_run = **seen;
        } else if (!seen.ok()) {
          log::Warning("job watch failed", {{"job", job.spec.name},
                                            {"error", seen.status().ToString()}});
        }
      }
      continue;
    }
    int64_t serving = job.requested;
    job.running = true;
    absl::Time started = absl::Now();
    job.running_since = started;
    lock.unlock();
    absl::StatusOr<JobOutcome> outcome = job.spec.run();
    absl::Time ended = absl::Now();
    absl::Duration took = ended - started;
    if (observer_) observer_(job.spec.name, outcome.ok(), took, ended);
    lock.lock();
    job.running = false;
    job.running_since.reset();
    job.last_activity = ended;
    (outcome.ok() ? job.last_success : job.last_failure) = ended;
    JobRunRecord rec{started, took, outcome.ok(),
                     outcome.ok() ? outcome->message : outcome.status().ToString()};
    log::Write(!outcome.ok()    ? log::Level::kError
               : outcome->quiet ? log::Level::kDebug
                                : log::Level::kInfo,
               "job run", {{"job", job.spec.name},
                           {"ok", outcome.ok()},
                           {"duration_ms", absl::ToDoubleMilliseconds(took)},
                           {"outcome", rec.message}});
    job.last_run = rec;
    job.served = serving;
    ++job.completed_runs;
    if (outcome.ok()) {
      job.next_run = NextAfter(job, absl::Now(), *outcome);
    } else {
      // Retry failed runs soon, but not in a tight loop.
      job.next_run = std::min(NextAfter(job, absl::Now(), std::nullopt)
                                  .value_or(absl::InfiniteFuture()),
                              absl::Now() + absl::Seconds(2));
    }
    job.cv.notify_all();
  }
}

std::vector<JobInfo> JobRunner::List() {
  std::vector<JobInfo> out;
  for (auto& j : jobs_) {
    std::lock_guard<std::mutex> lock(j->mu);
    JobInfo info{j->spec.name, j->spec.trigger.Describe(), j->last_run,
                 j->next_run, j->running};
    info.last_success = j->last_success;
    info.last_failure = j->last_failure;
    info.running_since = j->running_since;
    info.last_activity = j->last_activity;
    info.expected_every = j->spec.trigger.ExpectedEvery(absl::Now());
    out.push_back(std::move(info));
  }
  return out;
}

void JobRunner::Kick(const std::string& name) {
  for (auto& j : jobs_) {
    if (j->spec.name != name) continue;
    std::lock_guard<std::mutex> lock(j->mu);
    // One pending request is enough: a run that starts later sees all work.
    if (j->requested <= j->served) ++j->requested;
    j->cv.notify_all();
  }
}

absl::StatusOr<JobRunRecord> JobRunner::RunNow(const std::string& name,
                                               absl::Duration timeout) {
  for (auto& j : jobs_) {
    if (j->spec.name != name) continue;
    std::unique_lock<std::mutex> lock(j->mu);
    int64_t ticket = ++j->requested;
    j->cv.notify_all();
    bool done = j->cv.wait_for(
        lock, std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)),
        [&] { return j->served >= ticket && !j->running; });
    if (!done) {
      return absl::DeadlineExceededError(
          absl::StrCat("job ", name, " did not finish in time"));
    }
    return *j->last_run;
  }
  return absl::NotFoundError(absl::StrCat("no job named \"", name, "\""));
}

}  // namespace tocsin::scheduler
