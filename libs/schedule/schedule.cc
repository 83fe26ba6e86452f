#include "schedule/schedule.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace tocsin::schedule {

bool IsZoneName(std::string_view tz) {
  if (tz.empty() || tz.size() > 64 || tz.front() == '/' ||
      tz.find("..") != std::string_view::npos) {
    return false;
  }
  for (char ch : tz) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(ch)) || ch == '/' ||
          ch == '_' || ch == '-' || ch == '+')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<absl::TimeZone> LoadZone(std::string_view tz) {
  absl::TimeZone zone;
  if (!IsZoneName(tz) || tz == "localtime" ||
      !absl::LoadTimeZone(std::string(tz), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tz is not a valid time zone: ", absl::string_view(tz.data(), tz.size())));
  }
  return zone;
}

bool LooksLikeCron(std::string_view expr) {
  absl::string_view s =
      absl::StripAsciiWhitespace(absl::string_view(expr.data(), expr.size()));
  if (s.find('\n') != absl::string_view::npos) return false;
  std::vector<absl::string_view> fields =
      absl::StrSplit(s, absl::ByAnyChar(" \t\r\f\v"), absl::SkipEmpty());
  return fields.size() == 5;
}

absl::StatusOr<Schedule> Schedule::Parse(std::string_view expr) {
  if (LooksLikeCron(expr)) {
    auto c = cron::CronExpr::Parse(expr);
    if (!c.ok()) return c.status();
    return Schedule(Kind::kCron, *std::move(c));
  }
  auto o = oncalendar::OnCalendar::Parse(expr);
  if (!o.ok()) return o.status();
  return Schedule(Kind::kOnCalendar, *std::move(o));
}

std::optional<absl::Time> Schedule::Next(absl::Time after,
                                         const absl::TimeZone& tz) const {
  return std::visit([&](const auto& s) { return s.Next(after, tz); }, impl_);
}

std::vector<absl::Time> Schedule::NextN(absl::Time after,
                                        const absl::TimeZone& tz,
                                        int count) const {
  return std::visit([&](const auto& s) { return s.NextN(after, tz, count); },
                    impl_);
}

}  // namespace tocsin::schedule
