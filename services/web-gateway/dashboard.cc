#include "web-gateway/dashboard.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "checkjson/check_json.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "web-gateway/dashboard_html.h"
#include "web-gateway/i18n.h"
#include "web-gateway/web_forms.h"

namespace tocsin::gateway {
using namespace dashboard;  // NOLINT: the dashboard's own helpers
namespace {

constexpr char kSessionCookie[] = "tocsin_session";
// Before log-in there is no session to hold a CSRF token: the form and a
// cookie carry the same random value (double submit).
constexpr char kLoginCsrfCookie[] = "tocsin_csrf";
constexpr long kSessionMaxAge = 14 * 24 * 3600;

}  // namespace

Dashboard::Dashboard(const GatewayConfig& config, DataClient& data,
                     const StaticAssets* assets)
    : config_(config), data_(data), assets_(assets) {
  // Generous for people, tight for guessing: 30 a minute per client
  // address (an office behind one address), 5 a minute per account.
  login_per_client_ = std::make_unique<RateLimiter>(30, 30);
  login_per_account_ = std::make_unique<RateLimiter>(5, 5);
}

std::string Dashboard::SessionToken(const HttpRequest& req) {
  return ParseCookies(req.Header("cookie"))[kSessionCookie];
}

bool Dashboard::Secure() const {
  return absl::StartsWith(config_.urls.site_root, "https://");
}

void Dashboard::Register(Router& r) {
  auto bind = [this](auto method) {
    return [this, method](HttpRequest& req, const PathParams& p, Respond cb) {
      (this->*method)(req, p, std::move(cb));
    };
  };
  r.Add({"GET", "HEAD"}, "/", bind(&Dashboard::Home));
  r.Add({"GET", "HEAD"}, "/lang/{lang}", bind(&Dashboard::SetLanguage));
  r.Add({"GET", "HEAD"}, "/accounts/login/", bind(&Dashboard::LoginForm));
  r.Add({"POST"}, "/accounts/login/", bind(&Dashboard::Login));
  r.Add({"GET", "HEAD"}, "/accounts/signup/", bind(&Dashboard::SignupForm));
  r.Add({"POST"}, "/accounts/signup/", bind(&Dashboard::Signup));
  r.Add({"POST"}, "/accounts/logout/", bind(&Dashboard::Logout));
  r.Add({"GET", "HEAD"}, "/projects/", bind(&Dashboard::Projects));
  r.Add({"GET", "HEAD"}, "/accounts/password/", bind(&Dashboard::PasswordForm));
  r.Add({"POST"}, "/accounts/password/", bind(&Dashboard::ChangePassword));
  r.Add({"POST"}, "/projects/new", bind(&Dashboard::CreateProject));
  r.Add({"GET", "HEAD"}, "/projects/{project}/", bind(&Dashboard::ProjectHome));
  r.Add({"GET", "HEAD"}, "/projects/{project}/settings/",
        bind(&Dashboard::ProjectSettings));
  r.Add({"POST"}, "/projects/{project}/settings/name", bind(&Dashboard::RenameProject));
  r.Add({"POST"}, "/projects/{project}/keys/new", bind(&Dashboard::CreateApiKey));
  r.Add({"POST"}, "/projects/{project}/keys/{key}/revoke",
        bind(&Dashboard::RevokeApiKey));
  r.Add({"GET", "HEAD"}, "/projects/{project}/delete",
        bind(&Dashboard::DeleteProjectForm));
  r.Add({"POST"}, "/projects/{project}/delete", bind(&Dashboard::DeleteProject));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/", bind(&Dashboard::Checks));
  r.Add({"GET", "HEAD"}, "/projects/{project}/badges/", bind(&Dashboard::Badges));
  r.Add({"GET", "HEAD"}, "/projects/{project}/members/", bind(&Dashboard::Members));
  r.Add({"POST"}, "/projects/{project}/members/invite", bind(&Dashboard::InviteMember));
  r.Add({"POST"}, "/projects/{project}/members/remove", bind(&Dashboard::RemoveMember));
  r.Add({"GET", "HEAD"}, "/invitations/{token}", bind(&Dashboard::InvitationForm));
  r.Add({"POST"}, "/invitations/{token}", bind(&Dashboard::AcceptInvitation));
  r.Add({"GET", "HEAD"}, "/projects/{project}/integrations/",
        bind(&Dashboard::Integrations));
  r.Add({"POST"}, "/projects/{project}/integrations/new",
        bind(&Dashboard::CreateIntegration));
  r.Add({"GET", "HEAD"}, "/projects/{project}/integrations/{channel}/",
        bind(&Dashboard::IntegrationDetail));
  r.Add({"POST"}, "/projects/{project}/integrations/{channel}/{action}",
        bind(&Dashboard::IntegrationAction));
  r.Add({"POST"}, "/projects/{project}/checks/{check}/integrations",
        bind(&Dashboard::SetCheckIntegrations));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/status.json",
        bind(&Dashboard::ChecksStatus));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/schedule-preview",
        bind(&Dashboard::SchedulePreview));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/{check}/edit",
        bind(&Dashboard::EditCheckForm));
  r.Add({"POST"}, "/projects/{project}/checks/{check}/edit", bind(&Dashboard::EditCheck));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/new",
        bind(&Dashboard::NewCheckForm));
  r.Add({"POST"}, "/projects/{project}/checks/new", bind(&Dashboard::CreateCheck));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/{check}/",
        bind(&Dashboard::CheckDetail));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/{check}/pings/{n}/body",
        bind(&Dashboard::PingBody));
  r.Add({"POST"}, "/projects/{project}/checks/{check}/pause",
        bind(&Dashboard::PauseCheck));
  r.Add({"POST"}, "/projects/{project}/checks/{check}/resume",
        bind(&Dashboard::ResumeCheck));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/{check}/delete",
        bind(&Dashboard::DeleteCheckForm));
  r.Add({"POST"}, "/projects/{project}/checks/{check}/delete",
        bind(&Dashboard::DeleteCheck));
}

