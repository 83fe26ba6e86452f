#ifndef TOCSIN_NOTIFY_VIEW_H_
#define TOCSIN_NOTIFY_VIEW_H_

// The parts of an Event that human-readable notifications show, cleaned and
// localized once, before each renderer escapes them its own way. Internal.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "notify/messages.h"
#include "notify/notify.h"

namespace tocsin::notify::internal {

struct View {
  const Messages* m;
  bool down;
  std::string name;        // one line: the check's name, or its UUID
  std::string last_ping;   // "2024-03-10 07:00:00 UTC" or "never"
  std::string changed_at;  // the event's time, same form
  std::optional<std::string> exit_status;
  std::vector<std::string> tags;
  std::string description;  // may span lines
  std::string link;         // http(s) link to the check, or ""
  std::string site;         // one line

  // The localized headline with `name` (already escaped by the caller as its
  // format needs) in place.
  std::string Headline(std::string_view escaped_name) const;
  // The same in HTML: the template is escaped too; `html_name` is inserted
  // as it is.
  std::string HeadlineHtml(std::string_view html_name) const;
  std::string JoinedTags() const;
};

// InvalidArgument unless e.status is "down" or "up".
absl::StatusOr<View> MakeView(const Event& e);

// Status emoji, and the colour used where a service takes one.
std::string_view StatusEmoji(bool down);
int StatusColor(bool down);             // 0xRRGGBB
std::string StatusColorHex(bool down);  // "#rrggbb"

}  // namespace tocsin::notify::internal

#endif  // TOCSIN_NOTIFY_VIEW_H_
