#ifndef TOCSIN_GATEWAY_DASHBOARD_HTML_H_
#define TOCSIN_GATEWAY_DASHBOARD_HTML_H_

// Small pieces the dashboard's pages share (dashboard*.cc only).
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "tocsin/v1/account_service.pb.h"
#include "tocsin/v1/channel_service.pb.h"
#include "tocsin/v1/check.pb.h"
#include "tocsin/v1/check_service.pb.h"
#include "web-gateway/http_types.h"
#include "web-gateway/i18n.h"
#include "web-gateway/web_forms.h"

namespace tocsin::gateway::dashboard {

inline std::string Esc(std::string_view s) { return HtmlEscape(s); }

// The language of a request without a session: its cookie or browser.
inline std::string RequestLanguage(const HttpRequest& req) {
  return PickLanguage(ParseCookies(req.Header("cookie"))["tocsin_lang"],
                      req.Header("accept-language"));
}

// A moment as the page shows it: UTC, named, in a <time> element that the
// page's script shows in the browser's own zone (also named).
inline std::string TimeHtml(absl::Time t) {
  return absl::StrCat("<time datetime=\"", FormatApiTime(t), "\">", FormatTimeUtc(t),
                      "</time>");
}

// A paragraph of (translated, escaped) text.
inline std::string Para(std::string_view lang, const char* english) {
  return absl::StrCat("<p>", Esc(Tr(lang, english)), "</p>");
}

// A form's error line (translated when it is one of ours; the data
// service's validation messages stay as they come); empty: nothing.
inline std::string Alert(std::string_view lang, const std::string& message) {
  if (message.empty()) return "";
  return absl::StrCat("<p class=\"error\" role=\"alert\">", Esc(Tr(lang, message.c_str())),
                      "</p>");
}

inline HttpResponse Redirect(const std::string& to) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", to);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// A status as a CSS class and a key of the live updates ("up", "late" ...);
// StatusText is what the page says.
inline const char* StatusLabel(v1::CheckStatus s) {
  switch (s) {
    case v1::CHECK_STATUS_UP: return "up";
    case v1::CHECK_STATUS_DOWN: return "down";
    case v1::CHECK_STATUS_GRACE: return "late";
    case v1::CHECK_STATUS_PAUSED: return "paused";
    default: return "new";
  }
}

inline const char* StatusText(std::string_view lang, v1::CheckStatus s) {
  return Tr(lang, StatusLabel(s));
}

// A status badge: class from the status, text in the page's language.
inline std::string StatusBadge(std::string_view lang, v1::CheckStatus s,
                               bool live = false) {
  return absl::StrCat("<span", live ? " data-field=\"status\"" : "", " class=\"status ",
                      StatusLabel(s), "\">", StatusText(lang, s), "</span>");
}

inline const char* PingKindLabel(v1::PingKind k) {
  switch (k) {
    case v1::PING_KIND_SUCCESS: return "success";
    case v1::PING_KIND_START: return "start";
    case v1::PING_KIND_FAIL: return "failure";
    case v1::PING_KIND_LOG: return "log";
    default: return "ignored";
  }
}

// The user's membership of `project`, or null: another user's project
// looks like no project at all.
inline const v1::Membership* MembershipOf(const v1::GetSessionResponse& s,
                                   const std::string& project) {
  for (const auto& m : s.memberships()) {
    if (m.project().uuid() == project) return &m;
  }
  return nullptr;
}

// A member's role ("owner", "rw", "ro") as the pages say it.
inline const char* RoleLabel(std::string_view lang, const std::string& role) {
  if (role == "owner") return Tr(lang, "owner");
  if (role == "rw") return Tr(lang, "read-write");
  return Tr(lang, "read-only");
}

// A project's pages: its checks, integrations, badges and settings.
inline std::string ProjectPath(const std::string& project) {
  return absl::StrCat("/projects/", project, "/");
}

// The hidden field every state-changing form of a session carries.
inline std::string CsrfField(const v1::GetSessionResponse& s) {
  return absl::StrCat("<input type=\"hidden\" name=\"csrf\" value=\"",
                      Esc(s.csrf_token()), "\">");
}

// The tabs above a project's pages; `active` is "checks", "integrations",
// "badges", "members" or "settings".
inline std::string ProjectTabs(std::string_view lang, const std::string& project,
                               absl::string_view active) {
  std::string out = absl::StrCat("<nav class=\"tabs\" aria-label=\"", Tr(lang, "Project"),
                                 "\">");
  for (auto [key, label] : {std::pair<const char*, const char*>{"checks", "Checks"},
                            {"integrations", "Integrations"},
                            {"badges", "Badges"},
                            {"members", "Members"},
                            {"settings", "Settings"}}) {
    absl::StrAppend(&out, "<a href=\"", Esc(ProjectPath(project)), key, "/\"",
                    active == key ? " aria-current=\"page\"" : "", ">", Tr(lang, label),
                    "</a>");
  }
  absl::StrAppend(&out, "</nav>");
  return out;
}

// A project's checks page, and one check's page (the base of its forms).
inline std::string ChecksPath(const std::string& project) {
  return absl::StrCat("/projects/", project, "/checks/");
}

inline std::string CheckPath(const std::string& project, const std::string& check) {
  return absl::StrCat(ChecksPath(project), check, "/");
}

inline std::string IntegrationsPath(const std::string& project) {
  return absl::StrCat(ProjectPath(project), "integrations/");
}

inline std::string IntegrationPath(const std::string& project, const std::string& id) {
  return absl::StrCat(IntegrationsPath(project), id, "/");
}

// Notifications with their outcome and attempts: of one integration, or
// (with `channels`, to name them) of one check.
std::string DeliveriesTable(std::string_view lang, const std::string& project,
                            const v1::ListNotificationsResponse& n,
                            const v1::ListChannelsResponse* channels);

}  // namespace tocsin::gateway::dashboard

#endif  // TOCSIN_GATEWAY_DASHBOARD_HTML_H_
