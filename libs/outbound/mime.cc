#include <limits>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "outbound/internal.h"
#include "outbound/mime_internal.h"
#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace {

using internal::Printable;

// Header values go through this first: one line, valid UTF-8, no control
// characters, so nothing a caller passes can start another header.
std::string HeaderText(std::string_view s) {
  return Printable(s, std::numeric_limits<size_t>::max());
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 2047 "B" encoded words of at most 75 characters each, folded onto
// continuation lines. Each word holds whole UTF-8 characters, as the RFC
// requires. `s` must be valid UTF-8.
std::string EncodedWords(std::string_view s) {
  // 45 bytes become 60 base64 characters; with "=?utf-8?B?" and "?=" that is
  // 72, under the 75-character limit for a word.
  constexpr size_t kMaxChunk = 45;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = i;
    while (end < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[end]);
      size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (end + n - i > kMaxChunk) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?utf-8?B?",
                    absl::Base64Escape(Absl(s.substr(i, end - i))), "?=");
    i = end;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// One mailbox for From/To: "addr" or "Name <addr>", with a non-ASCII display
// name encoded and an ASCII one quoted when it holds specials.
std::string FormatMailbox(std::string_view raw) {
  std::string text = HeaderText(raw);
  std::string_view s = text;
  size_t lt = s.rfind('<');
  if (lt == std::string_view::npos || s.back() != '>') return text;
  std::string_view name = Trim(s.substr(0, lt));
  std::string_view addr = s.substr(lt);
  if (name.empty()) return std::string(addr);
  if (!IsAscii(name)) {
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    return absl::StrCat(EncodedWords(name), " ", Absl(addr));
  }
  if (name.front() == '"' ||
      name.find_first_of("()<>[]:;@\\,.\"") == std::string_view::npos) {
    return absl::StrCat(Absl(name), " ", Absl(addr));
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return absl::StrCat(quoted, "\" ", Absl(addr));
}

std::string MessageIdDomain(std::string_view from) {
  std::string addr = mime_internal::BareAddress(from);
  size_t at = addr.rfind('@');
  std::string domain;
  if (at != std::string::npos) {
    for (char c : addr.substr(at + 1)) {
      if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-') {
        domain += c;
      }
    }
  }
  return domain.empty() ? "tocsin.invalid" : domain;
}

// RFC 5322 date in UTC, with English names whatever the process locale.
std::string RfcDate(absl::Time now) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu",
                                          "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  absl::CivilSecond cs = absl::ToCivilSecond(now, absl::UTCTimeZone());
  int weekday = static_cast<int>(absl::GetWeekday(cs));  // Monday == 0
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d +0000",
                         kDays[weekday], cs.day(), kMonths[cs.month() - 1],
                         cs.year(), cs.hour(), cs.minute(), cs.second());
}

// One text part: headers, blank line, encoded body. With `closing_crlf`
// the body is followed by CRLF (in a multipart message that CRLF belongs to
// the next delimiter); a lone part only gets one when it lacks a final
// line break, so the message always ends with CRLF.
void AppendPart(std::string* out, std::string_view subtype,
                std::string_view body, bool closing_crlf) {
  std::string encoded = mime_internal::QuotedPrintable(
      ToStorableText(body, std::numeric_limits<size_t>::max()));
  if (closing_crlf || !absl::EndsWith(encoded, "\r\n")) encoded += "\r\n";
  absl::StrAppend(
      out, "Content-Type: text/", Absl(subtype), "; charset=utf-8\r\n",
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n", encoded);
}

}  // namespace

namespace mime_internal {

std::string BareAddress(std::string_view s) {
  s = Trim(s);
  size_t lt = s.rfind('<');
  if (lt != std::string_view::npos && !s.empty() && s.back() == '>') {
    s = s.substr(lt + 1, s.size() - lt - 2);
  }
  return std::string(Trim(s));
}

std::string QuotedPrintable(std::string_view in) {
  // Encoded lines stay within 76 characters including the "=" of a soft
  // break (RFC 2045), whatever the input's line lengths.
  constexpr size_t kMaxLine = 75;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t col = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\r' || c == '\n') {
      // Any line break style becomes a hard CRLF.
      if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
      out += "\r\n";
      col = 0;
      continue;
    }
    unsigned char u = static_cast<unsigned char>(c);
    bool line_end =
        i + 1 == in.size() || in[i + 1] == '\r' || in[i + 1] == '\n';
    bool literal = (u >= 33 && u <= 126 && c != '=') ||
                   ((c == ' ' || c == '\t') && !line_end);
    size_t width = literal ? 1 : 3;
    if (col + width > kMaxLine) {
      out += "=\r\n";
      col = 0;
    }
    // A lone "." line ends SMTP DATA; encoding a leading dot sidesteps any
    // dot-stuffing trouble on the way.
    if (c == '.' && col == 0) literal = false;
    if (literal) {
      out += c;
      col += 1;
    } else {
      out += '=';
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
      col += 3;
    }
  }
  return out;
}

}  // namespace mime_internal

std::string BuildMime(const std::string& from, const Email& mail,
                      absl::Time now) {
  std::string out;
  absl::StrAppend(&out, "From: ", FormatMailbox(from), "\r\n");
  std::string to;
  for (const std::string& rcpt : mail.to) {
    if (!to.empty()) to += ",\r\n ";
    to += FormatMailbox(rcpt);
  }
  absl::StrAppend(&out, "To: ", to, "\r\n");

  std::string subject = HeaderText(mail.subject);
  // Plain text only when it is short ASCII that cannot be mistaken for an
  // encoded word; everything else is encoded, which also folds long lines.
  bool plain = IsAscii(subject) && subject.size() <= 66 &&
               subject.find("=?") == std::string::npos;
  absl::StrAppend(&out, "Subject: ", plain ? subject : EncodedWords(subject),
                  "\r\n");
  absl::StrAppend(&out, "Date: ", RfcDate(now), "\r\n");
  absl::StrAppend(&out, "Message-ID: <", RandomToken(24), "@",
                  MessageIdDomain(from), ">\r\n");
  out += "MIME-Version: 1.0\r\n";
  // RFC 3834: keeps vacation responders from answering alerts.
  out += "Auto-Submitted: auto-generated\r\n";

  if (mail.html.empty()) {
    AppendPart(&out, "plain", mail.text, false);
    return out;
  }
  // "=_" never occurs in quoted-printable output ("=" is always followed by
  // hex digits or a line break), so the boundary cannot collide with a part.
  std::string boundary = absl::StrCat("=_tocsin_", RandomToken(24));
  absl::StrAppend(&out, "Content-Type: multipart/alternative;\r\n boundary=\"",
                  boundary, "\"\r\n\r\n");
  absl::StrAppend(&out, "--", boundary, "\r\n");
  AppendPart(&out, "plain", mail.text, true);
  absl::StrAppend(&out, "--", boundary, "\r\n");
  AppendPart(&out, "html", mail.html, true);
  absl::StrAppend(&out, "--", boundary, "--\r\n");
  return out;
}

}  // namespace tocsin::outbound
