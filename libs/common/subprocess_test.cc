#include "common/subprocess.h"

#include "gtest/gtest.h"

namespace tocsin {
namespace {

TEST(SubprocessTest, OutputAndExitStatus) {
  auto out = RunProgram({"sh", "-c", "printf 'hello'; printf 'x' >&2"},
                        {"PATH=/usr/bin:/bin"}, absl::Seconds(10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "hello");
}

TEST(SubprocessTest, FailureNamesProgramStatusAndLastErrorLine) {
  auto out = RunProgram({"sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3"},
                        {}, absl::Seconds(10));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "sh exited with status 3: the reason");
}

TEST(SubprocessTest, EnvironmentIsExactlyTheOneGiven) {
  setenv("TOCSIN_SUBPROCESS_LEAK", "parent", 1);
  auto out = RunProgram({"sh", "-c", "echo \"$SECRET_ONE:${TOCSIN_SUBPROCESS_LEAK:-none}\""},
                        {"SECRET_ONE=given"}, absl::Seconds(10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "given:none\n");
}

TEST(SubprocessTest, ReadsInPiecesToTheEnd) {
  auto p = Subprocess::Start({"sh", "-c", "head -c 200000 /dev/zero"}, {});
  ASSERT_TRUE(p.ok()) << p.status();
  size_t total = 0;
  for (;;) {
    auto chunk = (*p)->Read(4096, absl::Seconds(10));
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    if (chunk->empty()) break;
    EXPECT_LE(chunk->size(), 4096u);
    total += chunk->size();
  }
  EXPECT_EQ(total, 200000u);
  EXPECT_TRUE((*p)->Finish(absl::Seconds(10)).ok());
}

TEST(SubprocessTest, SilenceAndMissingProgram) {
  auto p = Subprocess::Start({"sleep", "5"}, {});
  ASSERT_TRUE(p.ok());
  auto chunk = (*p)->Read(10, absl::Milliseconds(100));
  EXPECT_EQ(chunk.status().code(), absl::StatusCode::kDeadlineExceeded);
  // Destroying it kills and reaps the child.
  p->reset();
  auto missing = RunProgram({"/nonexistent/program"}, {}, absl::Seconds(5));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SubprocessTest, TimeoutKills) {
  absl::Time start = absl::Now();
  auto out = RunProgram({"sleep", "30"}, {}, absl::Milliseconds(200));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
}

}  // namespace
}  // namespace tocsin
