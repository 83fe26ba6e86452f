#include "data/ping_state_cache.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tocsin::data {
namespace {

constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Microseconds of `d`, if it is a whole number of them.
std::optional<int64_t> Micros(absl::Duration d) {
  int64_t us = absl::ToInt64Microseconds(d);
  if (absl::Microseconds(us) != d || us == kAbsent) return std::nullopt;
  return us;
}

std::optional<int64_t> Micros(std::optional<absl::Time> t) {
  if (!t) return kAbsent;
  int64_t us = absl::ToUnixMicros(*t);
  if (absl::FromUnixMicros(us) != *t || us == kAbsent) return std::nullopt;
  return us;
}

std::optional<int64_t> Micros(std::optional<absl::Duration> d) {
  if (!d) return kAbsent;
  return Micros(*d);
}

std::optional<absl::Time> TimeOf(int64_t us) {
  if (us == kAbsent) return std::nullopt;
  return absl::FromUnixMicros(us);
}

}  // namespace

size_t PingStateCache::KeyHash::operator()(const Key& k) const {
  // UUIDs (v4, or v7 with a clock in front) are random enough in their
  // second half; mix in the first for any others.
  uint64_t a, b;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  return static_cast<size_t>(b ^ (a * 0x9E3779B97F4A7C15ull));
}

