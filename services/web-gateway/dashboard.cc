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
#include "web-gateway/web_forms.h"

namespace tocsin::gateway {
namespace {

constexpr char kSessionCookie[] = "tocsin_session";
// Before log-in there is no session to hold a CSRF token: the form and a
// cookie carry the same random value (double submit).
constexpr char kLoginCsrfCookie[] = "tocsin_csrf";
constexpr long kSessionMaxAge = 14 * 24 * 3600;

std::string Esc(std::string_view s) { return HtmlEscape(s); }

HttpResponse Redirect(const std::string& to) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", to);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

const char* StatusLabel(v1::CheckStatus s) {
  switch (s) {
    case v1::CHECK_STATUS_UP: return "up";
    case v1::CHECK_STATUS_DOWN: return "down";
    case v1::CHECK_STATUS_GRACE: return "late";
    case v1::CHECK_STATUS_PAUSED: return "paused";
    default: return "new";
  }
}

const char* PingKindLabel(v1::PingKind k) {
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
const v1::Membership* MembershipOf(const v1::GetSessionResponse& s,
                                   const std::string& project) {
  for (const auto& m : s.memberships()) {
    if (m.project().uuid() == project) return &m;
  }
  return nullptr;
}

// A project's checks page, and one check's page (the base of its forms).
std::string ChecksPath(const std::string& project) {
  return absl::StrCat("/projects/", project, "/checks/");
}

std::string CheckPath(const std::string& project, const std::string& check) {
  return absl::StrCat(ChecksPath(project), check, "/");
}

}  // namespace

Dashboard::Dashboard(const GatewayConfig& config, DataClient& data,
                     const StaticAssets* assets)
    : config_(config), data_(data), assets_(assets) {
  // Generous for people, tight for guessing: 30 a minute per client
  // address (an office behind one address), 5 a minute per account.
  login_per_client_ = std::make_unique<RateLimiter>(30, 30);
  login_per_account_ = std::make_unique<RateLimiter>(5, 5);
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
  r.Add({"GET", "HEAD"}, "/accounts/login/", bind(&Dashboard::LoginForm));
  r.Add({"POST"}, "/accounts/login/", bind(&Dashboard::Login));
  r.Add({"GET", "HEAD"}, "/accounts/signup/", bind(&Dashboard::SignupForm));
  r.Add({"POST"}, "/accounts/signup/", bind(&Dashboard::Signup));
  r.Add({"POST"}, "/accounts/logout/", bind(&Dashboard::Logout));
  r.Add({"GET", "HEAD"}, "/projects/", bind(&Dashboard::Projects));
  r.Add({"GET", "HEAD"}, "/accounts/password/", bind(&Dashboard::PasswordForm));
  r.Add({"POST"}, "/accounts/password/", bind(&Dashboard::ChangePassword));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/", bind(&Dashboard::Checks));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/new",
        bind(&Dashboard::NewCheckForm));
  r.Add({"POST"}, "/projects/{project}/checks/new", bind(&Dashboard::CreateCheck));
  r.Add({"GET", "HEAD"}, "/projects/{project}/checks/{check}/",
        bind(&Dashboard::CheckDetail));
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
                             const std::string& body,
                             const Session* session) const {
  std::string css = assets_ ? assets_->Url("tocsin.css") : "/static/tocsin.css";
  std::string icon = assets_ ? assets_->Url("favicon.svg") : "/static/favicon.svg";
  std::string js = assets_ ? assets_->Url("tocsin.js") : "/static/tocsin.js";
  std::string nav;
  if (session != nullptr) {
    nav = absl::StrCat(
        "<nav><a href=\"/projects/\">Projects</a>"
        "<a href=\"/accounts/password/\">Password</a>"
        "<span class=\"who\">", Esc(session->user().email()), "</span>"
        "<form method=\"post\" action=\"/accounts/logout/\">"
        "<input type=\"hidden\" name=\"csrf\" value=\"", Esc(session->csrf_token()),
        "\"><button type=\"submit\">Log out</button></form></nav>");
  }
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>", Esc(title), " \xe2\x80\x93 ", Esc(config_.site_name), "</title>"
      "<link rel=\"stylesheet\" href=\"", Esc(css), "\">"
      "<link rel=\"icon\" href=\"", Esc(icon), "\">"
      "<script src=\"", Esc(js), "\" defer></script></head><body>"
      "<header><a class=\"brand\" href=\"/\">", Esc(config_.site_name), "</a>", nav,
      "</header><main><h1>", Esc(title), "</h1>", body, "</main></body></html>\n");
  return r;
}

