// The dashboard's integrations pages: a project's integrations with a form
// for each kind, one integration with its deliveries ("send a test",
// rename, settings, delete), and the integrations a check alerts through.
// Settings are validated by the data service; its messages name the field.
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "nlohmann/json.hpp"
#include "web-gateway/dashboard.h"
#include "web-gateway/dashboard_html.h"
#include "web-gateway/i18n.h"

namespace tocsin::gateway {
using namespace dashboard;  // NOLINT: the dashboard's own helpers

namespace {

// One field of a kind's form; `type` is an <input> type, "textarea" or
// "method" (a GET/POST/PUT choice).
struct FieldSpec {
  const char* name;
  const char* label;
  const char* type;
  bool required;
};

struct KindSpec {
  const char* kind;
  const char* label;
  std::vector<FieldSpec> fields;
  // Whether the kind has notify_down / notify_up switches.
  bool notify_switches;
};

const std::vector<KindSpec>& Kinds() {
  static const std::vector<KindSpec> kinds = {
      {"email", "Email", {{"to", "Addresses (separated by commas)", "text", true}}, true},
      {"webhook", "Webhook",
       {{"url_down", "URL to call when a check goes down", "url", false},
        {"method_down", "Method", "method", false},
        {"body_down", "Body (optional; placeholders such as $NAME and $STATUS work)",
         "textarea", false},
        {"url_up", "URL to call when a check comes back up", "url", false},
        {"method_up", "Method", "method", false},
        {"body_up", "Body (optional)", "textarea", false}},
       false},
      {"slack", "Slack", {{"url", "Incoming webhook URL", "url", true}}, true},
      {"mattermost", "Mattermost", {{"url", "Incoming webhook URL", "url", true}}, true},
      {"rocketchat", "Rocket.Chat", {{"url", "Incoming webhook URL", "url", true}}, true},
      {"discord", "Discord", {{"url", "Channel webhook URL", "url", true}}, true},
      {"msteamsw", "Microsoft Teams", {{"url", "Workflows webhook URL", "url", true}}, true},
      {"ntfy", "ntfy",
       {{"topic", "Topic", "text", true},
        {"url", "Server (default https://ntfy.sh)", "url", false},
        {"token", "Access token (optional)", "password", false}},
       true},
      {"telegram", "Telegram",
       {{"bot_token", "Bot token", "password", true},
        {"chat_id", "Chat id (a number or @channel)", "text", true}},
       true},
  };
  return kinds;
}

const KindSpec* FindKind(const std::string& kind) {
  for (const auto& k : Kinds()) {
    if (kind == k.kind) return &k;
  }
  return nullptr;
}

const char* KindLabel(std::string_view L, const std::string& kind) {
  const KindSpec* k = FindKind(kind);
  return Tr(L, k ? k->label : "integration");
}

// The settings a kind's form describes, as the data service takes them.
std::string SettingsFromForm(const KindSpec& kind, std::map<std::string, std::string>& form) {
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& f : kind.fields) {
    std::string value = form[f.name];
    if (std::string_view(f.type) != "textarea") {
      value = std::string(absl::StripAsciiWhitespace(value));
    }
    if (value.empty()) continue;
    if (std::string_view(kind.kind) == "email" && std::string_view(f.name) == "to") {
      nlohmann::json to = nlohmann::json::array();
      for (absl::string_view a : absl::StrSplit(value, absl::ByAnyChar(", "), absl::SkipEmpty())) {
        to.push_back(std::string(a));
      }
      settings["to"] = std::move(to);
      continue;
    }
    settings[f.name] = value;
  }
  if (std::string_view(kind.kind) == "email" && !form["language"].empty()) {
    settings["language"] = form["language"];
  }
  if (kind.notify_switches) {
    settings["notify_down"] = form.count("notify_down") > 0;
    settings["notify_up"] = form.count("notify_up") > 0;
  }
  return settings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One kind's "add" form; `form` holds the values sent last time when that
// failed (and then the form is open).
std::string AddForm(std::string_view L, const KindSpec& kind, const std::string& project,
                    const std::string& csrf, const std::map<std::string, std::string>* form) {
  auto value = [&](const char* name) -> std::string {
    if (form == nullptr) return "";
    auto it = form->find(name);
    return it == form->end() ? "" : it->second;
  };
  std::string id = absl::StrCat("add-", kind.kind);
  std::string out = absl::StrCat(
      "<details", form ? " open" : "", "><summary>", Tr(L, kind.label),
      "</summary><form method=\"post\" action=\"", Esc(IntegrationsPath(project)),
      "new\" class=\"stack\"><input type=\"hidden\" name=\"csrf\" value=\"", Esc(csrf),
      "\"><input type=\"hidden\" name=\"kind\" value=\"", kind.kind, "\">"
      "<label for=\"", id, "-name\">", Tr(L, "Name"), "</label><input id=\"", id,
      "-name\" name=\"name\" "
      "type=\"text\" maxlength=\"100\" value=\"", Esc(value("name")), "\">");
  for (const auto& f : kind.fields) {
    std::string fid = absl::StrCat(id, "-", f.name);
    absl::StrAppend(&out, "<label for=\"", fid, "\">", Tr(L, f.label), "</label>");
    std::string_view type = f.type;
    if (type == "textarea") {
      absl::StrAppend(&out, "<textarea id=\"", fid, "\" name=\"", f.name,
                      "\" rows=\"3\" maxlength=\"10000\">", Esc(value(f.name)), "</textarea>");
    } else if (type == "method") {
      absl::StrAppend(&out, "<select id=\"", fid, "\" name=\"", f.name, "\">");
      for (const char* m : {"", "GET", "POST", "PUT"}) {
        absl::StrAppend(&out, "<option value=\"", m, "\"", value(f.name) == m ? " selected" : "",
                        ">", *m ? m : Tr(L, "GET, or POST with a body"), "</option>");
      }
      absl::StrAppend(&out, "</select>");
    } else {
      absl::StrAppend(&out, "<input id=\"", fid, "\" name=\"", f.name, "\" type=\"", f.type,
                      "\" maxlength=\"2000\" value=\"",
                      type == "password" ? "" : Esc(value(f.name)), "\"",
                      f.required ? " required" : "",
                      type == "password" ? " autocomplete=\"off\"" : "", ">");
    }
  }
  if (std::string_view(kind.kind) == "email") {
    // The emails' language: the page's, unless chosen otherwise.
    std::string chosen = form ? value("language") : std::string(L);
    absl::StrAppend(&out, "<label for=\"", id, "-language\">", Tr(L, "Language of the emails"),
                    "</label><select id=\"", id, "-language\" name=\"language\">");
    for (auto [code, label] : {std::pair<const char*, const char*>{"en", "English"},
                               {"ja", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"}}) {
      absl::StrAppend(&out, "<option value=\"", code, "\"", chosen == code ? " selected" : "",
                      ">", label, "</option>");
    }
    absl::StrAppend(&out, "</select>");
  }
  if (kind.notify_switches) {
    bool down = form == nullptr || form->count("notify_down");
    bool up = form == nullptr || form->count("notify_up");
    absl::StrAppend(&out, "<fieldset><legend>", Tr(L, "Send"), "</legend><label><input "
                    "type=\"checkbox\" name=\"notify_down\"", down ? " checked" : "", "> ",
                    Tr(L, "when a check goes down"), "</label> <label><input type=\"checkbox\" "
                    "name=\"notify_up\"", up ? " checked" : "", "> ",
                    Tr(L, "when it comes back up"), "</label></fieldset>");
  }
  absl::StrAppend(&out, "<button type=\"submit\">", Trf(L, "Add $0", Tr(L, kind.label)),
                  "</button></form></details>");
  return out;
}

}  // namespace

std::string dashboard::DeliveriesTable(std::string_view L, const std::string& project,
                                       const v1::ListNotificationsResponse& n,
                                       const v1::ListChannelsResponse* channels) {
  if (n.notifications().empty()) return Para(L, "Nothing sent yet.");
  std::map<std::string, const v1::Channel*> by_id;
  if (channels != nullptr) {
    for (const auto& ch : channels->channels()) by_id[ch.id()] = &ch;
  }
  std::string out = "<table class=\"channels\"><thead><tr>";
  for (const char* h : {"When", channels ? "Integration" : "Change", "State", "Attempts",
                        "Last attempt"}) {
    absl::StrAppend(&out, "<th scope=\"col\">", Tr(L, h), "</th>");
  }
  absl::StrAppend(&out, "</tr></thead><tbody>");
  for (const auto& d : n.notifications()) {
    std::string last;
    if (!d.attempt_log().empty()) {
      const auto& a = d.attempt_log(d.attempt_log_size() - 1);
      last = absl::StrCat(Esc(a.outcome()), a.code() ? absl::StrCat(" ", a.code()) : "",
                          a.detail().empty() ? "" : ": ", Esc(a.detail()));
    }
    std::string what;
    if (channels != nullptr) {
      auto it = by_id.find(d.channel());
      std::string name = it == by_id.end() ? Tr(L, "(deleted)") : it->second->name();
      what = Trf(L, "$0 via <a href=\"$1\">$2</a>", Esc(Tr(L, d.status().c_str())),
                 Esc(IntegrationPath(project, d.channel())), Esc(name));
    } else if (d.status() == "test") {
      what = Tr(L, "test");
    } else {
      what = absl::StrCat("<a href=\"", Esc(CheckPath(project, d.check())), "\">",
                          Esc(Tr(L, d.status().c_str())), "</a>");
    }
    absl::StrAppend(&out, "<tr><td>", TimeHtml(FromProto(d.flip_created())),
                    "</td><td>", what, "</td><td data-state=\"", Esc(d.state()), "\">",
                    Esc(Tr(L, d.state().c_str())), "</td><td>", d.attempts(), "</td><td>", last,
                    "</td></tr>");
  }
  absl::StrAppend(&out, "</tbody></table>");
  return out;
}

void Dashboard::Integrations(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSession(req, std::move(respond), [this, project](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    ShowIntegrations(200, "", s, project, nullptr, std::move(respond));
  });
}

void Dashboard::ShowIntegrations(int status, const std::string& message, const Session& s,
                                 const std::string& project, const Form* failed,
                                 Respond respond) {
  v1::ListChannelsRequest rpc;
  rpc.set_project(project);
  data_.ListChannelsForProject(
      std::move(rpc),
      [this, status, message, s, project, failed = failed ? std::optional<Form>(*failed) : std::nullopt,
       respond = std::move(respond)](absl::StatusOr<v1::ListChannelsResponse> r) {
        if (!r.ok()) return respond(Unavailable(&s));
        const v1::Membership* member = MembershipOf(s, project);
        bool can_write = member->role() != "ro";
        const std::string& L = s.language();
        std::string body = absl::StrCat(ProjectTabs(L, project, "integrations"),
                                        Alert(L, message));
        if (r->channels().empty()) {
          absl::StrAppend(&body, Para(L, "No integrations yet: alerts go nowhere."));
        } else {
          absl::StrAppend(&body, "<table class=\"channels\"><thead><tr>");
          for (const char* h : {"Name", "Kind", "Added"}) {
            absl::StrAppend(&body, "<th scope=\"col\">", Tr(L, h), "</th>");
          }
          absl::StrAppend(&body, "</tr></thead><tbody>");
          for (const auto& c : r->channels()) {
            absl::StrAppend(&body, "<tr><td><a href=\"", Esc(IntegrationPath(project, c.id())),
                            "\">", Esc(c.name().empty() ? c.id() : c.name()), "</a></td><td>",
                            KindLabel(L, c.kind()), "</td><td>",
                            TimeHtml(FromProto(c.created())), "</td></tr>");
          }
          absl::StrAppend(&body, "</tbody></table>");
        }
        if (can_write) {
          absl::StrAppend(&body, "<h2>", Tr(L, "Add an integration"), "</h2>",
                          Para(L, "A new integration alerts for every check of the project, and "
                                  "checks made here alert through every integration; a check's "
                                  "page chooses its own."));
          for (const auto& k : Kinds()) {
            bool this_one = failed && failed->count("kind") && failed->at("kind") == k.kind;
            absl::StrAppend(&body, AddForm(L, k, project, s.csrf_token(),
                                           this_one ? &*failed : nullptr));
          }
        }
        respond(Page(status, Trf(L, "$0: integrations", member->project().name()), body, &s));
      });
}

void Dashboard::CreateIntegration(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form, std::string,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    const KindSpec* kind = FindKind(form["kind"]);
    if (kind == nullptr) {
      return ShowIntegrations(400, "Choose a kind of integration.", s, project, nullptr,
                              std::move(respond));
    }
    v1::CreateChannelRequest rpc;
    rpc.set_project(project);
    std::string name(absl::StripAsciiWhitespace(form["name"]));
    rpc.set_name(name.empty() ? kind->label : name);
    rpc.set_kind(kind->kind);
    rpc.set_settings_json(SettingsFromForm(*kind, form));
    rpc.set_assign_to_all_checks(true);
    data_.CreateChannelForProject(
        std::move(rpc), [this, s, project, form = std::move(form),
                         respond = std::move(respond)](
                            absl::StatusOr<v1::CreateChannelResponse> r) mutable {
          if (r.ok()) return respond(Redirect(IntegrationPath(project, r->channel().id())));
          if (absl::IsInvalidArgument(r.status()) || absl::IsResourceExhausted(r.status()) ||
              absl::IsFailedPrecondition(r.status())) {
            return ShowIntegrations(400, std::string(r.status().message()), s, project, &form,
                                    std::move(respond));
          }
          respond(Unavailable(&s));
        });
  });
}

void Dashboard::IntegrationDetail(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), id = p.at("channel");
  std::string sent = req.QueryValue("sent") ? "1" : "";
  WithSession(req, std::move(respond), [this, project, id, sent](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    ShowIntegration(200, sent.empty() ? "" : "sent", s, project, id, std::move(respond));
  });
}

