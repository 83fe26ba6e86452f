#include "web-gateway/rate_limiter.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

TEST(RateLimiterTest, BurstThenRefill) {
  RateLimiter l(/*per_minute=*/60, /*burst=*/3);
  absl::Time t = absl::FromUnixSeconds(1000);
  absl::Duration wait;
  EXPECT_TRUE(l.Allow("a", t, &wait));
  EXPECT_TRUE(l.Allow("a", t, &wait));
  EXPECT_TRUE(l.Allow("a", t, &wait));
  EXPECT_FALSE(l.Allow("a", t, &wait));
  EXPECT_EQ(wait, absl::Seconds(1));
  // Other keys have their own buckets.
  EXPECT_TRUE(l.Allow("b", t, &wait));
  // One token per second comes back.
  EXPECT_TRUE(l.Allow("a", t + absl::Seconds(1), &wait));
  EXPECT_FALSE(l.Allow("a", t + absl::Seconds(1), &wait));
}

TEST(RateLimiterTest, MemoryIsBounded) {
  RateLimiter l(60, 2, /*max_keys=*/32);
  absl::Time t = absl::FromUnixSeconds(1000);
  absl::Duration wait;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(l.Allow("key" + std::to_string(i), t + absl::Seconds(i), &wait));
  }
  EXPECT_LE(l.size(), 32u);
  // Distinct keys all at once (no bucket refilled): still bounded.
  for (int i = 0; i < 10000; ++i) l.Allow("flood" + std::to_string(i), t, &wait);
  EXPECT_LE(l.size(), 32u);
}

}  // namespace
}  // namespace tocsin::gateway
