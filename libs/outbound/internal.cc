#include "outbound/internal.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <mutex>

#include "common/strings.h"
#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace internal {

std::string Printable(std::string_view s, size_t max_chars) {
  // ToStorableText settles encoding; what is left is well-formed UTF-8.
  std::string valid = ToStorableText(s, std::numeric_limits<size_t>::max());
  std::string out;
  out.reserve(std::min(valid.size(), max_chars * 4));
  size_t chars = 0;
  bool pending_space = false;
  for (size_t i = 0; i < valid.size() && chars < max_chars;) {
    unsigned char c = static_cast<unsigned char>(valid[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    bool space = c <= 0x20 || c == 0x7F;
    // U+0080..U+009F (C1 controls) are encoded as C2 80..C2 9F.
    if (c == 0xC2 && static_cast<unsigned char>(valid[i + 1]) < 0xA0) {
      space = true;
    }
    if (space) {
      pending_space = !out.empty();
    } else {
      if (pending_space) {
        out.push_back(' ');
        ++chars;
        pending_space = false;
        if (chars >= max_chars) break;
      }
      out.append(valid, i, n);
      ++chars;
    }
    i += n;
  }
  return out;
}

std::string Redact(std::string s, std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  static constexpr std::string_view kMark = "[redacted]";
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = s.find(secret); pos != std::string::npos;
         pos = s.find(secret, pos + kMark.size())) {
      s.replace(pos, secret.size(), kMark);
    }
  }
  return s;
}

std::string RedactShared(std::string_view s,
                         const std::vector<std::string>& secrets,
                         size_t min_run) {
  if (min_run == 0) min_run = 1;
  std::vector<bool> hide(s.size(), false);
  // Longest-common-substring table, one row at a time: run[j] is the length
  // of the common suffix of s[..i] and secret[..j].
  for (const std::string& secret : secrets) {
    if (secret.size() < min_run) continue;
    std::vector<size_t> prev(secret.size() + 1, 0), cur(secret.size() + 1, 0);
    for (size_t i = 1; i <= s.size(); ++i) {
      for (size_t j = 1; j <= secret.size(); ++j) {
        cur[j] = s[i - 1] == secret[j - 1] ? prev[j - 1] + 1 : 0;
        if (cur[j] >= min_run) {
          std::fill(hide.begin() + (i - cur[j]), hide.begin() + i, true);
        }
      }
      std::swap(prev, cur);
    }
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!hide[i]) {
      out += s[i];
    } else if (i == 0 || !hide[i - 1]) {
      out += "[redacted]";
    }
  }
  return out;
}

std::string FinishDetail(std::string_view s) {
  return ToStorableText(Printable(s, kMaxDetailBytes), kMaxDetailBytes);
}

void EnsureGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      // Without it no handle works; every send would fail obscurely.
      std::abort();
    }
  });
}

}  // namespace internal

void GlobalInit() { internal::EnsureGlobalInit(); }

}  // namespace tocsin::outbound
