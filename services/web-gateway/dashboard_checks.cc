// The dashboard's pages about checks: a project's list, one check, and the
// forms that create, pause, resume and delete them.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "nlohmann/json.hpp"
#include "schedule/schedule.h"
#include "web-gateway/dashboard.h"
#include "web-gateway/dashboard_html.h"
#include "web-gateway/i18n.h"

namespace tocsin::gateway {
using namespace dashboard;  // NOLINT: the dashboard's own helpers

namespace {

// "0 3 * * * (Europe/Riga)" or "every 1h", escaped.
std::string ScheduleText(std::string_view L, const v1::Check& c) {
  return c.kind() == v1::SCHEDULE_KIND_CRON || c.kind() == v1::SCHEDULE_KIND_ONCALENDAR
             ? absl::StrCat(Esc(c.schedule()), " (", Esc(c.tz()), ")")
             : Trf(L, "every $0", Esc(absl::FormatDuration(FromProto(c.timeout()))));
}

// A check's tags under its name in the list.
std::string TagList(const v1::Check& c) {
  std::string out;
  for (absl::string_view t : absl::StrSplit(c.tags(), ' ', absl::SkipEmpty())) {
    absl::StrAppend(&out, " <span class=\"tag\">", Esc(std::string(t)), "</span>");
  }
  return out.empty() ? "" : absl::StrCat("<br>", out);
}

std::string LastPingText(std::string_view L, const v1::Check& c) {
  return c.has_last_ping() ? TimeHtml(FromProto(c.last_ping())) : Tr(L, "never");
}

// A ping's body in the log: the start of it as text, and a link to all of it.
std::string BodyCell(std::string_view L, const std::string& project, const std::string& check,
                     const v1::Ping& ping) {
  if (ping.body_size() == 0) return "";
  std::string out;
  if (!ping.body_preview().empty()) {
    std::string text = ToStorableText(ping.body_preview(), 80);
    bool cut = static_cast<int64_t>(text.size()) < ping.body_size();
    absl::StrAppend(&out, "<code class=\"preview\">", Esc(text), cut ? "\xe2\x80\xa6" : "",
                    "</code> ");
  }
  absl::StrAppend(&out, "<a href=\"", Esc(CheckPath(project, check)), "pings/", ping.n(),
                  "/body\">", Trf(L, "$0 bytes", ping.body_size()), "</a>");
  return out;
}

HttpResponse Json(int status, const nlohmann::ordered_json& j) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

void Dashboard::ChecksStatus(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  // Polled by the page's script: answers in JSON, never with a redirect.
  if (SessionToken(req).empty()) {
    return respond(Json(401, {{"error", "log in again"}}));
  }
  std::string etag_seen = req.Header("if-none-match");
  WithSession(req, std::move(respond), [this, project, etag_seen](Session s, Respond respond) {
    if (MembershipOf(s, project) == nullptr) {
      return respond(Json(404, {{"error", "no such project"}}));
    }
    v1::ListChecksRequest rpc;
    rpc.set_project(project);
    data_.ListChecksForProject(std::move(rpc), [L = s.language(), etag_seen,
                                                respond = std::move(respond)](
                                                   absl::StatusOr<v1::ListChecksResponse> r) {
      if (!r.ok()) {
        HttpResponse busy = Json(503, {{"error", "try again shortly"}});
        busy.headers.emplace_back("Retry-After", "5");
        return respond(std::move(busy));
      }
      nlohmann::ordered_json checks = nlohmann::ordered_json::array();
      for (const auto& c : r->checks()) {
        // The same text the page shows, so the script only swaps it in.
        checks.push_back({{"uuid", c.uuid()},
                          {"status", StatusLabel(c.status())},
                          {"status_text", StatusText(L, c.status())},
                          {"last_ping", c.has_last_ping()
                                            ? FormatApiTime(FromProto(c.last_ping()))
                                            : ""},
                          {"last_ping_text", c.has_last_ping()
                                                 ? FormatTimeUtc(FromProto(c.last_ping()))
                                                 : Tr(L, "never")},
                          {"n_pings", c.n_pings()}});
      }
      // Polled every few seconds by every open page: an unchanged answer
      // is a bodiless 304 (the browser revalidates; "no-cache", not
      // "no-store").
      HttpResponse out = Json(200, {{"checks", std::move(checks)}});
      std::string etag = absl::StrCat("W/\"", absl::Hex(std::hash<std::string>()(out.body)), "\"");
      for (auto& [name, value] : out.headers) {
        if (name == "Cache-Control") value = "private, no-cache";
      }
      out.headers.emplace_back("ETag", etag);
      if (etag_seen == etag) {
        out.status = 304;
        out.body.clear();
      }
      respond(std::move(out));
    });
  });
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
            return respond(Unavailable(&s));
          }
          const std::string& L = s.language();
          std::string body = ProjectTabs(L, project, "checks");
          if (s_can_write) {
            absl::StrAppend(&body, "<p><a class=\"button\" href=\"",
                            Esc(ChecksPath(project)), "new\">", Tr(L, "New check"), "</a></p>");
          }
          if (r->checks().empty()) {
            absl::StrAppend(&body, Para(L, "No checks yet."));
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
                            "<label for=\"q\">", Tr(L, "Search by name, slug or UUID"),
                            "</label><input id=\"q\" name=\"q\" type=\"search\" value=\"",
                            Esc(text), "\" maxlength=\"100\">");
            if (!all_tags.empty()) {
              absl::StrAppend(&body, "<fieldset><legend>", Tr(L, "Tags"), "</legend>");
              for (const auto& t : all_tags) {
                absl::StrAppend(&body, "<label><input type=\"checkbox\" name=\"tag\" value=\"",
                                Esc(t), "\"", want_tags.count(t) ? " checked" : "", "> ",
                                Esc(t), "</label>");
              }
              absl::StrAppend(&body, "</fieldset>");
            }
            absl::StrAppend(&body, "<button type=\"submit\">", Tr(L, "Filter"), "</button>");
            bool filtered = !want_tags.empty() || !text.empty();
            if (filtered) {
              absl::StrAppend(&body, " <a href=\"", Esc(ChecksPath(project)),
                              "\">", Tr(L, "Show all"), "</a>");
            }
            absl::StrAppend(&body, "</form>");
            if (filtered) {
              absl::StrAppend(&body, "<p class=\"count\" role=\"status\">",
                              Trf(L, "$0 of $1 checks", shown.size(), r->checks_size()), "</p>");
            }
            absl::StrAppend(&body, "<table class=\"checks\" data-live=\"",
                            Esc(ChecksPath(project)), "status.json\"><thead>");
            absl::StrAppend(&body, "<tr>");
            for (const char* h : {"Status", "Name", "Schedule", "Last ping"}) {
              absl::StrAppend(&body, "<th scope=\"col\">", Tr(L, h), "</th>");
            }
            absl::StrAppend(&body, "</tr></thead><tbody>");
            for (const v1::Check* cp : shown) {
              const v1::Check& c = *cp;
              absl::StrAppend(
                  &body, "<tr data-check=\"", Esc(c.uuid()), "\"><td>",
                  StatusBadge(L, c.status(), /*live=*/true),
                  "</td><td><a href=\"", Esc(CheckPath(project, c.uuid())), "\">",
                  Esc(c.name().empty() ? c.uuid() : c.name()), "</a>", TagList(c),
                  "</td><td>", ScheduleText(L, c), "</td><td data-field=\"last_ping\">",
                  LastPingText(L, c), "</td></tr>");
            }
            absl::StrAppend(&body, "</tbody></table>");
          }
          respond(Page(200, name, body, &s));
        });
  });
}

