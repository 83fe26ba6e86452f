#include "tocsinctl/deploy_check.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/settings.h"
#include "data/config.h"
#include "scheduler/config.h"
#include "web-gateway/config.h"

namespace tocsin::ctl {
namespace {

bool Truthy(const std::optional<std::string>& v) {
  if (!v) return false;
  std::string s = absl::AsciiStrToLower(*v);
  return s == "true" || s == "1" || s == "yes" || s == "on";
}

bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || host == "::1" ||
         absl::StartsWith(host, "127.") || absl::StartsWith(host, "/");
}

// A single-label name ("postgres", "db") is a service on the stack's own
// network (compose, Kubernetes), not a host across the internet.
bool IsServiceName(absl::string_view host) {
  return !host.empty() && host.find('.') == absl::string_view::npos &&
         host.find(':') == absl::string_view::npos;
}

bool PlaceholderSecret(const std::string& v) {
  std::string s = absl::AsciiStrToLower(v);
  for (const char* word : {"change-me", "changeme", "change_me", "example",
                           "placeholder", "insecure", "secret-key",
                           "your-secret", "xxxxxxxx"}) {
    if (absl::StrContains(s, word)) return true;
  }
  return false;
}

// A network entry of TOCSIN_TRUSTED_PROXIES that trusts a large part of the
// internet (IPv4 shorter than /8, IPv6 shorter than /16).
bool TooWide(absl::string_view entry) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(entry, absl::MaxSplits('/', 1));
  if (parts.second.empty()) return false;
  int prefix = 0;
  if (!absl::SimpleAtoi(parts.second, &prefix)) return false;
  bool v6 = parts.first.find(':') != absl::string_view::npos;
  return prefix < (v6 ? 16 : 8);
}

// The environment as the services see it: an empty value is unset.
class Env {
 public:
  explicit Env(const Getenv& getenv) : getenv_(getenv) {}
  std::optional<std::string> Get(std::string_view name) const {
    auto v = getenv_(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }
  bool Has(std::string_view name) const {
    return Get(name).has_value() ||
           Get(std::string(name) + "_FILE").has_value();
  }

 private:
  const Getenv& getenv_;
};

}  // namespace

