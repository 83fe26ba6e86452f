#include "web-gateway/check_request.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

TEST(CheckRequestTest, ParsesDocumentedFields) {
  auto b = ParseCheckRequestBody(
      R"({"api_key": "k", "name": "Backups", "tags": "prod www",
          "timeout": 3600, "grace": 60, "unique": ["name"],
          "manual_resume": true, "methods": "POST", "future_field": 1})");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->api_key, "k");
  EXPECT_EQ(b->spec.name(), "Backups");
  EXPECT_EQ(b->spec.timeout().seconds(), 3600);
  EXPECT_EQ(b->spec.grace().seconds(), 60);
  EXPECT_TRUE(b->spec.manual_resume());
  EXPECT_EQ(b->unique, std::vector<std::string>{"name"});
  EXPECT_FALSE(b->spec.has_slug());
}

TEST(CheckRequestTest, EmptyBodyIsEmptyObject) {
  auto b = ParseCheckRequestBody("");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->spec.has_name());
  EXPECT_FALSE(b->spec.has_timeout());
  EXPECT_FALSE(b->spec.has_grace());
}

TEST(CheckRequestTest, RejectsBrokenJsonWrongTypesAndRanges) {
  EXPECT_EQ(ParseCheckRequestBody("{").status().message(),
            "could not parse request body");
  EXPECT_FALSE(ParseCheckRequestBody("[1]").ok());
  EXPECT_EQ(ParseCheckRequestBody(R"({"timeout": "60"})").status().message(),
            "json validation error: timeout is not a number");
  EXPECT_FALSE(ParseCheckRequestBody(R"({"timeout": 59})").ok());
  EXPECT_FALSE(ParseCheckRequestBody(R"({"grace": 1e300})").ok());
  EXPECT_FALSE(ParseCheckRequestBody(R"({"name": 5})").ok());
  EXPECT_FALSE(ParseCheckRequestBody(R"({"unique": "name"})").ok());
  EXPECT_FALSE(ParseCheckRequestBody(R"({"unique": [1]})").ok());
  EXPECT_FALSE(ParseCheckRequestBody(R"({"manual_resume": "yes"})").ok());
  EXPECT_FALSE(ParseCheckRequestBody("{\"name\": \"\xff\"}").ok());
}

TEST(CheckRequestTest, SubjectMapsToKeywordFiltering) {
  auto b = ParseCheckRequestBody(R"({"subject": "OK", "subject_fail": "ERR"})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->spec.success_kw(), "OK");
  EXPECT_EQ(b->spec.failure_kw(), "ERR");
  EXPECT_TRUE(b->spec.filter_subject());
}

TEST(CheckRequestTest, ApiKeyFromBody) {
  EXPECT_EQ(ApiKeyFromBody(R"({"api_key": "x", "timeout": "bad"})"), "x");
  EXPECT_FALSE(ApiKeyFromBody("nope").has_value());
}

}  // namespace
}  // namespace tocsin::gateway
