#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "outbound/mime_internal.h"
#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// A message split the way a mail reader would: unfolded header fields and
// the body.
struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Get(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, name)) return v;
    }
    return "<missing>";
  }
  int Count(const std::string& name) const {
    int n = 0;
    for (const auto& [k, v] : headers) n += absl::EqualsIgnoreCase(k, name);
    return n;
  }
};

Parsed Parse(const std::string& msg) {
  Parsed p;
  size_t end = msg.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  std::string block = msg.substr(0, end);
  p.body = msg.substr(end + 4);
  std::vector<std::string> lines = absl::StrSplit(block, "\r\n");
  for (const std::string& line : lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      EXPECT_FALSE(p.headers.empty());
      p.headers.back().second += line;  // unfold
      continue;
    }
    size_t colon = line.find(':');
    EXPECT_NE(colon, std::string::npos) << line;
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    p.headers.emplace_back(line.substr(0, colon), value);
  }
  return p;
}

int Hex(char c) { return c <= '9' ? c - '0' : c - 'A' + 10; }

std::string DecodeQp(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
    } else if (s.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    }
  }
  return out;
}

// Decodes a header value made only of "=?utf-8?B?...?=" words separated by
// whitespace (as BuildMime writes them).
std::string DecodeWords(const std::string& v) {
  std::string out;
  for (absl::string_view word :
       absl::StrSplit(v, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(word, "=?utf-8?B?")) << word;
    EXPECT_TRUE(absl::EndsWith(word, "?=")) << word;
    EXPECT_LE(word.size(), 75u);
    word.remove_prefix(10);
    word.remove_suffix(2);
    std::string raw;
    EXPECT_TRUE(absl::Base64Unescape(word, &raw));
    out += raw;
  }
  return out;
}

struct Part {
  Parsed parsed;
  std::string decoded;
};

std::vector<Part> Parts(const Parsed& msg) {
  std::string ct = msg.Get("Content-Type");
  size_t b = ct.find("boundary=\"");
  EXPECT_NE(b, std::string::npos) << ct;
  std::string boundary = ct.substr(b + 10, ct.find('"', b + 10) - b - 10);
  EXPECT_FALSE(boundary.empty());
  std::string delim = "--" + boundary;
  // The body is: delim CRLF part (CRLF delim CRLF part)* CRLF delim "--" CRLF
  EXPECT_TRUE(absl::StartsWith(msg.body, delim + "\r\n"));
  EXPECT_TRUE(absl::EndsWith(msg.body, "\r\n" + delim + "--\r\n"));
  std::string inner =
      msg.body.substr(delim.size() + 2, msg.body.size() - 2 * delim.size() - 8);
  std::vector<Part> parts;
  std::vector<std::string> raws =
      absl::StrSplit(inner, "\r\n" + delim + "\r\n");
  for (const std::string& raw : raws) {
    Part p;
    p.parsed = Parse(raw);
    EXPECT_EQ(p.parsed.Get("Content-Transfer-Encoding"), "quoted-printable");
    p.decoded = DecodeQp(p.parsed.body);
    parts.push_back(std::move(p));
  }
  return parts;
}

const absl::Time kNow =
    absl::FromUnixSeconds(1709622489);  // 2024-03-05 07:08:09

Email Sample() {
  Email m;
  m.to = {"alice@example.com", "Bob <bob@example.net>"};
  m.subject = "Backup is DOWN";
  m.text = "Line one\nLine two\n";
  m.html = "<p>Line one</p>\n<p>Line two</p>";
  return m;
}

TEST(BuildMimeTest, HeadersArePresent) {
  Parsed p = Parse(BuildMime("Tocsin <alerts@hc.example.org>", Sample(), kNow));
  EXPECT_EQ(p.Get("From"), "Tocsin <alerts@hc.example.org>");
  EXPECT_EQ(p.Get("To"), "alice@example.com, Bob <bob@example.net>");
  EXPECT_EQ(p.Get("Subject"), "Backup is DOWN");
  EXPECT_EQ(p.Get("Date"), "Tue, 05 Mar 2024 07:08:09 +0000");
  EXPECT_THAT(p.Get("Message-ID"),
              MatchesRegex("<[-_A-Za-z0-9]+@hc\\.example\\.org>"));
  EXPECT_EQ(p.Get("MIME-Version"), "1.0");
  EXPECT_EQ(p.Get("Auto-Submitted"), "auto-generated");
  EXPECT_THAT(p.Get("Content-Type"),
              HasSubstr("multipart/alternative; boundary=\""));
  for (const char* h : {"From", "To", "Subject", "Date", "Message-ID",
                        "MIME-Version", "Content-Type"}) {
    EXPECT_EQ(p.Count(h), 1) << h;
  }
}

TEST(BuildMimeTest, MessageIdsDiffer) {
  Parsed a = Parse(BuildMime("a@b.example", Sample(), kNow));
  Parsed b = Parse(BuildMime("a@b.example", Sample(), kNow));
  EXPECT_NE(a.Get("Message-ID"), b.Get("Message-ID"));
}

TEST(BuildMimeTest, BothPartsWithBoundary) {
  Parsed p = Parse(BuildMime("a@b.example", Sample(), kNow));
  std::vector<Part> parts = Parts(p);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].parsed.Get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(parts[0].decoded, "Line one\r\nLine two\r\n");
  EXPECT_EQ(parts[1].parsed.Get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(parts[1].decoded, "<p>Line one</p>\r\n<p>Line two</p>");
}

