#include "web-gateway/check_request.h"
#include "common/strings.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace tocsin::gateway {
namespace {

// Deeper bodies are refused before parsing (see JsonDepthWithin). Our own
// bodies nest two levels (webhook headers); 32 leaves room for clients.
constexpr int kMaxJsonDepth = 32;

using nlohmann::json;

absl::Status TypeError(std::string_view field, std::string_view type) {
  return absl::InvalidArgumentError(
      absl::StrCat("json validation error: ", Absl(field), " is not a ", Absl(type)));
}

// Reads an optional string field into `set`.
template <typename Setter>
absl::Status String(const json& j, const char* field, Setter set) {
  auto it = j.find(field);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_string()) return TypeError(field, "string");
  set(it->get<std::string>());
  return absl::OkStatus();
}

template <typename Setter>
absl::Status Bool(const json& j, const char* field, Setter set) {
  auto it = j.find(field);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_boolean()) return TypeError(field, "boolean");
  set(it->get<bool>());
  return absl::OkStatus();
}

// A whole number of seconds within [60, 31536000].
// Touches `out` only when the field is present: a mutable_*() call alone
// would mark the field as set.
template <typename Mutable>
absl::Status Seconds(const json& j, const char* field, Mutable out) {
  auto it = j.find(field);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_number()) return TypeError(field, "number");
  double v = it->get<double>();
  if (!std::isfinite(v) || v < 60 || v > 31536000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "json validation error: ", field, " must be between 60 and 31536000"));
  }
  out()->set_seconds(static_cast<int64_t>(v));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CheckRequestBody> ParseCheckRequestBody(std::string_view body) {
  CheckRequestBody out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError("could not parse request body");
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        "json validation error: value is not an object");
  }
  v1::CheckSpec& s = out.spec;
  absl::Status st;
  auto check = [&](absl::Status x) {
    if (st.ok() && !x.ok()) st = x;
  };
  check(String(j, "api_key", [&](std::string v) { out.api_key = v; }));
  check(String(j, "name", [&](std::string v) { s.set_name(v); }));
  check(String(j, "slug", [&](std::string v) { s.set_slug(v); }));
  check(String(j, "tags", [&](std::string v) { s.set_tags(v); }));
  check(String(j, "desc", [&](std::string v) { s.set_desc(v); }));
  check(Seconds(j, "timeout", [&] { return s.mutable_timeout(); }));
  check(Seconds(j, "grace", [&] { return s.mutable_grace(); }));
  check(String(j, "schedule", [&](std::string v) { s.set_schedule(v); }));
  check(String(j, "tz", [&](std::string v) { s.set_tz(v); }));
  check(Bool(j, "manual_resume", [&](bool v) { s.set_manual_resume(v); }));
  check(String(j, "methods", [&](std::string v) { s.set_methods(v); }));
  check(String(j, "channels", [&](std::string v) { s.set_channels(v); }));
  check(String(j, "start_kw", [&](std::string v) { s.set_start_kw(v); }));
  check(String(j, "success_kw", [&](std::string v) { s.set_success_kw(v); }));
  check(String(j, "failure_kw", [&](std::string v) { s.set_failure_kw(v); }));
  check(Bool(j, "filter_subject", [&](bool v) { s.set_filter_subject(v); }));
  check(Bool(j, "filter_body", [&](bool v) { s.set_filter_body(v); }));
  check(Bool(j, "filter_http_body", [&](bool v) { s.set_filter_http_body(v); }));
  check(Bool(j, "filter_default_fail",
             [&](bool v) { s.set_filter_default_fail(v); }));
  // Older clients' names for keyword filtering of email subjects.
  check(String(j, "subject", [&](std::string v) {
    s.set_success_kw(v);
    if (!v.empty()) s.set_filter_subject(true);
  }));
  check(String(j, "subject_fail", [&](std::string v) {
    s.set_failure_kw(v);
    if (!v.empty()) s.set_filter_subject(true);
  }));
  if (auto it = j.find("unique"); it != j.end()) {
    if (!it->is_array()) return TypeError("unique", "array");
    for (const auto& u : *it) {
      if (!u.is_string()) {
        return absl::InvalidArgumentError(
            "json validation error: unique must contain only strings");
      }
      out.unique.push_back(u.get<std::string>());
    }
  }
  if (!st.ok()) return st;
  return out;
}

absl::Status CheckJsonObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return absl::OkStatus();
  }
  if (!JsonDepthWithin(body, kMaxJsonDepth)) {
    return absl::InvalidArgumentError(
        "json validation error: nested too deeply");
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError("could not parse request body");
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        "json validation error: value is not an object");
  }
  return absl::OkStatus();
}

std::optional<std::string> ApiKeyFromBody(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto it = j.find("api_key");
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace tocsin::gateway
