#include "cron/cron.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace tocsin::cron {
namespace {

enum Field { kMinute = 0, kHour, kDayOfMonth, kMonth, kDayOfWeek };

constexpr std::array<std::string_view, 5> kFieldNames = {
    "minute", "hour", "day-of-month", "month", "day-of-week"};
constexpr std::array<int, 5> kLow = {0, 0, 1, 1, 0};
constexpr std::array<int, 5> kHigh = {59, 23, 31, 12, 7};
// February counts 29 days: the impossible-date check only rejects dates that
// no year has.
constexpr std::array<int, 13> kMaxDaysInMonth = {0,  31, 29, 31, 30, 31, 30,
                                                 31, 31, 30, 31, 30, 31};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// Values one field term can produce. Day-of-week keeps the raw 0..7 numbers
// here because step arithmetic works on them before 7 is folded into 0.
struct ValueSet {
  uint64_t values = 0;
  bool last_day = false;
  bool last_weekday = false;
  uint8_t last_of_weekday = 0;
  std::array<uint8_t, 8> nth{};

  void Merge(const ValueSet& o) {
    values |= o.values;
    last_day |= o.last_day;
    last_weekday |= o.last_weekday;
    last_of_weekday |= o.last_of_weekday;
    for (size_t i = 0; i < nth.size(); ++i) nth[i] |= o.nth[i];
  }
};

// Unsigned decimal made of ASCII digits only. Saturates so that absurdly
// long numbers still fail range checks instead of overflowing.
std::optional<int64_t> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > 1'000'000'000) v = 1'000'000'000;
  }
  return v;
}

// A single value: a number within the field's range, or a name where the
// field has names.
std::optional<int> ParseValue(Field f, std::string_view s) {
  if (f == kMonth) {
    for (size_t i = 0; i < kMonthNames.size(); ++i) {
      if (s == kMonthNames[i]) return static_cast<int>(i) + 1;
    }
  }
  if (f == kDayOfWeek) {
    for (size_t i = 0; i < kDayNames.size(); ++i) {
      if (s == kDayNames[i]) return static_cast<int>(i);
    }
  }
  const std::optional<int64_t> v = ParseNumber(s);
  if (!v || *v < kLow[f] || *v > kHigh[f]) return std::nullopt;
  return static_cast<int>(*v);
}

void AddRange(ValueSet& out, int from, int to) {
  for (int v = from; v <= to; ++v) out.values |= uint64_t{1} << v;
}

// Parses one field (already upper-cased). The order of the checks matters:
// it decides which odd combinations are accepted, and mirrors cronsim.
bool ParseTerm(Field f, std::string_view s, ValueSet& out) {
  if (s == "*") {
    AddRange(out, kLow[f], kHigh[f]);
    return true;
  }
  if (s.find(',') != std::string_view::npos) {
    size_t start = 0;
    while (true) {
      const size_t comma = s.find(',', start);
      const std::string_view piece = s.substr(
          start, comma == std::string_view::npos ? comma : comma - start);
      if (!ParseTerm(f, piece, out)) return false;
      if (comma == std::string_view::npos) return true;
      start = comma + 1;
    }
  }
  if (f == kDayOfWeek && s.find('L') != std::string_view::npos) {
    // "<digits>L": the L has to be the last character and the rest digits.
    const std::string_view digits = s.substr(0, s.size() - 1);
    if (!ParseNumber(digits)) return false;
    const std::optional<int> dow = ParseValue(f, digits);
    if (!dow) return false;
    out.last_of_weekday |= uint8_t{1} << *dow;
    return true;
  }
  if (f == kDayOfWeek && s.find('#') != std::string_view::npos) {
    const size_t hash = s.find('#');
    const std::optional<int64_t> nth = ParseNumber(s.substr(hash + 1));
    if (!nth || *nth < 1 || *nth > 5) return false;
    const std::optional<int> dow = ParseValue(f, s.substr(0, hash));
    if (!dow) return false;
    out.nth[*dow] |= uint8_t{1} << *nth;
    return true;
  }
  if (const size_t slash = s.find('/'); slash != std::string_view::npos) {
    const std::optional<int64_t> step = ParseNumber(s.substr(slash + 1));
    if (!step || *step == 0) return false;
    ValueSet base;
    if (!ParseTerm(f, s.substr(0, slash), base)) return false;
    if (base.values == 0) {
      // "L/n" and "LW/n": the step has nothing to walk over.
      out.Merge(base);
      return true;
    }
    if (std::popcount(base.values) == 1) {
      // A single start value walks to the top of the field's range; for
      // day-of-week that top is 7, so "1/2" includes Sunday as 7.
      for (int64_t v = std::countr_zero(base.values); v <= kHigh[f];
           v += *step) {
        out.values |= uint64_t{1} << v;
      }
      return true;
    }
    // Several values: keep every step-th one in ascending order.
    int64_t index = 0;
    for (int v = 0; v < 64; ++v) {
      if ((base.values >> v) & 1) {
        if (index % *step == 0) out.values |= uint64_t{1} << v;
        ++index;
      }
    }
    return true;
  }
  if (const size_t dash = s.find('-'); dash != std::string_view::npos) {
    const std::optional<int> from = ParseValue(f, s.substr(0, dash));
    const std::optional<int> to = ParseValue(f, s.substr(dash + 1));
    if (!from || !to || *to < *from) return false;
    AddRange(out, *from, *to);
    return true;
  }
  if (f == kDayOfMonth && s == "LW") {
    out.last_weekday = true;
    return true;
  }
  if (f == kDayOfMonth && s == "L") {
    out.last_day = true;
    return true;
  }
  const std::optional<int> v = ParseValue(f, s);
  if (!v) return false;
  out.values |= uint64_t{1} << *v;
  return true;
}