HttpResponse Dashboard::Page(int status, const std::string& title,
                             const std::string& body, const Session* session,
                             const std::string& lang_without_session) const {
  const std::string& L = session ? session->language() : lang_without_session;
  std::string css = assets_ ? assets_->Url("tocsin.css") : "/static/tocsin.css";
  std::string icon = assets_ ? assets_->Url("favicon.svg") : "/static/favicon.svg";
  std::string js = assets_ ? assets_->Url("tocsin.js") : "/static/tocsin.js";
  std::string nav;
  if (session != nullptr) {
    nav = absl::StrCat(
        "<nav><a href=\"/projects/\">", Tr(L, "Projects"), "</a>"
        "<a href=\"/accounts/password/\">", Tr(L, "Password"), "</a>"
        "<span class=\"who\">", Esc(session->user().email()), "</span>"
        "<form method=\"post\" action=\"/accounts/logout/\">", CsrfField(*session),
        "<button type=\"submit\">", Tr(L, "Log out"), "</button></form></nav>");
  }
  // The other language, one link away (back to this page).
  std::string switcher = L == "ja"
      ? "<a class=\"lang\" href=\"/lang/en\" hreflang=\"en\" lang=\"en\">English</a>"
      : "<a class=\"lang\" href=\"/lang/ja\" hreflang=\"ja\" lang=\"ja\">"
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e</a>";
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = absl::StrCat(
      "<!doctype html>\n<html lang=\"", L == "ja" ? "ja" : "en", "\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>", Esc(Tr(L, title.c_str())), " \xe2\x80\x93 ", Esc(config_.site_name), "</title>"
      "<link rel=\"stylesheet\" href=\"", Esc(css), "\">"
      "<link rel=\"icon\" href=\"", Esc(icon), "\">"
      "<script src=\"", Esc(js), "\" defer></script></head><body>"
      "<header><a class=\"brand\" href=\"/\">", Esc(config_.site_name), "</a>", nav, switcher,
      "</header><main><h1>", Esc(Tr(L, title.c_str())), "</h1>", body,
      "</main></body></html>\n");
  return r;
}