HttpResponse Dashboard::LoginPage(int status, const std::string& message,
                                  const std::string& email) const {
  std::string csrf = RandomToken(32);
  std::string body = absl::StrCat(
      message.empty() ? "" : absl::StrCat("<p class=\"error\" role=\"alert\">", Esc(message), "</p>"),
      "<form method=\"post\" action=\"/accounts/login/\" class=\"stack\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"", csrf, "\">"
      "<label for=\"email\">Email address</label>"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"",
      Esc(email), "\">"
      "<label for=\"password\">Password</label>"
      "<input id=\"password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required>"
      "<button type=\"submit\">Log in</button></form>",
      config_.registration_open
          ? "<p>New here? <a href=\"/accounts/signup/\">Create an account</a>.</p>"
          : "");
  HttpResponse r = Page(status, "Log in", body, nullptr);
  r.headers.emplace_back("Set-Cookie",
                         CookieHeader(kLoginCsrfCookie, csrf, 3600, Secure()));
  return r;
}

HttpResponse Dashboard::SignupPage(int status, const std::string& message) const {
  std::string csrf = RandomToken(32);
  std::string body = absl::StrCat(
      message.empty() ? "" : absl::StrCat("<p class=\"error\" role=\"alert\">", Esc(message), "</p>"),
      "<form method=\"post\" action=\"/accounts/signup/\" class=\"stack\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"", csrf, "\">"
      "<label for=\"email\">Email address</label>"
      "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>"
      "<label for=\"password\">Password (at least 8 characters)</label>"
      "<input id=\"password\" name=\"password\" type=\"password\" minlength=\"8\" "
      "autocomplete=\"new-password\" required>"
      "<button type=\"submit\">Create account</button></form>"
      "<p>Have an account? <a href=\"/accounts/login/\">Log in</a>.</p>");
  HttpResponse r = Page(status, "Create an account", body, nullptr);
  r.headers.emplace_back("Set-Cookie",
                         CookieHeader(kLoginCsrfCookie, csrf, 3600, Secure()));
  return r;
}

std::optional<HttpResponse> Dashboard::RefuseWithoutLoginCsrf(
    const HttpRequest& req, const std::map<std::string, std::string>& form,
    const std::string& retry) const {
  auto cookies = ParseCookies(req.Header("cookie"));
  auto field = form.find("csrf");
  if (field != form.end() && SameToken(field->second, cookies[kLoginCsrfCookie])) {
    return std::nullopt;
  }
  return Page(403, "Forbidden",
              absl::StrCat("<p>The form expired or came from elsewhere. <a href=\"",
                           Esc(retry), "\">Try again</a>.</p>"),
              nullptr);
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
  data_.GetSession(std::move(rpc), [respond = std::move(respond), fn = std::move(fn),
                                    this](absl::StatusOr<Session> s) mutable {
    if (!s.ok()) {
      if (absl::IsNotFound(s.status())) {
        HttpResponse r = Redirect("/accounts/login/");
        r.headers.emplace_back("Set-Cookie", CookieHeader(kSessionCookie, "", 0, Secure()));
        return respond(std::move(r));
      }
      return respond(Page(503, "Unavailable",
                          "<p>The service is busy or unavailable; try again shortly.</p>",
                          nullptr));
    }
    fn(*std::move(s), std::move(respond));
  });
}

void Dashboard::WithSessionForm(
    const HttpRequest& req, Respond respond,
    std::function<void(Session, Form, std::string, Respond)> fn) {
  Form form = ParseForm(req.body);
  std::string token = ParseCookies(req.Header("cookie"))[kSessionCookie];
  WithSession(req, std::move(respond),
              [this, form = std::move(form), token = std::move(token),
               fn = std::move(fn)](Session s, Respond respond) mutable {
                auto field = form.find("csrf");
                if (field == form.end() || !SameToken(field->second, s.csrf_token())) {
                  return respond(Page(403, "Forbidden",
                                      "<p>The form expired or came from elsewhere.</p>", &s));
                }
                fn(std::move(s), std::move(form), std::move(token), std::move(respond));
              });
}