// Length in bytes of the whitespace character starting at s[i], or 0. The
// set is what Python's str.split() splits on, including the non-ASCII
// spaces (as UTF-8).
size_t WhitespaceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100;
  };
  const unsigned c = b(0);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) {
    return 1;
  }
  if (c == 0xc2 && (b(1) == 0x85 || b(1) == 0xa0)) return 2;
  if (c == 0xe1 && b(1) == 0x9a && b(2) == 0x80) return 3;  // U+1680
  if (c == 0xe2 && b(1) == 0x80 &&
      ((b(2) >= 0x80 && b(2) <= 0x8a) || b(2) == 0xa8 || b(2) == 0xa9 ||
       b(2) == 0xaf)) {
    return 3;  // U+2000..U+200A, U+2028, U+2029, U+202F
  }
  if (c == 0xe2 && b(1) == 0x81 && b(2) == 0x9f) return 3;  // U+205F
  if (c == 0xe3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
  return 0;
}

std::vector<std::string_view> SplitFields(std::string_view expr) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  size_t start = std::string_view::npos;
  while (i < expr.size()) {
    const size_t ws = WhitespaceLength(expr, i);
    if (ws > 0) {
      if (start != std::string_view::npos) {
        fields.push_back(expr.substr(start, i - start));
        start = std::string_view::npos;
      }
      i += ws;
    } else {
      if (start == std::string_view::npos) start = i;
      ++i;
    }
  }
  if (start != std::string_view::npos) fields.push_back(expr.substr(start));
  return fields;
}

// Upper-cases as Python's str.upper() would for everything that can end up
// valid: ASCII letters, plus the two non-ASCII letters whose capitals are
// ASCII (dotless i and long s). Other bytes stay as they are and fail later.
std::string UpperCase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xc4 && i + 1 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) == 0xb1) {
      out.push_back('I');
      ++i;
    } else if (c == 0xc5 && i + 1 < s.size() &&
               static_cast<unsigned char>(s[i + 1]) == 0xbf) {
      out.push_back('S');
      ++i;
    } else {
      out.push_back(absl::ascii_toupper(static_cast<char>(c)));
    }
  }
  return out;
}

// Abseil's string_view is its own type in this build, so std::string_view
// values go through this before reaching absl::StrCat.
absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

absl::Status BadField(Field f, std::string_view text,
                      std::string_view detail = {}) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid cron expression: bad ", AsAbsl(kFieldNames[f]), " field \"",
      AsAbsl(text), "\"", detail.empty() ? "" : ": ", AsAbsl(detail)));
}

int DaysInMonth(int64_t year, int month) {
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kMaxDaysInMonth[month];
}

// Sunday = 0 .. Saturday = 6.
int DayOfWeek(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::sunday:
      return 0;
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
  }
  return 0;
}

// Last Monday-to-Friday date of the month.
int LastWeekdayOfMonth(int64_t year, int month) {
  const int last = DaysInMonth(year, month);
  const int dow = DayOfWeek(absl::CivilDay(year, month, last));
  if (dow == 0) return last - 2;
  if (dow == 6) return last - 1;
  return last;
}

// Local times are turned into instants and back the way Python's aware
// datetimes with zoneinfo do it (PEP 495): `fold` picks the earlier (false)
// or later (true) offset for a repeated or skipped wall time.
absl::Time WallToTime(const absl::TimeZone& tz, absl::CivilSecond cs,
                      bool fold) {
  const absl::TimeZone::TimeInfo info = tz.At(cs);
  if (info.kind == absl::TimeZone::TimeInfo::UNIQUE) return info.pre;
  return fold ? info.post : info.pre;
}