HttpResponse Dashboard::Unavailable(const Session* s) const {
  const std::string& L = s ? s->language() : std::string("en");
  HttpResponse r = Page(503, "Unavailable",
                        Para(L, "The service is busy or unavailable; try again shortly."), s);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

HttpResponse Dashboard::AccountErrorPage(const absl::Status& st,
                                         const Session& s) const {
  if (absl::IsUnauthenticated(st)) return Redirect("/accounts/login/");
  if (absl::IsNotFound(st)) {
    return Page(404, "Not found", Para(s.language(), "No such project."), &s);
  }
  if (absl::IsPermissionDenied(st)) {
    return Page(403, "Forbidden", absl::StrCat("<p>", Esc(std::string(st.message())), ".</p>"), &s);
  }
  if (absl::IsInvalidArgument(st)) {
    return Page(400, "Bad request", absl::StrCat("<p>", Esc(std::string(st.message())), "</p>"), &s);
  }
  return Unavailable(&s);
}

HttpResponse Dashboard::LoginPage(int status, const std::string& message,
                                  const std::string& email, const std::string& L) const {
  std::string csrf = RandomToken(32);
  std::string body = absl::StrCat(
      Alert(L, message),
      "<form method=\"post\" action=\"/accounts/login/\" class=\"stack\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"", csrf, "\">"
      "<label for=\"email\">", Tr(L, "Email address"), "</label>"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"",
      Esc(email), "\">"
      "<label for=\"password\">", Tr(L, "Password"), "</label>"
      "<input id=\"password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required>"
      "<button type=\"submit\">", Tr(L, "Log in"), "</button></form>",
      config_.registration_open
          ? Trf(L, "<p>New here? <a href=\"$0\">Create an account</a>.</p>", "/accounts/signup/")
          : "");
  HttpResponse r = Page(status, "Log in", body, nullptr, L);
  r.headers.emplace_back("Set-Cookie",
                         CookieHeader(kLoginCsrfCookie, csrf, 3600, Secure()));
  return r;
}

HttpResponse Dashboard::SignupPage(int status, const std::string& message,
                                   const std::string& L) const {
  std::string csrf = RandomToken(32);
  std::string body = absl::StrCat(
      Alert(L, message),
      "<form method=\"post\" action=\"/accounts/signup/\" class=\"stack\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"", csrf, "\">"
      "<label for=\"email\">", Tr(L, "Email address"), "</label>"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>"
      "<label for=\"password\">", Tr(L, "Password (at least 8 characters)"), "</label>"
      "<input id=\"password\" name=\"password\" type=\"password\" minlength=\"8\" "
      "autocomplete=\"new-password\" required>"
      "<button type=\"submit\">", Tr(L, "Create account"), "</button></form>",
      Trf(L, "<p>Have an account? <a href=\"$0\">Log in</a>.</p>", "/accounts/login/"));
  HttpResponse r = Page(status, "Create an account", body, nullptr, L);
  r.headers.emplace_back("Set-Cookie",
                         CookieHeader(kLoginCsrfCookie, csrf, 3600, Secure()));
  return r;
}

std::optional<HttpResponse> Dashboard::RefuseWithoutLoginCsrf(
    const HttpRequest& req, const std::map<std::string, std::string>& form,
    const std::string& retry) const {
  const std::string L = RequestLanguage(req);
  auto cookies = ParseCookies(req.Header("cookie"));
  auto field = form.find("csrf");
  if (field != form.end() && SameToken(field->second, cookies[kLoginCsrfCookie])) {
    return std::nullopt;
  }
  return Page(403, "Forbidden",
              Trf(L, "<p>The form expired or came from elsewhere. <a href=\"$0\">Try again</a>.</p>",
                  Esc(retry)),
              nullptr, L);
}

void Dashboard::WithSession(const HttpRequest& req, Respond respond,
                            std::function<void(Session, Respond)> fn) {
  auto cookies = ParseCookies(req.Header("cookie"));
  auto it = cookies.find(kSessionCookie);
  if (it == cookies.end() || it->second.empty()) {
    return respond(Redirect("/accounts/login/"));
  }
  v1::GetSessionRequest rpc;
  rpc.set_session_token(it->second);
  std::string lang = RequestLanguage(req);
  data_.GetSession(std::move(rpc), [respond = std::move(respond), fn = std::move(fn), lang,
                                    this](absl::StatusOr<Session> s) mutable {
    if (!s.ok()) {
      if (absl::IsNotFound(s.status())) {
        HttpResponse r = Redirect("/accounts/login/");
        r.headers.emplace_back("Set-Cookie", CookieHeader(kSessionCookie, "", 0, Secure()));
        return respond(std::move(r));
      }
      return respond(Unavailable(nullptr));
    }
    s->set_language(lang);
    fn(*std::move(s), std::move(respond));
  });
}

void Dashboard::WithSessionForm(
    const HttpRequest& req, Respond respond,
    std::function<void(Session, Form, std::string, Respond)> fn) {
  auto parsed = ParseForm(req.body);
  if (!parsed) {
    const std::string L = RequestLanguage(req);
    return respond(Page(400, "Bad request",
                        Para(L, "The form has characters that are not text (invalid "
                                "UTF-8). Check what you entered and try again."),
                        nullptr, L));
  }
  Form form = *std::move(parsed);
  std::string token = SessionToken(req);
  WithSession(req, std::move(respond),
              [this, form = std::move(form), token = std::move(token),
               fn = std::move(fn)](Session s, Respond respond) mutable {
                auto field = form.find("csrf");
                if (field == form.end() || !SameToken(field->second, s.csrf_token())) {
                  return respond(Page(403, "Forbidden",
                                      Para(s.language(), "The form expired or came from elsewhere."),
                                      &s));
                }
                fn(std::move(s), std::move(form), std::move(token), std::move(respond));
              });
}

void Dashboard::Home(HttpRequest& req, const PathParams&, Respond respond) {
  auto cookies = ParseCookies(req.Header("cookie"));
  respond(Redirect(cookies.count(kSessionCookie) ? "/projects/" : "/accounts/login/"));
}

void Dashboard::ProjectHome(HttpRequest&, const PathParams& p, Respond respond) {
  respond(Redirect(ChecksPath(p.at("project"))));
}

void Dashboard::SetLanguage(HttpRequest& req, const PathParams& p, Respond respond) {
  const std::string& lang = p.at("lang");
  if (lang != "en" && lang != "ja") {
    return respond(Page(404, "Not found", Para("en", "No such page."), nullptr));
  }
  // Back to the page the link was on, when it was one of ours (same host).
  std::string back = "/";
  std::string_view referer = req.Header("referer");
  size_t scheme = referer.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view rest = referer.substr(scheme + 3);
    size_t slash = rest.find('/');
    // nginx passes the host without its port.
    auto no_port = [](std::string_view h) {
      size_t colon = h.rfind(':');
      if (colon != std::string_view::npos && h.find(']', colon) == std::string_view::npos &&
          h.substr(colon + 1).find_first_not_of("0123456789") == std::string_view::npos) {
        h = h.substr(0, colon);
      }
      return h;
    };
    std::string_view host = rest.substr(0, slash);
    if (slash != std::string_view::npos &&
        no_port(host) == no_port(std::string_view(req.Header("host")))) {
      std::string_view path = rest.substr(slash);
      if (!absl::StartsWith(Absl(path), "//") && path.find_first_of("\r\n\\") == std::string_view::npos) {
        back = std::string(path);
      }
    }
  }
  HttpResponse r = Redirect(back);
  r.headers.emplace_back("Set-Cookie",
                         CookieHeader("tocsin_lang", lang, 365L * 24 * 3600, Secure()));
  respond(std::move(r));
}

