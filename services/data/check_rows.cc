#include "data/check_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/time_format.h"

namespace tocsin::data {

NullableParam Micros(const std::optional<absl::Time>& t) {
  if (!t) return NullableParam();
  return NullableParam(absl::StrCat(absl::ToUnixMicros(*t)));
}
NullableParam Millis(const std::optional<absl::Duration>& d) {
  if (!d) return NullableParam();
  return NullableParam(absl::StrCat(absl::ToInt64Milliseconds(*d)));
}
std::optional<absl::Time> TimeField(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::string_view KindName(v1::ScheduleKind k) {
  switch (k) {
    case v1::SCHEDULE_KIND_CRON:
      return "cron";
    case v1::SCHEDULE_KIND_ONCALENDAR:
      return "oncalendar";
    default:
      return "simple";
  }
}
v1::ScheduleKind ParseKind(std::string_view s) {
  if (s == "cron") return v1::SCHEDULE_KIND_CRON;
  if (s == "oncalendar") return v1::SCHEDULE_KIND_ONCALENDAR;
  return v1::SCHEDULE_KIND_SIMPLE;
}


absl::StatusOr<CheckRecord> FromRow(const pqxx::row& r) {
  CheckRecord rec;
  rec.id = r[kId].c_str();
  rec.project = r[kProject].c_str();
  rec.unique_key = r[kUniqueKey].c_str();
  rec.badge_key = r[kBadgeKey].c_str();
  rec.f.name = r[kName].c_str();
  rec.f.slug = r[kSlug].c_str();
  rec.f.tags = r[kTags].c_str();
  rec.f.desc = r[kDesc].c_str();
  rec.f.filter_subject = r[kFilterSubject].as<bool>();
  rec.f.filter_body = r[kFilterBody].as<bool>();
  CheckState& s = rec.f.state;
  ASSIGN_OR_RETURN(s.status, ParseStoredStatus(r[kStatus].c_str()));
  s.kind = ParseKind(r[kKind].c_str());
  s.timeout = absl::Seconds(r[kTimeout].as<int64_t>());
  s.grace = absl::Seconds(r[kGrace].as<int64_t>());
  s.schedule = r[kSchedule].c_str();
  s.tz = r[kTz].c_str();
  s.n_pings = r[kNPings].as<int64_t>();
  s.last_ping = TimeField(r[kLastPing]);
  s.last_start = TimeField(r[kLastStart]);
  s.last_start_rid = r[kLastStartRid].c_str();
  if (!r[kLastDuration].is_null()) {
    s.last_duration = absl::Milliseconds(r[kLastDuration].as<int64_t>());
  }
  s.alert_after = TimeField(r[kAlertAfter]);
  s.manual_resume = r[kManualResume].as<bool>();
  s.methods = r[kMethods].c_str();
  s.start_kw = r[kStartKw].c_str();
  s.success_kw = r[kSuccessKw].c_str();
  s.failure_kw = r[kFailureKw].c_str();
  s.filter_http_body = r[kFilterHttpBody].as<bool>();
  s.filter_default_fail = r[kFilterDefaultFail].as<bool>();
  rec.created = absl::FromUnixMicros(r[kCreated].as<int64_t>());
  if (static_cast<int>(r.size()) > kChannels)
    rec.channels = r[kChannels].c_str();
  return rec;
}

v1::Check ToProto(const CheckRecord& rec, bool read_only, absl::Time now) {
  const CheckState& s = rec.f.state;
  v1::Check c;
  if (read_only) {
    c.set_unique_key(rec.unique_key);
  } else {
    c.set_uuid(rec.id);
  }
  c.set_project(rec.project);
  c.set_name(rec.f.name);
  c.set_slug(rec.f.slug);
  c.set_tags(rec.f.tags);
  c.set_desc(rec.f.desc);
  c.set_kind(s.kind);
  *c.mutable_timeout() = tocsin::ToProto(s.timeout);
  *c.mutable_grace() = tocsin::ToProto(s.grace);
  c.set_schedule(s.schedule);
  c.set_tz(s.tz);
  c.set_status(CurrentStatus(s, now));
  c.set_started(s.last_start.has_value());
  c.set_n_pings(s.n_pings);
  if (s.last_ping) *c.mutable_last_ping() = tocsin::ToProto(*s.last_ping);
  if (s.status == StoredStatus::kUp) {
    if (auto next = GraceStart(s))
      *c.mutable_next_ping() = tocsin::ToProto(*next);
  }
  c.set_manual_resume(s.manual_resume);
  c.set_methods(s.methods);
  c.set_start_kw(s.start_kw);
  c.set_success_kw(s.success_kw);
  c.set_failure_kw(s.failure_kw);
  c.set_filter_subject(rec.f.filter_subject);
  c.set_filter_body(rec.f.filter_body);
  c.set_filter_http_body(s.filter_http_body);
  c.set_filter_default_fail(s.filter_default_fail);
  c.set_badge_key(rec.badge_key);
  *c.mutable_created() = tocsin::ToProto(rec.created);
  if (s.last_start) *c.mutable_last_start() = tocsin::ToProto(*s.last_start);
  if (s.alert_after) *c.mutable_alert_after() = tocsin::ToProto(*s.alert_after);
  for (absl::string_view id :
       absl::StrSplit(rec.channels, ',', absl::SkipEmpty())) {
    c.add_channels(std::string(id));
  }
  return c;
}

}  // namespace tocsin::data
