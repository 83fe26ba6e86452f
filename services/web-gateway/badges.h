#ifndef TOCSIN_GATEWAY_BADGES_H_
#define TOCSIN_GATEWAY_BADGES_H_

#include <string>

#include "nlohmann/json.hpp"
#include "tocsin/v1/badge_service.pb.h"

namespace tocsin::gateway {

// The 8-character signature that makes a project badge URL unguessable:
// HMAC-SHA256 of the badge key and tag under SECRET_KEY.
std::string BadgeSignature(const std::string& secret_key,
                           const std::string& badge_key, const std::string& tag);

// "up", "late" (three-state badges only: some check in its grace period) or
// "down" (some check down). New and paused checks count as up.
std::string BadgeState(const v1::GetBadgeCountsResponse& counts, bool three_state);

// The badge in a format: "svg", "json" or "shields". Returns the body and
// sets `content_type`.
std::string RenderBadge(const std::string& format, const std::string& label,
                        const std::string& state,
                        const v1::GetBadgeCountsResponse& counts,
                        std::string* content_type);

// Every badge URL of a tag: svg, svg3, json, json3, shields, shields3.
nlohmann::ordered_json BadgeUrls(const std::string& site_root,
                                 const std::string& secret_key,
                                 const std::string& badge_key,
                                 const std::string& tag);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_BADGES_H_
