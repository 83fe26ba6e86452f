#ifndef TOCSIN_GATEWAY_DASHBOARD_HTML_H_
#define TOCSIN_GATEWAY_DASHBOARD_HTML_H_

// Small pieces the dashboard's pages share (dashboard*.cc only).
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "tocsin/v1/account_service.pb.h"
#include "tocsin/v1/channel_service.pb.h"
#include "tocsin/v1/check.pb.h"
#include "tocsin/v1/check_service.pb.h"
#include "web-gateway/http_types.h"

namespace tocsin::gateway::dashboard {

inline std::string Esc(std::string_view s) { return HtmlEscape(s); }

inline HttpResponse Redirect(const std::string& to) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", to);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

inline const char* StatusLabel(v1::CheckStatus s) {
  switch (s) {
    case v1::CHECK_STATUS_UP: return "up";
    case v1::CHECK_STATUS_DOWN: return "down";
    case v1::CHECK_STATUS_GRACE: return "late";
    case v1::CHECK_STATUS_PAUSED: return "paused";
    default: return "new";
  }
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
// "badges" or "settings".
inline std::string ProjectTabs(const std::string& project, absl::string_view active) {
  std::string out = "<nav class=\"tabs\" aria-label=\"Project\">";
  for (auto [key, label] : {std::pair<absl::string_view, absl::string_view>{"checks", "Checks"},
                            {"integrations", "Integrations"},
                            {"badges", "Badges"},
                            {"settings", "Settings"}}) {
    absl::StrAppend(&out, "<a href=\"", Esc(ProjectPath(project)), key, "/\"",
                    key == active ? " aria-current=\"page\"" : "", ">", label, "</a>");
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
std::string DeliveriesTable(const std::string& project,
                            const v1::ListNotificationsResponse& n,
                            const v1::ListChannelsResponse* channels);

}  // namespace tocsin::gateway::dashboard

#endif  // TOCSIN_GATEWAY_DASHBOARD_HTML_H_