TEST(BuildMimeTest, TextOnlyWithoutHtml) {
  Email m = Sample();
  m.html.clear();
  Parsed p = Parse(BuildMime("a@b.example", m, kNow));
  EXPECT_EQ(p.Get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(p.Get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(DecodeQp(p.body), "Line one\r\nLine two\r\n");
}

TEST(BuildMimeTest, NonAsciiSubjectIsEncoded) {
  Email m = Sample();
  m.subject = "Sauvegarde « base » est en panne ✗ — " + std::string(60, 'x') +
              " ünïcødé";
  std::string msg = BuildMime("a@b.example", m, kNow);
  Parsed p = Parse(msg);
  EXPECT_TRUE(absl::StartsWith(p.Get("Subject"), "=?utf-8?B?"));
  EXPECT_EQ(DecodeWords(p.Get("Subject")), m.subject);
}

TEST(BuildMimeTest, CrLfInSubjectAndAddressesMakesNoHeaders) {
  Email m = Sample();
  m.subject = "Down\r\nBcc: victim@example.com\r\n\r\nfake body";
  m.to = {"alice@example.com\r\nX-Evil: 1", "bob@example.com\nCc: c@d.e"};
  std::string msg =
      BuildMime("Tocsin <a@b.example>\r\nReply-To: x@y.z", m, kNow);
  Parsed p = Parse(msg);
  for (const char* h : {"Bcc", "X-Evil", "Cc", "Reply-To"}) {
    EXPECT_EQ(p.Count(h), 0) << h;
  }
  EXPECT_EQ(p.Get("Subject"), "Down Bcc: victim@example.com fake body");
  // The real body still starts with the multipart structure.
  EXPECT_EQ(Parts(p).size(), 2u);
}

TEST(BuildMimeTest, LongLinesAndNonAsciiAreEncoded) {
  Email m = Sample();
  m.text = std::string(3000, 'a') + " é ✓ = end  \n.\n..\nlast";
  m.html = "<p>" + std::string(2000, 'b') + "</p>";
  std::string msg = BuildMime("a@b.example", m, kNow);
  for (absl::string_view line : absl::StrSplit(msg, "\r\n")) {
    EXPECT_LE(line.size(), 78u);
    // A lone "." would end the SMTP DATA phase.
    EXPECT_NE(line, ".");
  }
  for (char c : msg) {
    ASSERT_LT(static_cast<unsigned char>(c), 0x80) << "8-bit byte in message";
    ASSERT_NE(c, '\0');
  }
  EXPECT_EQ(msg.find('\n'), msg.find("\r\n") + 1);  // no bare LF anywhere
  EXPECT_EQ(absl::StrReplaceAll(msg, {{"\r\n", ""}}).find('\n'),
            std::string::npos);
  std::vector<Part> parts = Parts(Parse(msg));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].decoded,
            std::string(3000, 'a') + " é ✓ = end  \r\n.\r\n..\r\nlast");
  EXPECT_EQ(parts[1].decoded, m.html);
}

TEST(BuildMimeTest, InvalidUtf8BodyBecomesReplacementCharacters) {
  Email m = Sample();
  m.text = "bad \xff byte";
  std::vector<Part> parts = Parts(Parse(BuildMime("a@b.example", m, kNow)));
  EXPECT_EQ(parts[0].decoded, "bad \xEF\xBF\xBD byte");
}

TEST(BuildMimeTest, NonAsciiDisplayNamesAreEncoded) {
  Email m = Sample();
  m.to = {"Zoë <zoe@example.com>", "Smith, John <john@example.com>"};
  Parsed p = Parse(BuildMime("Tocsín <a@b.example>", m, kNow));
  std::string from = p.Get("From");
  EXPECT_TRUE(absl::StartsWith(from, "=?utf-8?B?")) << from;
  EXPECT_TRUE(absl::EndsWith(from, " <a@b.example>")) << from;
  EXPECT_EQ(DecodeWords(from.substr(0, from.find(" <"))), "Tocsín");
  EXPECT_THAT(p.Get("To"), HasSubstr("\"Smith, John\" <john@example.com>"));
  EXPECT_THAT(p.Get("To"), HasSubstr(" <zoe@example.com>"));
  EXPECT_THAT(p.Get("To"), Not(HasSubstr("Zoë")));
}

TEST(QuotedPrintableTest, Basics) {
  using mime_internal::QuotedPrintable;
  EXPECT_EQ(QuotedPrintable("a=b"), "a=3Db");
  EXPECT_EQ(QuotedPrintable("trail \nx\t"), "trail=20\r\nx=09");
  EXPECT_EQ(QuotedPrintable("é"), "=C3=A9");
  EXPECT_EQ(QuotedPrintable(".hidden\r\n.x"), "=2Ehidden\r\n=2Ex");
  EXPECT_EQ(QuotedPrintable("a\rb"), "a\r\nb");
  std::string wrapped = QuotedPrintable(std::string(100, 'z'));
  EXPECT_EQ(wrapped, std::string(75, 'z') + "=\r\n" + std::string(25, 'z'));
}

TEST(BareAddressTest, Forms) {
  EXPECT_EQ(mime_internal::BareAddress("a@b.c"), "a@b.c");
  EXPECT_EQ(mime_internal::BareAddress(" Name <a@b.c> "), "a@b.c");
  EXPECT_EQ(mime_internal::BareAddress("\"X <y>\" <a@b.c>"), "a@b.c");
}

}  // namespace
}  // namespace tocsin::outbound
