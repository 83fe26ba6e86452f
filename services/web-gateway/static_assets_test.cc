#include "web-gateway/static_assets.h"

#include <unistd.h>

#include <filesystem>

#include "common/crypto.h"
#include "common/files.h"
#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

namespace fs = std::filesystem;

class StaticAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("tocsin-static-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "src" / "img");
    fs::create_directories(root_ / "src" / ".hidden");
    Write("src/app.css", "body{}");
    Write("src/img/bell.svg", "<svg/>");
    Write("src/LICENSE", "text");
    Write("src/.hidden/secret", "no");
    Write("src/.dotfile", "no");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& content) {
    ASSERT_TRUE(WriteFileAtomically(root_ / rel, content).ok());
  }
  std::string Read(const std::string& rel) {
    auto s = ReadWholeFile(root_ / rel, 1 << 20);
    return s.ok() ? *s : "<" + std::string(s.status().message()) + ">";
  }
  fs::path root_;
};

TEST(StaticAssetsNames, FingerprintGoesBeforeTheExtension) {
  std::string h = Sha256Hex("x").substr(0, 12);
  EXPECT_EQ(StaticAssets::Fingerprinted("app.css", "x"), "app." + h + ".css");
  EXPECT_EQ(StaticAssets::Fingerprinted("a/b.min.js", "x"),
            "a/b.min." + h + ".js");
  EXPECT_EQ(StaticAssets::Fingerprinted("LICENSE", "x"), "LICENSE." + h);
  EXPECT_EQ(StaticAssets::Fingerprinted("v1.2/README", "x"),
            "v1.2/README." + h);
  EXPECT_EQ(StaticAssets::Fingerprinted(".env", "x"), ".env." + h);
  EXPECT_NE(StaticAssets::Fingerprinted("app.css", "x"),
            StaticAssets::Fingerprinted("app.css", "y"));
}

TEST_F(StaticAssetsTest, LoadsAndExportsBothNamesAndAManifest) {
  auto assets = StaticAssets::Load(root_ / "src");
  ASSERT_TRUE(assets.ok()) << assets.status();
  EXPECT_EQ(assets->size(), 3u);  // Hidden files and directories skipped.
  std::string css = StaticAssets::Fingerprinted("app.css", "body{}");
  std::string svg = StaticAssets::Fingerprinted("img/bell.svg", "<svg/>");
  EXPECT_EQ(assets->Url("app.css"), "/static/" + css);
  EXPECT_EQ(assets->Url("img/bell.svg"), "/static/" + svg);
  EXPECT_EQ(assets->Url("unknown.js"), "/static/unknown.js");

  ASSERT_TRUE(assets->Export(root_ / "out").ok());
  EXPECT_EQ(Read("out/app.css"), "body{}");
  EXPECT_EQ(Read("out/" + css), "body{}");
  EXPECT_EQ(Read("out/" + svg), "<svg/>");
  EXPECT_FALSE(fs::exists(root_ / "out" / ".dotfile"));
  EXPECT_NE(Read("out/manifest.json").find("\"app.css\": \"" + css + "\""),
            std::string::npos);
}

TEST_F(StaticAssetsTest, ExportAgainKeepsOldVersionsAndUnchangedFiles) {
  auto v1 = StaticAssets::Load(root_ / "src");
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(v1->Export(root_ / "out").ok());
  std::string old_css = StaticAssets::Fingerprinted("app.css", "body{}");
  auto svg_time = fs::last_write_time(
      root_ / "out" / StaticAssets::Fingerprinted("img/bell.svg", "<svg/>"));

  Write("src/app.css", "body{color:red}");
  auto v2 = StaticAssets::Load(root_ / "src");
  ASSERT_TRUE(v2.ok());
  ASSERT_TRUE(v2->Export(root_ / "out").ok());
  std::string new_css = StaticAssets::Fingerprinted("app.css", "body{color:red}");
  EXPECT_EQ(Read("out/" + old_css), "body{}");  // Still there for old pages.
  EXPECT_EQ(Read("out/" + new_css), "body{color:red}");
  EXPECT_EQ(Read("out/app.css"), "body{color:red}");
  EXPECT_EQ(fs::last_write_time(root_ / "out" /
                                StaticAssets::Fingerprinted("img/bell.svg",
                                                            "<svg/>")),
            svg_time);
}

TEST_F(StaticAssetsTest, MissingDirectoryIsAnError) {
  EXPECT_EQ(StaticAssets::Load(root_ / "nope").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tocsin::gateway
