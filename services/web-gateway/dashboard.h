#ifndef TOCSIN_GATEWAY_DASHBOARD_H_
#define TOCSIN_GATEWAY_DASHBOARD_H_

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>

#include "web-gateway/config.h"
#include "web-gateway/data_client.h"
#include "web-gateway/rate_limiter.h"
#include "web-gateway/router.h"
#include "web-gateway/static_assets.h"

namespace tocsin::gateway {

// The web dashboard's pages, rendered on the server: sign-up, log-in and
// log-out, the projects of the logged-in user, a project's checks, and one
// check with its pings (pause and resume).
// Sessions are server-side (the cookie holds only a random token); every
// state-changing form carries a CSRF token (the session's, or before
// log-in a double-submit cookie); log-ins are rate-limited per address and
// per client.
class Dashboard {
 public:
  Dashboard(const GatewayConfig& config, DataClient& data,
            const StaticAssets* assets);
  void Register(Router& router);

 private:
  using Session = v1::GetSessionResponse;
  using Form = std::map<std::string, std::string>;
  void Home(HttpRequest& req, const PathParams& p, Respond respond);
  void LoginForm(HttpRequest& req, const PathParams& p, Respond respond);
  void Login(HttpRequest& req, const PathParams& p, Respond respond);
  void SignupForm(HttpRequest& req, const PathParams& p, Respond respond);
  void Signup(HttpRequest& req, const PathParams& p, Respond respond);
  void Logout(HttpRequest& req, const PathParams& p, Respond respond);
  // Projects (dashboard_projects.cc): the list with a form for a new one,
  // and a project's settings: name, ping key, API keys, deletion.
  void Projects(HttpRequest& req, const PathParams& p, Respond respond);
  HttpResponse ProjectsPage(int status, const std::string& message,
                            const Session& s, const std::string& name) const;
  void CreateProject(HttpRequest& req, const PathParams& p, Respond respond);
  // A project's own URL: its checks.
  void ProjectHome(HttpRequest& req, const PathParams& p, Respond respond);
  void ProjectSettings(HttpRequest& req, const PathParams& p, Respond respond);
  // `keys` is null for read-only members (and after a failed rename).
  HttpResponse SettingsPage(int status, const std::string& message,
                            const Session& s, const v1::Membership& member,
                            const v1::GetProjectKeysResponse* keys) const;
  void RenameProject(HttpRequest& req, const PathParams& p, Respond respond);
  void CreateApiKey(HttpRequest& req, const PathParams& p, Respond respond);
  void RevokeApiKey(HttpRequest& req, const PathParams& p, Respond respond);
  void DeleteProjectForm(HttpRequest& req, const PathParams& p, Respond respond);
  void DeleteProject(HttpRequest& req, const PathParams& p, Respond respond);
  void PasswordForm(HttpRequest& req, const PathParams& p, Respond respond);
  void ChangePassword(HttpRequest& req, const PathParams& p, Respond respond);
  HttpResponse PasswordPage(int status, const std::string& message,
                            const Session& s) const;
  void Checks(HttpRequest& req, const PathParams& p, Respond respond);
  // The status, last ping and ping count of a project's checks as JSON, for
  // the pages' live updates (session cookie; 401/404/503 as JSON).
  void ChecksStatus(HttpRequest& req, const PathParams& p, Respond respond);
  // One check: its settings, status, ping URL, status history and pings;
  // pause and resume for members who may write.
  void CheckDetail(HttpRequest& req, const PathParams& p, Respond respond);
  std::string CheckDetailBody(const Session& s, const std::string& project,
                              const v1::Check& c,
                              const v1::ListPingsResponse& pings,
                              const v1::ListFlipsResponse& flips,
                              const v1::ListChannelsResponse& channels,
                              bool can_write) const;
  // A form for a new check (name, slug, tags, period and grace, or a cron
  // schedule with its time zone); the data service's validation messages
  // come back on the form.
  void NewCheckForm(HttpRequest& req, const PathParams& p, Respond respond);
  void CreateCheck(HttpRequest& req, const PathParams& p, Respond respond);
  // The form for a new check, or (`editing` a UUID) for changing one: name,
  // slug, tags, description, period and grace, or a cron/OnCalendar schedule
  // with its zone and a preview of the next times.
  HttpResponse CheckFormPage(int status, const std::string& message,
                             const Session& s, const std::string& project,
                             const Form& form, const std::string& editing) const;
  // A refused create or edit: the form again with the reason (400/429).
  HttpResponse CheckFormRefused(const absl::Status& st, const Session& s,
                                const std::string& project, const Form& form,
                                const std::string& editing) const;
  void EditCheckForm(HttpRequest& req, const PathParams& p, Respond respond);
  void EditCheck(HttpRequest& req, const PathParams& p, Respond respond);
  // The next five times of a schedule, computed by the evaluator the
  // alerts use, as the form's HTML in JSON for its script (the form page
  // renders the same without script).
  void SchedulePreview(HttpRequest& req, const PathParams& p, Respond respond);
  // Deleting a check: a confirmation page, then the posted form.
  void DeleteCheckForm(HttpRequest& req, const PathParams& p, Respond respond);
  void DeleteCheck(HttpRequest& req, const PathParams& p, Respond respond);
  // One ping's whole body, as text.
  void PingBody(HttpRequest& req, const PathParams& p, Respond respond);
  void PauseCheck(HttpRequest& req, const PathParams& p, Respond respond);
  void ResumeCheck(HttpRequest& req, const PathParams& p, Respond respond);
  void SetPaused(HttpRequest& req, const PathParams& p, bool pause,
                 Respond respond);

