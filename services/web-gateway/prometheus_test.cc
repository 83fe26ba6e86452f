#include "web-gateway/prometheus.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

v1::Check Make(const char* name, const char* tags, v1::CheckStatus s,
               bool started = false) {
  v1::Check c;
  c.set_name(name);
  c.set_tags(tags);
  c.set_status(s);
  c.set_started(started);
  c.set_unique_key(std::string(40, 'a'));
  return c;
}

TEST(PrometheusTest, MetricsAndLabels) {
  google::protobuf::RepeatedPtrField<v1::Check> checks;
  *checks.Add() = Make("db \"main\"", "prod db", v1::CHECK_STATUS_DOWN);
  *checks.Add() = Make("web", "prod", v1::CHECK_STATUS_GRACE, true);
  *checks.Add() = Make("new one", "", v1::CHECK_STATUS_NEW);
  std::string m = PrometheusMetrics(checks);
  EXPECT_NE(m.find("# TYPE hc_check_up gauge\n"), std::string::npos);
  EXPECT_NE(m.find("hc_check_up{name=\"db \\\"main\\\"\", tags=\"prod db\", "
                   "unique_key=\"" + std::string(40, 'a') + "\"} 0\n"),
            std::string::npos);
  EXPECT_NE(m.find("hc_check_up{name=\"new one\""), std::string::npos);
  EXPECT_NE(m.find("hc_check_started{name=\"web\", tags=\"prod\""), std::string::npos);
  EXPECT_NE(m.find("hc_tag_up{tag=\"prod\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("hc_tag_up{tag=\"db\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("hc_checks_total 3\n"), std::string::npos);
  EXPECT_NE(m.find("hc_checks_down_total 1\n"), std::string::npos);
}

TEST(PrometheusTest, KeyShape) {
  EXPECT_TRUE(LooksLikeApiKey("abcdefghijklmnopqrstuvwxyz012345"));
  EXPECT_FALSE(LooksLikeApiKey("short"));
  EXPECT_FALSE(LooksLikeApiKey("abcdefghijklmnopqrstuvwxyz01234!"));
}

}  // namespace
}  // namespace tocsin::gateway
