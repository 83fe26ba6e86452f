#include "metrics/registry.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tocsin::metrics {
namespace {

TEST(FormatValueTest, IntegersHaveNoFraction) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-2), "-2");
  EXPECT_EQ(FormatValue(1e15), "1000000000000000");
  EXPECT_EQ(FormatValue(0.5), "0.5");
  EXPECT_EQ(FormatValue(0.0005), "0.0005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatValue(1e300), "1e+300");
  EXPECT_EQ(FormatValue(-1234.5), "-1234.5");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(NamesTest, Validation) {
  EXPECT_TRUE(IsValidMetricName("tocsin_pings_total"));
  EXPECT_TRUE(IsValidMetricName(":recording:rule"));
  EXPECT_TRUE(IsValidMetricName("_x9"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("has-dash"));
  EXPECT_FALSE(IsValidMetricName("has space"));
  EXPECT_FALSE(IsValidMetricName("caf\xc3\xa9"));

  EXPECT_TRUE(IsValidLabelName("kind"));
  EXPECT_TRUE(IsValidLabelName("_k2"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
  EXPECT_FALSE(IsValidLabelName(""));
}

TEST(RegistryTest, RenderFullExposition) {
  Registry r;
  auto& pings =
      r.AddCounter("tocsin_pings_total", "Pings received.", {"kind", "path"});
  pings.With({"success", "a\"b\\c\nd"}).Inc(3);
  pings.With({"fail", "x"}).Inc(0.5);
  r.AddGauge("tocsin_queue_depth", "Line one\nback\\slash").With({}).Set(-2);
  auto& lat = r.AddHistogram("tocsin_latency_seconds", "Latency.",
                             {0.25, 1, 10}, {"op"});
  Histogram& get = lat.With({"get"});
  for (double v : {0.125, 0.25, 0.5, 20.0}) get.Observe(v);
  r.AddCallbackGauge(
      "tocsin_seconds_since_success", "Since last success.",
      [] {
        return Registry::CallbackSamples{{{"b"}, 2.5}, {{"a"}, 7}};
      },
      {"job"});

  EXPECT_EQ(r.Render(),
            "# HELP tocsin_latency_seconds Latency.\n"
            "# TYPE tocsin_latency_seconds histogram\n"
            "tocsin_latency_seconds_bucket{op=\"get\",le=\"0.25\"} 2\n"
            "tocsin_latency_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "tocsin_latency_seconds_bucket{op=\"get\",le=\"10\"} 3\n"
            "tocsin_latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "tocsin_latency_seconds_sum{op=\"get\"} 20.875\n"
            "tocsin_latency_seconds_count{op=\"get\"} 4\n"
            "# HELP tocsin_pings_total Pings received.\n"
            "# TYPE tocsin_pings_total counter\n"
            "tocsin_pings_total{kind=\"fail\",path=\"x\"} 0.5\n"
            "tocsin_pings_total{kind=\"success\",path=\"a\\\"b\\\\c\\nd\"} 3\n"
            "# HELP tocsin_queue_depth Line one\\nback\\\\slash\n"
            "# TYPE tocsin_queue_depth gauge\n"
            "tocsin_queue_depth -2\n"
            "# HELP tocsin_seconds_since_success Since last success.\n"
            "# TYPE tocsin_seconds_since_success gauge\n"
            "tocsin_seconds_since_success{job=\"a\"} 7\n"
            "tocsin_seconds_since_success{job=\"b\"} 2.5\n");
}

TEST(RegistryTest, UnlabelledMetricsRenderZeroBeforeUse) {
  Registry r;
  r.AddCounter("a_total", "A.");
  r.AddHistogram("b_seconds", "B.", {1});
  EXPECT_EQ(r.Render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_seconds B.\n# TYPE b_seconds histogram\n"
            "b_seconds_bucket{le=\"1\"} 0\nb_seconds_bucket{le=\"+Inf\"} 0\n"
            "b_seconds_sum 0\nb_seconds_count 0\n");
}

TEST(RegistryTest, InvalidUtf8LabelValueIsReplaced) {
  Registry r;
  r.AddGauge("g", "G.", {"v"}).With({"a\xff" "b"}).Set(1);
  EXPECT_NE(r.Render().find("g{v=\"a\xef\xbf\xbd" "b\"} 1\n"),
            std::string::npos)
      << r.Render();
}

TEST(RegistryTest, CallbackGaugeSkipsBadSamplesAndCanBeReplaced) {
  Registry r;
  r.AddCallbackGauge(
      "depth", "Queue depth.",
      [] {
        return Registry::CallbackSamples{{{"q1"}, 4}, {{"x", "y"}, 9}, {{}, 1}};
      },
      {"queue"});
  EXPECT_EQ(r.Render(),
            "# HELP depth Queue depth.\n# TYPE depth gauge\n"
            "depth{queue=\"q1\"} 4\n");
  r.AddCallbackGauge(
      "depth", "Queue depth.",
      [] { return Registry::CallbackSamples{{{"q2"}, 5}}; }, {"queue"});
  EXPECT_EQ(r.Render(),
            "# HELP depth Queue depth.\n# TYPE depth gauge\n"
            "depth{queue=\"q2\"} 5\n");
  r.RemoveCallbackGauge("depth");
  EXPECT_EQ(r.Render(), "");
}

TEST(CounterTest, IgnoresNegativeAndNaN) {
  Counter c;
  c.Inc();
  c.Inc(2.5);
  c.Inc(-10);
  c.Inc(std::nan(""));
  EXPECT_EQ(c.Value(), 3.5);
}

TEST(GaugeTest, SetIncDec) {
  Gauge g;
  g.Set(10);
  g.Inc();
  g.Dec(4);
  g.Inc(0.5);
  EXPECT_EQ(g.Value(), 7.5);
}

TEST(HistogramTest, BoundIsInclusiveAndNaNIgnored) {
  std::vector<double> bounds = {1, 2};
  Histogram h(bounds);
  h.Observe(1);    // le="1"
  h.Observe(1.5);  // le="2"
  h.Observe(2);    // le="2"
  h.Observe(-5);   // le="1"
  h.Observe(3);    // +Inf only
  h.Observe(std::nan(""));
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 4, 5}));
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.sum, 2.5);
}

TEST(FamilyTest, WithReturnsTheSameChild) {
  Registry r;
  auto& f = r.AddCounter("c_total", "C.", {"a", "b"});
  Counter& x = f.With({"1", "2"});
  Counter& y = f.With(std::vector<std::string>{"1", "2"});
  Counter& z = f.With({"1", "3"});
  EXPECT_EQ(&x, &y);
  EXPECT_NE(&x, &z);
  // Prefix of a longer key is a different child.
  auto& g = r.AddGauge("g", "G.", {"a"});
  EXPECT_NE(&g.With({""}), &g.With({"x"}));
  EXPECT_EQ(f.size(), 2u);
}

TEST(FamilyTest, ConcurrentIncrementsAreExact) {
  Registry r;
  Counter& c = r.AddCounter("hot_total", "Hot.", {"k"}).With({"v"});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < kPerThread; ++i) c.Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), static_cast<double>(kThreads) * kPerThread);
}

