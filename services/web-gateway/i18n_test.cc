#include "web-gateway/i18n.h"

#include <set>

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

TEST(I18nTest, LanguageFromCookieThenBrowser) {
  EXPECT_EQ(PickLanguage("", ""), "en");
  EXPECT_EQ(PickLanguage("ja", "en-US,en;q=0.9"), "ja");
  EXPECT_EQ(PickLanguage("en", "ja"), "en");
  EXPECT_EQ(PickLanguage("fr", "ja-JP,ja;q=0.9,en;q=0.8"), "ja");
  EXPECT_EQ(PickLanguage("", "fr-FR,fr;q=0.9,en;q=0.5,ja;q=0.4"), "en");
  EXPECT_EQ(PickLanguage("", "fr, ja;q=0.7, en;q=0.6"), "ja");
  EXPECT_EQ(PickLanguage("", "ja;q=0, en;q=0.1"), "en");
  EXPECT_EQ(PickLanguage("", "JA"), "ja");
  // Hostile headers fall back to English.
  EXPECT_EQ(PickLanguage("", ";;;,,q=,ja;q=abc"), "en");
  EXPECT_EQ(PickLanguage("<script>", std::string(10000, ',')), "en");
}

TEST(I18nTest, UntranslatedTextStaysEnglish) {
  EXPECT_STREQ(Tr("en", "Projects"), "Projects");
  EXPECT_STREQ(Tr("ja", "Projects"), "\xe3\x83\x97\xe3\x83\xad\xe3\x82\xb8\xe3\x82\xa7\xe3\x82\xaf\xe3\x83\x88");
  EXPECT_STREQ(Tr("ja", "a data service message"), "a data service message");
  EXPECT_EQ(Trf("ja", "$0 of $1 checks", 3, 10), "10 \xe4\xbb\xb6\xe4\xb8\xad 3 \xe4\xbb\xb6\xe3\x81\xae\xe3\x83\x81\xe3\x82\xa7\xe3\x83\x83\xe3\x82\xaf");
  EXPECT_EQ(Trf("en", "$0 of $1 checks", 3, 10), "3 of 10 checks");
}

// Every translation keeps the placeholders and tags of its English text:
// a lost $1 would drop a value, a lost tag would break the page.
TEST(I18nTest, TranslationsKeepPlaceholdersAndTags) {
  std::set<std::string> keys;
  // "$0"-style placeholders, and "<...>" tags, as multisets.
  auto placeholders = [](std::string_view s) {
    std::multiset<std::string> out;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      if (s[i] == '$' && s[i + 1] >= '0' && s[i + 1] <= '9') out.insert(std::string(s.substr(i, 2)));
    }
    return out;
  };
  auto tags = [](std::string_view s) {
    std::multiset<std::string> out;
    for (size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i + 1)) {
      size_t end = s.find('>', i);
      if (end == std::string_view::npos) break;
      out.insert(std::string(s.substr(i, end - i + 1)));
    }
    return out;
  };
  for (const auto& [en, ja] : Catalogue()) {
    EXPECT_TRUE(keys.insert(en).second) << "twice in the catalogue: " << en;
    EXPECT_EQ(placeholders(en), placeholders(ja)) << en;
    EXPECT_EQ(tags(en), tags(ja)) << en;
    EXPECT_NE(std::string(ja), "") << en;
  }
}

}  // namespace
}  // namespace tocsin::gateway
