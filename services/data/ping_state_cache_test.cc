#include "data/ping_state_cache.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace tocsin::data {
namespace {

constexpr char kId[] = "0b7e2c1a-5d4f-4e6a-9c3b-2a1f0e9d8c7b";
constexpr char kOther[] = "f0e1d2c3-b4a5-4697-8877-665544332211";

PingStateCache::Entry Plain() {
  PingStateCache::Entry e;
  e.state.status = StoredStatus::kUp;
  e.state.timeout = absl::Seconds(3600);
  e.state.grace = absl::Seconds(60);
  e.state.last_ping = absl::FromUnixMicros(1'765'000'000'123'456);
  e.state.alert_after = absl::FromUnixMicros(1'765'003'660'123'456);
  e.state.n_pings = 41;
  e.xmin = "987654321";
  e.generation = 3;
  return e;
}

void ExpectSame(const PingStateCache::Entry& a, const PingStateCache::Entry& b) {
  const CheckState &x = a.state, &y = b.state;
  EXPECT_EQ(x.status, y.status);
  EXPECT_EQ(x.kind, y.kind);
  EXPECT_EQ(x.timeout, y.timeout);
  EXPECT_EQ(x.grace, y.grace);
  EXPECT_EQ(x.schedule, y.schedule);
  EXPECT_EQ(x.tz, y.tz);
  EXPECT_EQ(x.last_ping, y.last_ping);
  EXPECT_EQ(x.last_start, y.last_start);
  EXPECT_EQ(x.last_start_rid, y.last_start_rid);
  EXPECT_EQ(x.last_duration, y.last_duration);
  EXPECT_EQ(x.alert_after, y.alert_after);
  EXPECT_EQ(x.n_pings, y.n_pings);
  EXPECT_EQ(x.manual_resume, y.manual_resume);
  EXPECT_EQ(x.methods, y.methods);
  EXPECT_EQ(x.start_kw, y.start_kw);
  EXPECT_EQ(x.success_kw, y.success_kw);
  EXPECT_EQ(x.failure_kw, y.failure_kw);
  EXPECT_EQ(x.filter_http_body, y.filter_http_body);
  EXPECT_EQ(x.filter_default_fail, y.filter_default_fail);
  EXPECT_EQ(a.xmin, b.xmin);
  EXPECT_EQ(a.generation, b.generation);
}

TEST(PingStateCacheTest, EveryFieldComesBackAsItWasPut) {
  PingStateCache cache(10);
  PingStateCache::Entry plain = Plain();
  PingStateCache::Entry full = Plain();
  CheckState& s = full.state;
  s.status = StoredStatus::kPaused;
  s.kind = v1::SCHEDULE_KIND_CRON;
  s.schedule = "*/5 9-17 * * mon-fri and something longer than fifteen";
  s.tz = "Europe/Helsinki";
  s.last_start = absl::FromUnixMicros(1'765'000'000'000'001);
  s.last_start_rid = "5c0a7f3e-1d2b-4c3d-8e9f-0a1b2c3d4e5f";
  s.last_duration = absl::Milliseconds(1234);
  s.alert_after.reset();
  s.manual_resume = true;
  s.methods = "POST";
  s.start_kw = "begin";
  s.success_kw = "ok, done";
  s.failure_kw = "ERROR";
  s.filter_http_body = true;
  s.filter_default_fail = true;
  full.xmin = "4294967295";
  cache.Put(kId, plain);
  cache.Put(kOther, full);
  std::vector<PingStateCache::Entry> out;
  ASSERT_TRUE(cache.GetAll({kOther, kId, kOther}, 3, out));
  ASSERT_EQ(out.size(), 3u);
  ExpectSame(out[0], full);
  ExpectSame(out[1], plain);
  ExpectSame(out[2], full);
  // A newer state replaces the old.
  plain.state.n_pings = 42;
  plain.xmin = "987654400";
  cache.Put(kId, plain);
  ASSERT_TRUE(cache.GetAll({kId}, 3, out));
  ExpectSame(out[0], plain);
}

TEST(PingStateCacheTest, MissesAndWhatIsNotKept) {
  PingStateCache cache(10);
  std::vector<PingStateCache::Entry> out;
  cache.Put(kId, Plain());
  EXPECT_FALSE(cache.GetAll({kId, kOther}, 3, out));  // One missing.
  EXPECT_FALSE(cache.GetAll({kId}, 4, out));          // Another generation.
  EXPECT_FALSE(cache.GetAll({"0B7E2C1A-5D4F-4E6A-9C3B-2A1F0E9D8C7B"}, 3, out));
  EXPECT_FALSE(cache.GetAll({"not a uuid"}, 3, out));
  // What the compact form cannot hold exactly is not kept, and takes the
  // old entry with it.
  PingStateCache::Entry odd = Plain();
  odd.state.last_ping = *odd.state.last_ping + absl::Nanoseconds(1);
  cache.Put(kId, odd);
  EXPECT_FALSE(cache.GetAll({kId}, 3, out));
  cache.Put(kId, Plain());
  PingStateCache::Entry bad_xmin = Plain();
  bad_xmin.xmin = "12x";
  cache.Put(kId, bad_xmin);
  EXPECT_FALSE(cache.GetAll({kId}, 3, out));
  cache.Put(kId, Plain());
  cache.Erase(kId);
  EXPECT_FALSE(cache.GetAll({kId}, 3, out));
}

TEST(PingStateCacheTest, BoundedAndOff) {
  PingStateCache cache(2);
  const char* ids[] = {kId, kOther, "11111111-2222-4333-8444-555555555555"};
  for (const char* id : ids) cache.Put(id, Plain());
  std::vector<PingStateCache::Entry> out;
  int kept = 0;
  for (const char* id : ids) kept += cache.GetAll({id}, 3, out);
  EXPECT_EQ(kept, 2);
  PingStateCache off(0);
  off.Put(kId, Plain());
  EXPECT_FALSE(off.GetAll({kId}, 3, out));
}

// Beyond the bound a random entry makes room: entries no longer put (a
// deleted check's, say) leave in time, and new ones are not the only ones
// replaced.
TEST(PingStateCacheTest, OldEntriesLeaveInTime) {
  auto id = [](int i) {
    return absl::StrFormat("%08x-0000-4000-8000-%012x", i, i);
  };
  auto kept = [&](PingStateCache& cache, int from, int to) {
    std::vector<PingStateCache::Entry> out;
    int n = 0;
    for (int i = from; i < to; ++i) n += cache.GetAll({id(i)}, 3, out);
    return n;
  };
  PingStateCache cache(100);
  for (int i = 0; i < 600; ++i) cache.Put(id(i), Plain());
  EXPECT_EQ(kept(cache, 0, 600), 100);
  EXPECT_LE(kept(cache, 0, 100), 5);     // About 0.7 expected.
  EXPECT_GE(kept(cache, 500, 600), 45);  // About 63 expected.
  EXPECT_TRUE(kept(cache, 599, 600));

  // The same for the slugs of ping keys no longer used.
  PingStateCache slugs(100);
  auto key = [](int i) { return absl::StrCat("key-", i); };
  for (int i = 0; i < 250; ++i) {
    slugs.PutSlug(key(i), "a", {kId, kOther, "1", 3});
    slugs.PutSlug(key(i), "b", {kId, kOther, "1", 3});
  }
  int old = 0, recent = 0;
  for (int i = 0; i < 250; ++i) {
    int n = slugs.GetSlug(key(i), "a", 3).has_value() +
            slugs.GetSlug(key(i), "b", 3).has_value();
    if (i < 50) old += n;
    if (i >= 200) recent += n;
  }
  EXPECT_LE(old, 10);
  EXPECT_GE(recent, 40);
}

// Which check a slug named: ids come back in canonical form, misses for
// another generation, another key or slug, and nothing odd is kept.
TEST(PingStateCacheTest, SlugsNameTheirCheckWithTheProjectsVersion) {
  PingStateCache cache(2);
  cache.PutSlug("key-1", "backup", {kId, kOther, "4242", 3});
  auto got = cache.GetSlug("key-1", "backup", 3);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->check_id, kId);
  EXPECT_EQ(got->project_id, kOther);
  EXPECT_EQ(got->project_xmin, "4242");
  EXPECT_EQ(got->generation, 3u);
  EXPECT_FALSE(cache.GetSlug("key-1", "backup", 4).has_value());
  EXPECT_FALSE(cache.GetSlug("key-2", "backup", 3).has_value());
  EXPECT_FALSE(cache.GetSlug("key-1", "backups", 3).has_value());
  // The pair is the key: the same text split elsewhere is another entry.
  EXPECT_FALSE(cache.GetSlug("key-1b", "ackup", 3).has_value());

  // Not a canonical UUID, or not a numeric version: not kept, and the old
  // entry goes.
  cache.PutSlug("key-1", "backup", {"0B7E2C1A-5D4F-4E6A-9C3B-2A1F0E9D8C7B",
                                    kOther, "4242", 3});
  EXPECT_FALSE(cache.GetSlug("key-1", "backup", 3).has_value());
  cache.PutSlug("key-1", "backup", {kId, kOther, "42x", 3});
  EXPECT_FALSE(cache.GetSlug("key-1", "backup", 3).has_value());
  cache.PutSlug("key-1", "backup", {kId, kOther, "4242", 3});
  cache.EraseSlug("key-1", "backup");
  EXPECT_FALSE(cache.GetSlug("key-1", "backup", 3).has_value());

  // Found at another version of the project's row: the slugs found at the
  // old one go (any of them may have changed since).
  cache.PutSlug("key-1", "a", {kId, kOther, "10", 3});
  cache.PutSlug("key-1", "b", {kId, kOther, "10", 3});
  cache.PutSlug("key-1", "c", {kId, kOther, "11", 3});
  EXPECT_FALSE(cache.GetSlug("key-1", "a", 3).has_value());
  EXPECT_FALSE(cache.GetSlug("key-1", "b", 3).has_value());
  ASSERT_TRUE(cache.GetSlug("key-1", "c", 3).has_value());
  EXPECT_EQ(cache.GetSlug("key-1", "c", 3)->project_xmin, "11");
  cache.EraseSlug("key-1", "c");

  // Bounded by its own count, beside the states, across projects; 0 keeps
  // nothing.
  cache.PutSlug("key-2", "x", {kOther, kId, "5", 3});
  cache.PutSlug("key-1", "a", {kId, kOther, "1", 3});
  cache.PutSlug("key-1", "b", {kId, kOther, "1", 3});
  EXPECT_EQ(cache.GetSlug("key-1", "a", 3).has_value() +
                cache.GetSlug("key-1", "b", 3).has_value() +
                cache.GetSlug("key-2", "x", 3).has_value(),
            2);
  EXPECT_TRUE(cache.GetSlug("key-1", "b", 3).has_value());  // The newest.
  cache.EraseSlug("key-1", "a");
  cache.EraseSlug("key-1", "b");
  cache.EraseSlug("key-2", "x");
  for (const char* slug : {"a", "b", "c"}) {
    cache.PutSlug("key-1", slug, {kId, kOther, "1", 3});
  }
  int kept = 0;
  for (const char* slug : {"a", "b", "c"}) {
    kept += cache.GetSlug("key-1", slug, 3).has_value();
  }
  EXPECT_EQ(kept, 2);
  PingStateCache off(0);
  off.PutSlug("key-1", "a", {kId, kOther, "1", 3});
  EXPECT_FALSE(off.GetSlug("key-1", "a", 3).has_value());
}

// Names live in blocks that are repacked once mostly erased: every slug
// kept is still found, with its own check, and no erased one is.
TEST(PingStateCacheTest, SlugsSurviveRepacking) {
  PingStateCache cache(100000);
  auto name = [](int i) { return absl::StrCat("a-slug-with-a-longer-name-", i); };
  for (int i = 0; i < 5000; ++i) {
    cache.PutSlug("key-1", name(i), {kId, kOther, "7", 3});
  }
  for (int i = 0; i < 5000; ++i) {
    if (i % 10 != 0) cache.EraseSlug("key-1", name(i));
  }
  for (int i = 5000; i < 6000; ++i) {
    cache.PutSlug("key-1", name(i), {kOther, kOther, "7", 3});
  }
  int found = 0, wrong = 0;
  for (int i = 0; i < 6000; ++i) {
    auto got = cache.GetSlug("key-1", name(i), 3);
    bool kept = i >= 5000 || i % 10 == 0;
    if (got.has_value() != kept) ++wrong;
    if (got && got->check_id != (i >= 5000 ? kOther : kId)) ++wrong;
    found += got.has_value();
  }
  EXPECT_EQ(found, 1500);
  EXPECT_EQ(wrong, 0);
}

// Beyond the bound, half of another ping key's slugs make room (or of the
// only one's): never more than the bound is kept, the newest always is,
// and erased slugs give their room back.
TEST(PingStateCacheTest, SlugBoundWithOneKey) {
  auto name = [](int i) { return absl::StrCat("slug-", i); };
  auto kept = [&](PingStateCache& cache, int from, int to) {
    int n = 0;
    for (int i = from; i < to; ++i) n += cache.GetSlug("key-1", name(i), 3).has_value();
    return n;
  };
  PingStateCache one(1);
  one.PutSlug("key-1", "a", {kId, kOther, "1", 3});
  one.PutSlug("key-2", "b", {kId, kOther, "1", 3});
  EXPECT_FALSE(one.GetSlug("key-1", "a", 3).has_value());
  EXPECT_TRUE(one.GetSlug("key-2", "b", 3).has_value());
  one.PutSlug("key-2", "c", {kId, kOther, "1", 3});
  EXPECT_FALSE(one.GetSlug("key-2", "b", 3).has_value());
  EXPECT_TRUE(one.GetSlug("key-2", "c", 3).has_value());

  PingStateCache cache(100);
  for (int i = 0; i < 100; ++i) cache.PutSlug("key-1", name(i), {kId, kOther, "1", 3});
  EXPECT_EQ(kept(cache, 0, 100), 100);
  cache.PutSlug("key-1", name(100), {kId, kOther, "1", 3});
  EXPECT_EQ(kept(cache, 0, 100), 50);  // Half went.
  EXPECT_TRUE(cache.GetSlug("key-1", name(100), 3).has_value());
  for (int i = 101; i < 1000; ++i) cache.PutSlug("key-1", name(i), {kId, kOther, "1", 3});
  EXPECT_LE(kept(cache, 0, 1000), 100);
  EXPECT_GE(kept(cache, 0, 1000), 50);
  EXPECT_TRUE(cache.GetSlug("key-1", name(999), 3).has_value());

  // Erased, then put again: the count is right, so 100 fit with no room
  // made.
  for (int i = 0; i < 1000; ++i) cache.EraseSlug("key-1", name(i));
  EXPECT_EQ(kept(cache, 0, 1000), 0);
  for (int i = 0; i < 100; ++i) cache.PutSlug("key-1", name(i), {kId, kOther, "1", 3});
  EXPECT_EQ(kept(cache, 0, 100), 100);
}

TEST(PingStateCacheTest, SlugsOfManyKeysStayWithinTheBound) {
  PingStateCache cache(10);
  for (int i = 0; i < 100; ++i) {
    std::string key = absl::StrCat("key-", i);
    cache.PutSlug(key, "a", {kId, kOther, "1", 3});
    cache.PutSlug(key, "b", {kId, kOther, "1", 3});
    ASSERT_TRUE(cache.GetSlug(key, "a", 3).has_value()) << i;
    ASSERT_TRUE(cache.GetSlug(key, "b", 3).has_value()) << i;
  }
  int kept = 0;
  for (int i = 0; i < 100; ++i) {
    std::string key = absl::StrCat("key-", i);
    kept += cache.GetSlug(key, "a", 3).has_value() +
            cache.GetSlug(key, "b", 3).has_value();
  }
  EXPECT_LE(kept, 10);
  EXPECT_GE(kept, 9);  // Half of a key of one or two: one at a time.
}

TEST(PingStateCacheTest, TriesOnlyWhileMostTriesAreNotStale) {
  PingStateCache cache(10);
  constexpr int kWindow = PingStateCache::kWindow;
  // Half stale: still worth it.
  for (int i = 0; i < kWindow; ++i) {
    ASSERT_TRUE(cache.WorthTrying());
    EXPECT_TRUE(cache.Attempted(i % 2 == 0));
  }
  // A window with more than half stale (another replica writing the same
  // checks): from then on, only one batch in kProbeEvery tries.
  for (int i = 0; i < kWindow; ++i) {
    ASSERT_TRUE(cache.WorthTrying());
    cache.Attempted(i < kWindow / 2 + 1);
  }
  int tries = 0;
  for (int i = 0; i < 10 * PingStateCache::kProbeEvery; ++i) tries += cache.WorthTrying();
  EXPECT_EQ(tries, 10);
  // The probes find the cache current again (that replica has gone): once
  // a window of them is mostly fresh, every batch tries again.
  int probes = 0;
  while (probes < kWindow) {
    if (!cache.WorthTrying()) continue;
    ++probes;
    EXPECT_EQ(cache.Attempted(false), probes == kWindow);
  }
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(cache.WorthTrying());
}

}  // namespace
}  // namespace tocsin::data
