// The dashboard's badges page: a project's badge URLs, for all its checks
// and for each tag, in every format, with a preview of each SVG badge.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "web-gateway/badges.h"
#include "web-gateway/dashboard.h"
#include "web-gateway/dashboard_html.h"
#include "web-gateway/i18n.h"

namespace tocsin::gateway {
using namespace dashboard;  // NOLINT: the dashboard's own helpers

void Dashboard::Badges(HttpRequest& req, const PathParams& p, Respond respond) {
  std::string project = p.at("project");
  WithSession(req, std::move(respond), [this, project](Session s, Respond respond) {
    if (auto refused = RefuseNonMember(s, project, /*write=*/false)) {
      return respond(std::move(*refused));
    }
    v1::ListBadgeTagsRequest rpc;
    rpc.set_project(project);
    data_.ListBadgeTagsForProject(std::move(rpc), [this, s, project,
                                                   respond = std::move(respond)](
                                                      absl::StatusOr<v1::ListBadgeTagsResponse> r) {
      if (!r.ok()) return respond(Unavailable(&s));
      const std::string& L = s.language();
      std::string body = absl::StrCat(
          ProjectTabs(L, project, "badges"),
          Para(L, "Badges show the state of the project's checks, by tag or all together, as "
                  "an image anyone with the URL can load (the URL holds a key of its own, not "
                  "an API key)."));
      std::vector<std::pair<std::string, std::string>> targets = {{"*", Tr(L, "All checks")}};
      for (const auto& tag : r->tags()) targets.emplace_back(tag, Trf(L, "Tag $0", tag));
      for (const auto& [tag, title] : targets) {
        nlohmann::ordered_json urls =
            BadgeUrls(config_.urls.site_root, config_.secret_key, r->badge_key(), tag);
        // The preview from this origin (the page's CSP allows only its own
        // images), whatever SITE_ROOT's host is.
        std::string svg = urls.value("svg", "");
        if (absl::StartsWith(svg, config_.urls.site_root)) {
          svg = svg.substr(config_.urls.site_root.size());
        }
        absl::StrAppend(&body, "<h2>", Esc(title), "</h2><p><img class=\"badge\" src=\"",
                        Esc(svg), "\" alt=\"", Esc(title), "\"></p>"
                        "<table class=\"keys\"><thead><tr><th scope=\"col\">", Tr(L, "Format"),
                        "</th><th scope=\"col\">URL</th></tr></thead><tbody>");
        for (const auto& [format, url] : urls.items()) {
          absl::StrAppend(&body, "<tr><td>", Esc(format), "</td><td><code data-copy=\"",
                          Esc(absl::StrCat(Tr(L, "badge URL"), " ", format)), "\">",
                          Esc(url.get<std::string>()), "</code></td></tr>");
        }
        absl::StrAppend(&body, "</tbody></table>");
      }
      respond(Page(200, Trf(L, "$0: badges", MembershipOf(s, project)->project().name()), body,
                   &s));
    });
  });
}

}  // namespace tocsin::gateway
