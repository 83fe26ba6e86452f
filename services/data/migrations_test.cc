#include "data/migrations.h"

#include "gtest/gtest.h"

namespace tocsin::data {
namespace {

TEST(MigrationsTest, EmbeddedFilesParseInOrder) {
  auto m = ParseMigrations(EmbeddedMigrations());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_FALSE(m->empty());
  EXPECT_EQ(m->front().version, 1);
  EXPECT_NE(m->front().sql.find("CREATE TABLE checks"), std::string::npos);
  for (size_t i = 1; i < m->size(); ++i) {
    EXPECT_LT((*m)[i - 1].version, (*m)[i].version);
  }
}

TEST(MigrationsTest, BadNamesAndDuplicatesAreRejected) {
  EXPECT_FALSE(ParseMigrations({{"001_init.sql", ""}}).ok());
  EXPECT_FALSE(ParseMigrations({{"Vx__init.sql", ""}}).ok());
  EXPECT_FALSE(ParseMigrations({{"V1__a.sql", ""}, {"V001__b.sql", ""}}).ok());
  auto ok = ParseMigrations({{"V002__b.sql", "B"}, {"V001__a.sql", "A"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].sql, "A");
}

}  // namespace
}  // namespace tocsin::data