void Dashboard::ShowIntegration(int status, const std::string& message, const Session& s,
                                const std::string& project, const std::string& id,
                                Respond respond) {
  v1::GetChannelRequest rpc;
  rpc.set_project(project);
  rpc.set_id(id);
  data_.GetChannelForProject(std::move(rpc), [this, status, message, s, project, id,
                                              respond = std::move(respond)](
                                                 absl::StatusOr<v1::GetChannelResponse> ch) {
    if (!ch.ok()) {
      if (absl::IsNotFound(ch.status()) || absl::IsInvalidArgument(ch.status()) ||
          absl::IsPermissionDenied(ch.status())) {
        return respond(Page(404, "Not found", Para(s.language(), "No such integration."), &s));
      }
      return respond(Unavailable(&s));
    }
    v1::ListNotificationsRequest list;
    list.set_project(project);
    list.set_channel(id);
    list.set_limit(20);
    data_.ListNotificationsForProject(std::move(list), [this, status, message, s, project,
                                                        c = ch->channel(),
                                                        respond = std::move(respond)](
                                                           absl::StatusOr<v1::ListNotificationsResponse> n) {
      if (!n.ok()) return respond(Unavailable(&s));
      bool can_write = MembershipOf(s, project)->role() != "ro";
      std::string path = IntegrationPath(project, c.id());
      const std::string& L = s.language();
      std::string body = ProjectTabs(L, project, "integrations");
      if (message == "sent") {
        absl::StrAppend(&body, "<p role=\"status\">",
                        Tr(L, "Test notification queued: it goes out within seconds, and its "
                              "outcome shows below."),
                        "</p>");
      } else {
        absl::StrAppend(&body, Alert(L, message));
      }
      absl::StrAppend(&body, "<dl class=\"check\"><dt>", Tr(L, "Kind"), "</dt><dd>",
                      KindLabel(L, c.kind()), "</dd><dt>", Tr(L, "Added"), "</dt><dd>",
                      TimeHtml(FromProto(c.created())), "</dd></dl>");
      if (can_write) {
        std::string pretty = c.settings_json();
        auto parsed = nlohmann::json::parse(pretty, nullptr, false);
        if (!parsed.is_discarded()) {
          pretty = parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
        }
        absl::StrAppend(
            &body, "<form method=\"post\" action=\"", Esc(path), "test\">", CsrfField(s),
            "<button type=\"submit\">", Tr(L, "Send a test notification"), "</button></form>"
            "<h2>", Tr(L, "Name"), "</h2><form method=\"post\" action=\"", Esc(path),
            "name\" class=\"stack\">", CsrfField(s), "<label for=\"name\">", Tr(L, "Name"),
            "</label><input id=\"name\" name=\"name\" type=\"text\" maxlength=\"100\" "
            "required value=\"", Esc(c.name()), "\"><button type=\"submit\">", Tr(L, "Rename"),
            "</button></form><h2>", Tr(L, "Settings"), "</h2><form method=\"post\" action=\"",
            Esc(path), "settings\" class=\"stack wide\">", CsrfField(s),
            "<label for=\"settings\">",
            Tr(L, "Settings as JSON (the fields given are replaced; docs/api.md lists them)"),
            "</label><textarea id=\"settings\" name=\"settings\" "
            "rows=\"8\" maxlength=\"60000\" spellcheck=\"false\">", Esc(pretty),
            "</textarea><button type=\"submit\">", Tr(L, "Save settings"), "</button></form>"
            "<h2>", Tr(L, "Delete"), "</h2><form method=\"post\" action=\"", Esc(path),
            "delete\">", CsrfField(s), "<button type=\"submit\">",
            Tr(L, "Delete this integration"), "</button></form>");
      }
      absl::StrAppend(&body, "<h2>", Tr(L, "Deliveries"), "</h2>",
                      DeliveriesTable(L, project, *n, nullptr));
      respond(Page(status, c.name().empty() ? KindLabel(L, c.kind()) : c.name(), body, &s));
    });
  });
}