void Dashboard::Home(HttpRequest& req, const PathParams&, Respond respond) {
  auto cookies = ParseCookies(req.Header("cookie"));
  respond(Redirect(cookies.count(kSessionCookie) ? "/projects/" : "/accounts/login/"));
}

void Dashboard::LoginForm(HttpRequest&, const PathParams&, Respond respond) {
  respond(LoginPage(200, "", ""));
}

void Dashboard::Login(HttpRequest& req, const PathParams&, Respond respond) {
  auto form = ParseForm(req.body);
  if (auto refused = RefuseWithoutLoginCsrf(req, form, "/accounts/login/")) {
    return respond(std::move(*refused));
  }
  const std::string email = absl::AsciiStrToLower(form["email"]);
  absl::Duration wait;
  absl::Time now = absl::Now();
  if (!login_per_client_->Allow(req.remote_addr, now, &wait) ||
      !login_per_account_->Allow(Sha256(email), now, &wait)) {
    HttpResponse r = LoginPage(429, "Too many attempts. Wait a minute and try again.", email);
    r.headers.emplace_back("Retry-After",
                           absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(wait) + 1)));
    return respond(std::move(r));
  }
  v1::LogInRequest rpc;
  rpc.set_email(email);
  rpc.set_password(form["password"]);
  data_.LogIn(std::move(rpc), [this, email, respond = std::move(respond)](
                                  absl::StatusOr<v1::LogInResponse> r) {
    if (!r.ok()) {
      if (absl::IsUnauthenticated(r.status()) || absl::IsInvalidArgument(r.status())) {
        return respond(LoginPage(400, "Wrong email address or password.", email));
      }
      return respond(LoginPage(503, "The service is busy; try again shortly.", email));
    }
    HttpResponse out = Redirect("/projects/");
    out.headers.emplace_back(
        "Set-Cookie", CookieHeader(kSessionCookie, r->session_token(), kSessionMaxAge, Secure()));
    out.headers.emplace_back("Set-Cookie", CookieHeader(kLoginCsrfCookie, "", 0, Secure()));
    respond(std::move(out));
  });
}

void Dashboard::SignupForm(HttpRequest&, const PathParams&, Respond respond) {
  if (!config_.registration_open) {
    return respond(Page(404, "Sign-up is closed",
                        "<p>Ask an administrator for an account.</p>", nullptr));
  }
  respond(SignupPage(200, ""));
}