std::optional<PingStateCache::Key> PingStateCache::ParseKey(std::string_view id) {
  // Canonical form only (lower case, dashes at 8, 13, 18, 23), as the ping
  // path hands it over.
  if (id.size() != 36) return std::nullopt;
  Key key;
  size_t out = 0;
  for (size_t i = 0; i < id.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (id[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = HexDigit(id[i]), lo = HexDigit(id[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return key;
}

std::string PingStateCache::FormatKey(const Key& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (size_t i = 0; i < key.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[key[i] >> 4]);
    id.push_back(kHex[key[i] & 15]);
  }
  return id;
}

std::optional<PingStateCache::Kept> PingStateCache::Compact(const Entry& e) {
  const CheckState& s = e.state;
  Kept k;
  auto timeout = Micros(s.timeout), grace = Micros(s.grace);
  auto last_ping = Micros(s.last_ping), last_start = Micros(s.last_start);
  auto last_duration = Micros(s.last_duration);
  auto alert_after = Micros(s.alert_after);
  if (!timeout || !grace || !last_ping || !last_start || !last_duration ||
      !alert_after || !absl::SimpleAtoi(e.xmin, &k.xmin)) {
    return std::nullopt;
  }
  k.timeout = *timeout;
  k.grace = *grace;
  k.last_ping = *last_ping;
  k.last_start = *last_start;
  k.last_duration = *last_duration;
  k.alert_after = *alert_after;
  k.n_pings = s.n_pings;
  k.generation = e.generation;
  if (s.kind < 0 || s.kind > 255) return std::nullopt;
  k.status = static_cast<uint8_t>(s.status);
  k.kind = static_cast<uint8_t>(s.kind);
  k.manual_resume = s.manual_resume;
  k.filter_http_body = s.filter_http_body;
  k.filter_default_fail = s.filter_default_fail;
  const CheckState defaults;
  if (s.schedule != defaults.schedule || s.tz != defaults.tz ||
      !s.last_start_rid.empty() || !s.methods.empty() || !s.start_kw.empty() ||
      !s.success_kw.empty() || !s.failure_kw.empty()) {
    k.texts = std::make_unique<Texts>(Texts{s.schedule, s.tz, s.last_start_rid,
                                            s.methods, s.start_kw, s.success_kw,
                                            s.failure_kw});
  }
  return k;
}

PingStateCache::Entry PingStateCache::Expand(const Kept& k) {
  Entry e;
  CheckState& s = e.state;
  s.status = static_cast<StoredStatus>(k.status);
  s.kind = static_cast<v1::ScheduleKind>(k.kind);
  s.timeout = absl::Microseconds(k.timeout);
  s.grace = absl::Microseconds(k.grace);
  s.last_ping = TimeOf(k.last_ping);
  s.last_start = TimeOf(k.last_start);
  if (k.last_duration != kAbsent) s.last_duration = absl::Microseconds(k.last_duration);
  s.alert_after = TimeOf(k.alert_after);
  s.n_pings = k.n_pings;
  s.manual_resume = k.manual_resume;
  s.filter_http_body = k.filter_http_body;
  s.filter_default_fail = k.filter_default_fail;
  if (k.texts) {
    s.schedule = k.texts->schedule;
    s.tz = k.texts->tz;
    s.last_start_rid = k.texts->last_start_rid;
    s.methods = k.texts->methods;
    s.start_kw = k.texts->start_kw;
    s.success_kw = k.texts->success_kw;
    s.failure_kw = k.texts->failure_kw;
  }
  e.xmin = absl::StrCat(k.xmin);
  e.generation = k.generation;
  return e;
}

bool PingStateCache::GetAll(const std::vector<std::string_view>& ids,
                            uint64_t generation,
                            std::vector<Entry>& out) const {
  out.clear();
  out.reserve(ids.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string_view id : ids) {
    auto key = ParseKey(id);
    if (!key) return false;
    auto it = entries_.find(*key);
    if (it == entries_.end() || it->second.generation != generation) {
      return false;
    }
    out.push_back(Expand(it->second));
  }
  return true;
}

template <typename Map>
typename Map::iterator PingStateCache::RandomElement(Map& map) {
  if (map.empty()) return map.end();
  auto next = [this] {  // splitmix64: cheap, and random enough for this.
    uint64_t z = (random_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  // A random bucket that holds any, then a random one of its entries: each
  // entry is as likely as any other (up to the bucket's size, at most a few
  // at these maps' load). A map mostly erased may have few full buckets:
  // after 8 empty draws, the first full bucket from the last one will do.
  const size_t buckets = map.bucket_count();
  size_t b = next() % buckets;
  for (int draws = 1; map.bucket_size(b) == 0 && draws < 8; ++draws) {
    b = next() % buckets;
  }
  while (map.bucket_size(b) == 0) b = b + 1 == buckets ? 0 : b + 1;
  auto entry = map.begin(b);
  for (size_t skip = next() % map.bucket_size(b); skip > 0; --skip) ++entry;
  return map.find(entry->first);
}

void PingStateCache::Put(std::string_view id, const Entry& entry) {
  if (capacity_ == 0) return;
  auto key = ParseKey(id);
  if (!key) return;
  std::optional<Kept> kept = Compact(entry);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(*key);
  if (!kept) {
    if (it != entries_.end()) entries_.erase(it);
    return;
  }
  if (it != entries_.end()) {
    it->second = std::move(*kept);
    return;
  }
  if (entries_.size() >= capacity_) entries_.erase(RandomElement(entries_));
  entries_.emplace(*key, std::move(*kept));
}

void PingStateCache::Erase(std::string_view id) {
  auto key = ParseKey(id);
  if (!key) return;
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(*key);
}

std::string_view PingStateCache::ProjectSlugs::Keep(std::string_view name) {
  // Blocks grow from 64 bytes to 4 KB, so that a ping key with one slug
  // costs little; what a block cannot fit of the next name is left unused.
  constexpr size_t kFirstBlock = 64, kLargestBlock = 4096;
  if (blocks.empty() || block_size - block_used < name.size()) {
    block_size = std::max(
        name.size(), blocks.empty() ? kFirstBlock
                                    : std::min(2 * block_size, kLargestBlock));
    blocks.push_back(std::make_unique_for_overwrite<char[]>(block_size));
    block_used = 0;
  }
  char* at = blocks.back().get() + block_used;
  std::memcpy(at, name.data(), name.size());
  block_used += name.size();
  stored_bytes += name.size();
  return {at, name.size()};
}

bool PingStateCache::ProjectSlugs::Put(std::string_view name, const Key& check) {
  auto it = checks.find(name);
  if (it != checks.end()) {
    it->second = check;
    return false;
  }
  checks.emplace(Keep(name), check);
  live_bytes += name.size();
  return true;
}

size_t PingStateCache::ProjectSlugs::Erase(std::string_view name) {
  auto it = checks.find(name);
  if (it == checks.end()) return 0;
  live_bytes -= it->first.size();
  checks.erase(it);
  Repack();
  return 1;
}

size_t PingStateCache::ProjectSlugs::EraseHalf() {
  size_t erased = 0;
  bool odd = false;
  for (auto it = checks.begin(); it != checks.end();) {
    if ((odd = !odd)) {
      live_bytes -= it->first.size();
      checks.erase(it++);
      ++erased;
    } else {
      ++it;
    }
  }
  Repack();
  return erased;
}

void PingStateCache::ProjectSlugs::Clear() {
  checks.clear();
  blocks.clear();
  block_size = block_used = stored_bytes = live_bytes = 0;
}

void PingStateCache::ProjectSlugs::Repack() {
  if (stored_bytes - live_bytes <= std::max<size_t>(live_bytes, 4096)) return;
  ProjectSlugs packed;
  packed.checks.reserve(checks.size());
  for (const auto& [name, check] : checks) packed.Put(name, check);
  checks = std::move(packed.checks);
  blocks = std::move(packed.blocks);
  block_size = packed.block_size;
  block_used = packed.block_used;
  stored_bytes = packed.stored_bytes;
}

std::optional<PingStateCache::SlugEntry> PingStateCache::GetSlug(
    std::string_view ping_key, std::string_view slug,
    uint64_t generation) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto project = slugs_.find(ping_key);
  if (project == slugs_.end() || project->second.generation != generation) {
    return std::nullopt;
  }
  const ProjectSlugs& p = project->second;
  auto check = p.checks.find(slug);
  if (check == p.checks.end()) return std::nullopt;
  return SlugEntry{FormatKey(check->second), FormatKey(p.project),
                   absl::StrCat(p.project_xmin), p.generation};
}

void PingStateCache::PutSlug(std::string_view ping_key, std::string_view slug,
                             const SlugEntry& entry) {
  if (capacity_ == 0) return;
  auto check = ParseKey(entry.check_id), project = ParseKey(entry.project_id);
  uint64_t xmin;
  if (!check || !project || !absl::SimpleAtoi(entry.project_xmin, &xmin)) {
    EraseSlug(ping_key, slug);
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slugs_.find(ping_key);
  if (it == slugs_.end()) it = slugs_.try_emplace(std::string(ping_key)).first;
  ProjectSlugs& p = it->second;
  if (p.checks.empty() || p.project != *project || p.project_xmin != xmin ||
      p.generation != entry.generation) {
    slug_count_ -= p.checks.size();
    p.Clear();
    p.project = *project;
    p.project_xmin = xmin;
    p.generation = entry.generation;
  }
  while (slug_count_ >= capacity_ && !p.checks.contains(slug)) {
    // Room: half of another ping key's slugs (a random one's), or with no
    // other, half of this one's. Halving walks twice what it frees, so
    // making room costs O(1) per slug put on average; a flat map cannot
    // take out one arbitrary slug in O(1).
    auto victim = RandomElement(slugs_);
    if (victim == it && ++victim == slugs_.end()) victim = slugs_.begin();
    if (victim == it) {
      size_t freed = p.EraseHalf();
      if (freed == 0) break;  // Only if the count were wrong: never spin.
      slug_count_ -= freed;
      continue;
    }
    slug_count_ -= victim->second.EraseHalf();
    if (victim->second.checks.empty()) slugs_.erase(victim);
  }
  slug_count_ += p.Put(slug, *check);
}

void PingStateCache::EraseSlug(std::string_view ping_key,
                               std::string_view slug) {
  std::lock_guard<std::mutex> lock(mu_);
  auto project = slugs_.find(ping_key);
  if (project == slugs_.end()) return;
  slug_count_ -= project->second.Erase(slug);
  if (project->second.checks.empty()) slugs_.erase(project);
}

bool PingStateCache::WorthTrying() {
  std::lock_guard<std::mutex> lock(attempts_mu_);
  return trying_ || ++skipped_ % kProbeEvery == 0;
}

bool PingStateCache::Attempted(bool stale) {
  std::lock_guard<std::mutex> lock(attempts_mu_);
  ++window_attempts_;
  if (stale) ++window_stale_;
  if (window_attempts_ >= kWindow) {
    trying_ = window_stale_ * 2 <= window_attempts_;
    window_attempts_ = window_stale_ = 0;
  }
  return trying_;
}

}  // namespace tocsin::data
