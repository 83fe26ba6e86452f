#include "web-gateway/web_forms.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

TEST(WebFormsTest, Cookies) {
  auto c = ParseCookies("a=1; tocsin_session=abc-_; empty=; =x; a=2;broken");
  EXPECT_EQ(c["a"], "1");  // The first wins.
  EXPECT_EQ(c["tocsin_session"], "abc-_");
  EXPECT_EQ(c["empty"], "");
  EXPECT_EQ(c.count(""), 0u);
  EXPECT_EQ(c.count("broken"), 0u);
  EXPECT_TRUE(ParseCookies("").empty());
  // A value that is not text is not one of ours: left out.
  auto bad = ParseCookies(std::string_view("tocsin_session=\xff\xfe; lang=ja; nul=a\0b", 35));
  EXPECT_EQ(bad.count("tocsin_session"), 0u);
  EXPECT_EQ(bad.count("nul"), 0u);
  EXPECT_EQ(bad["lang"], "ja");
}

TEST(WebFormsTest, CookieHeader) {
  EXPECT_EQ(CookieHeader("s", "v", 60, false),
            "s=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
  EXPECT_EQ(CookieHeader("s", "", 0, true),
            "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
}

TEST(WebFormsTest, Forms) {
  auto f = ParseForm("email=a%40b.org&password=p+w%26x&email=second");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)["email"], "a@b.org");
  EXPECT_EQ((*f)["password"], "p w&x");
  ASSERT_TRUE(ParseForm("").has_value());
  EXPECT_TRUE(ParseForm("")->empty());
  EXPECT_TRUE(ParseForm("name=%E6%97%A5%E6%9C%AC").has_value());  // UTF-8 text.
  // Not text, escaped or raw, in a value or a name: the whole form is refused.
  EXPECT_FALSE(ParseForm("email=a%ff%40b.org").has_value());
  EXPECT_FALSE(ParseForm("name=%c0%af").has_value());
  EXPECT_FALSE(ParseForm("name=%e2%82").has_value());
  EXPECT_FALSE(ParseForm("name=\xff").has_value());
  EXPECT_FALSE(ParseForm("na%80me=x").has_value());
  EXPECT_FALSE(ParseForm("name=a%00b").has_value());
}

TEST(WebFormsTest, SameToken) {
  EXPECT_TRUE(SameToken("abc", "abc"));
  EXPECT_FALSE(SameToken("abc", "abd"));
  EXPECT_FALSE(SameToken("", ""));  // A missing token never matches.
  EXPECT_FALSE(SameToken("abc", ""));
}

}  // namespace
}  // namespace tocsin::gateway
