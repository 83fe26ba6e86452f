#include "common/settings.h"

#include <cstdio>
#include <fstream>
#include <map>

#include "gtest/gtest.h"

namespace tocsin {
namespace {

Settings FromMap(std::map<std::string, std::string> m) {
  return Settings([m](std::string_view name) -> std::optional<std::string> {
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
  });
}

TEST(SettingsTest, BooleansTakeHealthchecksSpelling) {
  auto s = FromMap({{"A", "True"}, {"B", "False"}});
  EXPECT_TRUE(s.Bool("A", false));
  EXPECT_FALSE(s.Bool("B", true));
  EXPECT_TRUE(s.Bool("MISSING", true));
  EXPECT_TRUE(s.status().ok());
}

TEST(SettingsTest, UnrecognisedBooleanNamesTheSetting) {
  auto s = FromMap({{"DEBUG", "yes please"}});
  s.Bool("DEBUG", false);
  ASSERT_FALSE(s.status().ok());
  EXPECT_NE(s.status().message().find("DEBUG"), std::string::npos);
}

TEST(SettingsTest, IntegerRangeIsChecked) {
  auto s = FromMap({{"N", "70000"}, {"M", "12"}});
  EXPECT_EQ(s.Int("M", 1, 1, 100), 12);
  s.Int("N", 1, 1, 65535);
  ASSERT_FALSE(s.status().ok());
  EXPECT_NE(s.status().message().find("bad setting N"), std::string::npos);
}

TEST(SettingsTest, FirstProblemWins) {
  auto s = FromMap({{"A", "x"}, {"B", "y"}});
  s.Int("A", 0, 0, 1);
  s.Bool("B", false);
  EXPECT_NE(s.status().message().find("A"), std::string::npos);
  EXPECT_EQ(s.status().message().find("setting B"), std::string::npos);
}

TEST(SettingsTest, SecretFromFileDropsTrailingNewline) {
  std::string path = ::testing::TempDir() + "/secret.txt";
  std::ofstream(path) << "s3cret\n";
  auto s = FromMap({{"SECRET_KEY_FILE", path}});
  EXPECT_EQ(s.Secret("SECRET_KEY", ""), "s3cret");
  EXPECT_TRUE(s.status().ok());
  std::remove(path.c_str());
}

TEST(SettingsTest, DirectValueBeatsFile) {
  auto s = FromMap({{"X", "direct"}, {"X_FILE", "/nonexistent"}});
  EXPECT_EQ(s.Secret("X", ""), "direct");
  EXPECT_TRUE(s.status().ok());
}

TEST(SettingsTest, UnreadableSecretFileIsAnErrorWithoutContents) {
  auto s = FromMap({{"DB_PASSWORD_FILE", "/nonexistent/pw"}});
  EXPECT_EQ(s.Secret("DB_PASSWORD", "default"), "");
  ASSERT_FALSE(s.status().ok());
  EXPECT_NE(s.status().message().find("DB_PASSWORD_FILE"), std::string::npos);
}

TEST(SettingsTest, DurationsAndChoices) {
  auto s = FromMap({{"T", "250ms"}, {"BAD", "soon"}, {"C", "off"}});
  EXPECT_EQ(s.Duration("T", absl::Seconds(1), absl::ZeroDuration(),
                       absl::Hours(1)),
            absl::Milliseconds(250));
  EXPECT_EQ(s.Choice("C", "on", {"on", "off"}), "off");
  EXPECT_TRUE(s.status().ok());
  s.Duration("BAD", absl::Seconds(1), absl::ZeroDuration(), absl::Hours(1));
  EXPECT_FALSE(s.status().ok());
}

}  // namespace
}  // namespace tocsin
