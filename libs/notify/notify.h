#ifndef TOCSIN_NOTIFY_NOTIFY_H_
#define TOCSIN_NOTIFY_NOTIFY_H_

// Integrations ("channels"): which settings each kind takes, and what a
// notification of each kind looks like. Pure functions: nothing here does I/O;
// the scheduler sends what these functions render.
//
// Kinds and their settings (Healthchecks' kind strings). Every settings object
// is a JSON object of top-level fields. A field that is absent or null takes
// its default; the normalized form that ValidateSettings returns always holds
// every field of the kind.
//
// webhook
//   url_down      string  ""     URL requested when the check goes down
//   url_up        string  ""     URL requested when the check comes back up
//                                (at least one of the two must be set)
//   method_down   string  GET if body_down is empty, else POST
//   method_up     string  GET if body_up is empty, else POST
//                                "GET", "POST" or "PUT" (case-insensitive,
//                                stored upper case); GET takes no body
//   body_down     string  ""     at most 10000 characters
//   body_up       string  ""
//   headers_down  object  {}     header name -> value, at most 20; names are
//   headers_up    object  {}     RFC 7230 tokens (not Host, Content-Length,
//                                Transfer-Encoding, Connection); values at
//                                most 1000 characters, no control characters
//   Placeholders ($CODE, $NAME, ... see ExpandPlaceholders) are expanded in
//   the URL (values percent-encoded), the body and header values. Tocsin adds
//   "User-Agent: Tocsin" unless headers set one, and no Content-Type of its
//   own: a body is sent with exactly the headers the user configured.
//
// email
//   to            string or list of strings (required; 1 to 10 addresses,
//                 stored as a list, duplicates dropped)
//   notify_down   bool    true
//   notify_up     bool    true
//
// slack, mattermost, rocketchat, discord, msteamsw
//   url           string  (required) the service's incoming-webhook URL
//   notify_down   bool    true
//   notify_up     bool    true
//
// ntfy
//   url           string  "https://ntfy.sh"  server base URL (no query)
//   topic         string  (required) 1-64 of [-_A-Za-z0-9]
//   priority_down int     5      1 (min) to 5 (max)
//   priority_up   int     3
//   token         string  ""     access token, sent as "Authorization: Bearer"
//   notify_down   bool    true
//   notify_up     bool    true
//
// telegram
//   bot_token     string  (required) "<digits>:<[-_A-Za-z0-9]+>"
//   chat_id       int or string (required) a chat ID (negative for groups) or
//                 "@channelusername"; a numeric string is stored as a number
//   thread_id     int or null  null   forum topic (message_thread_id)
//   api_url       string  "https://api.telegram.org"  Bot API server base URL
//   notify_down   bool    true
//   notify_up     bool    true
//
// All URLs: http or https only, with a host, at most 2048 characters, ASCII
// without spaces or control characters. Strings must be valid UTF-8.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace tocsin::notify {

// Everything a notification may mention. Filled by the scheduler.
struct Event {
  std::string check_uuid;  // $CODE
  std::string name;        // check name (may be empty)
  std::string slug;
  std::string tags;  // space-separated, as stored
  std::string description;
  std::string status;  // "down" or "up": the new status
  absl::Time now;      // when the status changed ($NOW)
  std::string body;    // body of the check's last ping (may be empty)
  std::optional<int> exit_status;  // exit status of the last ping, if any
  std::optional<absl::Time> last_ping;
  // The check exactly as the Management API's "get a single check" returns
  // it, serialized ($JSON).
  std::string check_json;
  std::string check_url;  // a link to the check for humans (may be empty)
  std::string site_name = "Tocsin";
  std::string language = "en";  // template language; unknown -> "en"
};

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct EmailMessage {
  std::vector<std::string> to;
  std::string subject;  // UTF-8, no CR/LF
  std::string text;     // text/plain part
  std::string html;     // text/html part
};

bool IsKnownKind(std::string_view kind);

// Validates `settings` for `kind` and returns the normalized object (every
// field present, defaults filled in). Errors are InvalidArgument with a
// message that starts with the field's name, e.g.
// "url_down: must be an http or https URL".
absl::StatusOr<nlohmann::json> ValidateSettings(std::string_view kind,
                                                const nlohmann::json& settings);

// An update: fields of `patch` replace those of `current` (null resets a
// field to its default), and the result is validated as above.
absl::StatusOr<nlohmann::json> MergeSettings(std::string_view kind,
                                             const nlohmann::json& current,
                                             const nlohmann::json& patch);

// Whether a channel sends anything when its check's new status is `status`
// ("down" or "up"): a webhook needs a URL for that status, other kinds
// honour notify_down / notify_up. Lenient with missing fields (defaults).
bool Wants(std::string_view kind, const nlohmann::json& settings,
           std::string_view status);

// The HTTP request for every kind except email (FailedPrecondition for email
// and for a webhook without a URL for the event's status). `settings` are
// validated first, so stored settings that no longer pass give
// InvalidArgument instead of a malformed request.
absl::StatusOr<HttpRequest> RenderHttp(std::string_view kind,
                                       const nlohmann::json& settings,
                                       const Event& e);

absl::StatusOr<EmailMessage> RenderEmail(const nlohmann::json& settings,
                                         const Event& e);

// One check in a report of a project's down checks.
struct ReportLine {
  std::string name;    // may be empty
  std::string status;  // "down", "up", "grace", "paused", "new", ...
  std::optional<absl::Time> last_ping;
  std::string url;  // link to the check, may be empty
};

// The periodic report for one project: lists `down` (which may be empty).
EmailMessage RenderReport(const std::vector<std::string>& to,
                          const std::string& project_name,
                          const std::vector<ReportLine>& down, absl::Time now,
                          const std::string& site_name,
                          const std::string& language);

// An invitation to a project: who invites, the role ("rw"/"ro"), the link.
EmailMessage RenderInvitation(const std::string& to, const std::string& inviter,
                              const std::string& project_name, const std::string& role,
                              const std::string& link, const std::string& site_name,
                              const std::string& language);

// Expands webhook placeholders in one pass, left to right; inserted text is
// never expanded again and an unknown "$WORD" stays as it is.
//   $CODE        check UUID           $NAME        check name
//   $NAME_JSON   name as a JSON string literal (with quotes, ASCII-only)
//   $SLUG        check slug           $NOW         e.g.
//   2024-03-10T07:00:00+00:00 $STATUS      "down" or "up"       $TAGS tags,
//   space-separated $TAG1, $TAG2, ...  the n-th tag ("" when there are fewer);
//   $TAG10 is the
//                tenth tag, never $TAG1 followed by "0"
//   $BODY        last ping body       $BODY_JSON   body as a JSON string
//   literal $EXITSTATUS  last ping's exit status, "-1" when unknown $JSON the
//   check as the Management API returns it
// With `url_encode`, each inserted value is percent-encoded (all but RFC 3986
// unreserved characters); the template's own text is kept as it is.
std::string ExpandPlaceholders(std::string_view tmpl, const Event& e,
                               bool url_encode);

}  // namespace tocsin::notify

#endif  // TOCSIN_NOTIFY_NOTIFY_H_
