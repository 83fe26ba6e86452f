#ifndef TOCSIN_OUTBOUND_INTERNAL_H_
#define TOCSIN_OUTBOUND_INTERNAL_H_

// Helpers shared by the HTTP and SMTP senders. Not part of the public API.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin::outbound::internal {

// Longest Outcome.detail, in bytes.
inline constexpr size_t kMaxDetailBytes = 500;

// Printable UTF-8: invalid sequences become U+FFFD, NULs vanish, control
// characters (C0, DEL, C1) become spaces, whitespace runs collapse to one
// space, and the result is trimmed and cut to `max_chars` code points.
std::string Printable(std::string_view s, size_t max_chars);

// Replaces every occurrence of each non-empty secret (longest first) with
// "[redacted]".
std::string Redact(std::string s, std::vector<std::string> secrets);

// Replaces every run of at least `min_run` bytes of `s` that also occurs in
// one of `secrets` with "[redacted]": catches a token echoed in part, or cut
// off by a length limit, as well as whole.
std::string RedactShared(std::string_view s,
                         const std::vector<std::string>& secrets,
                         size_t min_run);

// Printable, at most kMaxDetailBytes, cut on a character boundary.
std::string FinishDetail(std::string_view s);

// curl_global_init exactly once per process.
void EnsureGlobalInit();

}  // namespace tocsin::outbound::internal

#endif  // TOCSIN_OUTBOUND_INTERNAL_H_
