#include "web-gateway/http_types.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

TEST(HttpTypesTest, UrlDecode) {
  std::string out;
  EXPECT_TRUE(UrlDecode("a%20b+c", false, &out));
  EXPECT_EQ(out, "a b+c");
  EXPECT_TRUE(UrlDecode("a%20b+c", true, &out));
  EXPECT_EQ(out, "a b c");
  EXPECT_FALSE(UrlDecode("%zz", false, &out));
  EXPECT_FALSE(UrlDecode("%4", false, &out));
  EXPECT_FALSE(UrlDecode("%", false, &out));
}

TEST(HttpTypesTest, HeaderGivesTheFirstValueOrNothing) {
  HttpRequest req;
  req.headers = {{"x-forwarded-for", "203.0.113.7"},
                 {"user-agent", "curl/8"},
                 {"x-forwarded-for", "198.51.100.1"}};
  EXPECT_EQ(req.Header("x-forwarded-for"), "203.0.113.7");
  EXPECT_EQ(req.Header("user-agent"), "curl/8");
  EXPECT_EQ(req.Header("x-api-key"), "");
}

TEST(HttpTypesTest, ParseQueryKeepsRepeats) {
  std::multimap<std::string, std::string> q;
  ParseQuery("tag=a&tag=b%20c&create=1&flag", &q);
  EXPECT_EQ(q.count("tag"), 2u);
  EXPECT_EQ(q.find("create")->second, "1");
  EXPECT_EQ(q.find("flag")->second, "");
  q.clear();
  ParseQuery("note=100%&x=%G0", &q);
  EXPECT_EQ(q.find("note")->second, "100%");
  EXPECT_EQ(q.find("x")->second, "%G0");
}

}  // namespace
}  // namespace tocsin::gateway
