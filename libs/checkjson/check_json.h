#ifndef TOCSIN_CHECKJSON_CHECK_JSON_H_
#define TOCSIN_CHECKJSON_CHECK_JSON_H_

#include <string>

#include "common/settings.h"
#include "nlohmann/json.hpp"
#include "tocsin/v1/check.pb.h"

namespace tocsin {

// Where the check's URLs point.
struct UrlConfig {
  std::string site_root;      // "https://hc.example.org", no trailing slash
  std::string ping_endpoint;  // "https://hc.example.org/ping/", with slash
};

// SITE_ROOT (default http://localhost:8000, no trailing slash) and
// PING_ENDPOINT (default SITE_ROOT/ping/), as every service reads them.
UrlConfig ReadUrlConfig(Settings& s);

// "new", "up", "grace", "down", "paused".
std::string CheckStatusName(v1::CheckStatus s);

// The check as the Management API shows it (`api_version` 1, 2 or 3: URLs
// point at that version, and v1 reports a running check's status as
// "started" instead of a `started` field). A check without a UUID came from a
// read-only caller: no UUID or URLs, and `unique_key` instead.
nlohmann::ordered_json CheckToJson(const v1::Check& c, const UrlConfig& urls,
                                   int api_version = 3);

// A stored ping as the Management API lists it.
nlohmann::ordered_json PingToJson(const v1::Ping& p,
                                  const std::string& check_uuid,
                                  const UrlConfig& urls, int api_version = 3);

// Healthchecks' API v1/v2 slug of a name: lower case, runs of spaces and
// hyphens become one hyphen, other characters outside [a-z0-9_-] are dropped.
std::string Slugify(const std::string& name);

// A status change as the flips endpoint lists it: {"timestamp", "up"}.
nlohmann::ordered_json FlipToJson(const v1::Flip& f);

}  // namespace tocsin

#endif  // TOCSIN_CHECKJSON_CHECK_JSON_H_