void Dashboard::WithCheck(const HttpRequest& req, const PathParams& p, bool write,
                          Respond respond, std::function<void(Session, v1::Check, Respond)> fn) {
  std::string project = p.at("project"), check = p.at("check");
  WithSession(req, std::move(respond), [this, project, check, write, fn = std::move(fn)](
                                           Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, write)) {
      return respond(std::move(*refused));
    }
    v1::GetCheckRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    data_.GetCheckForProject(std::move(rpc), [this, s, fn, respond = std::move(respond)](
                                                 absl::StatusOr<v1::GetCheckResponse> c) {
      if (!c.ok()) return respond(CheckErrorPage(c.status(), s));
      fn(s, c->check(), std::move(respond));
    });
  });
}

void Dashboard::CheckDetail(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  WithCheck(req, p, /*write=*/false, std::move(respond), [this, project, check](
                                                            Session s, v1::Check checked,
                                                            Respond respond) {
    bool can_write = MembershipOf(s, project)->role() != "ro";
      v1::ListPingsRequest pings;
      pings.set_project(project);
      pings.set_id(check);
      data_.ListPingsForProject(std::move(pings), [this, s, project, check, can_write,
                                                   c = std::move(checked),
                                                   respond = std::move(respond)](
                                                      absl::StatusOr<v1::ListPingsResponse> r) {
        if (!r.ok()) {
          return respond(Unavailable(&s));
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
                return respond(Unavailable(&s));
              }
              v1::ListChannelsRequest channels;
              channels.set_project(project);
              data_.ListChannelsForProject(
                  std::move(channels), [this, s, project, can_write, c, pings,
                                        flips = *std::move(f), respond = std::move(respond)](
                                           absl::StatusOr<v1::ListChannelsResponse> ch) {
                    if (!ch.ok()) return respond(Unavailable(&s));
                    v1::ListNotificationsRequest sent;
                    sent.set_project(project);
                    sent.set_check(c.uuid());
                    sent.set_limit(20);
                    data_.ListNotificationsForProject(
                        std::move(sent),
                        [this, s, project, can_write, c, pings, flips, channels = *std::move(ch),
                         respond = std::move(respond)](
                            absl::StatusOr<v1::ListNotificationsResponse> n) {
                          if (!n.ok()) return respond(Unavailable(&s));
                          std::string body = CheckDetailBody(s, project, c, pings, flips,
                                                             channels, can_write);
                          absl::StrAppend(&body, "<h2>", Tr(s.language(), "Notifications"),
                                          "</h2>",
                                          DeliveriesTable(s.language(), project, *n, &channels));
                          respond(Page(200, c.name().empty() ? c.uuid() : c.name(), body, &s));
                        });
                  });
            });
      });
  });
}

