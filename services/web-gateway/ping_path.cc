#include "web-gateway/ping_path.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "common/crypto.h"

namespace tocsin::gateway {
namespace {

// Applies a trailing action segment; false when it is not one.
absl::StatusOr<bool> ApplyAction(std::string_view action, PingPath& p) {
  if (action == "start") {
    p.kind = v1::PING_KIND_START;
  } else if (action == "fail") {
    p.kind = v1::PING_KIND_FAIL;
  } else if (action == "log") {
    p.kind = v1::PING_KIND_LOG;
  } else if (!action.empty() && action.size() <= 10 &&
             std::all_of(action.begin(), action.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
    long v = std::stol(std::string(action));
    if (v > 255) return absl::InvalidArgumentError("invalid url format");
    p.exit_status = static_cast<int>(v);
    p.kind = v > 0 ? v1::PING_KIND_FAIL : v1::PING_KIND_SUCCESS;
  } else if (!action.empty() &&
             std::all_of(action.begin(), action.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError("invalid url format");
  } else {
    return false;
  }
  return true;
}

// Healthchecks' slug URL segments: letters, digits, '-' and '_'. Upper-case
// letters match the route but are refused (400), as Healthchecks does.
bool IsSlugLike(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

bool HasUpper(std::string_view s) {
  for (char c : s) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<PingPath> ParsePingPath(const std::vector<std::string>& seg) {
  PingPath p;
  if (seg.empty() || seg.size() > 3) return absl::NotFoundError("not found");
  if (IsCanonicalUuid(seg[0]) && seg.size() <= 2) {
    p.uuid = absl::AsciiStrToLower(seg[0]);
    if (seg.size() == 1) return p;
    auto applied = ApplyAction(seg[1], p);
    if (!applied.ok()) return applied.status();
    if (*applied) return p;
    // Not an action: maybe a slug URL whose ping key looks like a UUID.
    p = PingPath();
  }
  if (seg.size() < 2) return absl::NotFoundError("not found");
  if (!IsSlugLike(seg[0]) || !IsSlugLike(seg[1])) {
    return absl::NotFoundError("not found");
  }
  p.ping_key = seg[0];
  p.slug = seg[1];
  if (seg.size() == 3) {
    auto applied = ApplyAction(seg[2], p);
    if (!applied.ok()) return applied.status();
    if (!*applied) return absl::NotFoundError("not found");
  }
  if (HasUpper(p.slug)) return absl::InvalidArgumentError("invalid url format");
  return p;
}

}  // namespace tocsin::gateway
