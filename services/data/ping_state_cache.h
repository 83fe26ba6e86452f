#ifndef TOCSIN_DATA_PING_STATE_CACHE_H_
#define TOCSIN_DATA_PING_STATE_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "data/check_rules.h"

namespace tocsin::data {

// The ping path's copy of recently pinged checks: each check's state as this
// service last read or wrote it, with the row version that holds it (the
// row's xmin, the transaction that wrote it). A batch whose checks are all
// here needs no lookup before its writes; its update applies only where the
// row is still that version, and the whole batch is undone and redone the
// long way if any is not. So the copy is never trusted: a row changed by
// anyone else (the API, the deadline scan, another data replica) only costs
// one retry. Where that is most batches (WorthTrying), they skip the copy.
//
// Bounded: beyond `capacity` checks, a random entry makes room, so that an
// entry no longer used (a deleted check's, say) cannot stay for good. (The
// map's first entry, the obvious choice, is in libstdc++ mostly the newest:
// old entries would never leave, and new ones would only replace each
// other.) An entry
// is kept compact (about 140 bytes with its share of the table, for a check
// with the default schedule, time zone and no filters; the strings only when
// a check has any), so that a bound above an installation's number of
// checks costs little memory: a batch takes the short way only when every
// one of its checks is here.
//
// Pings by slug name their check through a project's ping key; the cache
// also keeps which check a (ping key, slug) found, with the version of the
// project's row it was found at. A new ping key changes that row, and so
// (V017) does any check that takes a slug in the project, so a batch that
// checks the project's version cannot reach a check the slug no longer
// names alone.
class PingStateCache {
 public:
  struct Entry {
    CheckState state;
    std::string xmin;  // Row version, as PostgreSQL prints an xid.
    // The connection pool's generation before the transaction that read or
    // wrote it (PgPool::generation): xids are unique within one database,
    // not across a replaced one.
    uint64_t generation = 0;
  };

  // Which check a (ping key, slug) named, as canonical UUIDs.
  struct SlugEntry {
    std::string check_id;
    std::string project_id;
    std::string project_xmin;  // The project's row version, as an xid.
    uint64_t generation = 0;   // As in Entry.
  };

  explicit PingStateCache(size_t capacity) : capacity_(capacity) {}

  // Copies of the entries of `ids` (canonical check UUIDs), in order; false,
  // with `out` unspecified, when any is missing or of another generation.
  bool GetAll(const std::vector<std::string_view>& ids, uint64_t generation,
              std::vector<Entry>& out) const;
  // Keeps `entry` for `id`. An entry the compact form cannot hold exactly
  // (a time finer than a microsecond, an xmin that is not a number) is not
  // kept, and the id's old entry goes.
  void Put(std::string_view id, const Entry& entry);
  void Erase(std::string_view id);

  // The check `slug` named in the project of `ping_key`; nothing when it is
  // not here or of another generation.
  std::optional<SlugEntry> GetSlug(std::string_view ping_key,
                                   std::string_view slug,
                                   uint64_t generation) const;
  // Bounded as the states are (`capacity` slugs of its own): beyond it,
  // half of another ping key's slugs (a random one's) make room, or with
  // only this one, half of its own. An entry whose ids are not canonical UUIDs or whose xmin is not a
  // number is not kept, and the old one goes.
  void PutSlug(std::string_view ping_key, std::string_view slug,
               const SlugEntry& entry);
  void EraseSlug(std::string_view ping_key, std::string_view slug);

  // Whether the next batch should try the cache. The cache pays only while
  // its entries stay current: where another data replica writes the same
  // checks (round robin sends a check's pings to each in turn), nearly
  // every batch finds one of its rows changed, and such an attempt costs a
  // round trip and an undone update on top of the lookup that follows. So
  // after a window of kWindow attempts of which more than half were stale,
  // batches go straight to the lookup, except one in kProbeEvery, whose
  // outcomes decide the next window.
  bool WorthTrying();
  // The outcome of an attempt WorthTrying() allowed: stale, or written.
  // Returns whether batches try the cache from now on (probes aside).
  bool Attempted(bool stale);
  static constexpr int kWindow = 32;
  static constexpr int kProbeEvery = 16;

 private:
  using Key = std::array<uint8_t, 16>;  // The UUID's bytes.
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  // The rarely set strings, together, only when one differs from its
  // default.
  struct Texts {
    std::string schedule, tz, last_start_rid, methods, start_kw, success_kw,
        failure_kw;
  };
  struct Kept {
    // Microseconds; kAbsent for an empty optional.
    int64_t timeout, grace, last_ping, last_start, last_duration, alert_after;
    int64_t n_pings;
    uint64_t xmin;
    uint64_t generation;
    uint8_t status, kind;
    bool manual_resume, filter_http_body, filter_default_fail;
    std::unique_ptr<Texts> texts;
  };
  // The slugs of one ping key, all found at one version of its project's
  // row: an entry put at another version replaces them all, since any of
  // them may have changed since. Kept compactly (about 70 bytes a slug,
  // half of what a map of strings takes): the names back to back in blocks
  // that never move, and a flat map whose keys point into them.
  struct ProjectSlugs {
    Key project{};
    uint64_t project_xmin = 0;
    uint64_t generation = 0;
    absl::flat_hash_map<std::string_view, Key> checks;  // Slug → check.
    std::vector<std::unique_ptr<char[]>> blocks;
    size_t block_size = 0, block_used = 0;
    size_t stored_bytes = 0;  // Names written to the blocks, erased included.
    size_t live_bytes = 0;    // Names in `checks`.

    // Adds or replaces; true when `name` is new.
    bool Put(std::string_view name, const Key& check);
    // 1 when `name` was there.
    size_t Erase(std::string_view name);
    // Erases every second slug; how many went.
    size_t EraseHalf();
    void Clear();

   private:
    // Copies `name` into the blocks.
    std::string_view Keep(std::string_view name);
    // Once most of the blocks hold erased names, copies the rest to new ones.
    void Repack();
  };
  // Ping keys, looked up as string_views without a copy.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  static std::optional<Key> ParseKey(std::string_view id);
  static std::string FormatKey(const Key& key);
  static std::optional<Kept> Compact(const Entry& entry);
  static Entry Expand(const Kept& kept);
  // A random element of `map`, each as likely as any other while at least
  // one bucket in eight holds any (as when the bound is reached); end() only
  // when it is empty.
  template <typename Map>
  typename Map::iterator RandomElement(Map& map);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<Key, Kept, KeyHash> entries_;
  // By ping key.
  std::unordered_map<std::string, ProjectSlugs, TextHash, std::equal_to<>>
      slugs_;
  size_t slug_count_ = 0;
  uint64_t random_ = 0x2545F4914F6CDD1Dull;  // Which entry makes room.
  // WorthTrying's state, under its own lock (the batch path's, not the
  // entries').
  std::mutex attempts_mu_;
  bool trying_ = true;
  int window_attempts_ = 0, window_stale_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_PING_STATE_CACHE_H_