std::string Dashboard::CheckDetailBody(const Session& s, const std::string& project,
                                       const v1::Check& c,
                                       const v1::ListPingsResponse& pings,
                                       const v1::ListFlipsResponse& flips,
                                       const v1::ListChannelsResponse& channels,
                                       bool can_write) const {
  const std::string& L = s.language();
  std::string schedule = ScheduleText(L, c);
  std::string ping_url = absl::StrCat(config_.urls.ping_endpoint, c.uuid());
  std::string body = absl::StrCat(
      ProjectTabs(L, project, "checks"),
      "<dl class=\"check\" data-check=\"", Esc(c.uuid()), "\" data-live=\"",
      Esc(ChecksPath(project)), "status.json\"><dt>", Tr(L, "Status"), "</dt><dd>",
      StatusBadge(L, c.status(), /*live=*/true), "</dd>"
      "<dt>", Tr(L, "Ping URL"), "</dt><dd><code data-copy=\"", Tr(L, "ping URL"), "\">",
      Esc(ping_url), "</code></dd>"
      "<dt>", Tr(L, "Schedule"), "</dt><dd>",
      Trf(L, "$0, grace $1", schedule, Esc(absl::FormatDuration(FromProto(c.grace())))), "</dd>"
      "<dt>", Tr(L, "Last ping"), "</dt><dd data-field=\"last_ping\">", LastPingText(L, c),
      "</dd><dt>", Tr(L, "Pings received"), "</dt><dd data-field=\"n_pings\">", c.n_pings(),
      "</dd>");
  if (!c.tags().empty()) {
    absl::StrAppend(&body, "<dt>", Tr(L, "Tags"), "</dt><dd>", Esc(c.tags()), "</dd>");
  }
  if (!c.desc().empty()) {
    absl::StrAppend(&body, "<dt>", Tr(L, "Description"), "</dt><dd class=\"desc\">",
                    Esc(c.desc()), "</dd>");
  }
  absl::StrAppend(&body, "</dl>");
  if (can_write) {
    bool paused = c.status() == v1::CHECK_STATUS_PAUSED;
    absl::StrAppend(&body, "<form method=\"post\" action=\"",
                    Esc(CheckPath(project, c.uuid())), paused ? "resume" : "pause",
                    "\">", CsrfField(s), "<button type=\"submit\">",
                    Tr(L, paused ? "Resume" : "Pause"), "</button></form>",
                    "<p><a href=\"", Esc(CheckPath(project, c.uuid())),
                    "edit\">", Tr(L, "Edit this check"), "</a> \xc2\xb7 <a href=\"",
                    Esc(CheckPath(project, c.uuid())),
                    "delete\">", Tr(L, "Delete this check\xe2\x80\xa6"), "</a></p>");
  }
  absl::StrAppend(&body, CheckIntegrationsForm(s, project, c, channels, can_write));
  // Ready to paste: the usual ways a job reports to its check.
  std::string cron = c.kind() == v1::SCHEDULE_KIND_CRON ? c.schedule() : "0 3 * * *";
  absl::StrAppend(
      &body, "<h2>", Tr(L, "How to ping it"), "</h2>",
      "<h3>", Tr(L, "From a crontab"), "</h3><pre><code data-copy=\"", Tr(L, "crontab line"),
      "\">", Esc(cron),
      " /path/to/job.sh &amp;&amp; curl -fsS -m 10 --retry 5 -o /dev/null ",
      Esc(ping_url), "</code></pre>",
      "<h3>", Tr(L, "Bash, reporting the exit status and timing the run"), "</h3>"
      "<pre><code data-copy=\"", Tr(L, "bash script"), "\">URL=", Esc(ping_url),
      "\ncurl -fsS -m 10 --retry 5 -o /dev/null \"$URL/start\"\n"
      "/path/to/job.sh\ncurl -fsS -m 10 --retry 5 -o /dev/null \"$URL/$?\"</code></pre>",
      "<h3>", Tr(L, "With runitor"), "</h3><pre><code data-copy=\"", Tr(L, "runitor command"),
      "\">runitor -api-url ",
      Esc(std::string(absl::StripSuffix(config_.urls.ping_endpoint, "/"))), " -uuid ",
      Esc(c.uuid()),
      " -- /path/to/job.sh</code></pre>");
  absl::StrAppend(&body, "<h2>", Tr(L, "Status history"), "</h2>");
  if (flips.flips().empty()) {
    absl::StrAppend(&body, Para(L, "No status changes yet."));
  } else {
    absl::StrAppend(&body, "<ol class=\"flips\">");
    int shown = 0;
    for (const auto& f : flips.flips()) {
      if (++shown > 50) break;  // Newest first; a flapping check has many.
      absl::StrAppend(&body, "<li>", TimeHtml(FromProto(f.created())), " ",
                      StatusBadge(L, f.old_status()), " \xe2\x86\x92 ",
                      StatusBadge(L, f.new_status()), "</li>");
    }
    absl::StrAppend(&body, "</ol>");
  }
  absl::StrAppend(&body, "<h2>", Tr(L, "Pings"), "</h2>");
  if (pings.pings().empty()) {
    absl::StrAppend(&body, Para(L, "No pings yet."));
    return body;
  }
  absl::StrAppend(&body, "<table class=\"pings\"><thead><tr><th scope=\"col\">#</th>");
  for (const char* h : {"Kind", "Time", "Source", "User agent", "Duration", "Body"}) {
    absl::StrAppend(&body, "<th scope=\"col\">", Tr(L, h), "</th>");
  }
  absl::StrAppend(&body, "</tr></thead><tbody>");
  for (const auto& ping : pings.pings()) {
    absl::StrAppend(
        &body, "<tr><td>", ping.n(), "</td><td><span class=\"kind ",
        PingKindLabel(ping.kind()), "\">", Tr(L, PingKindLabel(ping.kind())),
        ping.has_exit_status() ? Trf(L, " (exit $0)", ping.exit_status()) : "",
        "</span></td><td>", TimeHtml(FromProto(ping.created())), "</td><td>",
        Trf(L, "$0 $1 from $2", Esc(absl::AsciiStrToUpper(ping.scheme())), Esc(ping.method()),
            Esc(ping.remote_addr())),
        "</td><td>", Esc(ping.user_agent()), "</td><td>",
        ping.has_duration() ? Esc(absl::FormatDuration(FromProto(ping.duration()))) : "",
        "</td><td>", BodyCell(L, project, c.uuid(), ping), "</td></tr>");
  }
  absl::StrAppend(&body, "</tbody></table>");
  return body;
}