TEST(FamilyTest, ConcurrentWithCreatesOneChildPerLabelSet) {
  Registry r;
  auto& f = r.AddCounter("races_total", "Races.", {"id"});
  constexpr int kThreads = 8;
  constexpr int kLabels = 500;
  std::vector<std::vector<Counter*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&f, &seen, t] {
      for (int i = 0; i < kLabels; ++i) {
        Counter& c = f.With({std::to_string(i)});
        c.Inc();
        seen[t].push_back(&c);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.size(), static_cast<size_t>(kLabels));
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]);
  for (int i = 0; i < kLabels; ++i) {
    EXPECT_EQ(f.With({std::to_string(i)}).Value(), kThreads);
  }
}

TEST(FamilyTest, CapSendsNewLabelSetsToOverflowChild) {
  Registry r;
  auto& f = r.AddCounter("capped_total", "Capped.", {"a", "b"});
  EXPECT_EQ(f.max_children(), kDefaultMaxChildren);
  f.set_max_children(3);
  Counter& c0 = f.With({"0", "0"});
  f.With({"1", "1"});
  f.With({"2", "2"});
  Counter& o1 = f.With({"3", "3"});
  Counter& o2 = f.With({"4", "4"});
  EXPECT_EQ(&o1, &o2);
  EXPECT_EQ(&o1, &f.With({"other", "other"}));
  EXPECT_EQ(&c0, &f.With({"0", "0"}));  // existing children still resolve
  o1.Inc();
  o2.Inc();
  EXPECT_EQ(f.size(), 4u);
  EXPECT_NE(r.Render().find("capped_total{a=\"other\",b=\"other\"} 2\n"),
            std::string::npos);
  EXPECT_EQ(r.Render().find("a=\"3\""), std::string::npos);
}

