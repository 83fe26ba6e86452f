#include "common/time_format.h"

#include "gtest/gtest.h"

namespace tocsin {
namespace {

TEST(TimeFormatTest, ApiAndZuluForms) {
  absl::Time t = absl::FromUnixSeconds(1585058523) + absl::Milliseconds(900);
  EXPECT_EQ(FormatApiTime(t), "2020-03-24T14:02:03+00:00");
  EXPECT_EQ(FormatUtcZ(t), "2020-03-24T14:02:03Z");
  EXPECT_EQ(FormatTimeUtc(t), "2020-03-24 14:02:03 UTC");
}

TEST(TimeFormatTest, ParsesZuluAndOffsets) {
  auto a = ParseIso8601("2024-03-10T07:00:00Z");
  auto b = ParseIso8601("2024-03-10T09:00:00+02:00");
  auto c = ParseIso8601("2024-03-10T07:00Z");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  EXPECT_FALSE(ParseIso8601("2024-03-10 07:00").ok());
  EXPECT_FALSE(ParseIso8601("yesterday").ok());
}

TEST(TimeFormatTest, ProtoRoundTrip) {
  absl::Time t = absl::FromUnixMicros(1700000000123456);
  EXPECT_EQ(FromProto(ToProto(t)), t);
  EXPECT_EQ(FromProto(ToProto(absl::Seconds(90))), absl::Seconds(90));
}

}  // namespace
}  // namespace tocsin