void Dashboard::Signup(HttpRequest& req, const PathParams&, Respond respond) {
  if (!config_.registration_open) {
    return respond(Page(404, "Sign-up is closed",
                        "<p>Ask an administrator for an account.</p>", nullptr));
  }
  auto form = ParseForm(req.body);
  if (auto refused = RefuseWithoutLoginCsrf(req, form, "/accounts/signup/")) {
    return respond(std::move(*refused));
  }
  absl::Duration wait;
  if (!login_per_client_->Allow(req.remote_addr, absl::Now(), &wait)) {
    return respond(SignupPage(429, "Too many attempts. Wait a minute and try again."));
  }
  v1::CreateUserRequest rpc;
  rpc.set_email(form["email"]);
  rpc.set_password(form["password"]);
  data_.CreateUser(std::move(rpc), [this, respond = std::move(respond)](
                                       absl::StatusOr<v1::CreateUserResponse> r) {
    // Taken or new, the answer is the same: sign-up must not tell anyone
    // which addresses have accounts.
    if (r.ok() || absl::IsAlreadyExists(r.status())) {
      return respond(Page(200, "Account ready",
                          "<p>If that address had no account, it has one now. "
                          "<a href=\"/accounts/login/\">Log in</a>.</p>",
                          nullptr));
    }
    if (absl::IsInvalidArgument(r.status())) {
      std::string msg(r.status().message());
      return respond(SignupPage(400, absl::StrContains(msg, "password")
                                         ? "The password needs at least 8 characters."
                                         : "That is not an email address."));
    }
    respond(SignupPage(503, "The service is busy; try again shortly."));
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
  std::string body = absl::StrCat(
      message.empty() ? "" : absl::StrCat("<p class=\"error\" role=\"alert\">", Esc(message), "</p>"),
      "<form method=\"post\" action=\"/accounts/password/\" class=\"stack\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"", Esc(s.csrf_token()), "\">"
      "<label for=\"old\">Current password</label>"
      "<input id=\"old\" name=\"old\" type=\"password\" autocomplete=\"current-password\" required>"
      "<label for=\"new\">New password (at least 8 characters)</label>"
      "<input id=\"new\" name=\"new\" type=\"password\" minlength=\"8\" "
      "autocomplete=\"new-password\" required>"
      "<button type=\"submit\">Change password</button></form>");
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
                            "<p>Your password is changed; your other sessions have ended.</p>",
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

void Dashboard::Projects(HttpRequest& req, const PathParams&, Respond respond) {
  WithSession(req, std::move(respond), [this](Session s, Respond respond) {
    std::string list = "<ul class=\"projects\">";
    for (const auto& m : s.memberships()) {
      absl::StrAppend(&list, "<li><a href=\"", Esc(ChecksPath(m.project().uuid())),
                      "\">", Esc(m.project().name()), "</a> <span class=\"role\">",
                      Esc(m.role()), "</span></li>");
    }
    absl::StrAppend(&list, "</ul>");
    if (s.memberships().empty()) list = "<p>You belong to no project yet.</p>";
    respond(Page(200, "Projects", list, &s));
  });
}

std::optional<HttpResponse> Dashboard::RefuseNonMember(const Session& s,
                                                       const std::string& project,
                                                       bool write) const {
  const v1::Membership* member = MembershipOf(s, project);
  if (member == nullptr) {
    return Page(404, "Not found", "<p>No such project.</p>", &s);
  }
  if (write && member->role() == "ro") {
    return Page(403, "Forbidden", "<p>You can only read this project.</p>", &s);
  }
  return std::nullopt;
}

HttpResponse Dashboard::CheckErrorPage(const absl::Status& st, const Session& s) const {
  // A check of another project, or no UUID at all, is as absent as a
  // deleted one.
  if (absl::IsNotFound(st) || absl::IsPermissionDenied(st) ||
      absl::IsInvalidArgument(st)) {
    return Page(404, "Not found", "<p>No such check.</p>", &s);
  }
  return Page(503, "Unavailable", "<p>Try again shortly.</p>", &s);
}

void Dashboard::Checks(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  // Filters from the page's own form: every tag asked for, and a text that
  // the name, slug or UUID contains (either case).
  std::set<std::string> want_tags;
  auto range = req.query.equal_range("tag");
  for (auto it = range.first; it != range.second; ++it) {
    if (!it->second.empty()) want_tags.insert(it->second);
  }
  const std::string* q = req.QueryValue("q");
  std::string text = q ? std::string(absl::StripAsciiWhitespace(*q)) : "";
  WithSession(req, std::move(respond), [this, project, want_tags, text](Session s,
                                                                        Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    const v1::Membership* member = MembershipOf(s, project);
    v1::ListChecksRequest rpc;
    rpc.set_project(project);
    std::string name = member->project().name();
    bool s_can_write = member->role() != "ro";
    data_.ListChecksForProject(
        std::move(rpc), [this, s, name, project, s_can_write, want_tags, text,
                         respond = std::move(respond)](
                            absl::StatusOr<v1::ListChecksResponse> r) {
          if (!r.ok()) {
            return respond(Page(503, "Unavailable", "<p>Try again shortly.</p>", &s));
          }
          std::string body;
          if (s_can_write) {
            absl::StrAppend(&body, "<p><a class=\"button\" href=\"",
                            Esc(ChecksPath(project)), "new\">New check</a></p>");
          }
          if (r->checks().empty()) {
            body += "<p>No checks yet.</p>";
          } else {
            std::set<std::string> all_tags;
            std::vector<const v1::Check*> shown;
            std::string needle = absl::AsciiStrToLower(text);
            for (const auto& c : r->checks()) {
              std::set<std::string> tags;
              for (absl::string_view t : absl::StrSplit(c.tags(), ' ', absl::SkipEmpty())) {
                tags.insert(std::string(t));
              }
              all_tags.insert(tags.begin(), tags.end());
              bool match = std::includes(tags.begin(), tags.end(), want_tags.begin(),
                                         want_tags.end());
              if (match && !needle.empty()) {
                match = absl::StrContains(absl::AsciiStrToLower(c.name()), needle) ||
                        absl::StrContains(c.slug(), needle) ||
                        absl::StrContains(c.uuid(), needle);
              }
              if (match) shown.push_back(&c);
            }
            absl::StrAppend(&body,
                            "<form method=\"get\" class=\"filters\" role=\"search\">"
                            "<label for=\"q\">Search by name, slug or UUID</label>"
                            "<input id=\"q\" name=\"q\" type=\"search\" value=\"",
                            Esc(text), "\" maxlength=\"100\">");
            if (!all_tags.empty()) {
              absl::StrAppend(&body, "<fieldset><legend>Tags</legend>");
              for (const auto& t : all_tags) {
                absl::StrAppend(&body, "<label><input type=\"checkbox\" name=\"tag\" value=\"",
                                Esc(t), "\"", want_tags.count(t) ? " checked" : "", "> ",
                                Esc(t), "</label>");
              }
              absl::StrAppend(&body, "</fieldset>");
            }
            absl::StrAppend(&body, "<button type=\"submit\">Filter</button>");
            bool filtered = !want_tags.empty() || !text.empty();
            if (filtered) {
              absl::StrAppend(&body, " <a href=\"", Esc(ChecksPath(project)),
                              "\">Show all</a>");
            }
            absl::StrAppend(&body, "</form>");
            if (filtered) {
              absl::StrAppend(&body, "<p class=\"count\" role=\"status\">", shown.size(),
                              " of ", r->checks_size(), " checks</p>");
            }
            body += "<table class=\"checks\"><thead><tr><th scope=\"col\">Status</th>"
                   "<th scope=\"col\">Name</th><th scope=\"col\">Last ping</th></tr>"
                   "</thead><tbody>";
            for (const v1::Check* cp : shown) {
              const v1::Check& c = *cp;
              absl::StrAppend(
                  &body, "<tr data-uuid=\"", Esc(c.uuid()), "\"><td><span class=\"status ",
                  StatusLabel(c.status()), "\">", StatusLabel(c.status()),
                  "</span></td><td><a href=\"", Esc(CheckPath(project, c.uuid())), "\">",
                  Esc(c.name().empty() ? c.uuid() : c.name()), "</a></td><td>",
                  c.has_last_ping() ? Esc(FormatApiTime(FromProto(c.last_ping()))) : "never",
                  "</td></tr>");
            }
            absl::StrAppend(&body, "</tbody></table>");
          }
          respond(Page(200, name, body, &s));
        });
  });
}

void Dashboard::CheckDetail(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  WithSession(req, std::move(respond), [this, project, check](Session s,
                                                               Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    const v1::Membership* member = MembershipOf(s, project);
    bool can_write = member->role() != "ro";
    v1::GetCheckRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    data_.GetCheckForProject(std::move(rpc), [this, s, project, check, can_write,
                                              respond = std::move(respond)](
                                                 absl::StatusOr<v1::GetCheckResponse> c) {
      if (!c.ok()) return respond(CheckErrorPage(c.status(), s));
      v1::ListPingsRequest pings;
      pings.set_project(project);
      pings.set_id(check);
      data_.ListPingsForProject(std::move(pings), [this, s, project, check, can_write,
                                                   c = c->check(),
                                                   respond = std::move(respond)](
                                                      absl::StatusOr<v1::ListPingsResponse> r) {
        if (!r.ok()) {
          return respond(Page(503, "Unavailable", "<p>Try again shortly.</p>", &s));
        }
        v1::ListFlipsRequest flips;
        flips.set_project(project);
        flips.set_id(check);
        flips.set_seconds(30 * 86400);  // The page shows the last 30 days.
        data_.ListFlipsForProject(
            std::move(flips), [this, s, project, can_write, c, pings = *std::move(r),
                               respond = std::move(respond)](
                                  absl::StatusOr<v1::ListFlipsResponse> f) {
              if (!f.ok()) {
                return respond(Page(503, "Unavailable", "<p>Try again shortly.</p>", &s));
              }
              respond(Page(200, c.name().empty() ? c.uuid() : c.name(),
                           CheckDetailBody(s, project, c, pings, *f, can_write), &s));
            });
      });
    });
  });
}

std::string Dashboard::CheckDetailBody(const Session& s, const std::string& project,
                                       const v1::Check& c,
                                       const v1::ListPingsResponse& pings,
                                       const v1::ListFlipsResponse& flips,
                                       bool can_write) const {
  std::string schedule =
      c.kind() == v1::SCHEDULE_KIND_CRON || c.kind() == v1::SCHEDULE_KIND_ONCALENDAR
          ? absl::StrCat(Esc(c.schedule()), " (", Esc(c.tz()), ")")
          : absl::StrCat("every ", Esc(absl::FormatDuration(FromProto(c.timeout()))));
  std::string ping_url = absl::StrCat(config_.urls.ping_endpoint, c.uuid());
  std::string body = absl::StrCat(
      "<dl class=\"check\"><dt>Status</dt><dd><span class=\"status ",
      StatusLabel(c.status()), "\">", StatusLabel(c.status()), "</span></dd>"
      "<dt>Ping URL</dt><dd><code data-copy=\"ping URL\">", Esc(ping_url), "</code></dd>"
      "<dt>Schedule</dt><dd>", schedule, ", grace ",
      Esc(absl::FormatDuration(FromProto(c.grace()))), "</dd>"
      "<dt>Last ping</dt><dd>",
      c.has_last_ping() ? Esc(FormatApiTime(FromProto(c.last_ping()))) : "never",
      "</dd><dt>Pings received</dt><dd>", c.n_pings(), "</dd>");
  if (!c.tags().empty()) {
    absl::StrAppend(&body, "<dt>Tags</dt><dd>", Esc(c.tags()), "</dd>");
  }
  absl::StrAppend(&body, "</dl>");
  if (can_write) {
    bool paused = c.status() == v1::CHECK_STATUS_PAUSED;
    absl::StrAppend(&body, "<form method=\"post\" action=\"",
                    Esc(CheckPath(project, c.uuid())), paused ? "resume" : "pause",
                    "\"><input type=\"hidden\" name=\"csrf\" value=\"",
                    Esc(s.csrf_token()), "\"><button type=\"submit\">",
                    paused ? "Resume" : "Pause", "</button></form>",
                    "<p><a href=\"", Esc(CheckPath(project, c.uuid())),
                    "delete\">Delete this check\xe2\x80\xa6</a></p>");
  }
  // Ready to paste: the usual ways a job reports to its check.
  std::string cron = c.kind() == v1::SCHEDULE_KIND_CRON ? c.schedule() : "0 3 * * *";
  absl::StrAppend(
      &body, "<h2>How to ping it</h2>",
      "<h3>From a crontab</h3><pre><code data-copy=\"crontab line\">", Esc(cron),
      " /path/to/job.sh &amp;&amp; curl -fsS -m 10 --retry 5 -o /dev/null ",
      Esc(ping_url), "</code></pre>",
      "<h3>Bash, reporting the exit status and timing the run</h3>"
      "<pre><code data-copy=\"bash script\">URL=", Esc(ping_url),
      "\ncurl -fsS -m 10 --retry 5 -o /dev/null \"$URL/start\"\n"
      "/path/to/job.sh\ncurl -fsS -m 10 --retry 5 -o /dev/null \"$URL/$?\"</code></pre>",
      "<h3>With runitor</h3><pre><code data-copy=\"runitor command\">runitor -api-url ",
      Esc(std::string(absl::StripSuffix(config_.urls.ping_endpoint, "/"))), " -uuid ",
      Esc(c.uuid()),
      " -- /path/to/job.sh</code></pre>");
  absl::StrAppend(&body, "<h2>Status history</h2>");
  if (flips.flips().empty()) {
    absl::StrAppend(&body, "<p>No status changes yet.</p>");
  } else {
    absl::StrAppend(&body, "<ol class=\"flips\">");
    int shown = 0;
    for (const auto& f : flips.flips()) {
      if (++shown > 50) break;  // Newest first; a flapping check has many.
      absl::StrAppend(&body, "<li><time>", Esc(FormatApiTime(FromProto(f.created()))),
                      "</time> <span class=\"status ", StatusLabel(f.old_status()),
                      "\">", StatusLabel(f.old_status()), "</span> \xe2\x86\x92 "
                      "<span class=\"status ", StatusLabel(f.new_status()), "\">",
                      StatusLabel(f.new_status()), "</span></li>");
    }
    absl::StrAppend(&body, "</ol>");
  }
  absl::StrAppend(&body, "<h2>Pings</h2>");
  if (pings.pings().empty()) {
    absl::StrAppend(&body, "<p>No pings yet.</p>");
    return body;
  }
  absl::StrAppend(&body,
                  "<table class=\"pings\"><thead><tr><th scope=\"col\">#</th>"
                  "<th scope=\"col\">Kind</th><th scope=\"col\">Time</th>"
                  "<th scope=\"col\">Source</th><th scope=\"col\">User agent</th>"
                  "<th scope=\"col\">Duration</th><th scope=\"col\">Body</th>"
                  "</tr></thead><tbody>");
  for (const auto& ping : pings.pings()) {
    absl::StrAppend(
        &body, "<tr><td>", ping.n(), "</td><td><span class=\"kind ",
        PingKindLabel(ping.kind()), "\">", PingKindLabel(ping.kind()),
        ping.has_exit_status() ? absl::StrCat(" (exit ", ping.exit_status(), ")") : "",
        "</span></td><td>", Esc(FormatApiTime(FromProto(ping.created()))), "</td><td>",
        Esc(absl::AsciiStrToUpper(ping.scheme())), " ", Esc(ping.method()), " from ",
        Esc(ping.remote_addr()), "</td><td>", Esc(ping.user_agent()), "</td><td>",
        ping.has_duration() ? Esc(absl::FormatDuration(FromProto(ping.duration()))) : "",
        "</td><td>", ping.body_size() > 0 ? absl::StrCat(ping.body_size(), " bytes") : "",
        "</td></tr>");
  }
  absl::StrAppend(&body, "</tbody></table>");
  return body;
}

void Dashboard::PauseCheck(HttpRequest& req, const PathParams& p, Respond respond) {
  SetPaused(req, p, true, std::move(respond));
}

void Dashboard::ResumeCheck(HttpRequest& req, const PathParams& p, Respond respond) {
  SetPaused(req, p, false, std::move(respond));
}

void Dashboard::SetPaused(HttpRequest& req, const PathParams& p, bool pause,
                          Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  WithSessionForm(req, std::move(respond), [this, project, check, pause](
                                               Session s, Form, std::string,
                                               Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    auto done = [this, s, project, check, respond = std::move(respond)](
                    const absl::Status& st) {
      // Resuming a check that is not paused (another tab did it): nothing
      // to do, show the check as it is.
      if (st.ok() || absl::IsAborted(st)) {
        return respond(Redirect(CheckPath(project, check)));
      }
      respond(CheckErrorPage(st, s));
    };
    if (pause) {
      v1::PauseCheckRequest rpc;
      rpc.set_project(project);
      rpc.set_id(check);
      data_.PauseCheckForProject(std::move(rpc),
                                 [done](absl::StatusOr<v1::PauseCheckResponse> r) {
                                   done(r.status());
                                 });
    } else {
      v1::ResumeCheckRequest rpc;
      rpc.set_project(project);
      rpc.set_id(check);
      data_.ResumeCheckForProject(std::move(rpc),
                                  [done](absl::StatusOr<v1::ResumeCheckResponse> r) {
                                    done(r.status());
                                  });
    }
  });
}

HttpResponse Dashboard::NewCheckPage(int status, const std::string& message,
                                     const Session& s, const std::string& project,
                                     const Form& form) const {
  auto value = [&](const char* name, const char* fallback) {
    auto it = form.find(name);
    return Esc(it == form.end() ? fallback : it->second);
  };
  auto field = [&](const char* name, const char* label, const char* type,
                   const char* fallback, const char* extra) {
    return absl::StrCat("<label for=\"", name, "\">", label, "</label><input id=\"",
                        name, "\" name=\"", name, "\" type=\"", type, "\" value=\"",
                        value(name, fallback), "\"", extra, ">");
  };
  std::string body = absl::StrCat(
      message.empty() ? ""
                      : absl::StrCat("<p class=\"error\" role=\"alert\">", Esc(message),
                                     "</p>"),
      "<form method=\"post\" action=\"", Esc(ChecksPath(project)),
      "new\" class=\"stack\"><input type=\"hidden\" name=\"csrf\" value=\"",
      Esc(s.csrf_token()), "\">",
      field("name", "Name", "text", "", " maxlength=\"100\""),
      field("slug", "Slug (for ping URLs by ping key; a-z, 0-9, - and _)", "text", "",
            " maxlength=\"100\" pattern=\"[a-z0-9_-]*\""),
      field("tags", "Tags (separated by spaces)", "text", "", " maxlength=\"500\""),
      field("period", "Period: a ping is expected every (minutes)", "number", "1440",
            " min=\"1\" max=\"525600\" required"),
      field("grace", "Grace time (minutes)", "number", "60",
            " min=\"1\" max=\"525600\" required"),
      field("schedule", "Or a cron schedule, instead of the period (e.g. 0 3 * * *)",
            "text", "", " maxlength=\"200\""),
      field("tz", "Time zone of the schedule", "text", "UTC", " maxlength=\"64\""),
      "<button type=\"submit\">Create check</button></form>");
  return Page(status, "New check", body, &s);
}

void Dashboard::NewCheckForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSession(req, std::move(respond), [this, project](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    respond(NewCheckPage(200, "", s, project, {}));
  });
}

void Dashboard::CreateCheck(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form,
                                                           std::string,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    auto minutes = [&](const char* name) -> std::optional<int64_t> {
      int64_t v = 0;
      if (!absl::SimpleAtoi(form[name], &v) || v < 1 || v > 525600) return std::nullopt;
      return v;
    };
    auto period = minutes("period"), grace = minutes("grace");
    if (!period || !grace) {
      return respond(NewCheckPage(
          400, "Period and grace time are whole numbers of minutes, from 1 to 525600.",
          s, project, form));
    }
    v1::CreateCheckRequest rpc;
    rpc.set_project(project);
    v1::CheckSpec& spec = *rpc.mutable_spec();
    spec.set_name(form["name"]);
    spec.set_slug(form["slug"]);
    spec.set_tags(form["tags"]);
    *spec.mutable_timeout() = tocsin::ToProto(absl::Minutes(*period));
    *spec.mutable_grace() = tocsin::ToProto(absl::Minutes(*grace));
    std::string schedule(absl::StripAsciiWhitespace(form["schedule"]));
    if (!schedule.empty()) {
      spec.set_schedule(schedule);
      std::string tz(absl::StripAsciiWhitespace(form["tz"]));
      spec.set_tz(tz.empty() ? "UTC" : tz);
    }
    data_.CreateCheckForProject(
        std::move(rpc), [this, s, project, form = std::move(form),
                         respond = std::move(respond)](
                            absl::StatusOr<v1::CreateCheckResponse> r) {
          if (r.ok()) return respond(Redirect(CheckPath(project, r->check().uuid())));
          if (absl::IsInvalidArgument(r.status()) ||
              absl::IsFailedPrecondition(r.status()) ||
              absl::IsOutOfRange(r.status())) {
            // The data service's validation message names the field.
            return respond(NewCheckPage(400, std::string(r.status().message()), s,
                                        project, form));
          }
          if (absl::IsResourceExhausted(r.status())) {
            return respond(NewCheckPage(429, std::string(r.status().message()), s,
                                        project, form));
          }
          respond(Page(503, "Unavailable", "<p>Try again shortly.</p>", &s));
        });
  });
}

