// The dashboard's project pages: the list of the user's projects with a
// form for a new one, and a project's settings (name, ping key, API keys,
// deletion). The data service checks the user's role for every change; the
// gateway checks it too, only to show the right page.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/time_format.h"
#include "web-gateway/dashboard.h"
#include "web-gateway/dashboard_html.h"

namespace tocsin::gateway {
using namespace dashboard;  // NOLINT: the dashboard's own helpers

namespace {

std::string SettingsPath(const std::string& project) {
  return absl::StrCat(ProjectPath(project), "settings/");
}

}  // namespace

void Dashboard::Projects(HttpRequest& req, const PathParams&, Respond respond) {
  WithSession(req, std::move(respond), [this](Session s, Respond respond) {
    respond(ProjectsPage(200, "", s, ""));
  });
}

HttpResponse Dashboard::ProjectsPage(int status, const std::string& message,
                                     const Session& s,
                                     const std::string& name) const {
  const std::string& L = s.language();
  std::string body;
  if (s.memberships().empty()) {
    body = Para(L, "You belong to no project yet.");
  } else {
    body = "<ul class=\"projects\">";
    for (const auto& m : s.memberships()) {
      absl::StrAppend(&body, "<li><a href=\"", Esc(ChecksPath(m.project().uuid())),
                      "\">", Esc(m.project().name()), "</a> <span class=\"role\">",
                      RoleLabel(L, m.role()), "</span></li>");
    }
    absl::StrAppend(&body, "</ul>");
  }
  absl::StrAppend(
      &body, "<h2>", Tr(L, "New project"), "</h2>", Alert(L, message),
      "<form method=\"post\" action=\"/projects/new\" class=\"stack\">", CsrfField(s),
      "<label for=\"name\">", Tr(L, "Name"), "</label><input id=\"name\" name=\"name\" "
      "type=\"text\" maxlength=\"100\" required value=\"", Esc(name), "\">"
      "<button type=\"submit\">", Tr(L, "Create project"), "</button></form>");
  return Page(status, "Projects", body, &s);
}

void Dashboard::CreateProject(HttpRequest& req, const PathParams&, Respond respond) {
  WithSessionForm(req, std::move(respond), [this](Session s, Form form,
                                                  std::string token, Respond respond) {
    std::string name(absl::StripAsciiWhitespace(form["name"]));
    if (name.empty()) {
      return respond(ProjectsPage(400, "A project needs a name.", s, name));
    }
    v1::CreateOwnedProjectRequest rpc;
    rpc.set_session_token(token);
    rpc.set_name(name);
    data_.CreateOwnedProject(std::move(rpc), [this, s, name, respond = std::move(respond)](
                                                 absl::StatusOr<v1::CreateProjectResponse> r) {
      if (r.ok()) return respond(Redirect(ChecksPath(r->project().uuid())));
      if (absl::IsInvalidArgument(r.status())) {
        return respond(ProjectsPage(400, std::string(r.status().message()), s, name));
      }
      respond(AccountErrorPage(r.status(), s));
    });
  });
}

void Dashboard::ProjectSettings(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  std::string token = SessionToken(req);
  WithSession(req, std::move(respond), [this, project, token](Session s,
                                                               Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    const v1::Membership member = *MembershipOf(s, project);
    if (member.role() == "ro") {
      // Keys are not for read-only members.
      return respond(SettingsPage(200, "", s, member, nullptr));
    }
    v1::GetProjectKeysRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    data_.GetProjectKeys(std::move(rpc), [this, s, member, respond = std::move(respond)](
                                             absl::StatusOr<v1::GetProjectKeysResponse> r) {
      if (!r.ok()) return respond(AccountErrorPage(r.status(), s));
      respond(SettingsPage(200, "", s, member, &*r));
    });
  });
}

HttpResponse Dashboard::SettingsPage(int status, const std::string& message,
                                     const Session& s, const v1::Membership& member,
                                     const v1::GetProjectKeysResponse* keys) const {
  const std::string& project = member.project().uuid();
  bool owner = member.role() == "owner";
  const std::string& L = s.language();
  std::string body = absl::StrCat(ProjectTabs(L, project, "settings"), Alert(L, message));
  absl::StrAppend(&body, Trf(L, "<p>Your role in this project: <strong>$0</strong>.</p>",
                             RoleLabel(L, member.role())));
  if (owner) {
    absl::StrAppend(
        &body, "<h2>", Tr(L, "Name"), "</h2><form method=\"post\" action=\"",
        Esc(SettingsPath(project)), "name\" class=\"stack\">", CsrfField(s),
        "<label for=\"name\">", Tr(L, "Project name"), "</label><input id=\"name\" "
        "name=\"name\" type=\"text\" maxlength=\"100\" required value=\"",
        Esc(member.project().name()), "\"><button type=\"submit\">", Tr(L, "Rename"),
        "</button></form>");
  }
  if (keys != nullptr) {
    std::string slug_url = absl::StrCat(config_.urls.ping_endpoint, keys->ping_key(),
                                        "/<slug>");
    absl::StrAppend(
        &body, "<h2>", Tr(L, "Ping key"), "</h2>",
        Trf(L, "<p>Checks with a slug can be pinged at <code>$0</code>.</p>", Esc(slug_url)),
        "<p><code data-copy=\"", Tr(L, "ping key"), "\">", Esc(keys->ping_key()),
        "</code></p>");
    absl::StrAppend(&body, "<h2>", Tr(L, "API keys"), "</h2>");
    if (keys->api_keys().empty()) {
      absl::StrAppend(&body, Para(L, "No API keys yet."));
    } else {
      absl::StrAppend(&body, "<table class=\"keys\"><thead><tr>");
      for (const char* h : {"Label", "Access", "Created"}) {
        absl::StrAppend(&body, "<th scope=\"col\">", Tr(L, h), "</th>");
      }
      absl::StrAppend(&body, "<th scope=\"col\"><span class=\"sr-only\">", Tr(L, "Revoke"),
                      "</span></th></tr></thead><tbody>");
      for (const auto& k : keys->api_keys()) {
        absl::StrAppend(
            &body, "<tr><td>", k.label().empty() ? Tr(L, "(no label)") : Esc(k.label()),
            "</td><td>", Tr(L, k.read_only() ? "read-only" : "read-write"), "</td><td>",
            TimeHtml(FromProto(k.created())), "</td><td><form method=\"post\" "
            "action=\"", Esc(ProjectPath(project)), "keys/", Esc(k.id()), "/revoke\">",
            CsrfField(s), "<button type=\"submit\" aria-label=\"",
            Trf(L, "Revoke $0", Esc(k.label().empty() ? k.id() : k.label())), "\">",
            Tr(L, "Revoke"), "</button></form></td></tr>");
      }
      absl::StrAppend(&body, "</tbody></table>");
    }
    absl::StrAppend(
        &body, "<h3>", Tr(L, "New API key"), "</h3><form method=\"post\" action=\"",
        Esc(ProjectPath(project)), "keys/new\" class=\"stack\">", CsrfField(s),
        "<label for=\"label\">", Tr(L, "Label (what the key is for)"), "</label>"
        "<input id=\"label\" name=\"label\" type=\"text\" maxlength=\"100\">"
        "<fieldset><legend>", Tr(L, "Access"), "</legend>"
        "<label><input type=\"radio\" name=\"access\" value=\"rw\" checked> ",
        Tr(L, "read-write"), "</label><label><input type=\"radio\" name=\"access\" "
        "value=\"ro\"> ", Tr(L, "read-only"), "</label></fieldset><button type=\"submit\">",
        Tr(L, "Create API key"), "</button></form>");
  }
  if (owner) {
    absl::StrAppend(&body, "<h2>", Tr(L, "Delete"), "</h2><p><a href=\"",
                    Esc(ProjectPath(project)), "delete\">",
                    Tr(L, "Delete this project\xe2\x80\xa6"), "</a></p>");
  }
  return Page(status, Trf(L, "$0: settings", member.project().name()), body, &s);
}

void Dashboard::RenameProject(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form,
                                                           std::string token,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::RenameProjectRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    rpc.set_name(std::string(absl::StripAsciiWhitespace(form["name"])));
    data_.RenameProject(std::move(rpc), [this, s, project, respond = std::move(respond)](
                                            absl::StatusOr<v1::RenameProjectResponse> r) {
      if (r.ok()) return respond(Redirect(SettingsPath(project)));
      if (absl::IsInvalidArgument(r.status())) {
        return respond(SettingsPage(400, std::string(r.status().message()), s,
                                    *MembershipOf(s, project), nullptr));
      }
      respond(AccountErrorPage(r.status(), s));
    });
  });
}

