#ifndef TOCSIN_TOCSINCTL_DEPLOY_CHECK_H_
#define TOCSIN_TOCSINCTL_DEPLOY_CHECK_H_

// `tocsinctl check --deploy`: Django's `manage.py check --deploy` for the
// whole stack. Reads the environment the services read (no server needed)
// and reports what a careful operator should fix, each finding with a stable
// id and one line of advice.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin::ctl {

struct Finding {
  std::string id;  // "tocsin.E001" (error) or "tocsin.W001" (warning).
  std::string message;
  std::string advice;
  bool error() const { return id.find(".E") != std::string::npos; }
};

using Getenv = std::function<std::optional<std::string>(std::string_view)>;

// Every finding for this environment, errors first. Secrets are read (also
// from NAME_FILE) but never appear in a finding.
std::vector<Finding> CheckDeploy(const Getenv& getenv);

// The report as printed: one block per finding and a summary line.
std::string FormatFindings(const std::vector<Finding>& findings);

}  // namespace tocsin::ctl

#endif  // TOCSIN_TOCSINCTL_DEPLOY_CHECK_H_