TEST(FamilyTest, DefaultCapHoldsMemory) {
  Registry r;
  auto& f = r.AddGauge("hostile", "Hostile.", {"v"});
  for (size_t i = 0; i < kDefaultMaxChildren + 500; ++i) {
    f.With({std::to_string(i)}).Inc();
  }
  EXPECT_EQ(f.size(), kDefaultMaxChildren + 1);
  EXPECT_EQ(f.With({"other"}).Value(), 500);
}

TEST(FamilyTest, WrongLabelCountGoesToOverflow) {
  Registry r;
  auto& f = r.AddCounter("arity_total", "Arity.", {"a", "b"});
  f.With({"only-one"}).Inc();
  EXPECT_EQ(f.With({"other", "other"}).Value(), 1);
}

TEST(RegistryTest, SameRegistrationReturnsSameFamily) {
  Registry r;
  auto& a = r.AddCounter("x_total", "X.", {"k"});
  auto& b = r.AddCounter("x_total", "X again.", {"k"});
  EXPECT_EQ(&a, &b);
  auto& h1 = r.AddHistogram("h", "H.", LatencyBuckets());
  auto& h2 = r.AddHistogram("h", "H.", LatencyBuckets());
  EXPECT_EQ(&h1, &h2);
}

TEST(RegistryTest, LatencyBucketsAreSorted) {
  std::vector<double> b = LatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front(), 0.0005);
  EXPECT_EQ(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  Registry r;
  // A trailing +Inf is accepted and not doubled.
  std::vector<double> with_inf = b;
  with_inf.push_back(std::numeric_limits<double>::infinity());
  auto& h = r.AddHistogram("lat_seconds", "L.", with_inf);
  EXPECT_EQ(h.buckets(), b);
}

using RegistryDeathTest = ::testing::Test;

TEST_F(RegistryDeathTest, BadRegistrationsAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Registry r;
  r.AddCounter("dup_total", "D.", {"k"});
  EXPECT_DEATH(r.AddCounter("bad-name", "B."), "invalid metric name: bad-name");
  EXPECT_DEATH(r.AddGauge("", "B."), "invalid metric name");
  EXPECT_DEATH(r.AddGauge("ok", "B.", {"bad label"}), "invalid label name");
  EXPECT_DEATH(r.AddGauge("ok", "B.", {"a", "a"}), "duplicate label name");
  EXPECT_DEATH(r.AddHistogram("ok", "B.", {1}, {"le"}), "reserved");
  EXPECT_DEATH(r.AddHistogram("ok", "B.", {2, 1}), "strictly increasing");
  EXPECT_DEATH(r.AddGauge("dup_total", "D.", {"k"}), "another type");
  EXPECT_DEATH(r.AddCounter("dup_total", "D.", {"j"}), "other label names");
  r.AddHistogram("hist", "H.", {1, 2});
  EXPECT_DEATH(r.AddHistogram("hist", "H.", {1, 3}), "other buckets");
}

TEST(DefaultRegistryTest, IsProcessWide) {
  EXPECT_EQ(&DefaultRegistry(), &DefaultRegistry());
}

}  // namespace
}  // namespace tocsin::metrics
