#ifndef TOCSIN_DATA_CHECK_ROWS_H_
#define TOCSIN_DATA_CHECK_ROWS_H_

// How a check row is read and shown: the column list every check query
// selects, the row -> record -> proto conversions, and parameter helpers for
// libpqxx 6.4. Shared by every part of the store.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "data/check_rules.h"
#include "pqxx/pqxx"
#include "tocsin/v1/check.pb.h"

namespace tocsin::data {

inline constexpr char kCheckColumns[] =
    "c.id::text, c.project_id::text, c.unique_key, c.badge_key::text, c.name, "
    "c.slug, c.tags, c.description, c.kind, c.timeout_s, c.grace_s, "
    "c.schedule, c.tz, c.status, c.n_pings, tocsin_micros(c.last_ping), "
    "tocsin_micros(c.last_start), coalesce(c.last_start_rid::text, ''), "
    "c.last_duration_ms, tocsin_micros(c.alert_after), c.manual_resume, "
    "c.methods, c.start_kw, c.success_kw, c.failure_kw, c.filter_subject, "
    "c.filter_body, c.filter_http_body, c.filter_default_fail, "
    "tocsin_micros(c.created)";
// Reads (not the ping path) also show which integrations a check uses.
inline constexpr char kCheckChannelsColumn[] =
    ", (SELECT coalesce(string_agg(cc.channel_id::text, ',' "
    "ORDER BY cc.channel_id), '') FROM check_channels cc "
    "WHERE cc.check_id = c.id)";
enum Col {
  kId,
  kProject,
  kUniqueKey,
  kBadgeKey,
  kName,
  kSlug,
  kTags,
  kDesc,
  kKind,
  kTimeout,
  kGrace,
  kSchedule,
  kTz,
  kStatus,
  kNPings,
  kLastPing,
  kLastStart,
  kLastStartRid,
  kLastDuration,
  kAlertAfter,
  kManualResume,
  kMethods,
  kStartKw,
  kSuccessKw,
  kFailureKw,
  kFilterSubject,
  kFilterBody,
  kFilterHttpBody,
  kFilterDefaultFail,
  kCreated,
  kChannels
};

// Holds a nullable text parameter for libpqxx 6.4 (no std::optional support):
// a null `const char*` is sent as SQL NULL.
class NullableParam {
 public:
  NullableParam() = default;
  explicit NullableParam(std::string v) : value_(std::move(v)), null_(false) {}
  const char* get() const { return null_ ? nullptr : value_.c_str(); }

 private:
  std::string value_;
  bool null_ = true;
};

NullableParam Micros(const std::optional<absl::Time>& t);
NullableParam Millis(const std::optional<absl::Duration>& d);
std::optional<absl::Time> TimeField(const pqxx::field& f);
std::string_view KindName(v1::ScheduleKind k);
v1::ScheduleKind ParseKind(std::string_view s);

// A check row as stored.
struct CheckRecord {
  std::string id, project, unique_key, badge_key;
  std::string channels;  // Comma-separated channel UUIDs, when read.
  CheckFields f;
  absl::Time created;
};

// A row selected with kCheckColumns (and optionally kCheckChannelsColumn).
absl::StatusOr<CheckRecord> FromRow(const pqxx::row& r);

// The check as callers see it. Read-only callers get no UUID (and so no URLs)
// but the unique key, as the Management API documents.
v1::Check ToProto(const CheckRecord& rec, bool read_only, absl::Time now);

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_CHECK_ROWS_H_