void Dashboard::CreateApiKey(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form,
                                                           std::string token,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    const std::string& access = form["access"];
    if (access != "rw" && access != "ro") {
      return respond(Page(400, "Bad request",
                          Para(s.language(), "Access is read-write or read-only."), &s));
    }
    v1::CreateApiKeyRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    rpc.set_read_only(access == "ro");
    rpc.set_label(std::string(absl::StripAsciiWhitespace(form["label"])));
    data_.CreateApiKey(std::move(rpc), [this, s, project, respond = std::move(respond)](
                                           absl::StatusOr<v1::CreateApiKeyResponse> r) {
      if (!r.ok()) return respond(AccountErrorPage(r.status(), s));
      // Shown once: the page is not cached, and only the digest is kept.
      const std::string& L = s.language();
      respond(Page(
          200, "API key created",
          absl::StrCat(
              "<p role=\"status\">", Tr(L, "Copy the key now: it is shown only once."),
              "</p><p><code data-copy=\"", Tr(L, "API key"), "\" class=\"secret\">",
              Esc(r->api_key()), "</code></p><p>",
              Tr(L, r->info().read_only() ? "Read-only" : "Read-write"),
              r->info().label().empty() ? "" : absl::StrCat(", \xe2\x80\x9c", Esc(r->info().label()),
                                                       "\xe2\x80\x9d"),
              ".</p><p><a href=\"", Esc(SettingsPath(project)), "\">",
              Tr(L, "Back to the settings"), "</a></p>"),
          &s));
    });
  });
}

