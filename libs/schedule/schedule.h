#ifndef TOCSIN_SCHEDULE_SCHEDULE_H_
#define TOCSIN_SCHEDULE_SCHEDULE_H_

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cron/cron.h"
#include "oncalendar/oncalendar.h"

namespace tocsin::schedule {

enum class Kind { kCron, kOnCalendar };

// Healthchecks' rule: one line of exactly five whitespace-separated fields is
// a cron expression; anything else is one or more OnCalendar expressions.
bool LooksLikeCron(std::string_view expr);

// True for a name that may be given to the zone loader: IANA-style names
// only (a leading '/', "..", or "file:" would make it read arbitrary files,
// and it caches every name it is given).
bool IsZoneName(std::string_view tz);

// The named IANA time zone; InvalidArgument "tz is not a valid time zone: ..."
// otherwise (also for "localtime", which depends on the machine).
absl::StatusOr<absl::TimeZone> LoadZone(std::string_view tz);

// A parsed schedule of either kind, evaluated by the matching reference
// evaluator (cronsim's rules for cron, oncalendar's for OnCalendar).
class Schedule {
 public:
  // InvalidArgument with the evaluator's message when the expression is bad.
  static absl::StatusOr<Schedule> Parse(std::string_view expr);

  Kind kind() const { return kind_; }
  // The next match strictly after `after`; nullopt where the evaluator stops
  // (cron: 50 years without a match; OnCalendar: the year 2200).
  std::optional<absl::Time> Next(absl::Time after,
                                 const absl::TimeZone& tz) const;
  std::vector<absl::Time> NextN(absl::Time after, const absl::TimeZone& tz,
                                int count) const;

 private:
  Kind kind_ = Kind::kCron;
  std::variant<cron::CronExpr, oncalendar::OnCalendar> impl_;

  template <typename T>
  Schedule(Kind kind, T impl) : kind_(kind), impl_(std::move(impl)) {}
};

}  // namespace tocsin::schedule

#endif  // TOCSIN_SCHEDULE_SCHEDULE_H_
