#include "notify/view.h"

#include <cstdio>

#include "absl/status/status.h"
#include "notify/text.h"

namespace tocsin::notify::internal {
namespace {

// Bounds on user text in messages: far above what a sensible check holds,
// low enough that no message grows past what a service accepts.
constexpr size_t kMaxName = 1000;
constexpr size_t kMaxDescription = 20000;
constexpr size_t kMaxSite = 200;

}  // namespace

std::string View::Headline(std::string_view escaped_name) const {
  return Format(down ? m->headline_down : m->headline_up, {escaped_name});
}

std::string View::HeadlineHtml(std::string_view html_name) const {
  return Format(HtmlEscape(down ? m->headline_down : m->headline_up),
                {html_name});
}

std::string View::JoinedTags() const {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

absl::StatusOr<View> MakeView(const Event& e) {
  if (e.status != "down" && e.status != "up") {
    return absl::InvalidArgumentError(
        "status: must be \"down\" or \"up\" for a notification");
  }
  View v;
  v.m = &MessagesFor(e.language);
  v.down = e.status == "down";
  v.name =
      SingleLine(CleanText(e.name.empty() ? e.check_uuid : e.name, kMaxName));
  v.last_ping = e.last_ping ? HumanTime(*e.last_ping) : std::string(v.m->never);
  v.changed_at = HumanTime(e.now);
  if (e.exit_status) v.exit_status = std::to_string(*e.exit_status);
  for (auto& t : SplitTags(e.tags)) v.tags.push_back(CleanText(t, kMaxName));
  v.description = CleanText(e.description, kMaxDescription);
  if (IsWebLink(e.check_url)) v.link = e.check_url;
  v.site = SingleLine(CleanText(e.site_name, kMaxSite));
  return v;
}

std::string_view StatusEmoji(bool down) {
  return down ? "\xF0\x9F\x94\xB4"   // U+1F534 red circle
              : "\xF0\x9F\x9F\xA2";  // U+1F7E2 green circle
}

int StatusColor(bool down) { return down ? 0xD9534F : 0x5CB85C; }

std::string StatusColorHex(bool down) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%06x", StatusColor(down));
  return buf;
}

}  // namespace tocsin::notify::internal