// Safety net only: every step moves forward and a real search ends (match or
// 50-year limit) in a few thousand steps, but a zone with odd transitions
// must not be able to keep one call spinning.
constexpr int64_t kStepBudget = 1'000'000;

}  // namespace

// The search position, and the step rules cronsim uses to move it. Keeping
// those rules (rather than a cleverer search) is what makes DST behaviour
// identical, since the results around transitions depend on them.
class CronExpr::Cursor {
 public:
  Cursor(const CronExpr& expr, const absl::TimeZone& tz)
      : expr_(expr), tz_(tz), wall_clock_(expr.wall_clock_) {}

  void Start(absl::Time after) {
    const absl::TimeZone::CivilInfo ci = tz_.At(after);
    cs_ = ci.cs;
    const absl::TimeZone::TimeInfo info = tz_.At(cs_);
    fold_ =
        info.kind == absl::TimeZone::TimeInfo::REPEATED && after >= info.post;
  }

  std::optional<absl::Time> Search() {
    Tick(1);
    const int64_t start_year = cs_.year();
    while (Spend()) {
      AdvanceMonth();
      if (cs_.year() > start_year + 50) return std::nullopt;
      if (AdvanceDay() || AdvanceHour() || AdvanceMinute() || AdvanceSecond()) {
        continue;
      }
      if (!wall_clock_) return WallToTime(tz_, cs_, fold_);
      // A wall time inside a spring-forward gap runs at the first minute
      // that exists; a repeated one runs at its first occurrence.
      while (tz_.At(cs_).kind == absl::TimeZone::TimeInfo::SKIPPED) {
        if (!Spend()) return std::nullopt;
        cs_ += 60;
      }
      return tz_.At(cs_).pre;
    }
    return std::nullopt;  // budget spent
  }

 private:
  bool Spend() { return --budget_ >= 0; }

  // Wall-clock mode steps the local clock itself; otherwise steps are taken
  // on the absolute clock and read back as local time. False once the step
  // budget is spent, which ends every loop.
  bool Tick(int64_t seconds) {
    if (!Spend()) return false;
    if (wall_clock_) {
      cs_ += seconds;
      return true;
    }
    const absl::Time t = WallToTime(tz_, cs_, fold_) + absl::Seconds(seconds);
    cs_ = tz_.At(t).cs;
    const absl::TimeZone::TimeInfo info = tz_.At(cs_);
    fold_ = info.kind == absl::TimeZone::TimeInfo::REPEATED && t >= info.post;
    return true;
  }

  void SetMidnight(absl::CivilDay day) {
    cs_ = absl::CivilSecond(day);
    fold_ = false;
  }

  void AdvanceMonth() {
    if ((expr_.months_ >> cs_.month()) & 1) return;
    absl::CivilMonth month(cs_);
    do {
      ++month;
    } while (!((expr_.months_ >> month.month()) & 1));
    SetMidnight(absl::CivilDay(month));
  }

  // Walks day by day, but stops at the next month's first day so that the
  // month gets checked again.
  bool AdvanceDay() {
    absl::CivilDay day(cs_);
    if (expr_.MatchesDay(day)) return false;
    do {
      ++day;
    } while (day.day() != 1 && !expr_.MatchesDay(day));
    SetMidnight(day);
    return true;
  }

  bool AdvanceHour() {
    if ((expr_.hours_ >> cs_.hour()) & 1) return false;
    cs_ = absl::CivilSecond(absl::CivilHour(cs_));
    while (!((expr_.hours_ >> cs_.hour()) & 1)) {
      if (!Tick(3600) || cs_.hour() == 0) break;
    }
    return true;
  }

  bool AdvanceMinute() {
    if ((expr_.minutes_ >> cs_.minute()) & 1) return false;
    cs_ = absl::CivilSecond(absl::CivilMinute(cs_));
    if (expr_.single_minute_ >= 0) {
      Tick(((expr_.single_minute_ - cs_.minute()) % 60 + 60) % 60 * 60);
    }
    while (!((expr_.minutes_ >> cs_.minute()) & 1)) {
      if (!Tick(60) || cs_.minute() == 0) break;
    }
    return true;
  }

  // Matches fall on second 0; a start with seconds moves to the next minute.
  bool AdvanceSecond() {
    if (cs_.second() == 0) return false;
    Tick(60 - cs_.second());
    while (cs_.second() != 0 && Tick(1)) {
    }
    return true;
  }