void Dashboard::IntegrationAction(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), id = p.at("channel"), action = p.at("action");
  WithSessionForm(req, std::move(respond), [this, project, id, action](
                                               Session s, Form form, std::string,
                                               Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    if (action != "test" && action != "name" && action != "settings" && action != "delete") {
      return respond(Page(404, "Not found", Para(s.language(), "No such page."), &s));
    }
    std::string path = IntegrationPath(project, id);
    // Bad input comes back on the integration's page with the reason.
    auto done = [this, s, project, id, path, respond = std::move(respond)](
                    const absl::Status& st, const std::string& to) mutable {
      if (st.ok()) return respond(Redirect(to));
      if (absl::IsInvalidArgument(st) || absl::IsFailedPrecondition(st)) {
        return ShowIntegration(400, std::string(st.message()), s, project, id,
                               std::move(respond));
      }
      if (absl::IsNotFound(st) || absl::IsPermissionDenied(st)) {
        return respond(Page(404, "Not found", Para(s.language(), "No such integration."), &s));
      }
      respond(Unavailable(&s));
    };
    if (action == "test") {
      v1::SendTestNotificationRequest rpc;
      rpc.set_project(project);
      rpc.set_id(id);
      data_.SendTestNotificationForProject(
          std::move(rpc), [done, path](absl::StatusOr<v1::SendTestNotificationResponse> r) mutable {
            done(r.status(), absl::StrCat(path, "?sent=1"));
          });
    } else if (action == "name" || action == "settings") {
      v1::UpdateChannelRequest rpc;
      rpc.set_project(project);
      rpc.set_id(id);
      if (action == "name") {
        std::string name(absl::StripAsciiWhitespace(form["name"]));
        if (name.empty()) {
          return done(absl::InvalidArgumentError("name: an integration needs a name"), path);
        }
        rpc.set_name(name);
      } else {
        std::string settings(absl::StripAsciiWhitespace(form["settings"]));
        if (!JsonDepthWithin(settings, 8)) {
          return done(absl::InvalidArgumentError("settings: nested too deeply"), path);
        }
        auto parsed = nlohmann::json::parse(settings, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) {
          return done(absl::InvalidArgumentError("settings: not a JSON object"), path);
        }
        rpc.set_settings_json(settings);
      }
      data_.UpdateChannelForProject(
          std::move(rpc), [done, path](absl::StatusOr<v1::UpdateChannelResponse> r) mutable {
            done(r.status(), path);
          });
    } else {  // "delete"
      v1::DeleteChannelRequest rpc;
      rpc.set_project(project);
      rpc.set_id(id);
      data_.DeleteChannelForProject(
          std::move(rpc),
          [done, project](absl::StatusOr<v1::DeleteChannelResponse> r) mutable {
            done(r.status(), IntegrationsPath(project));
          });
    }
  });
}

