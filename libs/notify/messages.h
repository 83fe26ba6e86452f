#ifndef TOCSIN_NOTIFY_MESSAGES_H_
#define TOCSIN_NOTIFY_MESSAGES_H_

// Every human-visible string of notifications and reports, one table per
// language. Adding a language means adding one table in messages.cc and
// listing it in MessagesFor. Templates use $0..$9 for arguments (see
// internal::Format) and contain no markup: renderers escape them as needed.

#include <string_view>

namespace tocsin::notify {

struct Messages {
  std::string_view code;  // BCP 47 language code, e.g. for <html lang>

  // Notifications. $0 is the check's name (or UUID when unnamed).
  std::string_view subject_down;  // email subject
  std::string_view subject_up;
  std::string_view headline_down;  // first sentence of every message
  std::string_view headline_up;
  std::string_view changed_at;  // field labels
  std::string_view last_ping;
  std::string_view never;  // last ping when there was none
  std::string_view exit_status;
  std::string_view tags;
  std::string_view description;
  std::string_view last_ping_body;
  std::string_view truncated;     // after a shortened ping body
  std::string_view view_check;    // link text
  std::string_view view_in_site;  // link text, $0: site name
  std::string_view email_footer;  // $0: site name

  // Check statuses, as reports show them.
  std::string_view status_down;
  std::string_view status_up;
  std::string_view status_grace;
  std::string_view status_paused;
  std::string_view status_new;
  std::string_view status_started;

  // Reports. $0: project name, $1: count or time.
  std::string_view report_subject_none;
  std::string_view report_subject_one;
  std::string_view report_subject_many;  // $1: number of checks
  std::string_view report_intro;         // $1: time of the report
  std::string_view report_none;          // $1: time of the report
  std::string_view column_name;
  std::string_view column_status;
  std::string_view unnamed;
  std::string_view report_footer;  // $0: site name

  // Invitations to a project. $0: inviter's address, $1: project, $2: role.
  std::string_view invitation_subject;  // $1 only
  std::string_view invitation_intro;
  std::string_view invitation_action;  // link text
  std::string_view invitation_terms;   // how long and for whom it works
  std::string_view role_rw;
  std::string_view role_ro;
  std::string_view invitation_footer;  // $0: site name
};

// The table for `language` ("en", "ja", "ja-JP", ...); English when there is
// none for it.
const Messages& MessagesFor(std::string_view language);

}  // namespace tocsin::notify

#endif  // TOCSIN_NOTIFY_MESSAGES_H_
