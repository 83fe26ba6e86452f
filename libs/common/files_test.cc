#include "common/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace tocsin {
namespace {

namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tocsin-files-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t Entries() const {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

TEST_F(FilesTest, WritesAndReadsBack) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a.txt", "hello", 0600).ok());
  auto got = ReadWholeFile(dir_ / "a.txt", 100);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "hello");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Entries(), 1u);  // No temporary file left.
}

TEST_F(FilesTest, ReplacesWholeFile) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a", "a much longer first text").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a", "short").ok());
  EXPECT_EQ(*ReadWholeFile(dir_ / "a", 100), "short");
}

TEST_F(FilesTest, UncommittedWriterLeavesNothing) {
  {
    AtomicFileWriter w;
    ASSERT_TRUE(w.Open(dir_ / "partial").ok());
    ASSERT_TRUE(w.Append("half of it").ok());
    EXPECT_TRUE(fs::exists(w.temp_path()));
    EXPECT_EQ(w.temp_path().filename().string().rfind(kTempFilePrefix, 0), 0u);
  }
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(FilesTest, TargetUnchangedUntilCommit) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "f", "old").ok());
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(dir_ / "f").ok());
  ASSERT_TRUE(w.Append("new").ok());
  EXPECT_EQ(*ReadWholeFile(dir_ / "f", 10), "old");
  ASSERT_TRUE(w.Commit().ok());
  EXPECT_EQ(*ReadWholeFile(dir_ / "f", 10), "new");
  EXPECT_EQ(w.bytes_written(), 3u);
}

TEST_F(FilesTest, Errors) {
  EXPECT_EQ(ReadWholeFile(dir_ / "missing", 10).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomically(dir_ / "big", "0123456789").ok());
  EXPECT_EQ(ReadWholeFile(dir_ / "big", 5).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(WriteFileAtomically(dir_ / "no" / "such" / "dir", "x").ok());
  AtomicFileWriter w;
  EXPECT_FALSE(w.Append("x").ok());
  EXPECT_FALSE(w.Commit().ok());
}

}  // namespace
}  // namespace tocsin
