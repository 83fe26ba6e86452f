#include "common/settings.h"
#include "common/strings.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tocsin {

Settings::Settings(
    std::function<std::optional<std::string>(std::string_view)> getenv)
    : getenv_(std::move(getenv)) {
  if (!getenv_) {
    getenv_ = [](std::string_view name) -> std::optional<std::string> {
      const char* v = std::getenv(std::string(name).c_str());
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
  }
}

std::optional<std::string> Settings::Get(std::string_view name) {
  return getenv_(name);
}

void Settings::Fail(std::string_view name, std::string_view problem) {
  if (status_.ok()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("bad setting ", Absl(name), ": ", Absl(problem)));
  }
}

std::string Settings::String(std::string_view name,
                             std::string_view default_value) {
  auto v = Get(name);
  return v ? *v : std::string(default_value);
}

std::string Settings::Secret(std::string_view name,
                             std::string_view default_value) {
  if (auto v = Get(name); v && !v->empty()) return *v;
  std::string file_var = absl::StrCat(Absl(name), "_FILE");
  auto path = Get(file_var);
  if (!path || path->empty()) return std::string(default_value);
  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    // The path is not secret; the contents are.
    Fail(file_var, absl::StrCat("cannot read file \"", *path, "\""));
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

bool Settings::Bool(std::string_view name, bool default_value) {
  auto v = Get(name);
  if (!v || v->empty()) return default_value;
  if (*v == "True" || *v == "true" || *v == "1") return true;
  if (*v == "False" || *v == "false" || *v == "0") return false;
  Fail(name, absl::StrCat("\"", *v, "\" is not a boolean (use True or False)"));
  return default_value;
}

int64_t Settings::Int(std::string_view name, int64_t default_value,
                      int64_t min, int64_t max) {
  auto v = Get(name);
  if (!v || v->empty()) return default_value;
  int64_t n = 0;
  if (!absl::SimpleAtoi(*v, &n)) {
    Fail(name, absl::StrCat("\"", *v, "\" is not an integer"));
    return default_value;
  }
  if (n < min || n > max) {
    Fail(name, absl::StrCat(n, " is out of range [", min, ", ", max, "]"));
    return default_value;
  }
  return n;
}

absl::Duration Settings::Duration(std::string_view name,
                                  absl::Duration default_value,
                                  absl::Duration min, absl::Duration max) {
  auto v = Get(name);
  if (!v || v->empty()) return default_value;
  absl::Duration d;
  if (!absl::ParseDuration(*v, &d)) {
    Fail(name, absl::StrCat("\"", *v,
                            "\" is not a duration (examples: 500ms, 5s, 2m)"));
    return default_value;
  }
  if (d < min || d > max) {
    Fail(name, absl::StrCat(*v, " is out of range [", absl::FormatDuration(min),
                            ", ", absl::FormatDuration(max), "]"));
    return default_value;
  }
  return d;
}

std::string Settings::Choice(std::string_view name,
                             std::string_view default_value,
                             const std::vector<std::string>& allowed) {
  auto v = Get(name);
  if (!v || v->empty()) return std::string(default_value);
  for (const auto& a : allowed) {
    if (*v == a) return *v;
  }
  Fail(name, absl::StrCat("\"", *v, "\" is not one of: ",
                          absl::StrJoin(allowed, ", ")));
  return std::string(default_value);
}

std::string Settings::InternalToken() {
  std::string token = Secret("TOCSIN_INTERNAL_TOKEN", "");
  if (token.size() < 16) {
    Fail("TOCSIN_INTERNAL_TOKEN",
         "must be set (or TOCSIN_INTERNAL_TOKEN_FILE) to at least 16 "
         "characters");
  }
  return token;
}

log::Level Settings::LogLevel() {
  std::string name =
      Choice("TOCSIN_LOG_LEVEL", "info", {"debug", "info", "warning", "error"});
  log::Level level = log::Level::kInfo;
  log::ParseLevel(name, &level);
  return level;
}

}  // namespace tocsin