void Dashboard::DeleteCheckForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  WithSession(req, std::move(respond), [this, project, check](Session s,
                                                               Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::GetCheckRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    data_.GetCheckForProject(std::move(rpc), [this, s, project, check,
                                              respond = std::move(respond)](
                                                 absl::StatusOr<v1::GetCheckResponse> c) {
      if (!c.ok()) return respond(CheckErrorPage(c.status(), s));
      const std::string& name = c->check().name().empty() ? check : c->check().name();
      respond(Page(
          200, "Delete check",
          absl::StrCat("<p>Delete <strong>", Esc(name),
                       "</strong>? Its pings, status history and notifications go "
                       "with it, and its ping URL stops working. This cannot be "
                       "undone.</p><form method=\"post\" action=\"",
                       Esc(CheckPath(project, check)), "delete\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"",
                       Esc(s.csrf_token()), "\"><button type=\"submit\">Delete</button> "
                       "<a href=\"", Esc(CheckPath(project, check)), "\">Cancel</a></form>"),
          &s));
    });
  });
}

void Dashboard::DeleteCheck(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  WithSessionForm(req, std::move(respond), [this, project, check](
                                               Session s, Form, std::string,
                                               Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::DeleteCheckRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    data_.DeleteCheckForProject(
        std::move(rpc), [this, s, project, respond = std::move(respond)](
                            absl::StatusOr<v1::DeleteCheckResponse> r) {
          // Already gone (another tab): the list shows what is there.
          if (r.ok() || absl::IsNotFound(r.status())) {
            return respond(Redirect(ChecksPath(project)));
          }
          respond(CheckErrorPage(r.status(), s));
        });
  });
}

}  // namespace tocsin::gateway