void Dashboard::PingBody(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  int64_t n = 0;
  if (!absl::SimpleAtoi(p.at("n"), &n) || n < 1) {
    const std::string L = RequestLanguage(req);
    return respond(Page(404, "Not found", Para(L, "No such ping."), nullptr, L));
  }
  WithSession(req, std::move(respond), [this, project, check, n](Session s,
                                                                  Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    v1::GetPingBodyRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    rpc.set_n(n);
    data_.GetPingBodyForProject(std::move(rpc), [this, s, project, check, n,
                                                 respond = std::move(respond)](
                                                    absl::StatusOr<v1::GetPingBodyResponse> r) {
      if (!r.ok()) {
        // A ping pruned since the log was shown is as gone as a wrong number.
        if (absl::IsNotFound(r.status())) {
          return respond(Page(404, "Not found", Para(s.language(), "No such ping, or no body."), &s));
        }
        return respond(CheckErrorPage(r.status(), s));
      }
      // Shown as text: bytes that are not UTF-8 become U+FFFD.
      std::string text = ToStorableText(r->body(), r->body().size() * 3 + 3);
      const std::string& L = s.language();
      respond(Page(200, Trf(L, "Ping #$0: body", n),
                   absl::StrCat(ProjectTabs(L, project, "checks"), "<p>",
                                Trf(L, "$0 bytes.", r->body().size()), " <a href=\"",
                                Esc(CheckPath(project, check)), "\">",
                                Tr(L, "Back to the check"), "</a></p>"
                                "<pre><code data-copy=\"", Tr(L, "body"), "\">", Esc(text),
                                "</code></pre>"),
                   &s));
    });
  });
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

namespace {

// The next times of a schedule in its zone, or the evaluator's reason it is
// not one (empty schedule: nothing).
struct Preview {
  std::vector<std::string> next;
  std::string error;
};

Preview PreviewSchedule(const std::string& schedule, const std::string& tz) {
  Preview out;
  std::string expr(absl::StripAsciiWhitespace(schedule));
  if (expr.empty()) return out;
  if (expr.size() > 100) {
    out.error = "schedule: at most 100 characters";
    return out;
  }
  std::string zone_name(absl::StripAsciiWhitespace(tz));
  auto zone = schedule::LoadZone(zone_name.empty() ? "UTC" : zone_name);
  if (!zone.ok()) {
    out.error = std::string(zone.status().message());
    return out;
  }
  auto parsed = schedule::Schedule::Parse(expr);
  if (!parsed.ok()) {
    out.error = absl::StrCat("schedule: ", parsed.status().message());
    return out;
  }
  for (absl::Time t : parsed->NextN(absl::Now(), *zone, 5)) {
    out.next.push_back(absl::FormatTime("%a %Y-%m-%d %H:%M %Z", t, *zone));
  }
  if (out.next.empty()) out.error = "schedule has no matching times";
  return out;
}

// The preview as the form shows it (and the script swaps in).
std::string PreviewHtml(std::string_view L, const Preview& p) {
  if (!p.error.empty()) {
    return absl::StrCat("<p class=\"error\">", Esc(p.error), "</p>");
  }
  if (p.next.empty()) return "";
  std::string out = absl::StrCat(Para(L, "Next expected:"), "<ul>");
  for (const auto& t : p.next) absl::StrAppend(&out, "<li>", Esc(t), "</li>");
  absl::StrAppend(&out, "</ul>");
  return out;
}

}  // namespace

HttpResponse Dashboard::CheckFormPage(int status, const std::string& message,
                                      const Session& s, const std::string& project,
                                      const Form& form, const std::string& editing) const {
  auto value = [&](const char* name, const char* fallback) {
    auto it = form.find(name);
    return Esc(it == form.end() ? fallback : it->second);
  };
  const std::string& L = s.language();
  auto field = [&](const char* name, const char* label, const char* type,
                   const char* fallback, const char* extra) {
    return absl::StrCat("<label for=\"", name, "\">", Tr(L, label), "</label><input id=\"",
                        name, "\" name=\"", name, "\" type=\"", type, "\" value=\"",
                        value(name, fallback), "\"", extra, ">");
  };
  auto get = [&](const char* name, const char* fallback) {
    auto it = form.find(name);
    return it == form.end() ? std::string(fallback) : it->second;
  };
  std::string action = editing.empty() ? absl::StrCat(ChecksPath(project), "new")
                                       : absl::StrCat(CheckPath(project, editing), "edit");
  std::string body = absl::StrCat(
      ProjectTabs(L, project, "checks"), Alert(L, message),
      "<form method=\"post\" action=\"", Esc(action), "\" class=\"stack\" data-preview=\"",
      Esc(ChecksPath(project)), "schedule-preview\">", CsrfField(s),
      field("name", "Name", "text", "", " maxlength=\"100\""),
      field("slug", "Slug (for ping URLs by ping key; a-z, 0-9, - and _)", "text", "",
            " maxlength=\"100\" pattern=\"[a-z0-9_-]*\""),
      field("tags", "Tags (separated by spaces)", "text", "", " maxlength=\"500\""),
      "<label for=\"desc\">", Tr(L, "Description"), "</label><textarea id=\"desc\" "
      "name=\"desc\" rows=\"3\" maxlength=\"10000\">", value("desc", ""), "</textarea>",
      field("period", "Period: a ping is expected every (minutes)", "number", "1440",
            " min=\"1\" max=\"525600\" required"),
      field("grace", "Grace time (minutes)", "number", "60",
            " min=\"1\" max=\"525600\" required"),
      field("schedule",
            "Or a schedule instead of the period: cron (0 3 * * *) or OnCalendar "
            "(Mon..Fri 09:00)",
            "text", "", " maxlength=\"100\" aria-describedby=\"schedule-preview\""),
      field("tz", "Time zone of the schedule", "text", "UTC", " maxlength=\"64\""),
      "<div id=\"schedule-preview\" class=\"preview\" role=\"status\">",
      PreviewHtml(L, PreviewSchedule(get("schedule", ""), get("tz", "UTC"))), "</div>",
      "<button type=\"submit\">", Tr(L, editing.empty() ? "Create check" : "Save changes"),
      "</button></form>");
  return Page(status, editing.empty() ? "New check" : "Edit check", body, &s);
}


void Dashboard::SchedulePreview(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  const std::string* schedule = req.QueryValue("schedule");
  const std::string* tz = req.QueryValue("tz");
  std::string sched = schedule ? *schedule : "", zone = tz ? *tz : "UTC";
  if (SessionToken(req).empty()) return respond(Json(401, {{"error", "log in again"}}));
  WithSession(req, std::move(respond), [this, project, sched, zone](Session s,
                                                                     Respond respond) {
    if (MembershipOf(s, project) == nullptr) {
      return respond(Json(404, {{"error", "no such project"}}));
    }
    // Answered as HTML the form swaps in: the same markup as without script.
    Preview pv = PreviewSchedule(sched, zone);
    respond(Json(200, {{"html", PreviewHtml(s.language(), pv)}, {"ok", pv.error.empty()}}));
  });
}

namespace {

// The spec a check form describes; an error message for bad numbers.
std::optional<std::string> SpecFromForm(std::map<std::string, std::string>& form,
                                        v1::CheckSpec& spec) {
  auto minutes = [&](const char* name) -> std::optional<int64_t> {
    int64_t v = 0;
    if (!absl::SimpleAtoi(form[name], &v) || v < 1 || v > 525600) return std::nullopt;
    return v;
  };
  auto period = minutes("period"), grace = minutes("grace");
  if (!period || !grace) {
    return "Period and grace time are whole numbers of minutes, from 1 to 525600.";
  }
  spec.set_name(form["name"]);
  spec.set_slug(form["slug"]);
  spec.set_tags(form["tags"]);
  spec.set_desc(form["desc"]);
  // A period makes the check simple; a schedule, given too, wins.
  *spec.mutable_timeout() = tocsin::ToProto(absl::Minutes(*period));
  *spec.mutable_grace() = tocsin::ToProto(absl::Minutes(*grace));
  std::string schedule(absl::StripAsciiWhitespace(form["schedule"]));
  if (!schedule.empty()) {
    spec.set_schedule(schedule);
    std::string tz(absl::StripAsciiWhitespace(form["tz"]));
    spec.set_tz(tz.empty() ? "UTC" : tz);
  }
  return std::nullopt;
}

}  // namespace

void Dashboard::NewCheckForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSession(req, std::move(respond), [this, project](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    respond(CheckFormPage(200, "", s, project, {}, ""));
  });
}

