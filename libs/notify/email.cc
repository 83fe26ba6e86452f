// Email notifications and reports: a text/plain and a text/html part each.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "notify/notify.h"
#include "notify/text.h"
#include "notify/view.h"

namespace tocsin::notify {
namespace {

using internal::Format;
using internal::HtmlEscape;
using internal::View;

constexpr size_t kMaxSubject = 200;       // characters
constexpr size_t kMaxPingBody = 4096;     // bytes of the last ping's body shown
constexpr size_t kMaxDescription = 5000;  // characters

constexpr std::string_view kPageStyle =
    "font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; "
    "font-size: 15px; line-height: 1.5; color: #222;";
constexpr std::string_view kLabelStyle =
    "text-align: left; padding: 2px 16px 2px 0; color: #555; "
    "font-weight: normal; vertical-align: top;";
constexpr std::string_view kFooterStyle = "color: #777; font-size: 12px;";

std::string Subject(std::string_view s) {
  return internal::Truncate(internal::SingleLine(s), kMaxSubject);
}

// The opening of an HTML part, up to and including <body>.
std::string HtmlHead(const Messages& m, std::string_view subject) {
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"", Absl(m.code),
                      "\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
                      HtmlEscape(subject), "</title>\n</head>\n<body style=\"",
                      Absl(kPageStyle), "\">\n");
}

std::string_view StatusLabel(const Messages& m, std::string_view status) {
  if (status == "down") return m.status_down;
  if (status == "up") return m.status_up;
  if (status == "grace") return m.status_grace;
  if (status == "paused") return m.status_paused;
  if (status == "new") return m.status_new;
  if (status == "started") return m.status_started;
  return status;
}

}  // namespace

