#include "checkjson/check_json.h"

#include "common/time_format.h"
#include "gtest/gtest.h"

namespace tocsin {
namespace {

v1::Check Sample() {
  v1::Check c;
  c.set_uuid("803f680d-e89b-492b-82ef-2be7b774a92d");
  c.set_name("Database Backup");
  c.set_slug("database-backup");
  c.set_tags("production db");
  c.set_kind(v1::SCHEDULE_KIND_SIMPLE);
  c.mutable_timeout()->set_seconds(3600);
  c.mutable_grace()->set_seconds(1200);
  c.set_status(v1::CHECK_STATUS_UP);
  c.set_n_pings(7);
  *c.mutable_last_ping() = ToProto(*ParseIso8601("2020-03-23T10:19:32Z"));
  c.set_badge_key("7d3ab93d-836e-4505-bbda-fcbd5e07adf9");
  c.set_unique_key("124f983e0e3dcaeba921cfcef46efd084576e783");
  return c;
}

const UrlConfig kUrls{"https://hc.example.org", "https://hc.example.org/ping/"};

TEST(CheckJsonTest, ReadWriteShape) {
  auto j = CheckToJson(Sample(), kUrls);
  EXPECT_EQ(j["status"], "up");
  EXPECT_EQ(j["grace"], 1200);
  EXPECT_EQ(j["timeout"], 3600);
  EXPECT_EQ(j["last_ping"], "2020-03-23T10:19:32+00:00");
  EXPECT_TRUE(j["next_ping"].is_null());
  EXPECT_EQ(j["ping_url"],
            "https://hc.example.org/ping/803f680d-e89b-492b-82ef-2be7b774a92d");
  EXPECT_EQ(j["pause_url"],
            "https://hc.example.org/api/v3/checks/"
            "803f680d-e89b-492b-82ef-2be7b774a92d/pause");
  EXPECT_EQ(j["badge_url"], "https://hc.example.org/b/2/"
                            "7d3ab93d-836e-4505-bbda-fcbd5e07adf9.svg");
  EXPECT_EQ(j["channels"], "");
  EXPECT_FALSE(j.contains("unique_key"));
  EXPECT_FALSE(j.contains("schedule"));
}

TEST(CheckJsonTest, ReadOnlyShapeOmitsUuidAndUrls) {
  v1::Check c = Sample();
  c.clear_uuid();
  auto j = CheckToJson(c, kUrls);
  for (const char* k :
       {"uuid", "ping_url", "update_url", "pause_url", "resume_url", "channels"}) {
    EXPECT_FALSE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["unique_key"], "124f983e0e3dcaeba921cfcef46efd084576e783");
}

TEST(CheckJsonTest, CronShapeHasScheduleAndTz) {
  v1::Check c = Sample();
  c.set_kind(v1::SCHEDULE_KIND_CRON);
  c.set_schedule("15 5 * * *");
  c.set_tz("UTC");
  auto j = CheckToJson(c, kUrls);
  EXPECT_EQ(j["schedule"], "15 5 * * *");
  EXPECT_EQ(j["tz"], "UTC");
  EXPECT_FALSE(j.contains("timeout"));
}

TEST(CheckJsonTest, PingShape) {
  v1::Ping p;
  p.set_n(4);
  p.set_kind(v1::PING_KIND_SUCCESS);
  *p.mutable_created() =
      ToProto(absl::FromUnixMicros(1591714266113073));  // 2020-06-09T14:51:06.113073Z
  p.set_scheme("http");
  p.set_method("GET");
  p.set_user_agent("curl/7.68.0");
  p.set_rid("123e4567-e89b-12d3-a456-426614174000");
  *p.mutable_duration() = ToProto(absl::Milliseconds(2896));
  auto j = PingToJson(p, "f618072a-7bde-4eee-af63-71a77c5723bc", kUrls);
  EXPECT_EQ(j["type"], "success");
  EXPECT_EQ(j["date"], "2020-06-09T14:51:06.113073+00:00");
  EXPECT_EQ(j["n"], 4);
  EXPECT_EQ(j["ua"], "curl/7.68.0");
  EXPECT_DOUBLE_EQ(j["duration"].get<double>(), 2.896);
  EXPECT_TRUE(j["body_url"].is_null());
  p.set_body_size(10);
  p.clear_rid();
  p.clear_duration();
  j = PingToJson(p, "f618072a-7bde-4eee-af63-71a77c5723bc", kUrls);
  EXPECT_TRUE(j["rid"].is_null());
  EXPECT_FALSE(j.contains("duration"));
  EXPECT_EQ(j["body_url"], "https://hc.example.org/api/v3/checks/"
                           "f618072a-7bde-4eee-af63-71a77c5723bc/pings/4/body");
}

TEST(CheckJsonTest, OlderApiVersions) {
  v1::Check c = Sample();
  c.set_started(true);
  auto v1j = CheckToJson(c, kUrls, 1);
  EXPECT_EQ(v1j["status"], "started");
  EXPECT_FALSE(v1j.contains("started"));
  EXPECT_EQ(v1j["update_url"], "https://hc.example.org/api/v1/checks/"
                               "803f680d-e89b-492b-82ef-2be7b774a92d");
  auto v2j = CheckToJson(c, kUrls, 2);
  EXPECT_EQ(v2j["status"], "up");
  EXPECT_EQ(v2j["started"], true);
  EXPECT_EQ(v2j["pause_url"], "https://hc.example.org/api/v2/checks/"
                              "803f680d-e89b-492b-82ef-2be7b774a92d/pause");
}

TEST(CheckJsonTest, Slugify) {
  EXPECT_EQ(Slugify("Database Backup"), "database-backup");
  EXPECT_EQ(Slugify("  Nightly -- job #2!  "), "nightly-job-2");
  EXPECT_EQ(Slugify("_x_"), "x");
  EXPECT_EQ(Slugify("\xE6\x97\xA5"), "");
  EXPECT_EQ(Slugify("Caf\xC3\xA9 na\xC3\xAFve \xC5\xBD\xC4\x81\xC4\xBC" "e"),
            "cafe-naive-zale");
  EXPECT_EQ(Slugify("a\r\fb"), "a-b");
}

TEST(CheckJsonTest, FlipShape) {
  v1::Flip f;
  *f.mutable_created() = ToProto(*ParseIso8601("2020-03-23T10:18:23Z"));
  f.set_new_status(v1::CHECK_STATUS_UP);
  auto j = FlipToJson(f);
  EXPECT_EQ(j["timestamp"], "2020-03-23T10:18:23+00:00");
  EXPECT_EQ(j["up"], 1);
  f.set_new_status(v1::CHECK_STATUS_DOWN);
  EXPECT_EQ(FlipToJson(f)["up"], 0);
}

}  // namespace
}  // namespace tocsin
