#ifndef TOCSIN_CHECKJSON_CHECK_JSON_H_
#define TOCSIN_CHECKJSON_CHECK_JSON_H_

#include <string>

#include "nlohmann/json.hpp"
#include "tocsin/v1/check.pb.h"

namespace tocsin {

// Where the check's URLs point.
struct UrlConfig {
  std::string site_root;      // "https://hc.example.org", no trailing slash
  std::string ping_endpoint;  // "https://hc.example.org/ping/", with slash
};

// "new", "up", "grace", "down", "paused".
std::string CheckStatusName(v1::CheckStatus s);

// The check as the Management API v3 shows it. A check without a UUID came
// from a read-only caller: no UUID or URLs, and `unique_key` instead.
nlohmann::ordered_json CheckToJson(const v1::Check& c, const UrlConfig& urls);

// A stored ping as the Management API lists it.
nlohmann::ordered_json PingToJson(const v1::Ping& p,
                                  const std::string& check_uuid,
                                  const UrlConfig& urls);

// A status change as the flips endpoint lists it: {"timestamp", "up"}.
nlohmann::ordered_json FlipToJson(const v1::Flip& f);

}  // namespace tocsin

#endif  // TOCSIN_CHECKJSON_CHECK_JSON_H_
