#include "web-gateway/ping_path.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

constexpr char kUuid[] = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278";

TEST(PingPathTest, UuidActions) {
  auto p = ParsePingPath({kUuid});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->uuid, kUuid);
  EXPECT_EQ(p->kind, v1::PING_KIND_SUCCESS);
  EXPECT_EQ(ParsePingPath({kUuid, "start"})->kind, v1::PING_KIND_START);
  EXPECT_EQ(ParsePingPath({kUuid, "fail"})->kind, v1::PING_KIND_FAIL);
  EXPECT_EQ(ParsePingPath({kUuid, "log"})->kind, v1::PING_KIND_LOG);
}

TEST(PingPathTest, UpperCaseUuidIsLowered) {
  auto p = ParsePingPath({"5BF66975-D4C7-4BF5-BCC8-B8D8A82EA278"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->uuid, kUuid);
}

TEST(PingPathTest, ExitStatuses) {
  auto ok = ParsePingPath({kUuid, "0"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->exit_status, 0);
  EXPECT_EQ(ok->kind, v1::PING_KIND_SUCCESS);
  auto fail = ParsePingPath({kUuid, "255"});
  EXPECT_EQ(fail->exit_status, 255);
  EXPECT_EQ(fail->kind, v1::PING_KIND_FAIL);
  EXPECT_EQ(ParsePingPath({kUuid, "256"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePingPath({kUuid, "99999999999999999999"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PingPathTest, SlugUrls) {
  auto p = ParsePingPath({"fqOOd6-F4MMNuRQu1-dZuQ", "db-backup"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ping_key, "fqOOd6-F4MMNuRQu1-dZuQ");
  EXPECT_EQ(p->slug, "db-backup");
  EXPECT_EQ(ParsePingPath({"key", "db-backup", "fail"})->kind,
            v1::PING_KIND_FAIL);
  EXPECT_EQ(ParsePingPath({"key", "db-backup", "7"})->exit_status, 7);
}

TEST(PingPathTest, UpperCaseSlugIs400AndJunkIs404) {
  EXPECT_EQ(ParsePingPath({"key", "DB"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePingPath({"not-a-uuid"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ParsePingPath({"key", "slug", "explode"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ParsePingPath({"key", "sl ug"}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tocsin::gateway
