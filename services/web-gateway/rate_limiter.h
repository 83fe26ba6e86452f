#ifndef TOCSIN_GATEWAY_RATE_LIMITER_H_
#define TOCSIN_GATEWAY_RATE_LIMITER_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/time/time.h"

namespace tocsin::gateway {

// Token buckets keyed by a string (a check, an API key): `per_minute` tokens
// refill evenly, up to `burst`. In memory, per gateway replica: it protects
// the database from a runaway client, it is not an exact quota across
// replicas. Sharded locks keep it cheap on the ping path.
class RateLimiter {
 public:
  RateLimiter(double per_minute, double burst, size_t max_keys = 1 << 18);

  // Keys currently tracked (for tests).
  size_t size();

  // Takes a token for `key` at `now`; when none is left, returns false and
  // sets `*retry_after` to the wait until the next one.
  bool Allow(std::string_view key, absl::Time now, absl::Duration* retry_after);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  struct Shard {
    std::mutex mu;
    // Keyed by a 64-bit hash of the key: bounded size per entry, and the
    // key itself (an API key) is never kept.
    std::unordered_map<uint64_t, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;

  const double per_second_;
  const double burst_;
  const size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_RATE_LIMITER_H_
