#include "web-gateway/badges.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

v1::GetBadgeCountsResponse Counts(int total, int grace, int down) {
  v1::GetBadgeCountsResponse c;
  c.set_total(total);
  c.set_grace(grace);
  c.set_down(down);
  return c;
}

TEST(BadgesTest, SignatureDependsOnKeyTagAndSecret) {
  std::string a = BadgeSignature("secret-secret-secret", "key", "db");
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(a, BadgeSignature("secret-secret-secret", "key", "db"));
  EXPECT_NE(a, BadgeSignature("secret-secret-secret", "key", "web"));
  EXPECT_NE(a, BadgeSignature("other-secret-secret!", "key", "db"));
}

TEST(BadgesTest, States) {
  EXPECT_EQ(BadgeState(Counts(3, 1, 0), false), "up");
  EXPECT_EQ(BadgeState(Counts(3, 1, 0), true), "late");
  EXPECT_EQ(BadgeState(Counts(3, 1, 1), true), "down");
  EXPECT_EQ(BadgeState(Counts(0, 0, 0), true), "up");
}

TEST(BadgesTest, FormatsAndEscaping) {
  std::string type;
  std::string svg = RenderBadge("svg", "a<b&\"c\"", "down", Counts(1, 0, 1), &type);
  EXPECT_EQ(type, "image/svg+xml");
  EXPECT_NE(svg.find("a&lt;b&amp;&quot;c&quot;: down"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  std::string json = RenderBadge("json", "db", "up", Counts(2, 0, 0), &type);
  EXPECT_EQ(type, "application/json");
  EXPECT_EQ(json, R"({"status":"up","total":2,"grace":0,"down":0})");
  EXPECT_EQ(RenderBadge("shields", "db", "late", Counts(2, 1, 0), &type),
            R"({"schemaVersion":1,"label":"db","message":"late","color":"important"})");
}

TEST(BadgesTest, UrlsEscapeTags) {
  auto j = BadgeUrls("https://x.org", "secret-secret-secret", "k", "a/b c");
  EXPECT_EQ(j["svg"].get<std::string>().substr(0, 22), "https://x.org/badge/k/");
  EXPECT_NE(j["svg"].get<std::string>().find("-2/a%2Fb%20c.svg"), std::string::npos);
  EXPECT_NE(j["json3"].get<std::string>().find("/a%2Fb%20c.json"), std::string::npos);
}

TEST(BadgesTest, AllChecksBadgeHasNoTagSegment) {
  auto j = BadgeUrls("https://x.org", "secret-secret-secret", "k", "*");
  std::string sig = BadgeSignature("secret-secret-secret", "k", "*");
  EXPECT_EQ(j["svg"], "https://x.org/badge/k/" + sig + "-2.svg");
  EXPECT_EQ(j["shields3"], "https://x.org/badge/k/" + sig + ".shields");
}

TEST(BadgesTest, CacheExpiresAndStaysBounded) {
  BadgeCache cache(absl::Seconds(10), 2);
  absl::Time t = absl::FromUnixSeconds(1000);
  cache.Put("a", Counts(1, 0, 1), t);
  ASSERT_TRUE(cache.Get("a", t + absl::Seconds(9)).has_value());
  EXPECT_EQ(cache.Get("a", t + absl::Seconds(9))->down(), 1);
  EXPECT_FALSE(cache.Get("a", t + absl::Seconds(10)).has_value());
  cache.Put("b", Counts(1, 0, 0), t);
  cache.Put("c", Counts(1, 0, 0), t);  // Full: dropped everything first.
  EXPECT_FALSE(cache.Get("a", t).has_value());
  EXPECT_TRUE(cache.Get("c", t).has_value());
}

}  // namespace
}  // namespace tocsin::gateway