std::vector<Finding> CheckDeploy(const Getenv& given) {
  Getenv getenv = given;
  if (!getenv) {
    getenv = [](std::string_view name) -> std::optional<std::string> {
      const char* v = std::getenv(std::string(name).c_str());
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
  }
  std::vector<Finding> out;
  auto add = [&](std::string id, std::string message, std::string advice) {
    out.push_back({std::move(id), std::move(message), std::move(advice)});
  };
  Env env(getenv);
  Settings s(getenv);

  // ---- Errors -------------------------------------------------------------
  if (Truthy(env.Get("DEBUG"))) {
    add("tocsin.E001", "DEBUG is on.",
        "Unset DEBUG (Tocsin has no debug mode; an operator who sets it "
        "probably copied a development configuration).");
  }
  std::string secret_key = s.Secret("SECRET_KEY", "");
  if (secret_key.empty()) {
    add("tocsin.E002", "SECRET_KEY is not set.",
        "Set SECRET_KEY (or SECRET_KEY_FILE) to 50 or more random "
        "characters, e.g. from `openssl rand -base64 48`.");
  } else {
    std::set<char> distinct(secret_key.begin(), secret_key.end());
    if (secret_key.size() < 50 || distinct.size() < 5) {
      add("tocsin.E003",
          "SECRET_KEY is too short or too simple (fewer than 50 characters "
          "or 5 distinct characters).",
          "Generate a new one with `openssl rand -base64 48`; badge URLs "
          "signed with the old key stop working.");
    }
    if (PlaceholderSecret(secret_key)) {
      add("tocsin.E004", "SECRET_KEY looks like a placeholder value.",
          "Replace the example value with a random one.");
    }
  }
  std::string site_root = env.Get("SITE_ROOT").value_or("http://localhost:8000");
  if (!absl::StartsWith(site_root, "https://")) {
    add("tocsin.E005",
        absl::StrCat("SITE_ROOT (", site_root, ") is not an https:// URL."),
        "Serve Tocsin over HTTPS (the compose edge obtains certificates) and "
        "set SITE_ROOT=https://your.domain.");
  }
  // What each service would refuse at start (it names the setting).
  std::map<std::string, std::vector<std::string>> refusals;
  {
    Settings ds(getenv);
    if (auto c = data::LoadDataConfig(ds); !c.ok()) {
      refusals[std::string(c.status().message())].push_back("tocsin-data");
    }
    Settings gs(getenv);
    if (auto c = gateway::LoadGatewayConfig(gs); !c.ok()) {
      refusals[std::string(c.status().message())].push_back("tocsin-gateway");
    }
    Settings ss(getenv);
    if (auto c = scheduler::LoadSchedulerConfig(ss); !c.ok()) {
      refusals[std::string(c.status().message())].push_back("tocsin-scheduler");
    }
  }
  for (const auto& [message, services] : refusals) {
    std::string who;
    for (const auto& svc : services) absl::StrAppend(&who, who.empty() ? "" : ", ", svc);
    add("tocsin.E006", absl::StrCat(who, " would refuse to start: ", message),
        "Fix the setting named; every service checks its settings at start "
        "and stops with this line.");
  }

  // ---- Warnings -----------------------------------------------------------
  if (!env.Get("DOMAINS")) {
    add("tocsin.W001",
        "DOMAINS is not set: the edge serves a self-signed certificate.",
        "Set DOMAINS (and ACME_EMAIL) so the edge obtains and renews "
        "certificates by itself.");
  }
  std::string db_host = env.Get("DB_HOST").value_or("localhost");
  if (!env.Has("DB_PASSWORD")) {
    add("tocsin.W002", "The database connection has no password (DB_PASSWORD).",
        "Give the database user a password and pass it as DB_PASSWORD_FILE "
        "(a Docker or Kubernetes secret).");
  }
  std::string sslmode = env.Get("DB_SSLMODE").value_or("");
  if (!IsLoopbackHost(db_host) && !IsServiceName(db_host) &&
      sslmode != "require" && sslmode != "verify-ca" &&
      sslmode != "verify-full") {
    add("tocsin.W003",
        absl::StrCat("The database at ", db_host,
                     " is reached without TLS (DB_SSLMODE is ",
                     sslmode.empty() ? "unset" : sslmode, ")."),
        "Set DB_SSLMODE=verify-full (or require) for a database across the "
        "network.");
  }
  std::optional<std::string> email_host = env.Get("EMAIL_HOST");
  if (!email_host) {
    add("tocsin.W004",
        "EMAIL_HOST is not set: email integrations and reports cannot send.",
        "Set EMAIL_HOST and its EMAIL_* companions, or use no email "
        "integrations.");
  } else {
    bool tls = !env.Get("EMAIL_USE_TLS") || Truthy(env.Get("EMAIL_USE_TLS"));
    bool ssl = Truthy(env.Get("EMAIL_USE_SSL"));
    if (!tls && !ssl && !IsLoopbackHost(*email_host)) {
      add("tocsin.W005",
          absl::StrCat("Mail goes to ", *email_host, " without TLS."),
          "Set EMAIL_USE_TLS=True (STARTTLS) or EMAIL_USE_SSL=True.");
    }
    std::string from = env.Get("DEFAULT_FROM_EMAIL").value_or("tocsin@localhost");
    if (absl::EndsWith(from, "@localhost")) {
      add("tocsin.W006",
          absl::StrCat("DEFAULT_FROM_EMAIL is ", from,
                       ": receivers will reject or junk it."),
          "Set DEFAULT_FROM_EMAIL to an address of your domain.");
    }
  }
  if (Truthy(env.Get("INTEGRATIONS_ALLOW_PRIVATE_IPS"))) {
    add("tocsin.W007",
        "INTEGRATIONS_ALLOW_PRIVATE_IPS is on: any project's webhook can "
        "reach your internal network.",
        "Turn it off unless every user of this install is trusted.");
  }
  if (absl::AsciiStrToLower(env.Get("TOCSIN_RATE_LIMITS").value_or("on")) ==
      "off") {
    add("tocsin.W008", "Rate limits are off (TOCSIN_RATE_LIMITS=off).",
        "Remove TOCSIN_RATE_LIMITS; one runaway client can then not flood "
        "the database.");
  }
  if (absl::AsciiStrToLower(env.Get("TOCSIN_LOG_LEVEL").value_or("info")) ==
      "debug") {
    add("tocsin.W009", "TOCSIN_LOG_LEVEL is debug.",
        "Use info in production: debug logs are large and detailed.");
  }
  std::string trusted = env.Get("TOCSIN_TRUSTED_PROXIES").value_or("127.0.0.1,::1");
  for (absl::string_view entry : absl::StrSplit(trusted, ',', absl::SkipEmpty())) {
    std::string e(absl::StripAsciiWhitespace(entry));
    if (TooWide(e)) {
      add("tocsin.W010",
          absl::StrCat("TOCSIN_TRUSTED_PROXIES trusts ", e,
                       ": clients there can pose as any address."),
          "List only your proxies' addresses or their private network.");
      break;
    }
  }
  std::string token = s.Secret("TOCSIN_INTERNAL_TOKEN", "");
  if (!token.empty() && token.size() < 32) {
    add("tocsin.W011", "TOCSIN_INTERNAL_TOKEN is shorter than 32 characters.",
        "Use a long random token (`openssl rand -base64 36`).");
  }
  if (!token.empty() && token == secret_key) {
    add("tocsin.W012",
        "TOCSIN_INTERNAL_TOKEN and SECRET_KEY are the same value.",
        "Give each its own random value: one leaked secret should not give "
        "away the other.");
  }
  if (auto ping = env.Get("PING_ENDPOINT");
      ping && !absl::StartsWith(*ping, "https://")) {
    add("tocsin.W013",
        absl::StrCat("PING_ENDPOINT (", *ping, ") is not an https:// URL."),
        "Let clients ping over HTTPS: ping URLs are credentials.");
  }
  if (env.Get("DB_USER").value_or("postgres") == "postgres") {
    add("tocsin.W014",
        "The data service connects as the PostgreSQL superuser (postgres).",
        "Create a database user that owns only Tocsin's database and set "
        "DB_USER.");
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.error() && !b.error();
  });
  return out;
}

std::string FormatFindings(const std::vector<Finding>& findings) {
  std::string text;
  int errors = 0;
  for (const Finding& f : findings) {
    if (f.error()) ++errors;
    absl::StrAppend(&text, f.id, ": ", f.message, "\n\tHINT: ", f.advice, "\n");
  }
  int warnings = static_cast<int>(findings.size()) - errors;
  if (findings.empty()) {
    absl::StrAppend(&text, "System check identified no issues.\n");
  } else {
    absl::StrAppend(&text, "System check identified ", findings.size(),
                    findings.size() == 1 ? " issue" : " issues", " (", errors,
                    errors == 1 ? " error, " : " errors, ", warnings,
                    warnings == 1 ? " warning).\n" : " warnings).\n");
  }
  return text;
}

}  // namespace tocsin::ctl