void Dashboard::LoginForm(HttpRequest& req, const PathParams&, Respond respond) {
  respond(LoginPage(200, "", "", RequestLanguage(req)));
}

void Dashboard::Login(HttpRequest& req, const PathParams&, Respond respond) {
  const std::string L = RequestLanguage(req);
  auto parsed = ParseForm(req.body);
  if (!parsed) {
    return respond(LoginPage(400, "The form has characters that are not text (invalid "
                                  "UTF-8). Check what you entered and try again.", "", L));
  }
  Form& form = *parsed;
  if (auto refused = RefuseWithoutLoginCsrf(req, form, "/accounts/login/")) {
    return respond(std::move(*refused));
  }
  const std::string email = absl::AsciiStrToLower(form["email"]);
  absl::Duration wait;
  absl::Time now = absl::Now();
  if (!login_per_client_->Allow(req.remote_addr, now, &wait) ||
      !login_per_account_->Allow(Sha256(email), now, &wait)) {
    HttpResponse r = LoginPage(429, "Too many attempts. Wait a minute and try again.", email, L);
    r.headers.emplace_back("Retry-After",
                           absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(wait) + 1)));
    return respond(std::move(r));
  }
  v1::LogInRequest rpc;
  rpc.set_email(email);
  rpc.set_password(form["password"]);
  data_.LogIn(std::move(rpc), [this, email, L, respond = std::move(respond)](
                                  absl::StatusOr<v1::LogInResponse> r) {
    if (!r.ok()) {
      if (absl::IsUnauthenticated(r.status()) || absl::IsInvalidArgument(r.status())) {
        return respond(LoginPage(400, "Wrong email address or password.", email, L));
      }
      return respond(LoginPage(503, "The service is busy; try again shortly.", email, L));
    }
    HttpResponse out = Redirect("/projects/");
    out.headers.emplace_back(
        "Set-Cookie", CookieHeader(kSessionCookie, r->session_token(), kSessionMaxAge, Secure()));
    out.headers.emplace_back("Set-Cookie", CookieHeader(kLoginCsrfCookie, "", 0, Secure()));
    respond(std::move(out));
  });
}

