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
}

TEST(WebFormsTest, CookieHeader) {
  EXPECT_EQ(CookieHeader("s", "v", 60, false),
            "s=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
  EXPECT_EQ(CookieHeader("s", "", 0, true),
            "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
}

TEST(WebFormsTest, Forms) {
  auto f = ParseForm("email=a%40b.org&password=p+w%26x&email=second");
  EXPECT_EQ(f["email"], "a@b.org");
  EXPECT_EQ(f["password"], "p w&x");
  EXPECT_TRUE(ParseForm("").empty());
}

TEST(WebFormsTest, SameToken) {
  EXPECT_TRUE(SameToken("abc", "abc"));
  EXPECT_FALSE(SameToken("abc", "abd"));
  EXPECT_FALSE(SameToken("", ""));  // A missing token never matches.
  EXPECT_FALSE(SameToken("abc", ""));
}

}  // namespace
}  // namespace tocsin::gateway
