#include "data/check_rules.h"

#include "common/time_format.h"
#include "gtest/gtest.h"

namespace tocsin::data {
namespace {

absl::Time T(const char* iso) { return *ParseIso8601(iso); }

CheckState Simple(absl::Duration timeout, absl::Duration grace) {
  CheckState c;
  c.timeout = timeout;
  c.grace = grace;
  return c;
}

TEST(CheckRulesTest, NewCheckStaysNewUntilPinged) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  EXPECT_EQ(CurrentStatus(c, T("2030-01-01T00:00:00Z")), v1::CHECK_STATUS_NEW);
  EXPECT_FALSE(Deadline(c).has_value());
}

TEST(CheckRulesTest, SuccessPingFlipsNewToUpAndSetsDeadline) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  PingEffect e = ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  ASSERT_TRUE(e.flip.has_value());
  EXPECT_EQ(e.flip->first, StoredStatus::kNew);
  EXPECT_EQ(e.flip->second, StoredStatus::kUp);
  EXPECT_EQ(c.n_pings, 1);
  EXPECT_EQ(c.last_ping, now);
  EXPECT_EQ(c.alert_after, now + absl::Minutes(6));
}

TEST(CheckRulesTest, StatusMovesThroughGraceToDown) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  EXPECT_EQ(CurrentStatus(c, now + absl::Minutes(4)), v1::CHECK_STATUS_UP);
  EXPECT_EQ(CurrentStatus(c, now + absl::Minutes(5)), v1::CHECK_STATUS_GRACE);
  EXPECT_EQ(CurrentStatus(c, now + absl::Minutes(6) - absl::Seconds(1)),
            v1::CHECK_STATUS_GRACE);
  EXPECT_EQ(CurrentStatus(c, now + absl::Minutes(6)), v1::CHECK_STATUS_DOWN);
}

TEST(CheckRulesTest, DeadlineMovedAfterOutageKeepsCheckInGrace) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  // Intake was down from 12:03 to 12:10; the check got its minute again.
  absl::Time back = now + absl::Minutes(10);
  c.alert_after = back + c.grace;
  EXPECT_EQ(CurrentStatus(c, back), v1::CHECK_STATUS_GRACE);
  EXPECT_EQ(CurrentStatus(c, back + c.grace), v1::CHECK_STATUS_DOWN);
  EXPECT_TRUE(ApplyDeadline(c, back + c.grace).goes_down);
}

// The grace given again after an outage is only in the deadline: pings that
// complete nothing must not hand the check back to the rules' verdict.
TEST(CheckRulesTest, LogAndStartPingsKeepGraceGivenAfterOutage) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  absl::Time back = now + absl::Minutes(10);
  c.alert_after = back + c.grace;  // Intake was down until 12:10.
  ApplyPing(c, v1::PING_KIND_LOG, back + absl::Seconds(10), "");
  EXPECT_EQ(c.alert_after, back + c.grace);
  ApplyPing(c, v1::PING_KIND_IGNORED, back + absl::Seconds(15), "");
  EXPECT_EQ(c.alert_after, back + c.grace);
  absl::Time start = back + absl::Seconds(20);
  ApplyPing(c, v1::PING_KIND_START, start, "");
  EXPECT_EQ(c.alert_after, back + c.grace);  // Not 12:06, long past.
  EXPECT_EQ(CurrentStatus(c, start), v1::CHECK_STATUS_GRACE);
  CheckState early = c;  // ApplyDeadline changes what it looks at.
  EXPECT_FALSE(ApplyDeadline(early, start).goes_down);
  EXPECT_EQ(CurrentStatus(c, back + c.grace - absl::Seconds(1)),
            v1::CHECK_STATUS_GRACE);
  EXPECT_TRUE(ApplyDeadline(c, back + c.grace).goes_down);
}

TEST(CheckRulesTest, EditKeepsGraceGivenAfterOutage) {
  CheckFields f;
  CheckState& c = f.state;
  c.timeout = absl::Minutes(5);
  c.grace = absl::Minutes(1);
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  absl::Time back = now + absl::Minutes(10);
  c.alert_after = back + c.grace;  // Intake was down until 12:10.
  v1::CheckSpec spec;
  spec.mutable_grace()->set_seconds(120);
  ApplySpec(spec, f);
  EXPECT_EQ(c.alert_after, back + absl::Minutes(2));  // Not 12:07, past.
  // Without an outage behind it, an edit sets the rules' deadline.
  ApplyPing(c, v1::PING_KIND_SUCCESS, back, "");
  spec.mutable_timeout()->set_seconds(600);
  ApplySpec(spec, f);
  EXPECT_EQ(c.alert_after, back + absl::Minutes(12));
  spec.mutable_timeout()->set_seconds(60);
  ApplySpec(spec, f);
  EXPECT_EQ(c.alert_after, back + absl::Minutes(3));
}

