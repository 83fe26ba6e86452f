#include "data/check_rules.h"
#include "common/strings.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_split.h"
#include "common/time_format.h"
#include "schedule/schedule.h"

namespace tocsin::data {
namespace {

constexpr absl::Duration kMinPeriod = absl::Seconds(60);
constexpr absl::Duration kMaxPeriod = absl::Seconds(31536000);

std::optional<absl::Time> ScheduleNext(const CheckState& c, absl::Time after) {
  auto expr = schedule::Schedule::Parse(c.schedule);
  absl::TimeZone zone;
  if (!expr.ok() || !schedule::IsZoneName(c.tz) || !absl::LoadTimeZone(c.tz, &zone)) {
    return std::nullopt;
  }
  return expr->Next(after, zone);
}

// True when any comma-separated keyword occurs in `body`.
bool ContainsKeyword(std::string_view keywords, std::string_view body) {
  for (absl::string_view kw : absl::StrSplit(Absl(keywords), ',')) {
    kw = absl::StripAsciiWhitespace(kw);
    if (!kw.empty() && body.find(std::string_view(kw.data(), kw.size())) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::string_view StoredStatusName(StoredStatus s) {
  switch (s) {
    case StoredStatus::kNew:
      return "new";
    case StoredStatus::kUp:
      return "up";
    case StoredStatus::kDown:
      return "down";
    case StoredStatus::kPaused:
      return "paused";
  }
  return "new";
}

absl::StatusOr<StoredStatus> ParseStoredStatus(std::string_view s) {
  for (auto v : {StoredStatus::kNew, StoredStatus::kUp, StoredStatus::kDown,
                 StoredStatus::kPaused}) {
    if (StoredStatusName(v) == s) return v;
  }
  return absl::InternalError(absl::StrCat("unknown stored status ", Absl(s)));
}

v1::CheckStatus ToProto(StoredStatus s) {
  switch (s) {
    case StoredStatus::kNew:
      return v1::CHECK_STATUS_NEW;
    case StoredStatus::kUp:
      return v1::CHECK_STATUS_UP;
    case StoredStatus::kDown:
      return v1::CHECK_STATUS_DOWN;
    case StoredStatus::kPaused:
      return v1::CHECK_STATUS_PAUSED;
  }
  return v1::CHECK_STATUS_UNSPECIFIED;
}

std::string_view PingKindName(v1::PingKind k) {
  switch (k) {
    case v1::PING_KIND_SUCCESS:
      return "success";
    case v1::PING_KIND_START:
      return "start";
    case v1::PING_KIND_FAIL:
      return "fail";
    case v1::PING_KIND_LOG:
      return "log";
    default:
      return "ign";
  }
}

// When the schedule expects the next ping after the last one.
std::optional<absl::Time> ScheduledGraceStart(const CheckState& c) {
  if (!c.last_ping) return std::nullopt;
  if (c.kind == v1::SCHEDULE_KIND_CRON ||
      c.kind == v1::SCHEDULE_KIND_ONCALENDAR) {
    return ScheduleNext(c, *c.last_ping);
  }
  return *c.last_ping + c.timeout;
}

std::optional<absl::Time> GraceStart(const CheckState& c) {
  std::optional<absl::Time> result = ScheduledGraceStart(c);
  // A run that started must finish within the grace time of its start.
  if (c.last_start && c.status != StoredStatus::kDown &&
      (!result || *c.last_start < *result)) {
    result = c.last_start;
  }
  return result;
}

namespace {
v1::CheckStatus StatusFromClock(const CheckState& c, absl::Time now) {
  // A run that outlived its grace time is down, whatever the stored status
  // (a new or paused check that was started too).
  if (c.last_start && now >= *c.last_start + c.grace) {
    return v1::CHECK_STATUS_DOWN;
  }
  if (c.status != StoredStatus::kUp) return ToProto(c.status);
  // Grace is about the schedule only: a run in progress is not "late".
  auto grace_start = ScheduledGraceStart(c);
  if (!grace_start) return v1::CHECK_STATUS_UP;
  if (now >= *grace_start + c.grace) return v1::CHECK_STATUS_DOWN;
  if (now >= *grace_start) return v1::CHECK_STATUS_GRACE;
  return v1::CHECK_STATUS_UP;
}
}  // namespace

v1::CheckStatus CurrentStatus(const CheckState& c, absl::Time now) {
  v1::CheckStatus s = StatusFromClock(c, now);
  // After an outage of ping intake the deadline may have been moved past
  // the clock's verdict (grace given again): until then it is in grace.
  if (s == v1::CHECK_STATUS_DOWN && c.status != StoredStatus::kDown &&
      c.alert_after && now < *c.alert_after) {
    return v1::CHECK_STATUS_GRACE;
  }
  return s;
}

std::optional<absl::Time> Deadline(const CheckState& c) {
  if (c.status == StoredStatus::kDown) return std::nullopt;
  // New and paused checks wait for nothing unless a run is in progress.
  if (c.status != StoredStatus::kUp && !c.last_start) return std::nullopt;
  auto grace_start = GraceStart(c);
  if (!grace_start) return std::nullopt;
  return *grace_start + c.grace;
}

v1::PingKind ClassifyPing(const CheckState& c, v1::PingKind requested,
                          std::optional<int> exit_status,
                          std::string_view method, std::string_view body) {
  if (c.status == StoredStatus::kPaused && c.manual_resume) {
    return v1::PING_KIND_IGNORED;
  }
  if (c.methods == "POST" && method != "POST") return v1::PING_KIND_IGNORED;
  v1::PingKind kind = requested;
  if (exit_status) {
    kind = *exit_status == 0 ? v1::PING_KIND_SUCCESS : v1::PING_KIND_FAIL;
  }
  // Keyword filtering decides what a plain success URL meant.
  if (kind == v1::PING_KIND_SUCCESS && !exit_status && c.filter_http_body) {
    if (ContainsKeyword(c.failure_kw, body)) return v1::PING_KIND_FAIL;
    if (ContainsKeyword(c.success_kw, body)) return v1::PING_KIND_SUCCESS;
    if (ContainsKeyword(c.start_kw, body)) return v1::PING_KIND_START;
    return c.filter_default_fail ? v1::PING_KIND_FAIL : v1::PING_KIND_IGNORED;
  }
  return kind;
}

PingEffect ApplyPing(CheckState& c, v1::PingKind kind, absl::Time now,
                     std::string_view rid) {
  PingEffect effect;
  const std::optional<absl::Time> before = c.alert_after;
  c.n_pings += 1;
  switch (kind) {
    case v1::PING_KIND_START:
      c.last_start = now;
      c.last_start_rid = std::string(rid);
      break;
    case v1::PING_KIND_SUCCESS:
    case v1::PING_KIND_FAIL: {
      // A completion with the start's run id (both may be empty) closes
      // that run and measures it. A failure, or a completion without a run
      // id, ends whatever run was in progress, unmeasured; a success of
      // another run leaves this one running.
      if (c.last_start) {
        if (rid == c.last_start_rid) {
          effect.duration = now - *c.last_start;
          c.last_start.reset();
          c.last_start_rid.clear();
        } else if (kind == v1::PING_KIND_FAIL || rid.empty()) {
          c.last_start.reset();
          c.last_start_rid.clear();
        }
      }
      c.last_duration = effect.duration;
      c.last_ping = now;
      StoredStatus next = kind == v1::PING_KIND_FAIL ? StoredStatus::kDown
                                                     : StoredStatus::kUp;
      if (c.status != next) effect.flip = std::make_pair(c.status, next);
      c.status = next;
      break;
    }
    default:
      // Log and ignored pings only count. The deadline stays as it is, with
      // any grace given again after an intake outage (which the rules alone
      // would take back).
      return effect;
  }
  c.alert_after = Deadline(c);
  // A start keeps such grace too: the rules put its deadline at
  // min(due, start) + grace, and after an outage "due" counts from the
  // outage's end, which only the old deadline (end + grace) remembers.
  // Without an outage, min(before, now + grace) is never past the rules'
  // deadline, so this changes nothing then.
  if (kind == v1::PING_KIND_START && before && c.alert_after) {
    c.alert_after = std::max(*c.alert_after, std::min(*before, now + c.grace));
  }
  return effect;
}

void Pause(CheckState& c) {
  c.status = StoredStatus::kPaused;
  c.last_start.reset();
  c.last_start_rid.clear();
  c.alert_after.reset();
}

absl::Status Resume(CheckState& c) {
  if (c.status != StoredStatus::kPaused) {
    // Aborted, not FailedPrecondition: Healthchecks answers 409 Conflict.
    return absl::AbortedError("check is not paused");
  }
  c.status = StoredStatus::kNew;
  c.last_ping.reset();
  c.last_start.reset();
  c.last_start_rid.clear();
  c.alert_after.reset();
  return absl::OkStatus();
}

LateOutcome ApplyDeadline(CheckState& c, absl::Time now) {
  LateOutcome out;
  if (c.status != StoredStatus::kDown &&
      CurrentStatus(c, now) == v1::CHECK_STATUS_DOWN) {
    out.previous = c.status;
    c.status = StoredStatus::kDown;
    c.last_start.reset();
    c.last_start_rid.clear();
    c.alert_after.reset();
    out.goes_down = true;
  } else {
    c.alert_after = Deadline(c);
    out.new_deadline = c.alert_after;
  }
  return out;
}

absl::StatusOr<v1::ScheduleKind> ValidateSchedule(std::string_view schedule,
                                                  std::string_view tz) {
  auto loaded = schedule::LoadZone(tz);
  if (!loaded.ok()) return loaded.status();
  absl::TimeZone zone = *loaded;
  auto expr = schedule::Schedule::Parse(schedule);
  if (!expr.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule: ", expr.status().message()));
  }
  // Like Healthchecks: an expression without a match after 2000-01-01 is
  // refused.
  if (!expr->Next(absl::FromCivil(absl::CivilSecond(2000, 1, 1), zone), zone)) {
    return absl::InvalidArgumentError("schedule has no matching times");
  }
  return expr->kind() == schedule::Kind::kCron ? v1::SCHEDULE_KIND_CRON
                                               : v1::SCHEDULE_KIND_ONCALENDAR;
}

absl::Status ValidateSpec(const v1::CheckSpec& spec) {
  // Limits count characters, as Healthchecks does, not bytes.
  auto too_long = [](std::string_view field, const std::string& v,
                     size_t max) -> absl::Status {
    size_t chars = 0;
    for (unsigned char ch : v) chars += (ch & 0xC0) != 0x80;
    if (chars > max) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(field), " is too long (at most ", max, " characters)"));
    }
    return absl::OkStatus();
  };
  // Everything below is stored as text: refuse what PostgreSQL cannot hold.
  for (const auto& [field, value] :
       std::initializer_list<std::pair<std::string_view, const std::string*>>{
           {"name", &spec.name()}, {"slug", &spec.slug()},
           {"tags", &spec.tags()}, {"desc", &spec.desc()},
           {"schedule", &spec.schedule()}, {"tz", &spec.tz()},
           {"methods", &spec.methods()}, {"start_kw", &spec.start_kw()},
           {"success_kw", &spec.success_kw()},
           {"failure_kw", &spec.failure_kw()}, {"channels", &spec.channels()}}) {
    if (!IsStorableText(*value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Absl(field), " must be UTF-8 text without NUL characters"));
    }
  }
  if (spec.has_name()) {
    if (auto s = too_long("name", spec.name(), 100); !s.ok()) return s;
  }
  if (spec.has_slug()) {
    if (auto s = too_long("slug", spec.slug(), 100); !s.ok()) return s;
    for (char ch : spec.slug()) {
      bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '_';
      if (!ok) {
        return absl::InvalidArgumentError(
            "slug may contain only a-z, 0-9, hyphens and underscores");
      }
    }
  }
  if (spec.has_tags()) {
    if (auto s = too_long("tags", spec.tags(), 500); !s.ok()) return s;
  }
  if (spec.has_desc()) {
    if (auto s = too_long("desc", spec.desc(), 10000); !s.ok()) return s;
  }
  for (const auto& [field, kw] :
       {std::pair<std::string_view, const std::string*>{"start_kw", &spec.start_kw()},
        {"success_kw", &spec.success_kw()},
        {"failure_kw", &spec.failure_kw()}}) {
    if (auto s = too_long(field, *kw, 200); !s.ok()) return s;
  }
  auto period = [](std::string_view field,
                   const google::protobuf::Duration& d) -> absl::Status {
    absl::Duration v = FromProto(d);
    if (v < kMinPeriod || v > kMaxPeriod) {
      return absl::InvalidArgumentError(absl::StrCat(
          Absl(field), " must be between 60 and 31536000 seconds"));
    }
    return absl::OkStatus();
  };
  if (spec.has_timeout()) {
    if (auto s = period("timeout", spec.timeout()); !s.ok()) return s;
  }
  if (spec.has_grace()) {
    if (auto s = period("grace", spec.grace()); !s.ok()) return s;
  }
  if (spec.has_methods() && spec.methods() != "" && spec.methods() != "POST") {
    return absl::InvalidArgumentError("methods must be \"\" or \"POST\"");
  }
  if (spec.has_schedule() || spec.has_tz()) {
    if (spec.has_schedule()) {
      if (auto s = too_long("schedule", spec.schedule(), 100); !s.ok()) return s;
    }
    std::string schedule = spec.has_schedule() ? spec.schedule() : "* * * * *";
    std::string tz = spec.has_tz() ? spec.tz() : "UTC";
    if (auto k = ValidateSchedule(schedule, tz); !k.ok()) return k.status();
  }
  return absl::OkStatus();
}

void ApplySpec(const v1::CheckSpec& spec, CheckFields& f) {
  if (spec.has_name()) f.name = spec.name();
  if (spec.has_slug()) f.slug = spec.slug();
  if (spec.has_tags()) f.tags = spec.tags();
  if (spec.has_desc()) f.desc = spec.desc();
  if (spec.has_filter_subject()) f.filter_subject = spec.filter_subject();
  if (spec.has_filter_body()) f.filter_body = spec.filter_body();
  CheckState& c = f.state;
  // A grace given again after an intake outage shows as a deadline later
  // than the rules' own: its grace counts from the outage's end, which stays
  // the earliest start of grace under the new settings too.
  std::optional<absl::Time> grace_from;
  if (auto rules = Deadline(c); rules && c.alert_after && *c.alert_after > *rules) {
    grace_from = *c.alert_after - c.grace;
  }
  if (spec.has_timeout()) {
    c.timeout = FromProto(spec.timeout());
    c.kind = v1::SCHEDULE_KIND_SIMPLE;
  }
  if (spec.has_grace()) c.grace = FromProto(spec.grace());
  if (spec.has_tz()) c.tz = spec.tz();
  // The schedule takes precedence over the timeout.
  if (spec.has_schedule()) {
    c.schedule = spec.schedule();
    c.kind = schedule::LooksLikeCron(c.schedule) ? v1::SCHEDULE_KIND_CRON
                                                 : v1::SCHEDULE_KIND_ONCALENDAR;
  }
  if (spec.has_manual_resume()) c.manual_resume = spec.manual_resume();
  if (spec.has_methods()) c.methods = spec.methods();
  if (spec.has_start_kw()) c.start_kw = spec.start_kw();
  if (spec.has_success_kw()) c.success_kw = spec.success_kw();
  if (spec.has_failure_kw()) c.failure_kw = spec.failure_kw();
  if (spec.has_filter_http_body()) c.filter_http_body = spec.filter_http_body();
  if (spec.has_filter_default_fail()) {
    c.filter_default_fail = spec.filter_default_fail();
  }
  // A schedule change moves the deadline.
  c.alert_after = Deadline(c);
  if (grace_from && c.alert_after) {
    c.alert_after = std::max(*c.alert_after, *grace_from + c.grace);
  }
}

}  // namespace tocsin::data
