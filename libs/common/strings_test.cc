#include "common/strings.h"

#include "gtest/gtest.h"

namespace tocsin {
namespace {

TEST(StringsTest, StorableText) {
  EXPECT_TRUE(IsStorableText("plain ascii"));
  EXPECT_TRUE(IsStorableText("\xE6\x97\xA5\xE6\x9C\xAC"));  // 日本
  EXPECT_FALSE(IsStorableText(std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsStorableText("\xff"));
  EXPECT_FALSE(IsStorableText("\xC0\xAF"));          // Overlong '/'.
  EXPECT_FALSE(IsStorableText("\xED\xA0\x80"));      // A surrogate.
  EXPECT_FALSE(IsStorableText("\xE6\x97"));          // Cut short.
  EXPECT_FALSE(IsStorableText("\xF4\x90\x80\x80"));  // Above U+10FFFF.
}

TEST(StringsTest, ToStorableTextRepairsAndCuts) {
  EXPECT_EQ(ToStorableText("ok", 10), "ok");
  EXPECT_EQ(ToStorableText("a\xff" "b", 10), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(ToStorableText(std::string_view("a\0b", 3), 10), "ab");
  // 日 is three bytes: a cut at 4 keeps one character, never half of one.
  EXPECT_EQ(ToStorableText("\xE6\x97\xA5\xE6\x9C\xAC", 4), "\xE6\x97\xA5");
  EXPECT_TRUE(IsStorableText(ToStorableText("\xE6\x97\xA5\xE6\x9C", 100)));
}

}  // namespace
}  // namespace tocsin
