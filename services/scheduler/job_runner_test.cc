#include "scheduler/job_runner.h"

#include <atomic>

#include "gtest/gtest.h"

namespace tocsin::scheduler {
namespace {

TEST(JobRunnerTest, RunNowRunsAndReportsOutcome) {
  JobRunner r;
  std::atomic<int> runs{0};
  r.Add({"count", Trigger::Every(absl::Hours(1)),
         [&]() -> absl::StatusOr<JobOutcome> {
           ++runs;
           return JobOutcome{"counted", std::nullopt, false};
         }});
  r.Start();
  auto rec = r.RunNow("count", absl::Seconds(10));
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_TRUE(rec->ok);
  EXPECT_EQ(rec->message, "counted");
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(r.RunNow("missing", absl::Seconds(1)).status().code(),
            absl::StatusCode::kNotFound);
  r.Stop();
}

TEST(JobRunnerTest, FailuresAreRecorded) {
  JobRunner r;
  r.Add({"broken", Trigger::Every(absl::Hours(1)),
         []() -> absl::StatusOr<JobOutcome> {
           return absl::UnavailableError("data service down");
         }});
  r.Start();
  auto rec = r.RunNow("broken", absl::Seconds(10));
  ASSERT_TRUE(rec.ok());
  EXPECT_FALSE(rec->ok);
  EXPECT_NE(rec->message.find("data service down"), std::string::npos);
  auto jobs = r.List();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(jobs[0].last_run.has_value());
  EXPECT_FALSE(jobs[0].last_run->ok);
  r.Stop();
}

TEST(JobRunnerTest, RunsNeverOverlap) {
  JobRunner r;
  std::atomic<int> active{0}, max_active{0};
  r.Add({"slow", Trigger::Every(absl::Milliseconds(1)),
         [&]() -> absl::StatusOr<JobOutcome> {
           int a = ++active;
           max_active = std::max(max_active.load(), a);
           absl::SleepFor(absl::Milliseconds(5));
           --active;
           return JobOutcome{"ok", std::nullopt, false};
         }});
  r.Start();
  std::thread t1([&] { r.RunNow("slow", absl::Seconds(10)); });
  std::thread t2([&] { r.RunNow("slow", absl::Seconds(10)); });
  t1.join();
  t2.join();
  r.Stop();
  EXPECT_EQ(max_active.load(), 1);
}

TEST(JobRunnerTest, DeadlineJobWakesAtReportedTimeAndWatchPullsEarlier) {
  JobRunner r;
  std::atomic<int> runs{0};
  std::atomic<int64_t> watched_deadline_us{0};
  absl::Time far = absl::Now() + absl::Hours(1);
  r.Add({"late", Trigger::AtDeadlines(
                     [&]() -> absl::StatusOr<std::optional<absl::Time>> {
                       int64_t us = watched_deadline_us.load();
                       if (us == 0) return std::optional<absl::Time>();
                       return std::optional<absl::Time>(absl::FromUnixMicros(us));
                     },
                     absl::Milliseconds(20)),
         [&]() -> absl::StatusOr<JobOutcome> {
           ++runs;
           // As the data service would: a handled deadline is no longer
           // reported by the watch.
           watched_deadline_us = 0;
           return JobOutcome{"ok", far, false};
         }});
  r.Start();
  // The start-up run happens at once.
  for (int i = 0; i < 200 && runs.load() < 1; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(runs.load(), 1);
  // A new deadline 100 ms ahead is picked up by the watch and run at once.
  watched_deadline_us = absl::ToUnixMicros(absl::Now() + absl::Milliseconds(100));
  for (int i = 0; i < 300 && runs.load() < 2; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(runs.load(), 2);
  r.Stop();
}

TEST(JobRunnerTest, CronTriggerComputesNextRun) {
  auto t = Trigger::Cron("0 3 * * *");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Describe(), "cron 0 3 * * * UTC");
  EXPECT_FALSE(Trigger::Cron("0 3 * *").ok());
}

}  // namespace
}  // namespace tocsin::scheduler
