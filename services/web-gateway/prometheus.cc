#include "web-gateway/prometheus.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tocsin::gateway {
namespace {

// Label values escape backslash, double quote and newline.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Header(std::string& out, const char* name, const char* help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name,
                  " gauge\n");
}

}  // namespace

std::string PrometheusMetrics(
    const google::protobuf::RepeatedPtrField<v1::Check>& checks) {
  std::string out;
  auto per_check = [&](const char* name, const char* help, auto value) {
    Header(out, name, help);
    for (const auto& c : checks) {
      absl::StrAppend(&out, name, "{name=\"", Label(c.name()), "\", tags=\"",
                      Label(c.tags()), "\", unique_key=\"", c.unique_key(),
                      "\"} ", value(c) ? 1 : 0, "\n");
    }
  };
  // "Up" as Healthchecks counts it: anything but down.
  per_check("hc_check_up", "Whether the check is currently up (1 for yes, 0 for no).",
            [](const v1::Check& c) { return c.status() != v1::CHECK_STATUS_DOWN; });
  per_check("hc_check_started",
            "Whether the check is currently started (1 for yes, 0 for no).",
            [](const v1::Check& c) { return c.started(); });
  per_check("hc_check_grace",
            "Whether the check is currently in the grace period (1 for yes, 0 for no).",
            [](const v1::Check& c) { return c.status() == v1::CHECK_STATUS_GRACE; });
  per_check("hc_check_paused",
            "Whether the check is currently paused (1 for yes, 0 for no).",
            [](const v1::Check& c) { return c.status() == v1::CHECK_STATUS_PAUSED; });

  std::map<std::string, bool> tag_up;
  int down = 0;
  for (const auto& c : checks) {
    bool is_up = c.status() != v1::CHECK_STATUS_DOWN;
    if (!is_up) ++down;
    for (absl::string_view t : absl::StrSplit(c.tags(), ' ', absl::SkipEmpty())) {
      auto [it, fresh] = tag_up.emplace(std::string(t), is_up);
      if (!fresh) it->second = it->second && is_up;
    }
  }
  Header(out, "hc_tag_up",
         "Whether all checks with this tag are up (1 for yes, 0 for no).");
  for (const auto& [tag, up] : tag_up) {
    absl::StrAppend(&out, "hc_tag_up{tag=\"", Label(tag), "\"} ", up ? 1 : 0,
                    "\n");
  }
  Header(out, "hc_checks_total", "The total number of checks.");
  absl::StrAppend(&out, "hc_checks_total ", checks.size(), "\n");
  Header(out, "hc_checks_down_total", "The number of checks currently down.");
  absl::StrAppend(&out, "hc_checks_down_total ", down, "\n");
  return out;
}

bool LooksLikeApiKey(const std::string& key) {
  if (key.size() != 32) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tocsin::gateway
