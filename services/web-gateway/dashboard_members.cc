// The dashboard's members page: who belongs to a project with which role,
// invitations by link (owner only), removing members and leaving; and the
// invitation link itself, accepted by the invited address's user. The data
// service checks every role again.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "web-gateway/dashboard.h"
#include "web-gateway/dashboard_html.h"
#include "web-gateway/i18n.h"

namespace tocsin::gateway {
using namespace dashboard;  // NOLINT: the dashboard's own helpers

namespace {

std::string MembersPath(const std::string& project) {
  return absl::StrCat(ProjectPath(project), "members/");
}

}  // namespace

void Dashboard::Members(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  std::string token = SessionToken(req);
  WithSession(req, std::move(respond), [this, project, token](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    ShowMembers(200, "", s, token, project, std::move(respond));
  });
}

void Dashboard::ShowMembers(int status, const std::string& message, const Session& s,
                            const std::string& token, const std::string& project,
                            Respond respond) {
  v1::ListMembersRequest rpc;
  rpc.set_session_token(token);
  rpc.set_project(project);
  data_.ListMembers(std::move(rpc), [this, status, message, s, project,
                                     respond = std::move(respond)](
                                        absl::StatusOr<v1::ListMembersResponse> r) {
    if (!r.ok()) return respond(AccountErrorPage(r.status(), s));
    const std::string& L = s.language();
    const v1::Membership* me = MembershipOf(s, project);
    bool owner = me->role() == "owner";
    std::string path = MembersPath(project);
    std::string body = absl::StrCat(ProjectTabs(L, project, "members"), Alert(L, message),
                                    "<table class=\"keys\"><thead><tr><th scope=\"col\">",
                                    Tr(L, "Email address"), "</th><th scope=\"col\">",
                                    Tr(L, "Role"), "</th><th scope=\"col\"><span class=\"sr-only\">",
                                    Tr(L, "Remove"), "</span></th></tr></thead><tbody>");
    for (const auto& m : r->members()) {
      bool self = m.user() == s.user().uuid();
      std::string action;
      if (m.role() != "owner" && (owner || self)) {
        action = absl::StrCat(
            "<form method=\"post\" action=\"", Esc(path), "remove\">", CsrfField(s),
            "<input type=\"hidden\" name=\"user\" value=\"", Esc(m.user()), "\">"
            "<button type=\"submit\" aria-label=\"",
            self ? Tr(L, "Leave the project") : Trf(L, "Remove $0", Esc(m.email())), "\">",
            self ? Tr(L, "Leave") : Tr(L, "Remove"), "</button></form>");
      }
      absl::StrAppend(&body, "<tr><td>", Esc(m.email()), "</td><td>", RoleLabel(L, m.role()),
                      "</td><td>", action, "</td></tr>");
    }
    absl::StrAppend(&body, "</tbody></table>");
    if (owner) {
      absl::StrAppend(&body, "<h2>", Tr(L, "Invitations"), "</h2>");
      if (r->invitations().empty()) {
        absl::StrAppend(&body, Para(L, "No open invitations."));
      } else {
        absl::StrAppend(&body, "<ul class=\"invitations\">");
        for (const auto& i : r->invitations()) {
          absl::StrAppend(
              &body, "<li>", Esc(i.email()), " (", RoleLabel(L, i.role()), ", ",
              Trf(L, "until $0", TimeHtml(FromProto(i.expires()))), ") <form method=\"post\" "
              "action=\"", Esc(path), "remove\" class=\"inline\">", CsrfField(s),
              "<input type=\"hidden\" name=\"invitation\" value=\"", Esc(i.id()), "\">"
              "<button type=\"submit\" aria-label=\"", Trf(L, "Withdraw the invitation of $0",
                                                           Esc(i.email())),
              "\">", Tr(L, "Withdraw"), "</button></form></li>");
        }
        absl::StrAppend(&body, "</ul>");
      }
      absl::StrAppend(
          &body, "<h3>", Tr(L, "Invite someone"), "</h3><form method=\"post\" action=\"",
          Esc(path), "invite\" class=\"stack\">", CsrfField(s), "<label for=\"invite-email\">",
          Tr(L, "Email address"), "</label><input id=\"invite-email\" name=\"email\" "
          "type=\"email\" required maxlength=\"254\"><fieldset><legend>", Tr(L, "Role"),
          "</legend><label><input type=\"radio\" name=\"role\" value=\"rw\" checked> ",
          Tr(L, "read-write"), "</label><label><input type=\"radio\" name=\"role\" value=\"ro\"> ",
          Tr(L, "read-only"), "</label></fieldset><button type=\"submit\">",
          Tr(L, "Create invitation link"), "</button></form>");
    }
    respond(Page(status, Trf(L, "$0: members", me->project().name()), body, &s));
  });
}

void Dashboard::InviteMember(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form,
                                                           std::string token,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::InviteMemberRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    rpc.set_email(std::string(absl::StripAsciiWhitespace(form["email"])));
    rpc.set_role(form["role"]);
    rpc.set_language(s.language());  // The email speaks the inviter's language.
    data_.InviteMember(std::move(rpc), [this, s, project, token, respond = std::move(respond)](
                                           absl::StatusOr<v1::InviteMemberResponse> r) mutable {
      if (!r.ok()) {
        if (absl::IsInvalidArgument(r.status()) || absl::IsAlreadyExists(r.status())) {
          return ShowMembers(400, std::string(r.status().message()), s, token, project,
                             std::move(respond));
        }
        return respond(AccountErrorPage(r.status(), s));
      }
      const std::string& L = s.language();
      std::string link = absl::StrCat(config_.urls.site_root, "/invitations/", r->token());
      respond(Page(
          200, "Invitation created",
          absl::StrCat(
              Trf(L, "<p>Send this link to <strong>$0</strong>. It works once, for 7 days, "
                     "for a user logged in with that address (who can sign up first).</p>",
                  Esc(r->invitation().email())),
              "<p><code data-copy=\"", Tr(L, "invitation link"), "\" class=\"secret\">",
              Esc(link), "</code></p><p><a href=\"", Esc(MembersPath(project)), "\">",
              Tr(L, "Back to the members"), "</a></p>"),
          &s));
    });
  });
}