TEST(CheckRulesTest, LaterStartMovesDeadlineOfRunningCheck) {
  CheckState c = Simple(absl::Hours(1), absl::Minutes(5));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  ApplyPing(c, v1::PING_KIND_START, now + absl::Minutes(10), "");
  EXPECT_EQ(c.alert_after, now + absl::Minutes(15));
  ApplyPing(c, v1::PING_KIND_START, now + absl::Minutes(20), "");
  EXPECT_EQ(c.alert_after, now + absl::Minutes(25));
  // Never past the check's own due time plus grace.
  ApplyPing(c, v1::PING_KIND_START, now + absl::Minutes(62), "");
  EXPECT_EQ(c.alert_after, now + absl::Minutes(65));
}

TEST(CheckRulesTest, FailPingFlipsToDownWithoutDeadline) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  PingEffect e = ApplyPing(c, v1::PING_KIND_FAIL, now + absl::Seconds(1), "");
  ASSERT_TRUE(e.flip.has_value());
  EXPECT_EQ(e.flip->second, StoredStatus::kDown);
  EXPECT_EQ(c.status, StoredStatus::kDown);
  EXPECT_FALSE(c.alert_after.has_value());
  // A success after down flips back up.
  e = ApplyPing(c, v1::PING_KIND_SUCCESS, now + absl::Seconds(2), "");
  ASSERT_TRUE(e.flip.has_value());
  EXPECT_EQ(e.flip->first, StoredStatus::kDown);
  EXPECT_EQ(e.flip->second, StoredStatus::kUp);
}

TEST(CheckRulesTest, RepeatedSuccessDoesNotFlip) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  EXPECT_FALSE(ApplyPing(c, v1::PING_KIND_SUCCESS, now + absl::Minutes(1), "")
                   .flip.has_value());
  EXPECT_EQ(c.n_pings, 2);
}

TEST(CheckRulesTest, StartPingShortensDeadlineAndMeasuresDuration) {
  CheckState c = Simple(absl::Hours(1), absl::Minutes(5));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  absl::Time start = now + absl::Minutes(10);
  EXPECT_FALSE(ApplyPing(c, v1::PING_KIND_START, start, "").flip.has_value());
  EXPECT_EQ(c.last_ping, now);  // A start is not a completion.
  EXPECT_EQ(c.alert_after, start + absl::Minutes(5));
  EXPECT_EQ(CurrentStatus(c, start + absl::Minutes(5)), v1::CHECK_STATUS_DOWN);
  PingEffect e =
      ApplyPing(c, v1::PING_KIND_SUCCESS, start + absl::Seconds(42), "");
  EXPECT_EQ(e.duration, absl::Seconds(42));
  EXPECT_FALSE(c.last_start.has_value());
}

TEST(CheckRulesTest, RunIdMustMatchItsStart) {
  CheckState c = Simple(absl::Hours(1), absl::Minutes(5));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_START, now, "aaaaaaaa-0000-0000-0000-000000000001");
  PingEffect other = ApplyPing(c, v1::PING_KIND_SUCCESS, now + absl::Seconds(5),
                               "aaaaaaaa-0000-0000-0000-000000000002");
  EXPECT_FALSE(other.duration.has_value());
  EXPECT_TRUE(c.last_start.has_value());
  PingEffect same = ApplyPing(c, v1::PING_KIND_SUCCESS, now + absl::Seconds(7),
                              "aaaaaaaa-0000-0000-0000-000000000001");
  EXPECT_EQ(same.duration, absl::Seconds(7));
}

TEST(CheckRulesTest, LogPingOnlyCounts) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  PingEffect e = ApplyPing(c, v1::PING_KIND_LOG, T("2024-01-01T12:00:00Z"), "");
  EXPECT_FALSE(e.flip.has_value());
  EXPECT_EQ(c.status, StoredStatus::kNew);
  EXPECT_EQ(c.n_pings, 1);
  EXPECT_FALSE(c.last_ping.has_value());
}

TEST(CheckRulesTest, CronCheckExpectsNextMatch) {
  CheckState c;
  c.kind = v1::SCHEDULE_KIND_CRON;
  c.schedule = "0 3 * * *";
  c.tz = "Europe/Riga";
  c.grace = absl::Minutes(30);
  absl::Time now = T("2024-06-01T10:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  // 03:00 in Riga in June is 00:00 UTC (UTC+3).
  EXPECT_EQ(GraceStart(c), T("2024-06-02T00:00:00Z"));
  EXPECT_EQ(c.alert_after, T("2024-06-02T00:30:00Z"));
}

TEST(CheckRulesTest, DeadlineRuleMarksDownOnlyWhenDue) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  CheckState early = c;
  LateOutcome o = ApplyDeadline(early, now + absl::Minutes(3));
  EXPECT_FALSE(o.goes_down);
  EXPECT_EQ(o.new_deadline, now + absl::Minutes(6));
  o = ApplyDeadline(c, now + absl::Minutes(6));
  EXPECT_TRUE(o.goes_down);
  EXPECT_EQ(c.status, StoredStatus::kDown);
}

