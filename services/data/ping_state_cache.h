#ifndef TOCSIN_DATA_PING_STATE_CACHE_H_
#define TOCSIN_DATA_PING_STATE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/check_rules.h"

namespace tocsin::data {

// The ping path's copy of recently pinged checks: each check's state as this
// service last read or wrote it, with the row version that holds it (the
// row's xmin, the transaction that wrote it). A batch whose checks are all
// here needs no lookup before its writes; its update applies only where the
// row is still that version, and the whole batch is undone and redone the
// long way if any is not. So the copy is never trusted: a row changed by
// anyone else (the API, the deadline scan, another data replica) only costs
// one retry.
//
// Bounded: beyond `capacity` checks, an arbitrary entry makes room.
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

  explicit PingStateCache(size_t capacity) : capacity_(capacity) {}

  // Copies of the entries of `ids` (check UUIDs), in order; false, with
  // `out` unspecified, when any is missing or of another generation.
  bool GetAll(const std::vector<std::string_view>& ids, uint64_t generation,
              std::vector<Entry>& out) const;
  void Put(const std::string& id, Entry entry);
  void Erase(std::string_view id);

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_PING_STATE_CACHE_H_