void Dashboard::SetCheckIntegrations(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  // Every ticked box is a field named "channel" (the form's own parser
  // keeps only the first of a name).
  std::vector<std::string> chosen;
  for (absl::string_view pair : absl::StrSplit(req.body, '&', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&pair, "channel=") && IsCanonicalUuid(std::string(pair))) {
      chosen.emplace_back(pair);
    }
  }
  WithSessionForm(req, std::move(respond), [this, project, check, chosen](
                                               Session s, Form, std::string, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::UpdateCheckRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    rpc.mutable_spec()->set_channels(absl::StrJoin(chosen, ","));
    data_.UpdateCheckForProject(std::move(rpc), [this, s, project, check,
                                                 respond = std::move(respond)](
                                                    absl::StatusOr<v1::UpdateCheckResponse> r) {
      if (r.ok()) return respond(Redirect(CheckPath(project, check)));
      if (absl::IsInvalidArgument(r.status())) {
        // An integration deleted meanwhile: say so rather than 404 the check.
        return respond(Page(400, "Bad request",
                            absl::StrCat("<p>", Esc(std::string(r.status().message())),
                                         "</p><p><a href=\"", Esc(CheckPath(project, check)),
                                         "\">", Tr(s.language(), "Back to the check"),
                                         "</a></p>"),
                            &s));
      }
      respond(CheckErrorPage(r.status(), s));
    });
  });
}

