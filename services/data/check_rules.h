#ifndef TOCSIN_DATA_CHECK_RULES_H_
#define TOCSIN_DATA_CHECK_RULES_H_

// The domain rules of checks and pings: what a ping does to a check, a check's
// status at a given moment, and when it turns down. Pure functions of the
// check's state and the clock, so they are tested without a database; the
// data service is the only caller.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tocsin/v1/check.pb.h"

namespace tocsin::data {

// The statuses a check can hold in storage ("grace" is only ever computed).
enum class StoredStatus { kNew, kUp, kDown, kPaused };

std::string_view StoredStatusName(StoredStatus s);
absl::StatusOr<StoredStatus> ParseStoredStatus(std::string_view s);
v1::CheckStatus ToProto(StoredStatus s);

// Wire names of ping kinds in storage: "success", "start", "fail", "log", "ign".
std::string_view PingKindName(v1::PingKind k);

// The part of a check the rules read and write.
struct CheckState {
  StoredStatus status = StoredStatus::kNew;
  v1::ScheduleKind kind = v1::SCHEDULE_KIND_SIMPLE;
  absl::Duration timeout = absl::Hours(24);
  absl::Duration grace = absl::Hours(1);
  std::string schedule = "* * * * *";
  std::string tz = "UTC";
  std::optional<absl::Time> last_ping;
  std::optional<absl::Time> last_start;
  std::string last_start_rid;
  std::optional<absl::Duration> last_duration;
  std::optional<absl::Time> alert_after;
  int64_t n_pings = 0;
  bool manual_resume = false;
  std::string methods;
  std::string start_kw, success_kw, failure_kw;
  bool filter_http_body = false;
  bool filter_default_fail = false;
};

// When the next ping is expected after the last one (or after the start of
// the run in progress, whichever is earlier); nullopt when no ping is
// expected (never pinged, or a schedule with no further match).
std::optional<absl::Time> GraceStart(const CheckState& c);

// The status at `now`: stored new/paused/down as they are; for up, grace
// once the expected time has passed and down once the grace has too.
v1::CheckStatus CurrentStatus(const CheckState& c, absl::Time now);

// The moment an up check turns down unless pinged: grace start + grace.
// nullopt for checks that cannot turn down by the clock.
std::optional<absl::Time> Deadline(const CheckState& c);

// What a received ping means for this check, from the kind its URL asked for,
// its exit status, its method and its body (the check's method and keyword
// filters, and a paused check with manual resume, which ignores pings).
v1::PingKind ClassifyPing(const CheckState& c, v1::PingKind requested,
                          std::optional<int> exit_status,
                          std::string_view method, std::string_view body);

struct PingEffect {
  // Set when the ping changed the stored status: the flip to record.
  std::optional<std::pair<StoredStatus, StoredStatus>> flip;
  // Time since the matching start, for success and failure pings.
  std::optional<absl::Duration> duration;
};

// Applies a classified ping received at `now` to the check's state.
PingEffect ApplyPing(CheckState& c, v1::PingKind kind, absl::Time now,
                     std::string_view rid);

// Pausing stops monitoring: no run in progress, no deadline.
void Pause(CheckState& c);
// Resuming a paused check makes it "new" again, with no last ping (as
// Healthchecks does); ABORTED (HTTP 409) when it is not paused.
absl::Status Resume(CheckState& c);

// Outcome of the deadline rule for a check whose deadline has passed.
struct LateOutcome {
  bool goes_down = false;
  StoredStatus previous = StoredStatus::kUp;  // When it goes down.
  // When the check is not down yet (its deadline was stale): the new one.
  std::optional<absl::Time> new_deadline;
};
LateOutcome ApplyDeadline(CheckState& c, absl::Time now);

// Validates a schedule and zone; InvalidArgument with a user-facing message.
absl::StatusOr<v1::ScheduleKind> ValidateSchedule(std::string_view schedule,
                                                  std::string_view tz);

// Validates the fields of a create or update request against the documented
// ranges. InvalidArgument messages are shown to API users as they are.
absl::Status ValidateSpec(const v1::CheckSpec& spec);

// Applies the set fields of `spec` to a check's state and descriptive fields.
// Validate first.
struct CheckFields {
  std::string name, slug, tags, desc;
  bool filter_subject = false, filter_body = false;
  CheckState state;
};
void ApplySpec(const v1::CheckSpec& spec, CheckFields& f);

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_CHECK_RULES_H_
