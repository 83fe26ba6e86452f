// systemd OnCalendar expressions, parsed and evaluated exactly as the Python
// `oncalendar` library (used by Healthchecks) does, so that a schedule
// behaves in Tocsin the same way it would there.
//
// Input: one or more expressions separated by '\n' (leading and trailing
// blank lines are ignored; a blank line in between is an error). Each line is
// `[weekdays] [date] [time] [zone]`:
//
//   * weekdays: Mon..Sun or Monday..Sunday in any letter case, as lists
//     (`Mon,Wed`), ranges (`Mon..Fri` or `Mon-Fri`), with an optional
//     trailing comma (`Mon, 12:00`). `*` is not allowed here.
//   * date: `[year-]month-day`. Each part is `*` or a comma list of numbers,
//     ranges `a..b` and steps `x/n` (from x to the end of the field's range,
//     every n-th) or `a..b/n`; `*` cannot be combined with anything (no
//     `*/n`). Two-digit years 00..69 mean 2000..2069 and 70..99 mean
//     1970..1999; years run 1970..2199. Days are 1..31 in every month (so
//     `2-30` parses and never matches). `month~d` counts days from the end of
//     the month (`*~1` = last day; a single d must be <= 28).
//   * time: `hour:minute[:second]`, same element syntax; whole seconds only.
//     Omitted date parts default to `*`, an omitted time to 00:00:00.
//   * zone: an IANA name from the system tz database, only recognised after
//     an ASCII space. Lines without one use the caller's zone.
//   * Whole-line shortcuts (any letter case): minutely, hourly, daily,
//     weekly, monthly, yearly, annually, quarterly, semiannually.
//
// Fields are separated by any whitespace as Python's str.split() sees it.
//
// Evaluation walks local wall-clock time in the line's zone: a wall time
// skipped by a DST change never matches, and a repeated wall time matches
// once, at its first occurrence. Nothing is produced from the year 2200 on.

#ifndef TOCSIN_ONCALENDAR_ONCALENDAR_H_
#define TOCSIN_ONCALENDAR_ONCALENDAR_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tocsin::oncalendar {

class OnCalendar {
 public:
  // Parses one or more expressions separated by '\n'. On failure returns
  // InvalidArgument whose message says what is wrong, e.g.
  // `invalid OnCalendar expression: bad hour "25"`.
  static absl::StatusOr<OnCalendar> Parse(std::string_view expressions);

  // The earliest match across all lines after `after` (lines without their
  // own zone are evaluated in `default_tz`); std::nullopt when no line has a
  // match before the year 2200, where oncalendar stops iterating.
  //
  // Matches fall on whole seconds and come after the local second that
  // contains `after` (the fraction is dropped first, as oncalendar does), so
  // they are strictly after `after`. Two oncalendar quirks are kept on
  // purpose: when `after` lies in the second pass of a repeated hour in a
  // line's zone, the search resumes from that wall time and the result is the
  // first pass of a later wall time, i.e. possibly an instant before `after`;
  // and lines are compared by their wall time in `default_tz`, so in a
  // repeated hour of `default_tz` a later instant with an earlier wall time
  // wins.
  std::optional<absl::Time> Next(absl::Time after,
                                 const absl::TimeZone& default_tz) const;

  // Up to `count` successive matches, produced the way oncalendar's
  // OnCalendar iterator produces them (each line keeps its own position);
  // shorter when every line has stopped.
  std::vector<absl::Time> NextN(absl::Time after,
                                const absl::TimeZone& default_tz,
                                int count) const;

 private:
  // One expression line: the allowed values of each field as bit sets.
  struct Schedule {
    static constexpr int kFirstYear = 1970;
    static constexpr int kEndYear = 2200;  // exclusive

    std::bitset<kEndYear - kFirstYear> years;  // bit y - 1970
    uint16_t months = 0;                       // bit m for month m
    uint32_t days = 0;                         // bit d for day d
    uint32_t days_from_end = 0;  // bit k for "k-th day from the end" (~k)
    uint8_t weekdays = 0;        // bit 0 = Monday .. bit 6 = Sunday
    uint32_t hours = 0;
    uint64_t minutes = 0;
    uint64_t seconds = 0;
    std::optional<absl::TimeZone> zone;  // the line's own zone, if any

    // The first wall time at or after `from` that matches, ignoring DST;
    // std::nullopt once the search reaches the year 2200.
    std::optional<absl::CivilSecond> NextWall(absl::CivilSecond from) const;
    bool MatchesDay(absl::CivilDay day) const;
  };

  // Walks one line forward through its zone's wall-clock time.
  struct Cursor;

  explicit OnCalendar(std::vector<Schedule> schedules)
      : schedules_(std::move(schedules)) {}

  // Advances `cursor` to the next existing matching wall time and returns
  // its instant (first occurrence if repeated).
  static std::optional<absl::Time> Advance(Cursor& cursor);

  std::vector<Schedule> schedules_;
};

}  // namespace tocsin::oncalendar

#endif  // TOCSIN_ONCALENDAR_ONCALENDAR_H_
