// Five-field cron expressions evaluated in IANA time zones.
//
// The accepted syntax and every computed time follow the Python `cronsim`
// library that Healthchecks uses, so that a schedule behaves in Tocsin exactly
// as it would there:
//
//   * Fields: minute hour day-of-month month day-of-week, separated by
//     whitespace (as Python's str.split() sees it); any other field count,
//     including cronsim's optional seconds field, is rejected.
//   * Each field: `*`, numbers, `a-b`, `x/step`, `a-b/step`, `*/step` and
//     comma lists. Month names JAN..DEC and weekday names SUN..SAT are
//     accepted in any letter case. Day-of-week takes 0..7 (0 and 7 are both
//     Sunday). Day-of-month also takes `L` (last day) and `LW` (last weekday,
//     Monday to Friday); day-of-week also takes `<d>L` (last such weekday of
//     the month, digits only) and `<d>#<n>` (n-th such weekday, n in 1..5).
//   * An expression whose day-of-month values can never occur in the listed
//     months (`* * 30 2 *`) is rejected.
//   * When both day fields are restricted (neither starts with `*`), a day
//     matches if either field matches; otherwise both must match.
//   * If the minute and the hour field both start with something other than
//     `*`, the schedule runs on local wall-clock time: a wall time skipped by
//     a DST change fires at the first existing minute after it, and a
//     repeated wall time fires once, at its first occurrence. Every other
//     expression follows the absolute clock, matched against the local time
//     of each instant.
//   * The search gives up when nothing matches up to the end of the calendar
//     year 50 years after the start.

#ifndef TOCSIN_CRON_CRON_H_
#define TOCSIN_CRON_CRON_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tocsin::cron {

class CronExpr {
 public:
  // Parses a 5-field expression. On failure returns InvalidArgument whose
  // message names the offending field, e.g.
  // `invalid cron expression: bad day-of-month field "32"`.
  static absl::StatusOr<CronExpr> Parse(std::string_view expr);

  // The first match after `after`, evaluated in `tz`. Matches fall on whole
  // local minutes and come after the local minute that contains `after`
  // (seconds are dropped first, as cronsim does). std::nullopt when nothing
  // matches before the end of the local calendar year 50 years after the
  // start, where cronsim stops iterating.
  //
  // One cronsim quirk is kept on purpose: for wall-clock schedules (see
  // above), when `after` lies in the second pass of a repeated hour, the
  // result can be the first pass of a later wall time in that hour, which is
  // an earlier instant than `after`.
  std::optional<absl::Time> Next(absl::Time after,
                                 const absl::TimeZone& tz) const;

  // Up to `count` successive matches, each computed from the previous one as
  // cronsim's iterator does; shorter when the search gives up.
  std::vector<absl::Time> NextN(absl::Time after, const absl::TimeZone& tz,
                                int count) const;

 private:
  // Walks forward through local time; defined in cron.cc.
  class Cursor;

  CronExpr() = default;

  bool MatchesDay(absl::CivilDay day) const;
  bool MatchesDayOfMonth(absl::CivilDay day) const;
  bool MatchesDayOfWeek(absl::CivilDay day) const;

  uint64_t minutes_ = 0;  // bit m for minute m
  uint32_t hours_ = 0;    // bit h for hour h
  uint32_t days_ = 0;     // bit d for day-of-month d (1..31)
  bool last_day_ = false;
  bool last_weekday_ = false;
  uint16_t months_ = 0;  // bit m for month m (1..12)
  // Day-of-week sets use Sunday = 0 .. Saturday = 6 (7 folded into 0).
  uint8_t weekdays_ = 0;
  uint8_t last_of_weekday_ = 0;              // "<d>L"
  std::array<uint8_t, 7> nth_of_weekday_{};  // bit n set for "<d>#<n>"
  bool day_or_ = false;                      // both day fields restricted
  bool wall_clock_ = false;                  // DST fix-up mode
  int single_minute_ = -1;  // the minute when exactly one is allowed
};

}  // namespace tocsin::cron

#endif  // TOCSIN_CRON_CRON_H_