HttpResponse Dashboard::CheckFormRefused(const absl::Status& st, const Session& s,
                                         const std::string& project, const Form& form,
                                         const std::string& editing) const {
  if (absl::IsInvalidArgument(st) || absl::IsFailedPrecondition(st) || absl::IsOutOfRange(st)) {
    // The data service's validation message names the field.
    return CheckFormPage(400, std::string(st.message()), s, project, form, editing);
  }
  if (absl::IsResourceExhausted(st)) {
    return CheckFormPage(429, std::string(st.message()), s, project, form, editing);
  }
  if (!editing.empty()) return CheckErrorPage(st, s);
  return Unavailable(&s);
}

void Dashboard::CreateCheck(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSessionForm(req, std::move(respond), [this, project](Session s, Form form,
                                                           std::string,
                                                           Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::CreateCheckRequest rpc;
    rpc.set_project(project);
    v1::CheckSpec& spec = *rpc.mutable_spec();
    if (auto bad = SpecFromForm(form, spec)) {
      return respond(CheckFormPage(400, *bad, s, project, form, ""));
    }
    // As in Healthchecks' dashboard: a new check alerts through every
    // integration of the project (its page chooses otherwise).
    spec.set_channels("*");
    data_.CreateCheckForProject(
        std::move(rpc), [this, s, project, form = std::move(form),
                         respond = std::move(respond)](
                            absl::StatusOr<v1::CreateCheckResponse> r) {
          if (r.ok()) return respond(Redirect(CheckPath(project, r->check().uuid())));
          respond(CheckFormRefused(r.status(), s, project, form, ""));
        });
  });
}

