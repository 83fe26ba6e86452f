#include "web-gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tocsin::gateway {

RateLimiter::RateLimiter(double per_minute, double burst, size_t max_keys)
    : per_second_(per_minute / 60.0),
      burst_(std::max(1.0, burst)),
      max_keys_per_shard_(std::max<size_t>(1, max_keys / kShards)) {}

size_t RateLimiter::size() {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

bool RateLimiter::Allow(std::string_view key, absl::Time now,
                        absl::Duration* retry_after) {
  uint64_t h = std::hash<std::string_view>{}(key);
  Shard& shard = shards_[h % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(h);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) {
      // Full buckets hold no information: drop them to bound memory.
      for (auto b = shard.buckets.begin(); b != shard.buckets.end();) {
        double refilled = b->second.tokens +
                          absl::ToDoubleSeconds(now - b->second.updated) * per_second_;
        b = refilled >= burst_ ? shard.buckets.erase(b) : std::next(b);
      }
      // Still full (a flood of distinct keys): forget them all rather than
      // grow. Limits loosen for a moment; memory stays bounded.
      if (shard.buckets.size() >= max_keys_per_shard_) shard.buckets.clear();
    }
    it = shard.buckets.emplace(h, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - b.updated));
  b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  double wait = per_second_ > 0 ? (1.0 - b.tokens) / per_second_ : 60.0;
  *retry_after = absl::Seconds(std::ceil(wait));
  return false;
}

}  // namespace tocsin::gateway