std::string Dashboard::CheckIntegrationsForm(const Session& s, const std::string& project,
                                             const v1::Check& c,
                                             const v1::ListChannelsResponse& channels,
                                             bool can_write) const {
  const std::string& L = s.language();
  std::string out = absl::StrCat("<h2>", Tr(L, "Integrations"), "</h2>");
  if (channels.channels().empty()) {
    return absl::StrCat(out, Trf(L, "<p>The project has no integrations: <a href=\"$0\">add "
                                    "one</a>.</p>", Esc(IntegrationsPath(project))));
  }
  std::set<std::string> on(c.channels().begin(), c.channels().end());
  absl::StrAppend(&out, "<form method=\"post\" action=\"", Esc(CheckPath(project, c.uuid())),
                  "integrations\">", CsrfField(s),
                  "<fieldset><legend>", Tr(L, "Alerts for this check go to"), "</legend>");
  for (const auto& ch : channels.channels()) {
    absl::StrAppend(&out, "<label><input type=\"checkbox\" name=\"channel\" value=\"",
                    Esc(ch.id()), "\"", on.count(ch.id()) ? " checked" : "",
                    can_write ? "" : " disabled", "> ", Esc(ch.name()), " <span class=\"role\">",
                    KindLabel(L, ch.kind()), "</span></label> ");
  }
  absl::StrAppend(&out, "</fieldset>",
                  can_write ? absl::StrCat("<button type=\"submit\">", Tr(L, "Save integrations"),
                                           "</button>")
                            : "",
                  "</form>");
  return out;
}

}  // namespace tocsin::gateway
