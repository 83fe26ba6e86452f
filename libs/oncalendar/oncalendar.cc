#include "oncalendar/oncalendar.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tocsin::oncalendar {

struct OnCalendar::Cursor {
  const Schedule* schedule;
  absl::TimeZone zone;
  absl::CivilSecond wall;  // the last wall time returned (or the start)
};

namespace {

// ---------------------------------------------------------------------------
// Text helpers. oncalendar works on Python str, so splitting and stripping
// use Python's notion of whitespace (which includes a few non-ASCII code
// points); the input here is UTF-8.

// Byte length of the whitespace character at s[i], or 0 if there is none.
size_t SpaceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) -> unsigned char {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const unsigned char c = byte(0);
  if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) return 1;
  if (c == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) return 2;  // NEL, NBSP
  if (c == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) return 3;    // U+1680
  if (c == 0xE2 && byte(1) == 0x80) {
    const unsigned char c2 = byte(2);
    // U+2000..U+200A, U+2028, U+2029, U+202F
    if ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF) {
      return 3;
    }
  }
  if (c == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;  // U+3000
  return 0;
}

std::string_view Strip(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    const size_t n = SpaceLength(s, begin);
    if (n == 0) break;
    begin += n;
  }
  size_t end = begin;
  for (size_t i = begin; i < s.size();) {
    const size_t n = SpaceLength(s, i);
    if (n > 0) {
      i += n;
    } else {
      ++i;
      end = i;
    }
  }
  return s.substr(begin, end - begin);
}