void Dashboard::RemoveMember(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form,
                                                           std::string token,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    v1::RemoveMemberRequest rpc;
    rpc.set_session_token(token);
    rpc.set_project(project);
    rpc.set_user(form["user"]);
    rpc.set_invitation(form["invitation"]);
    bool leaving = form["user"] == s.user().uuid();
    data_.RemoveMember(std::move(rpc), [this, s, project, token, leaving,
                                        respond = std::move(respond)](
                                           absl::StatusOr<v1::RemoveMemberResponse> r) mutable {
      if (r.ok()) return respond(Redirect(leaving ? "/projects/" : MembersPath(project)));
      if (absl::IsFailedPrecondition(r.status()) || absl::IsInvalidArgument(r.status())) {
        return ShowMembers(400, std::string(r.status().message()), s, token, project,
                           std::move(respond));
      }
      // Already gone (another tab): the page shows who is left.
      if (absl::IsNotFound(r.status())) return respond(Redirect(MembersPath(project)));
      respond(AccountErrorPage(r.status(), s));
    });
  });
}

void Dashboard::InvitationForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string link = absl::StrCat("/invitations/", p.at("token"));
  if (SessionToken(req).empty()) {
    // Not logged in: say how to come back, without touching the token.
    const std::string L = RequestLanguage(req);
    return respond(Page(
        200, "Invitation",
        absl::StrCat(Para(L, "Log in (or create an account) with the address this invitation "
                             "was sent to, then open this link again."),
                     "<p><a class=\"button\" href=\"/accounts/login/\">", Tr(L, "Log in"),
                     "</a></p>"),
        nullptr, L));
  }
  WithSession(req, std::move(respond), [this, link](Session s, Respond respond) {
    const std::string& L = s.language();
    respond(Page(200, "Invitation",
                 absl::StrCat(Trf(L, "<p>Join the project you were invited to, as "
                                     "<strong>$0</strong>?</p>", Esc(s.user().email())),
                              "<form method=\"post\" action=\"", Esc(link), "\">", CsrfField(s),
                              "<button type=\"submit\">", Tr(L, "Join the project"),
                              "</button></form>"),
                 &s));
  });
}

void Dashboard::AcceptInvitation(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string invitation = p.at("token");
  WithSessionForm(req, std::move(respond), [this, invitation](Session s, Form,
                                                              std::string token,
                                                              Respond respond) {
    v1::AcceptInvitationRequest rpc;
    rpc.set_session_token(token);
    rpc.set_token(invitation);
    data_.AcceptInvitation(std::move(rpc), [this, s, respond = std::move(respond)](
                                               absl::StatusOr<v1::AcceptInvitationResponse> r) {
      if (r.ok()) return respond(Redirect(ChecksPath(r->project().uuid())));
      const std::string& L = s.language();
      if (absl::IsNotFound(r.status())) {
        return respond(Page(404, "Not found",
                            Para(L, "No such invitation, or it has expired."), &s));
      }
      if (absl::IsPermissionDenied(r.status())) {
        return respond(Page(403, "Forbidden",
                            Para(L, "This invitation is for another email address: log in "
                                    "with that one."),
                            &s));
      }
      respond(AccountErrorPage(r.status(), s));
    });
  });
}

}  // namespace tocsin::gateway
