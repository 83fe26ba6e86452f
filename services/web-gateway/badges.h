#ifndef TOCSIN_GATEWAY_BADGES_H_
#define TOCSIN_GATEWAY_BADGES_H_

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/time/time.h"

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

// Recent badge answers, so a busy page does not cost a query per viewer.
// Entries live `ttl`; the whole cache is dropped when it reaches `max_entries`
// (a flood of distinct URLs cannot grow it without bound).
class BadgeCache {
 public:
  BadgeCache(absl::Duration ttl, size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries) {}
  std::optional<v1::GetBadgeCountsResponse> Get(const std::string& key,
                                                absl::Time now);
  void Put(const std::string& key, const v1::GetBadgeCountsResponse& value,
           absl::Time now);

 private:
  struct Entry {
    v1::GetBadgeCountsResponse value;
    absl::Time stored;
  };
  const absl::Duration ttl_;
  const size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

// Every badge URL of a tag: svg, svg3, json, json3, shields, shields3.
nlohmann::ordered_json BadgeUrls(const std::string& site_root,
                                 const std::string& secret_key,
                                 const std::string& badge_key,
                                 const std::string& tag);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_BADGES_H_