std::vector<std::string_view> SplitOnSpace(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = SpaceLength(s, i);
    if (n > 0) {
      i += n;
      continue;
    }
    const size_t start = i;
    while (i < s.size() && (n = SpaceLength(s, i)) == 0) ++i;
    words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Splits a stripped string at its last run of whitespace. Returns false when
// there is no whitespace in it.
bool SplitAtLastSpace(std::string_view s, std::string_view* head,
                      std::string_view* tail) {
  size_t run_start = std::string_view::npos;
  size_t run_end = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = SpaceLength(s, i);
    if (n == 0) {
      ++i;
      continue;
    }
    run_start = i;
    while (i < s.size() && (n = SpaceLength(s, i)) > 0) i += n;
    run_end = i;
  }
  if (run_start == std::string_view::npos) return false;
  *head = s.substr(0, run_start);
  *tail = s.substr(run_end);
  return true;
}

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      pieces.push_back(s.substr(start));
      return pieces;
    }
    pieces.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string ReplaceAll(std::string_view s, std::string_view from,
                       std::string_view to) {
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(from, start);
    if (pos == std::string_view::npos) {
      out.append(s.substr(start));
      return out;
    }
    out.append(s.substr(start, pos - start));
    out.append(to);
    start = pos + from.size();
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Python's str.lower(), reduced to what can turn input into one of the
// ASCII shortcut names: ASCII letters and the Kelvin sign (U+212A -> 'k').
std::string LowerForShortcut(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (s.substr(i, 3) == "\xE2\x84\xAA") {
      out.push_back('k');
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Python's str.upper(), reduced to what can turn input into an ASCII weekday
// name: ASCII letters, dotless i (U+0131 -> 'I') and long s (U+017F -> 'S').
std::string UpperForWeekday(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if (s.substr(i, 2) == "\xC4\xB1") {
      out.push_back('I');
      ++i;
    } else if (s.substr(i, 2) == "\xC5\xBF") {
      out.push_back('S');
      ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Non-empty run of ASCII digits (no sign, no underscores). Saturates, as
// every field range is small.
bool ParseDigits(std::string_view s, int64_t* value) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (const char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
    if (v > 1'000'000'000'000) v = 1'000'000'000'000;
  }
  *value = v;
  return true;
}

// ---------------------------------------------------------------------------
// Fields.

enum class Field { kWeekday, kYear, kMonth, kDay, kHour, kMinute, kSecond };

struct FieldInfo {
  const char* name;
  int min;
  int max;
};

constexpr std::array<FieldInfo, 7> kFields = {{
    {"day-of-week", 0, 6},
    {"year", 1970, 2199},
    {"month", 1, 12},
    {"day-of-month", 1, 31},
    {"hour", 0, 23},
    {"minute", 0, 59},
    {"second", 0, 59},
}};

const FieldInfo& Info(Field f) { return kFields[static_cast<int>(f)]; }

constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "MONDAY", "TUESDAY",  "WEDNESDAY", "THURSDAY",
    "FRIDAY", "SATURDAY", "SUNDAY"};

// Whole-line shortcuts and the expressions they stand for.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9>
    kShortcuts = {{
        {"minutely", "*-*-* *:*:00"},
        {"hourly", "*-*-* *:00:00"},
        {"daily", "*-*-* 00:00:00"},
        {"monthly", "*-*-01 00:00:00"},
        {"weekly", "Mon *-*-* 00:00:00"},
        {"yearly", "*-01-01 00:00:00"},
        {"annually", "*-01-01 00:00:00"},
        {"quarterly", "*-01,04,07,10-01 00:00:00"},
        {"semiannually", "*-01,07-01 00:00:00"},
    }};

using Values = std::set<int64_t>;

// One value: a weekday name or a number in the field's range (two-digit
// years are widened).
bool ParseValue(Field field, std::string_view s, int64_t* out) {
  if (field == Field::kWeekday) {
    const std::string upper = UpperForWeekday(s);
    for (size_t i = 0; i < kWeekdayNames.size(); ++i) {
      if (upper == kWeekdayNames[i] || upper == kWeekdayNames[i].substr(0, 3)) {
        *out = static_cast<int64_t>(i);
        return true;
      }
    }
    return false;
  }
  int64_t v;
  if (!ParseDigits(s, &v)) return false;
  if (field == Field::kYear) {
    if (v < 70) {
      v += 2000;
    } else if (v < 100) {
      v += 1900;
    }
  }
  if (v < Info(field).min || v > Info(field).max) return false;
  *out = v;
  return true;
}

// One field component: `*`, values, `a..b` ranges, `/` steps and comma lists,
// checked in the same order as oncalendar so that the same strings pass.
// `from_end` is set under a leading `~` in the day field; such days are
// stored as negative numbers (-1 = last day of the month).
bool ParseComponent(Field field, std::string_view s, bool from_end,
                    Values* out) {
  const FieldInfo& info = Info(field);
  if (field == Field::kDay && !s.empty() && s.front() == '~') {
    return ParseComponent(field, s.substr(1), true, out);
  }
  if (field != Field::kWeekday && s == "*") {
    for (int64_t v = info.min; v <= info.max; ++v) out->insert(v);
    return true;
  }
  // `*` may not appear inside lists, ranges or steps.
  if (s.find('*') != std::string_view::npos) return false;
  if (field == Field::kWeekday && !s.empty() && s.back() == ',') {
    return ParseComponent(field, s.substr(0, s.size() - 1), false, out);
  }
  if (field == Field::kWeekday && s.find('-') != std::string_view::npos) {
    return ParseComponent(field, ReplaceAll(s, "-", ".."), false, out);
  }
  if (s.find(',') != std::string_view::npos) {
    for (const std::string_view term : SplitOn(s, ',')) {
      if (!ParseComponent(field, term, from_end, out)) return false;
    }
    return true;
  }
  if (field != Field::kWeekday) {
    const size_t slash = s.find('/');
    if (slash != std::string_view::npos) {
      int64_t step;
      if (!ParseDigits(s.substr(slash + 1), &step) || step == 0) return false;
      Values items;
      if (!ParseComponent(field, s.substr(0, slash), from_end, &items)) {
        return false;
      }
      if (items.size() == 1) {
        // A single start value repeats up to the end of the field's range
        // (up to the last day of the month when counting from the end).
        const int64_t end = from_end ? 0 : info.max;
        for (int64_t v = *items.begin(); v <= end; v += step) out->insert(v);
      } else {
        int64_t index = 0;
        for (const int64_t v : items) {
          if (index++ % step == 0) out->insert(v);
        }
      }
      return true;
    }
  }
  const size_t dots = s.find("..");
  if (dots != std::string_view::npos) {
    int64_t start, end;
    if (!ParseValue(field, s.substr(0, dots), &start) ||
        !ParseValue(field, s.substr(dots + 2), &end) || end < start) {
      return false;
    }
    if (from_end) {
      std::swap(start, end);
      start = -start;
      end = -end;
    }
    for (int64_t v = start; v <= end; ++v) out->insert(v);
    return true;
  }
  int64_t v;
  if (!ParseValue(field, s, &v)) return false;
  if (from_end) {
    // Like systemd, a single `~` day may not exceed 28.
    if (v > 28) return false;
    v = -v;
  }
  out->insert(v);
  return true;
}

// Undoes the `~` -> `-~` rewrite that parsing applies, for error messages.
std::string Original(std::string_view rewritten) {
  return ReplaceAll(rewritten, "-~", "~");
}

absl::Status BadField(Field field, std::string_view component) {
  return absl::InvalidArgumentError(std::string("bad ") + Info(field).name +
                                    " \"" + Original(component) + "\"");
}

template <typename Mask>
Mask ToMask(const Values& values) {
  Mask mask = 0;
  for (const int64_t v : values) mask |= Mask{1} << v;
  return mask;
}

// Resolves a time zone name the way oncalendar's zoneinfo lookup does: a
// normalised relative path to a TZif file in the system tz database. Names
// starting with a digit or `*` are never zones.
std::optional<absl::TimeZone> LoadZone(std::string_view name) {
  if (name.empty() || IsDigit(name.front()) || name.front() == '*' ||
      name.front() == '/' || name.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  for (const std::string_view part : SplitOn(name, '/')) {
    if (part.empty() || part == "." || part == "..") return std::nullopt;
  }
  // absl also accepts names that are not files (fixed offsets such as
  // "Fixed/UTC+01:00:00"); zoneinfo does not, so require the file.
  const char* dir = std::getenv("TZDIR");
  if (dir == nullptr || *dir == '\0') dir = "/usr/share/zoneinfo";
  const std::string path = std::string(dir) + "/" + std::string(name);
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  absl::TimeZone tz;
  if (absl::LoadTimeZone(std::string(name), &tz)) return tz;
  // absl refuses the leap-second ("right/") variants that zoneinfo loads;
  // their civil-time rules are those of the plain zone.
  constexpr std::string_view kRight = "right/";
  if (name.substr(0, kRight.size()) == kRight &&
      absl::LoadTimeZone(std::string(name.substr(kRight.size())), &tz)) {
    return tz;
  }
  return std::nullopt;
}

int DaysInMonth(absl::CivilDay day) {
  const absl::CivilDay last = absl::CivilDay(absl::CivilMonth(day) + 1) - 1;
  return last.day();
}

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

// Lowest set bit at or above `from`, or -1.
int NextBit(uint64_t mask, int from) {
  if (from >= 64) return -1;
  const uint64_t rest = mask >> from << from;
  return rest == 0 ? -1 : __builtin_ctzll(rest);
}

}  // namespace

// ---------------------------------------------------------------------------
// Parsing.

absl::StatusOr<OnCalendar> OnCalendar::Parse(std::string_view expressions) {
  const std::string_view body = Strip(expressions);
  const std::vector<std::string_view> lines = SplitOn(body, '\n');
  // Line numbers in messages count the blank lines that were stripped.
  const std::string_view stripped_head = expressions.substr(
      0, static_cast<size_t>(body.data() - expressions.data()));
  const size_t first_line_no =
      1 + static_cast<size_t>(
              std::count(stripped_head.begin(), stripped_head.end(), '\n'));
  std::vector<Schedule> schedules;
  schedules.reserve(lines.size());

  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string prefix =
        lines.size() == 1 ? std::string("invalid OnCalendar expression: ")
                          : "invalid OnCalendar expression on line " +
                                std::to_string(first_line_no + i) + ": ";
    std::string_view expr = Strip(lines[i]);
    Schedule schedule;

    // A trailing zone name is only looked for after an ASCII space.
    std::string unknown_zone;
    std::string_view head, tail;
    if (expr.find(' ') != std::string_view::npos &&
        SplitAtLastSpace(expr, &head, &tail)) {
      if (std::optional<absl::TimeZone> zone = LoadZone(tail)) {
        schedule.zone = *zone;
        expr = head;
      } else if (tail.find('/') != std::string_view::npos) {
        unknown_zone = std::string(tail);
      }
    }
    const auto fail = [&](const absl::Status& status) {
      std::string message = prefix + std::string(status.message());
      if (!unknown_zone.empty()) {
        message += " (note: \"" + unknown_zone + "\" is not a known time zone)";
      }
      return absl::InvalidArgumentError(message);
    };

    const std::string lowered = LowerForShortcut(expr);
    for (const auto& [name, expansion] : kShortcuts) {
      if (lowered == name) {
        expr = expansion;
        break;
      }
    }

    // `month~day` is handled as a third date part that starts with `~`.
    const std::string rewritten = ReplaceAll(expr, "~", "-~");
    std::vector<std::string_view> parts = SplitOnSpace(rewritten);
    if (parts.empty()) {
      return fail(absl::InvalidArgumentError("empty expression"));
    }

    Values hours = {0}, minutes = {0}, seconds = {0};
    if (parts.back().find(':') != std::string_view::npos) {
      std::vector<std::string_view> time = SplitOn(parts.back(), ':');
      if (time.size() != 2 && time.size() != 3) {
        return fail(absl::InvalidArgumentError(
            "bad time \"" + Original(parts.back()) +
            "\" (expected hour:minute or hour:minute:second)"));
      }
      parts.pop_back();
      if (time.size() == 2) time.push_back("0");
      hours.clear();
      minutes.clear();
      seconds.clear();
      if (!ParseComponent(Field::kHour, time[0], false, &hours)) {
        return fail(BadField(Field::kHour, time[0]));
      }
      if (!ParseComponent(Field::kMinute, time[1], false, &minutes)) {
        return fail(BadField(Field::kMinute, time[1]));
      }
      if (!ParseComponent(Field::kSecond, time[2], false, &seconds)) {
        return fail(BadField(Field::kSecond, time[2]));
      }
    }

    Values years, months, days;
    if (!parts.empty() && parts.back().find('-') != std::string_view::npos &&
        (IsDigit(parts.back().front()) || parts.back().front() == '*')) {
      std::vector<std::string_view> date = SplitOn(parts.back(), '-');
      if (date.size() != 2 && date.size() != 3) {
        return fail(absl::InvalidArgumentError(
            "bad date \"" + Original(parts.back()) +
            "\" (expected month-day or year-month-day)"));
      }
      parts.pop_back();
      if (date.size() == 2) date.insert(date.begin(), "*");
      if (!ParseComponent(Field::kYear, date[0], false, &years)) {
        return fail(BadField(Field::kYear, date[0]));
      }
      if (!ParseComponent(Field::kMonth, date[1], false, &months)) {
        return fail(BadField(Field::kMonth, date[1]));
      }
      if (!ParseComponent(Field::kDay, date[2], false, &days)) {
        return fail(BadField(Field::kDay, date[2]));
      }
    } else {
      ParseComponent(Field::kYear, "*", false, &years);
      ParseComponent(Field::kMonth, "*", false, &months);
      ParseComponent(Field::kDay, "*", false, &days);
    }

    Values weekdays;
    if (!parts.empty()) {
      if (!ParseComponent(Field::kWeekday, parts.front(), false, &weekdays)) {
        return fail(BadField(Field::kWeekday, parts.front()));
      }
      if (parts.size() > 1) {
        return fail(absl::InvalidArgumentError(
            "wrong number of fields in \"" + Original(rewritten) +
            "\" (expected [weekday] [date] [time] [time zone])"));
      }
    } else {
      for (int64_t v = 0; v <= 6; ++v) weekdays.insert(v);
    }

    for (const int64_t y : years) {
      schedule.years.set(static_cast<size_t>(y - Schedule::kFirstYear));
    }
    schedule.months = ToMask<uint16_t>(months);
    for (const int64_t d : days) {
      // Steps counting from the end can produce 0, which never matches.
      if (d > 0) schedule.days |= uint32_t{1} << d;
      if (d < 0) schedule.days_from_end |= uint32_t{1} << -d;
    }
    schedule.weekdays = ToMask<uint8_t>(weekdays);
    schedule.hours = ToMask<uint32_t>(hours);
    schedule.minutes = ToMask<uint64_t>(minutes);
    schedule.seconds = ToMask<uint64_t>(seconds);
    schedules.push_back(std::move(schedule));
  }
  return OnCalendar(std::move(schedules));
}

// ---------------------------------------------------------------------------
// Evaluation.

bool OnCalendar::Schedule::MatchesDay(absl::CivilDay day) const {
  if ((weekdays >> WeekdayIndex(day) & 1) == 0) return false;
  if (days >> day.day() & 1) return true;
  if (days_from_end != 0) {
    const int from_end = DaysInMonth(day) - day.day() + 1;
    if (days_from_end >> from_end & 1) return true;
  }
  return false;
}

std::optional<absl::CivilSecond> OnCalendar::Schedule::NextWall(
    absl::CivilSecond from) const {
  if (from.year() >= kEndYear) return std::nullopt;
  if (from.year() < kFirstYear) from = absl::CivilSecond(kFirstYear, 1, 1);
  const absl::CivilDay first_day(from);
  absl::CivilDay day = first_day;
  while (day.year() < kEndYear) {
    // Skip whole years and months before looking at single days.
    if (!years.test(static_cast<size_t>(day.year() - kFirstYear))) {
      day = absl::CivilDay(day.year() + 1, 1, 1);
      continue;
    }
    if ((months >> day.month() & 1) == 0) {
      day = absl::CivilDay(absl::CivilMonth(day) + 1);
      continue;
    }
    if (!MatchesDay(day)) {
      ++day;
      continue;
    }
    const bool first = day == first_day;
    const int h0 = first ? from.hour() : 0;
    const int m0 = first ? from.minute() : 0;
    const int s0 = first ? from.second() : 0;
    for (int h = NextBit(hours, h0); h >= 0; h = NextBit(hours, h + 1)) {
      const int m_from = h == h0 ? m0 : 0;
      for (int m = NextBit(minutes, m_from); m >= 0;
           m = NextBit(minutes, m + 1)) {
        const int s = NextBit(seconds, h == h0 && m == m0 ? s0 : 0);
        if (s >= 0) {
          return absl::CivilSecond(day.year(), day.month(), day.day(), h, m, s);
        }
      }
    }
    ++day;
  }
  return std::nullopt;
}

std::optional<absl::Time> OnCalendar::Advance(Cursor& cursor) {
  if (cursor.wall.year() >= Schedule::kEndYear) return std::nullopt;
  absl::CivilSecond from = cursor.wall + 1;
  while (true) {
    const std::optional<absl::CivilSecond> wall =
        cursor.schedule->NextWall(from);
    if (!wall) return std::nullopt;
    const absl::TimeZone::TimeInfo info = cursor.zone.At(*wall);
    if (info.kind == absl::TimeZone::TimeInfo::SKIPPED) {
      // Wall times in a DST gap do not exist; resume where the gap ends.
      from = std::max(*wall + 1, absl::ToCivilSecond(info.trans, cursor.zone));
      continue;
    }
    cursor.wall = *wall;
    // A repeated wall time means its first occurrence.
    return info.pre;
  }
}

std::vector<absl::Time> OnCalendar::NextN(absl::Time after,
                                          const absl::TimeZone& default_tz,
                                          int count) const {
  // Mirrors oncalendar's OnCalendar iterator: every line keeps its pending
  // match, only lines whose pending match is not later than the last result
  // move on, and matches are compared by their wall time in the caller's
  // zone (Python compares datetimes sharing a tzinfo that way).
  struct Slot {
    Cursor cursor;
    bool alive;
    absl::Time value;
    absl::CivilSecond local;
  };
  std::vector<Slot> slots;
  slots.reserve(schedules_.size());
  for (const Schedule& schedule : schedules_) {
    const absl::TimeZone zone = schedule.zone.value_or(default_tz);
    slots.push_back({Cursor{&schedule, zone, absl::ToCivilSecond(after, zone)},
                     true, after, absl::CivilSecond()});
  }

  std::vector<absl::Time> results;
  absl::CivilSecond last_local;
  while (static_cast<int>(results.size()) < count) {
    const bool first_call = results.empty();
    Slot* best = nullptr;
    for (Slot& slot : slots) {
      if (!slot.alive) continue;
      if (first_call || slot.local <= last_local) {
        const std::optional<absl::Time> next = Advance(slot.cursor);
        if (!next) {
          slot.alive = false;
          continue;
        }
        slot.value = *next;
        slot.local = absl::ToCivilSecond(*next, default_tz);
      }
      if (best == nullptr || slot.local < best->local) best = &slot;
    }
    if (best == nullptr) break;
    last_local = best->local;
    results.push_back(best->value);
  }
  return results;
}

std::optional<absl::Time> OnCalendar::Next(
    absl::Time after, const absl::TimeZone& default_tz) const {
  const std::vector<absl::Time> next = NextN(after, default_tz, 1);
  if (next.empty()) return std::nullopt;
  return next.front();
}

}  // namespace tocsin::oncalendar