void Dashboard::EditCheckForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithCheck(req, p, /*write=*/true, std::move(respond), [this, project](
                                                           Session s, v1::Check c,
                                                           Respond respond) {
    bool scheduled = c.kind() == v1::SCHEDULE_KIND_CRON ||
                     c.kind() == v1::SCHEDULE_KIND_ONCALENDAR;
    Form form = {{"name", c.name()}, {"slug", c.slug()}, {"tags", c.tags()},
                 {"desc", c.desc()},
                 {"period", absl::StrCat(std::max<int64_t>(
                                1, absl::ToInt64Minutes(FromProto(c.timeout()))))},
                 {"grace", absl::StrCat(std::max<int64_t>(
                               1, absl::ToInt64Minutes(FromProto(c.grace()))))},
                 {"schedule", scheduled ? c.schedule() : ""},
                 {"tz", c.tz().empty() ? "UTC" : c.tz()}};
    respond(CheckFormPage(200, "", s, project, form, c.uuid()));
  });
}

void Dashboard::EditCheck(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project"), check = p.at("check");
  WithSessionForm(req, std::move(respond), [this, project, check](Session s, Form form,
                                                                  std::string,
                                                                  Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/true)) {
      return respond(std::move(*refused));
    }
    v1::UpdateCheckRequest rpc;
    rpc.set_project(project);
    rpc.set_id(check);
    if (auto bad = SpecFromForm(form, *rpc.mutable_spec())) {
      return respond(CheckFormPage(400, *bad, s, project, form, check));
    }
    data_.UpdateCheckForProject(
        std::move(rpc), [this, s, project, check, form = std::move(form),
                         respond = std::move(respond)](
                            absl::StatusOr<v1::UpdateCheckResponse> r) {
          if (r.ok()) return respond(Redirect(CheckPath(project, check)));
          respond(CheckFormRefused(r.status(), s, project, form, check));
        });
  });
}

void Dashboard::DeleteCheckForm(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithCheck(req, p, /*write=*/true, std::move(respond), [this, project](
                                                           Session s, v1::Check c,
                                                           Respond respond) {
    std::string path = CheckPath(project, c.uuid());
    const std::string& L = s.language();
    respond(Page(
        200, "Delete check",
        absl::StrCat(Trf(L, "<p>Delete <strong>$0</strong>? Its pings, status history and "
                            "notifications go with it, and its ping URL stops working. This "
                            "cannot be undone.</p>",
                         Esc(c.name().empty() ? c.uuid() : c.name())),
                     "<form method=\"post\" action=\"", Esc(path), "delete\">",
                     CsrfField(s), "<button type=\"submit\">", Tr(L, "Delete"), "</button> "
                     "<a href=\"", Esc(path), "\">", Tr(L, "Cancel"), "</a></form>"),
        &s));
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