  const CronExpr& expr_;
  const absl::TimeZone& tz_;
  const bool wall_clock_;
  absl::CivilSecond cs_;
  bool fold_ = false;
  int64_t budget_ = kStepBudget;
};

absl::StatusOr<CronExpr> CronExpr::Parse(std::string_view expr) {
  const std::vector<std::string_view> fields = SplitFields(expr);
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid cron expression: expected 5 fields (minute hour "
                     "day-of-month month day-of-week), got ",
                     fields.size()));
  }

  std::array<ValueSet, 5> sets;
  std::array<std::string, 5> upper;
  for (int i = 0; i < 5; ++i) {
    const Field f = static_cast<Field>(i);
    upper[i] = UpperCase(fields[i]);
    if (!ParseTerm(f, upper[i], sets[i])) return BadField(f, fields[i]);
  }

  // Reject day numbers that no listed month has (e.g. the 30th of February).
  // Only when every day is a plain number above 29: L and LW always occur.
  const ValueSet& days = sets[kDayOfMonth];
  if (!days.last_day && !days.last_weekday && days.values != 0) {
    const int min_day = std::countr_zero(days.values);
    if (min_day > 29) {
      int longest = 0;
      for (int m = 1; m <= 12; ++m) {
        if ((sets[kMonth].values >> m) & 1) {
          longest = std::max(longest, kMaxDaysInMonth[m]);
        }
      }
      if (min_day > longest) {
        return BadField(kDayOfMonth, fields[kDayOfMonth],
                        absl::StrCat("no month in \"", AsAbsl(fields[kMonth]),
                                     "\" has day ", min_day));
      }
    }
  }

  CronExpr out;
  out.minutes_ = sets[kMinute].values;
  out.hours_ = static_cast<uint32_t>(sets[kHour].values);
  out.days_ = static_cast<uint32_t>(days.values);
  out.last_day_ = days.last_day;
  out.last_weekday_ = days.last_weekday;
  out.months_ = static_cast<uint16_t>(sets[kMonth].values);
  const ValueSet& dow = sets[kDayOfWeek];
  const auto fold_sunday = [](uint64_t bits) {
    return static_cast<uint8_t>((bits & 0x7f) | ((bits >> 7) & 1));
  };
  out.weekdays_ = fold_sunday(dow.values);
  out.last_of_weekday_ = fold_sunday(dow.last_of_weekday);
  for (int d = 0; d < 7; ++d) out.nth_of_weekday_[d] = dow.nth[d];
  out.nth_of_weekday_[0] |= dow.nth[7];
  out.day_or_ = upper[kDayOfMonth][0] != '*' && upper[kDayOfWeek][0] != '*';
  out.wall_clock_ = upper[kMinute][0] != '*' && upper[kHour][0] != '*';
  if (std::popcount(out.minutes_) == 1) {
    out.single_minute_ = std::countr_zero(out.minutes_);
  }
  return out;
}

bool CronExpr::MatchesDayOfMonth(absl::CivilDay day) const {
  const int d = day.day();
  if ((days_ >> d) & 1) return true;
  if (last_weekday_ && d >= 26 &&
      d == LastWeekdayOfMonth(day.year(), day.month())) {
    return true;
  }
  return last_day_ && d >= 28 && d == DaysInMonth(day.year(), day.month());
}

bool CronExpr::MatchesDayOfWeek(absl::CivilDay day) const {
  const int dow = DayOfWeek(day);
  if ((weekdays_ >> dow) & 1) return true;
  if (((last_of_weekday_ >> dow) & 1) &&
      day.day() + 7 > DaysInMonth(day.year(), day.month())) {
    return true;
  }
  const int nth = (day.day() + 6) / 7;
  return (nth_of_weekday_[dow] >> nth) & 1;
}

bool CronExpr::MatchesDay(absl::CivilDay day) const {
  if (day_or_) return MatchesDayOfMonth(day) || MatchesDayOfWeek(day);
  return MatchesDayOfMonth(day) && MatchesDayOfWeek(day);
}

std::optional<absl::Time> CronExpr::Next(absl::Time after,
                                         const absl::TimeZone& tz) const {
  if (after == absl::InfiniteFuture() || after == absl::InfinitePast()) {
    return std::nullopt;
  }
  Cursor cursor(*this, tz);
  cursor.Start(after);
  return cursor.Search();
}

std::vector<absl::Time> CronExpr::NextN(absl::Time after,
                                        const absl::TimeZone& tz,
                                        int count) const {
  std::vector<absl::Time> out;
  for (int i = 0; i < count; ++i) {
    const std::optional<absl::Time> next = Next(after, tz);
    if (!next) break;
    out.push_back(*next);
    after = *next;
  }
  return out;
}

}  // namespace tocsin::cron