void Dashboard::RevokeApiKey(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), key = p.at("key");
  WithSessionForm(req, std::move(respond), [this, project, key](Session s, Form,
                                                                std::string token,
                                                                Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::RevokeApiKeyRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    rpc.set_id(key);
    data_.RevokeApiKey(std::move(rpc), [this, s, project, respond = std::move(respond)](
                                           absl::StatusOr<v1::RevokeApiKeyResponse> r) {
      // Already revoked (another tab): the page shows what is left.
      if (r.ok() || absl::IsNotFound(r.status())) {
        return respond(Redirect(SettingsPath(project)));
      }
      respond(AccountErrorPage(r.status(), s));
    });
  });
}

void Dashboard::DeleteProjectForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSession(req, std::move(respond), [this, project](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    const v1::Membership* member = MembershipOf(s, project);
    const std::string& L = s.language();
    if (member->role() != "owner") {
      return respond(Page(403, "Forbidden",
                          Para(L, "Only the project's owner may delete it."), &s));
    }
    respond(Page(
        200, "Delete project",
        absl::StrCat(Trf(L, "<p>Delete <strong>$0</strong>? All its checks with their pings "
                            "and history, its integrations and its API keys go with it, and "
                            "every ping URL of it stops working. This cannot be undone.</p>",
                         Esc(member->project().name())),
                     "<form method=\"post\" action=\"", Esc(ProjectPath(project)),
                     "delete\">", CsrfField(s), "<button type=\"submit\">", Tr(L, "Delete"),
                     "</button> <a href=\"", Esc(SettingsPath(project)), "\">", Tr(L, "Cancel"),
                     "</a></form>"),
        &s));
  });
}

void Dashboard::DeleteProject(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form,
                                                           std::string token,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::DeleteProjectRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    data_.DeleteProject(std::move(rpc), [this, s, respond = std::move(respond)](
                                            absl::StatusOr<v1::DeleteProjectResponse> r) {
      if (r.ok()) return respond(Redirect("/projects/"));
      respond(AccountErrorPage(r.status(), s));
    });
  });
}

}  // namespace tocsin::gateway