void Dashboard::SignupForm(HttpRequest& req, const PathParams&, Respond respond) {
  const std::string L = RequestLanguage(req);
  if (!config_.registration_open) {
    return respond(Page(404, "Sign-up is closed",
                        Para(L, "Ask an administrator for an account."), nullptr, L));
  }
  respond(SignupPage(200, "", L));
}

void Dashboard::Signup(HttpRequest& req, const PathParams&, Respond respond) {
  const std::string L = RequestLanguage(req);
  if (!config_.registration_open) {
    return respond(Page(404, "Sign-up is closed",
                        Para(L, "Ask an administrator for an account."), nullptr, L));
  }
  auto parsed = ParseForm(req.body);
  if (!parsed) {
    return respond(SignupPage(400, "The form has characters that are not text (invalid "
                                   "UTF-8). Check what you entered and try again.", L));
  }
  Form& form = *parsed;
  if (auto refused = RefuseWithoutLoginCsrf(req, form, "/accounts/signup/")) {
    return respond(std::move(*refused));
  }
  absl::Duration wait;
  if (!login_per_client_->Allow(req.remote_addr, absl::Now(), &wait)) {
    return respond(SignupPage(429, "Too many attempts. Wait a minute and try again.", L));
  }
  v1::CreateUserRequest rpc;
  rpc.set_email(form["email"]);
  rpc.set_password(form["password"]);
  data_.CreateUser(std::move(rpc), [this, L, respond = std::move(respond)](
                                       absl::StatusOr<v1::CreateUserResponse> r) {
    // Taken or new, the answer is the same: sign-up must not tell anyone
    // which addresses have accounts.
    if (r.ok() || absl::IsAlreadyExists(r.status())) {
      return respond(Page(200, "Account ready",
                          Trf(L, "<p>If that address had no account, it has one now. "
                                 "<a href=\"$0\">Log in</a>.</p>", "/accounts/login/"),
                          nullptr, L));
    }
    if (absl::IsInvalidArgument(r.status())) {
      std::string msg(r.status().message());
      return respond(SignupPage(400, absl::StrContains(msg, "password")
                                         ? "The password needs at least 8 characters."
                                         : "That is not an email address.", L));
    }
    respond(SignupPage(503, "The service is busy; try again shortly.", L));
  });
}