  // Integrations (dashboard_integrations.cc).
  void Integrations(HttpRequest& req, const PathParams& p, Respond respond);
  // The list page; `failed` is the add form that was refused (shown again,
  // open, with its values).
  void ShowIntegrations(int status, const std::string& message, const Session& s,
                        const std::string& project, const Form* failed, Respond respond);
  void CreateIntegration(HttpRequest& req, const PathParams& p, Respond respond);
  void IntegrationDetail(HttpRequest& req, const PathParams& p, Respond respond);
  // One integration: kind, "send a test", rename, settings, delete, and its
  // deliveries; `message` "sent" says a test was queued, else it is an error.
  void ShowIntegration(int status, const std::string& message, const Session& s,
                       const std::string& project, const std::string& id,
                       Respond respond);
  // POST .../integrations/<id>/{test,name,settings,delete}.
  void IntegrationAction(HttpRequest& req, const PathParams& p, Respond respond);
  // The integrations a check alerts through: a form on its page.
  void SetCheckIntegrations(HttpRequest& req, const PathParams& p, Respond respond);
  std::string CheckIntegrationsForm(const Session& s, const std::string& project,
                                    const v1::Check& c,
                                    const v1::ListChannelsResponse& channels,
                                    bool can_write) const;

  // Members and invitations (dashboard_members.cc).
  void Members(HttpRequest& req, const PathParams& p, Respond respond);
  // `token` is the session's (the data service checks the role with it).
  void ShowMembers(int status, const std::string& message, const Session& s,
                   const std::string& token, const std::string& project, Respond respond);
  void InviteMember(HttpRequest& req, const PathParams& p, Respond respond);
  void RemoveMember(HttpRequest& req, const PathParams& p, Respond respond);
  // GET /invitations/<token>: a confirmation (state changes only on POST).
  void InvitationForm(HttpRequest& req, const PathParams& p, Respond respond);
  void AcceptInvitation(HttpRequest& req, const PathParams& p, Respond respond);
  // The project's badge URLs with previews (dashboard_badges.cc).
  void Badges(HttpRequest& req, const PathParams& p, Respond respond);
  // Runs `fn` with the session and the check named in the path (`p`'s
  // "project" and "check"), after the membership check (`write`: a role
  // that may change it); 404/503 pages otherwise.
  void WithCheck(const HttpRequest& req, const PathParams& p, bool write, Respond respond,
                 std::function<void(Session, v1::Check, Respond)> fn);
  // Runs `fn` with the request's session; without one, redirects to the
  // log-in page.
  void WithSession(const HttpRequest& req, Respond respond,
                   std::function<void(Session, Respond)> fn);
  // WithSession for a posted form: `fn` gets the form fields and the
  // session token, only when the form's CSRF token is the session's (else
  // a 403 page).
  void WithSessionForm(const HttpRequest& req, Respond respond,
                       std::function<void(Session, Form, std::string, Respond)> fn);
  // A whole page in the site's layout.
  // The title and the layout's own text are translated into the session's
  // language (`lang_without_session` for pages before log-in).
  HttpResponse Page(int status, const std::string& title,
                    const std::string& body, const Session* session,
                    const std::string& lang_without_session = "en") const;
  // The log-in form (with a fresh double-submit CSRF cookie).
  HttpResponse LoginPage(int status, const std::string& message,
                         const std::string& email, const std::string& lang) const;
  HttpResponse SignupPage(int status, const std::string& message,
                          const std::string& lang) const;
  // GET /lang/<en|ja>: the language cookie, then back to the page.
  void SetLanguage(HttpRequest& req, const PathParams& p, Respond respond);
  bool Secure() const;
  // The session token of the request's cookie (empty without one).
  static std::string SessionToken(const HttpRequest& req);
  // A 503 page with Retry-After.
  HttpResponse Unavailable(const Session* s) const;
  // The page for a failed AccountService call on a project: log-in page
  // when the session ended, 404, 403, 400 with the message, else 503.
  HttpResponse AccountErrorPage(const absl::Status& st, const Session& s) const;
  // A 404 page when the user is not a member of `project` (another user's
  // project looks like none at all), a 403 page when `write` and the
  // member may only read; nothing when allowed.
  // The page for a failed call on one check: 404 when it is not there (or
  // not this project's), else 503.
  HttpResponse CheckErrorPage(const absl::Status& st, const Session& s) const;
  std::optional<HttpResponse> RefuseNonMember(const Session& s,
                                              const std::string& project,
                                              bool write) const;
  // A 403 page unless the form's CSRF token matches the double-submit
  // cookie (forms shown before log-in).
  std::optional<HttpResponse> RefuseWithoutLoginCsrf(
      const HttpRequest& req, const std::map<std::string, std::string>& form,
      const std::string& retry) const;

  const GatewayConfig& config_;
  DataClient& data_;
  const StaticAssets* assets_;
  std::unique_ptr<RateLimiter> login_per_client_;
  std::unique_ptr<RateLimiter> login_per_account_;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_DASHBOARD_H_