absl::StatusOr<EmailMessage> RenderEmail(const nlohmann::json& settings,
                                         const Event& e) {
  ASSIGN_OR_RETURN(nlohmann::json s, ValidateSettings("email", settings));
  ASSIGN_OR_RETURN(View v, internal::MakeView(e));
  const Messages& m = *v.m;

  EmailMessage msg;
  msg.to = s["to"].get<std::vector<std::string>>();
  msg.subject =
      Subject(Format(v.down ? m.subject_down : m.subject_up, {v.name}));

  std::string full_body = internal::CleanText(e.body);
  std::string body = internal::CleanText(full_body, kMaxPingBody);
  bool body_cut = body.size() < full_body.size();
  std::string description = internal::Truncate(v.description, kMaxDescription);

  // Label/value rows both parts show.
  std::vector<std::pair<std::string_view, std::string>> rows = {
      {m.changed_at, v.changed_at}, {m.last_ping, v.last_ping}};
  if (v.exit_status) rows.emplace_back(m.exit_status, *v.exit_status);
  if (!v.tags.empty()) rows.emplace_back(m.tags, v.JoinedTags());

  // text/plain
  std::string& t = msg.text;
  absl::StrAppend(&t, v.Headline(v.name), "\n\n");
  for (const auto& [label, value] : rows) {
    absl::StrAppend(&t, Absl(label), ": ", value, "\n");
  }
  if (!description.empty()) {
    absl::StrAppend(&t, "\n", Absl(m.description), ":\n", description, "\n");
  }
  if (!body.empty()) {
    absl::StrAppend(&t, "\n", Absl(m.last_ping_body), ":\n", body, "\n");
    if (body_cut) absl::StrAppend(&t, Absl(m.truncated), "\n");
  }
  if (!v.link.empty()) {
    absl::StrAppend(&t, "\n", Absl(m.view_check), ": ", v.link, "\n");
  }
  absl::StrAppend(&t, "\n-- \n", Format(m.email_footer, {v.site}), "\n");

  // text/html
  std::string& h = msg.html;
  h = HtmlHead(m, msg.subject);
  absl::StrAppend(
      &h, "<p style=\"font-size: 18px;\">",
      "<span style=\"color: ", internal::StatusColorHex(v.down),
      ";\">&#9679;</span> ",
      v.HeadlineHtml(absl::StrCat("<strong>", HtmlEscape(v.name), "</strong>")),
      "</p>\n<table style=\"border-collapse: collapse;\">\n");
  for (const auto& [label, value] : rows) {
    absl::StrAppend(&h, "<tr><th style=\"", Absl(kLabelStyle), "\">",
                    HtmlEscape(label), "</th><td>", HtmlEscape(value),
                    "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");
  if (!description.empty()) {
    absl::StrAppend(&h, "<p><strong>", HtmlEscape(m.description),
                    "</strong></p>\n<p style=\"white-space: pre-wrap;\">",
                    HtmlEscape(description), "</p>\n");
  }
  if (!body.empty()) {
    absl::StrAppend(&h, "<p><strong>", HtmlEscape(m.last_ping_body),
                    "</strong></p>\n<pre style=\"white-space: pre-wrap; "
                    "background: #f4f4f4; padding: 8px;\">",
                    HtmlEscape(body), "</pre>\n");
    if (body_cut) absl::StrAppend(&h, "<p>", HtmlEscape(m.truncated), "</p>\n");
  }
  if (!v.link.empty()) {
    absl::StrAppend(&h, "<p><a href=\"", HtmlEscape(v.link), "\">",
                    HtmlEscape(m.view_check), "</a></p>\n");
  }
  absl::StrAppend(&h, "<hr>\n<p style=\"", Absl(kFooterStyle), "\">",
                  HtmlEscape(Format(m.email_footer, {v.site})),
                  "</p>\n</body>\n</html>\n");
  return msg;
}

EmailMessage RenderReport(const std::vector<std::string>& to,
                          const std::string& project_name,
                          const std::vector<ReportLine>& down, absl::Time now,
                          const std::string& site_name,
                          const std::string& language) {
  const Messages& m = MessagesFor(language);
  std::string project =
      internal::SingleLine(internal::CleanText(project_name, 1000));
  std::string site = internal::SingleLine(internal::CleanText(site_name, 200));
  std::string when = internal::HumanTime(now);

  EmailMessage msg;
  msg.to = to;
  if (down.empty()) {
    msg.subject = Subject(Format(m.report_subject_none, {project}));
  } else if (down.size() == 1) {
    msg.subject = Subject(Format(m.report_subject_one, {project}));
  } else {
    msg.subject = Subject(
        Format(m.report_subject_many, {project, std::to_string(down.size())}));
  }
  std::string_view intro = down.empty() ? m.report_none : m.report_intro;

  std::string& t = msg.text;
  std::string& h = msg.html;
  absl::StrAppend(&t, Format(intro, {project, when}), "\n\n");
  h = HtmlHead(m, msg.subject);
  absl::StrAppend(&h, "<p>",
                  Format(HtmlEscape(intro), {HtmlEscape(project), when}),
                  "</p>\n");
  if (!down.empty()) {
    absl::StrAppend(&h, "<table style=\"border-collapse: collapse;\">\n<tr>");
    for (std::string_view col : {m.column_name, m.column_status, m.last_ping}) {
      absl::StrAppend(&h, "<th style=\"", Absl(kLabelStyle), "\">",
                      HtmlEscape(col), "</th>");
    }
    absl::StrAppend(&h, "</tr>\n");
  }
  for (const ReportLine& line : down) {
    std::string name =
        line.name.empty()
            ? std::string(m.unnamed)
            : internal::SingleLine(internal::CleanText(line.name, 1000));
    std::string status(StatusLabel(
        m, internal::SingleLine(internal::CleanText(line.status, 50))));
    std::string last = line.last_ping ? internal::HumanTime(*line.last_ping)
                                      : std::string(m.never);
    bool linked = internal::IsWebLink(line.url);

    absl::StrAppend(&t, "- ", name, " [", status, "] ", Absl(m.last_ping), ": ",
                    last, "\n");
    if (linked) absl::StrAppend(&t, "  ", line.url, "\n");

    std::string name_html = HtmlEscape(name);
    if (linked) {
      name_html = absl::StrCat("<a href=\"", HtmlEscape(line.url), "\">",
                               name_html, "</a>");
    }
    absl::StrAppend(&h, "<tr><td style=\"padding: 2px 16px 2px 0;\">",
                    name_html, "</td><td style=\"padding: 2px 16px 2px 0;\">",
                    HtmlEscape(status), "</td><td>", HtmlEscape(last),
                    "</td></tr>\n");
  }
  if (!down.empty()) absl::StrAppend(&h, "</table>\n");

  absl::StrAppend(&t, "\n-- \n", Format(m.report_footer, {site}), "\n");
  absl::StrAppend(&h, "<hr>\n<p style=\"", Absl(kFooterStyle), "\">",
                  HtmlEscape(Format(m.report_footer, {site})),
                  "</p>\n</body>\n</html>\n");
  return msg;
}

EmailMessage RenderInvitation(const std::string& to, const std::string& inviter,
                              const std::string& project_name, const std::string& role,
                              const std::string& link, const std::string& site_name,
                              const std::string& language) {
  const Messages& m = MessagesFor(language);
  std::string project = internal::SingleLine(internal::CleanText(project_name, 1000));
  std::string who = internal::SingleLine(internal::CleanText(inviter, 254));
  std::string site = internal::SingleLine(internal::CleanText(site_name, 200));
  std::string role_text(role == "rw" ? m.role_rw : m.role_ro);
  EmailMessage msg;
  msg.to = {to};
  msg.subject = Subject(Format(m.invitation_subject, {who, project, role_text}));
  std::string intro = Format(m.invitation_intro, {who, project, role_text});
  bool linked = internal::IsWebLink(link);
  absl::StrAppend(&msg.text, intro, "\n\n", linked ? link : "", "\n\n",
                  Absl(m.invitation_terms), "\n\n-- \n", Format(m.invitation_footer, {site}),
                  "\n");
  std::string& h = msg.html;
  h = HtmlHead(m, msg.subject);
  absl::StrAppend(&h, "<p>", HtmlEscape(intro), "</p>\n");
  if (linked) {
    absl::StrAppend(&h, "<p><a href=\"", HtmlEscape(link), "\">",
                    HtmlEscape(m.invitation_action), "</a></p>\n");
  }
  absl::StrAppend(&h, "<p>", HtmlEscape(m.invitation_terms), "</p>\n<hr>\n<p style=\"",
                  Absl(kFooterStyle), "\">", HtmlEscape(Format(m.invitation_footer, {site})),
                  "</p>\n</body>\n</html>\n");
  return msg;
}

}  // namespace tocsin::notify