void Dashboard::Logout(HttpRequest& req, const PathParams&, Respond respond) {
  WithSessionForm(req, std::move(respond), [this](Session s, Form form,
                                                  std::string token, Respond respond) {
    v1::LogOutRequest rpc;
    rpc.set_session_token(token);
    data_.LogOut(std::move(rpc), [this, respond = std::move(respond)](
                                     absl::StatusOr<v1::LogOutResponse>) {
      HttpResponse r = Redirect("/accounts/login/");
      r.headers.emplace_back("Set-Cookie", CookieHeader(kSessionCookie, "", 0, Secure()));
      respond(std::move(r));
    });
  });
}

HttpResponse Dashboard::PasswordPage(int status, const std::string& message,
                                     const Session& s) const {
  const std::string& L = s.language();
  std::string body = absl::StrCat(
      Alert(L, message),
      "<form method=\"post\" action=\"/accounts/password/\" class=\"stack\">", CsrfField(s),
      "<label for=\"old\">", Tr(L, "Current password"), "</label>"
      "<input id=\"old\" name=\"old\" type=\"password\" autocomplete=\"current-password\" required>"
      "<label for=\"new\">", Tr(L, "New password (at least 8 characters)"), "</label>"
      "<input id=\"new\" name=\"new\" type=\"password\" minlength=\"8\" "
      "autocomplete=\"new-password\" required>"
      "<button type=\"submit\">", Tr(L, "Change password"), "</button></form>");
  return Page(status, "Change password", body, &s);
}

void Dashboard::PasswordForm(HttpRequest& req, const PathParams&, Respond respond) {
  WithSession(req, std::move(respond), [this](Session s, Respond respond) {
    respond(PasswordPage(200, "", s));
  });
}

void Dashboard::ChangePassword(HttpRequest& req, const PathParams&, Respond respond) {
  WithSessionForm(req, std::move(respond), [this](Session s, Form form,
                                                  std::string token, Respond respond) {
    v1::ChangePasswordRequest rpc;
    rpc.set_session_token(token);
    rpc.set_old_password(form.count("old") ? form.at("old") : "");
    rpc.set_new_password(form.count("new") ? form.at("new") : "");
    data_.ChangePassword(std::move(rpc), [this, s, respond = std::move(respond)](
                                             absl::StatusOr<v1::ChangePasswordResponse> r) {
      if (r.ok()) {
        return respond(Page(200, "Password changed",
                            Para(s.language(),
                                 "Your password is changed; your other sessions have ended."),
                            &s));
      }
      if (absl::IsUnauthenticated(r.status())) {
        return respond(PasswordPage(400, "The current password is wrong.", s));
      }
      if (absl::IsInvalidArgument(r.status())) {
        return respond(PasswordPage(400, "The new password needs at least 8 characters.", s));
      }
      respond(PasswordPage(503, "The service is busy; try again shortly.", s));
    });
  });
}

std::optional<HttpResponse> Dashboard::RefuseNonMember(const Session& s,
                                                       const std::string& project,
                                                       bool write) const {
  const v1::Membership* member = MembershipOf(s, project);
  if (member == nullptr) {
    return Page(404, "Not found", Para(s.language(), "No such project."), &s);
  }
  if (write && member->role() == "ro") {
    return Page(403, "Forbidden", Para(s.language(), "You can only read this project."), &s);
  }
  return std::nullopt;
}

HttpResponse Dashboard::CheckErrorPage(const absl::Status& st, const Session& s) const {
  // A check of another project, or no UUID at all, is as absent as a
  // deleted one.
  if (absl::IsNotFound(st) || absl::IsPermissionDenied(st) ||
      absl::IsInvalidArgument(st)) {
    return Page(404, "Not found", Para(s.language(), "No such check."), &s);
  }
  return Unavailable(&s);
}

}  // namespace tocsin::gateway
