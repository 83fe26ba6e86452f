#include "scheduler/alert_sender.h"

#include "common/time_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tocsin::scheduler {
namespace {

TEST(RetryDelayTest, DoublesFromBaseAndStopsAtCap) {
  absl::Duration base = absl::Seconds(10), cap = absl::Minutes(2);
  EXPECT_EQ(RetryDelay(1, base, cap), absl::Seconds(10));
  EXPECT_EQ(RetryDelay(2, base, cap), absl::Seconds(20));
  EXPECT_EQ(RetryDelay(3, base, cap), absl::Seconds(40));
  EXPECT_EQ(RetryDelay(4, base, cap), absl::Seconds(80));
  EXPECT_EQ(RetryDelay(5, base, cap), absl::Minutes(2));
  EXPECT_EQ(RetryDelay(60, base, cap), absl::Minutes(2));  // No overflow.
}

TEST(AttemptOutcomeTest, RetriesOnlyTransientFailuresWithAttemptsLeft) {
  outbound::Outcome ok;
  ok.ok = true;
  EXPECT_EQ(AttemptOutcome(ok, 1, 3), "ok");
  outbound::Outcome transient;
  transient.retryable = true;
  EXPECT_EQ(AttemptOutcome(transient, 1, 3), "retry");
  EXPECT_EQ(AttemptOutcome(transient, 2, 3), "retry");
  EXPECT_EQ(AttemptOutcome(transient, 3, 3), "failed");
  outbound::Outcome permanent;
  permanent.retryable = false;
  EXPECT_EQ(AttemptOutcome(permanent, 1, 3), "failed");
}

TEST(MakeEventTest, CarriesTheCheckAndTheChange) {
  v1::ClaimedNotification c;
  v1::Check* check = c.mutable_check();
  check->set_uuid("0b5a1f3e-7d4c-4e8a-9f21-3c6d8e2b1a70");
  check->set_name("backup \"nightly\"");
  check->set_slug("backup-nightly");
  check->set_tags("prod db");
  check->set_status(v1::CHECK_STATUS_DOWN);
  *check->mutable_last_ping() = ToProto(*ParseIso8601("2026-01-02T03:04:05Z"));
  c.mutable_notification()->set_status("down");
  *c.mutable_notification()->mutable_flip_created() =
      ToProto(*ParseIso8601("2026-01-02T04:00:00Z"));
  c.set_last_body("disk full");
  c.set_last_exit_status(3);
  AlertConfig config;
  config.urls.site_root = "https://hc.example.org";
  config.urls.ping_endpoint = "https://hc.example.org/ping/";
  config.site_name = "Ops";
  notify::Event e = MakeEvent(c, config);
  EXPECT_EQ(e.check_uuid, check->uuid());
  EXPECT_EQ(e.name, "backup \"nightly\"");
  EXPECT_EQ(e.status, "down");
  EXPECT_EQ(e.now, *ParseIso8601("2026-01-02T04:00:00Z"));
  EXPECT_EQ(e.body, "disk full");
  ASSERT_TRUE(e.exit_status.has_value());
  EXPECT_EQ(*e.exit_status, 3);
  EXPECT_EQ(e.check_url, "https://hc.example.org/checks/" + check->uuid() +
                             "/details/");
  EXPECT_EQ(e.site_name, "Ops");
  // $JSON is the check as the single-check API shows it.
  auto j = nlohmann::json::parse(e.check_json);
  EXPECT_EQ(j["name"], "backup \"nightly\"");
  EXPECT_EQ(j["status"], "down");
  EXPECT_EQ(j["ping_url"], "https://hc.example.org/ping/" + check->uuid());
}

}  // namespace
}  // namespace tocsin::scheduler
