#include "tocsinctl/deploy_check.h"

#include <map>

#include "gtest/gtest.h"

namespace tocsin::ctl {
namespace {

using EnvMap = std::map<std::string, std::string>;

// What a production install sets (the compose example's values).
EnvMap Production() {
  return {
      {"SECRET_KEY", "k3Jx9vQ2mW7pL0aZ4tR8yU1cE6hN5bG3dF2sA9qW8eR7tY6uI5oP4lK3jH"},
      {"TOCSIN_INTERNAL_TOKEN", "Zq8Wn3Lp5Xr7Ty1Uv9Kb2Mc4Nd6Fg0HjSaQe"},
      {"SITE_ROOT", "https://hc.example.org"},
      {"DOMAINS", "hc.example.org"},
      {"DB_HOST", "postgres"},
      {"DB_USER", "tocsin"},
      {"DB_NAME", "tocsin"},
      {"DB_PASSWORD", "pw-from-a-docker-secret-4f9a"},
      {"EMAIL_HOST", "smtp.example.org"},
      {"EMAIL_USE_TLS", "True"},
      {"DEFAULT_FROM_EMAIL", "alerts@example.org"},
      {"TOCSIN_TRUSTED_PROXIES", "172.16.0.0/12"},
  };
}

std::vector<Finding> Check(const EnvMap& env) {
  return CheckDeploy([&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

std::vector<std::string> Ids(const std::vector<Finding>& f) {
  std::vector<std::string> ids;
  for (const auto& x : f) ids.push_back(x.id);
  return ids;
}

bool Has(const std::vector<Finding>& f, const std::string& id) {
  for (const auto& x : f) {
    if (x.id == id) return true;
  }
  return false;
}

TEST(DeployCheckTest, ProductionExampleIsClean) {
  auto f = Check(Production());
  EXPECT_TRUE(f.empty()) << FormatFindings(f);
  EXPECT_EQ(FormatFindings(f), "System check identified no issues.\n");
}

// Each finding: the change that triggers it, on top of the clean example.
struct Case {
  const char* id;
  EnvMap change;
  std::vector<std::string> unset;
};

class EachFindingTest : public ::testing::TestWithParam<Case> {};

TEST_P(EachFindingTest, TriggeredByItsSettingAndClearedWithoutIt) {
  const Case& c = GetParam();
  EnvMap env = Production();
  for (const auto& name : c.unset) env.erase(name);
  for (const auto& [k, v] : c.change) env[k] = v;
  auto f = Check(env);
  EXPECT_TRUE(Has(f, c.id)) << FormatFindings(f);
  EXPECT_FALSE(Has(Check(Production()), c.id));
  // Findings never carry secret values.
  for (const auto& x : f) {
    for (const char* secret : {"k3Jx9vQ2mW7pL0aZ4tR8", "Zq8Wn3Lp5Xr7", "pw-from-a-docker"}) {
      EXPECT_EQ(x.message.find(secret), std::string::npos) << x.message;
      EXPECT_EQ(x.advice.find(secret), std::string::npos) << x.advice;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Findings, EachFindingTest,
    ::testing::Values(
        Case{"tocsin.E001", {{"DEBUG", "True"}}, {}},
        Case{"tocsin.E002", {}, {"SECRET_KEY"}},
        Case{"tocsin.E003", {{"SECRET_KEY", "short-but-random-9f8e7d"}}, {}},
        Case{"tocsin.E003", {{"SECRET_KEY", std::string(60, 'a')}}, {}},
        Case{"tocsin.E004",
             {{"SECRET_KEY", "change-me-change-me-change-me-change-me-change-me-123"}},
             {}},
        Case{"tocsin.E005", {{"SITE_ROOT", "http://hc.example.org"}}, {}},
        Case{"tocsin.E006", {{"TOCSIN_ALERT_LEASE", "1s"}}, {}},
        Case{"tocsin.E006", {}, {"TOCSIN_INTERNAL_TOKEN"}},
        Case{"tocsin.W001", {}, {"DOMAINS"}},
        Case{"tocsin.W002", {}, {"DB_PASSWORD"}},
        Case{"tocsin.W003", {{"DB_HOST", "db.internal.example.org"}}, {}},
        Case{"tocsin.W004", {}, {"EMAIL_HOST"}},
        Case{"tocsin.W005", {{"EMAIL_USE_TLS", "False"}}, {}},
        Case{"tocsin.W006", {}, {"DEFAULT_FROM_EMAIL"}},
        Case{"tocsin.W007", {{"INTEGRATIONS_ALLOW_PRIVATE_IPS", "True"}}, {}},
        Case{"tocsin.W008", {{"TOCSIN_RATE_LIMITS", "off"}}, {}},
        Case{"tocsin.W009", {{"TOCSIN_LOG_LEVEL", "debug"}}, {}},
        Case{"tocsin.W010", {{"TOCSIN_TRUSTED_PROXIES", "0.0.0.0/0"}}, {}},
        Case{"tocsin.W011", {{"TOCSIN_INTERNAL_TOKEN", "sixteen-chars-ok-but-short"}}, {}},
        Case{"tocsin.W012",
             {{"TOCSIN_INTERNAL_TOKEN",
               "k3Jx9vQ2mW7pL0aZ4tR8yU1cE6hN5bG3dF2sA9qW8eR7tY6uI5oP4lK3jH"}},
             {}},
        Case{"tocsin.W013", {{"PING_ENDPOINT", "http://hc.example.org/ping/"}}, {}},
        Case{"tocsin.W014", {}, {"DB_USER"}}));

TEST(DeployCheckTest, SecretsAreReadFromFilesToo) {
  EnvMap env = Production();
  env.erase("SECRET_KEY");
  env["SECRET_KEY_FILE"] = "/nonexistent/secret";
  // An unreadable file is no key at all, and the services refuse it too.
  auto f = Check(env);
  EXPECT_TRUE(Has(f, "tocsin.E006")) << FormatFindings(f);
}

TEST(DeployCheckTest, ErrorsComeFirstAndTheSummaryCounts) {
  EnvMap env = Production();
  env["SITE_ROOT"] = "http://hc.example.org";
  env["TOCSIN_RATE_LIMITS"] = "off";
  auto f = Check(env);
  ASSERT_EQ(Ids(f), (std::vector<std::string>{"tocsin.E005", "tocsin.W008"}));
  std::string text = FormatFindings(f);
  EXPECT_NE(text.find("tocsin.E005: SITE_ROOT"), std::string::npos) << text;
  EXPECT_NE(text.find("HINT:"), std::string::npos);
  EXPECT_NE(text.find("2 issues (1 error, 1 warning)"), std::string::npos) << text;
}

}  // namespace
}  // namespace tocsin::ctl
