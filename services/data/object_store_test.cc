#include "data/object_store.h"

#include <chrono>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "gtest/gtest.h"

namespace tocsin::data {
namespace {

namespace fs = std::filesystem;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(dir_);
    ASSERT_TRUE(store_.Prepare().ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void MakeOld(const std::string& name) {
    fs::last_write_time(store_.PathOf(name),
                        fs::file_time_type::clock::now() - std::chrono::hours(2));
  }
  // Every file under the store, hidden ones (a sweep's leftovers) included.
  int Files() {
    int n = 0;
    for (auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file()) ++n;
    }
    return n;
  }

  // One directory per test (and per run: ctest runs tests side by side).
  fs::path dir_ =
      fs::temp_directory_path() /
      ("tocsin-objects-" + std::to_string(::getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  ObjectStore store_{dir_};
};

TEST_F(ObjectStoreTest, SweepTakesOnlyOldUnreferencedObjects) {
  auto a = store_.Put("body a");
  auto b = store_.Put("body b");
  auto c = store_.Put("body c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  MakeOld(*a);
  MakeOld(*b);  // Old but referenced.
  auto removed = store_.Sweep({*b}, absl::Now() - absl::Hours(1));
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(fs::exists(store_.PathOf(*a)));
  EXPECT_TRUE(fs::exists(store_.PathOf(*b)));
  EXPECT_TRUE(fs::exists(store_.PathOf(*c)));  // Unreferenced, but new.
  EXPECT_EQ(Files(), 2);  // Nothing left aside.
}

TEST_F(ObjectStoreTest, ReusedObjectIsNotSwept) {
  auto a = store_.Put("the same body");
  ASSERT_TRUE(a.ok());
  MakeOld(*a);
  // A new ping with the same body: the object is touched, not rewritten.
  ASSERT_TRUE(store_.Put("the same body").ok());
  auto removed = store_.Sweep({}, absl::Now() - absl::Hours(1));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0);
  EXPECT_TRUE(fs::exists(store_.PathOf(*a)));
  EXPECT_EQ(Files(), 1);
}

TEST_F(ObjectStoreTest, ObjectSweptAwayIsWrittenAgain) {
  auto a = store_.Put("swept, then seen again");
  ASSERT_TRUE(a.ok());
  MakeOld(*a);
  ASSERT_EQ(*store_.Sweep({}, absl::Now() - absl::Hours(1)), 1);
  ASSERT_TRUE(store_.Put("swept, then seen again").ok());
  auto got = store_.Get(*a);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "swept, then seen again");
}

}  // namespace
}  // namespace tocsin::data
