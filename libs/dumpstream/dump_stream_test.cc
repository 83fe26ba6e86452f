#include "dumpstream/dump_stream.h"

#include <vector>

#include "gtest/gtest.h"

namespace tocsin::dumpstream {
namespace {

TEST(DumpStreamTest, ObjectsGoInPiecesAndComeBackWhole) {
  std::string data(10, 'a');
  data += std::string(5, 'b');
  std::vector<v1::ObjectPart> parts;
  ASSERT_TRUE(SendObject("n1", data, [&](v1::ObjectPart p) {
    parts.push_back(std::move(p));
    return true;
  }, 4));
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_FALSE(parts[2].last());
  EXPECT_TRUE(parts[3].last());
  ObjectAssembler a;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto got = a.Add(parts[i]);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->has_value(), i == 3);
    if (got->has_value()) {
      EXPECT_EQ((*got)->first, "n1");
      EXPECT_EQ((*got)->second, data);
    }
  }
  EXPECT_FALSE(a.pending());
}

TEST(DumpStreamTest, EmptyObjectIsOnePartAndInterleavingIsRefused) {
  std::vector<v1::ObjectPart> parts;
  SendObject("empty", "", [&](v1::ObjectPart p) {
    parts.push_back(std::move(p));
    return true;
  });
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].last());
  ObjectAssembler a;
  v1::ObjectPart first;
  first.set_name("x");
  first.set_data("1");
  ASSERT_TRUE(a.Add(first).ok());
  EXPECT_TRUE(a.pending());
  v1::ObjectPart other;
  other.set_name("y");
  EXPECT_EQ(a.Add(other).status().code(), absl::StatusCode::kDataLoss);
}

TEST(DumpStreamTest, StopsWhenTheStreamCloses) {
  int calls = 0;
  EXPECT_FALSE(SendObject("n", std::string(100, 'z'), [&](v1::ObjectPart) {
    ++calls;
    return false;
  }, 10));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace tocsin::dumpstream