TEST(CheckRulesTest, ClassificationByMethodExitStatusAndKeywords) {
  CheckState c;
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, 0, "GET", ""),
            v1::PING_KIND_SUCCESS);
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, 3, "GET", ""),
            v1::PING_KIND_FAIL);
  c.methods = "POST";
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "GET", ""),
            v1::PING_KIND_IGNORED);
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_FAIL, std::nullopt, "POST", ""),
            v1::PING_KIND_FAIL);
  c.methods = "";
  c.filter_http_body = true;
  c.success_kw = "OK,DONE";
  c.failure_kw = "ERROR";
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "POST",
                         "all DONE"),
            v1::PING_KIND_SUCCESS);
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "POST",
                         "DONE with ERROR"),
            v1::PING_KIND_FAIL);
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "POST", "?"),
            v1::PING_KIND_IGNORED);
  c.filter_default_fail = true;
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "POST", "?"),
            v1::PING_KIND_FAIL);
}

TEST(CheckRulesTest, PausedWithManualResumeIgnoresPings) {
  CheckState c;
  c.status = StoredStatus::kPaused;
  c.manual_resume = true;
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "GET", ""),
            v1::PING_KIND_IGNORED);
  c.manual_resume = false;
  EXPECT_EQ(ClassifyPing(c, v1::PING_KIND_SUCCESS, std::nullopt, "GET", ""),
            v1::PING_KIND_SUCCESS);
}

TEST(CheckRulesTest, SpecValidation) {
  v1::CheckSpec s;
  s.mutable_timeout()->set_seconds(59);
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.mutable_timeout()->set_seconds(60);
  EXPECT_TRUE(ValidateSpec(s).ok());
  s.mutable_grace()->set_seconds(31536001);
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.clear_grace();
  s.set_slug("Has-Upper");
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.set_slug("ok-slug_1");
  EXPECT_TRUE(ValidateSpec(s).ok());
  s.set_methods("PUT");
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.set_methods("POST");
  s.set_schedule("61 * * * *");
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.set_schedule("*/5 * * * *");
  s.set_tz("Mars/Olympus");
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.set_tz("America/New_York");
  EXPECT_TRUE(ValidateSpec(s).ok());
  s.set_schedule("* * 30 2 *");
  EXPECT_FALSE(ValidateSpec(s).ok());
}

TEST(CheckRulesTest, PauseAndResume) {
  CheckState c = Simple(absl::Minutes(5), absl::Minutes(1));
  absl::Time now = T("2024-01-01T12:00:00Z");
  ApplyPing(c, v1::PING_KIND_START, now, "");
  ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  EXPECT_FALSE(Resume(c).ok());  // Not paused.
  Pause(c);
  EXPECT_EQ(CurrentStatus(c, now + absl::Hours(10)), v1::CHECK_STATUS_PAUSED);
  EXPECT_FALSE(Deadline(c).has_value());
  ASSERT_TRUE(Resume(c).ok());
  EXPECT_EQ(c.status, StoredStatus::kNew);
  EXPECT_FALSE(c.last_ping.has_value());
  // A ping to a paused check without manual resume un-pauses it.
  Pause(c);
  PingEffect e = ApplyPing(c, v1::PING_KIND_SUCCESS, now, "");
  ASSERT_TRUE(e.flip.has_value());
  EXPECT_EQ(e.flip->first, StoredStatus::kPaused);
  EXPECT_EQ(c.status, StoredStatus::kUp);
}

TEST(CheckRulesTest, SpecTextMustBeStorable) {
  v1::CheckSpec s;
  s.set_name(std::string("a\0b", 3));
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.set_name("ok");
  s.set_tags("\xff");
  EXPECT_FALSE(ValidateSpec(s).ok());
  s.set_tags("\xE6\x97\xA5");
  EXPECT_TRUE(ValidateSpec(s).ok());
}

TEST(CheckRulesTest, ScheduleTakesPrecedenceOverTimeout) {
  v1::CheckSpec s;
  s.mutable_timeout()->set_seconds(300);
  s.set_schedule("0 * * * *");
  CheckFields f;
  ApplySpec(s, f);
  EXPECT_EQ(f.state.kind, v1::SCHEDULE_KIND_CRON);
  EXPECT_EQ(f.state.schedule, "0 * * * *");
}

}  // namespace
}  // namespace tocsin::data
