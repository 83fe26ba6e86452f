#ifndef TOCSIN_COMMON_SETTINGS_H_
#define TOCSIN_COMMON_SETTINGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/log.h"

namespace tocsin {

// Reads settings from the environment and remembers the first bad one, so a
// service can read all of its settings and then refuse to start with one line
// naming the culprit. Secrets may come from `NAME_FILE` instead of `NAME`.
class Settings {
 public:
  // `getenv` is injectable for tests; by default the process environment.
  explicit Settings(
      std::function<std::optional<std::string>(std::string_view)> getenv = {});

  std::string String(std::string_view name, std::string_view default_value);
  // NAME, else the contents of the file named by NAME_FILE (one trailing
  // newline dropped), else the default. Never logged.
  std::string Secret(std::string_view name, std::string_view default_value);
  // Healthchecks' booleans: "True" or "False" (also accepted: true/false/1/0).
  bool Bool(std::string_view name, bool default_value);
  int64_t Int(std::string_view name, int64_t default_value, int64_t min,
              int64_t max);
  // A duration such as "1.5s", "250ms", "2m" (absl::ParseDuration syntax).
  absl::Duration Duration(std::string_view name, absl::Duration default_value,
                          absl::Duration min, absl::Duration max);
  // A value that must be one of `allowed`.
  std::string Choice(std::string_view name, std::string_view default_value,
                     const std::vector<std::string>& allowed);

  // Records a problem found by the caller's own validation.
  void Fail(std::string_view name, std::string_view problem);

  // Settings every service shares.
  // TOCSIN_INTERNAL_TOKEN[_FILE]: required, at least 16 characters.
  std::string InternalToken();
  // TOCSIN_LOG_LEVEL: debug, info, warning or error (default info).
  log::Level LogLevel();

  // OK, or InvalidArgument naming the first bad setting.
  absl::Status status() const { return status_; }

 private:
  std::optional<std::string> Get(std::string_view name);

  std::function<std::optional<std::string>(std::string_view)> getenv_;
  absl::Status status_;
};

}  // namespace tocsin

#endif  // TOCSIN_COMMON_SETTINGS_H_
