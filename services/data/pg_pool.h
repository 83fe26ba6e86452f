#ifndef TOCSIN_DATA_PG_POOL_H_
#define TOCSIN_DATA_PG_POOL_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace tocsin::data {

// Turns a libpqxx exception into a status. Exceptions stop here: unique
// violation -> ALREADY_EXISTS, serialization failure or deadlock -> ABORTED,
// broken connection -> UNAVAILABLE, anything else -> INTERNAL.
absl::Status StatusFromException(const std::exception& e);

// A bounded pool of PostgreSQL connections. Connections are opened lazily;
// one that breaks (PostgreSQL restarted) is dropped and a fresh one is opened
// on the next use, so the pool recovers by itself.
class PgPool {
 public:
  PgPool(std::string conninfo, int size, absl::Duration wait);
  ~PgPool();

  // Runs `fn` with a connection. A broken connection is retried on a fresh
  // connection (the transaction it was in never committed), and so are
  // serialization failures and deadlocks, a few times each; in-doubt commits
  // are not retried. Exceptions thrown by `fn` become statuses.
  absl::Status Run(const std::function<absl::Status(pqxx::connection&)>& fn);

  // Named statements prepared on every connection the pool opens (call
  // before the first Run; connections already idle are replaced).
  void AddPreparedStatements(
      const std::vector<std::pair<std::string, std::string>>& statements);

  // Closes every idle connection (after a restore replaced the tables their
  // statements were prepared against); the next uses open fresh ones.
  void DropIdle();

  // Opens one connection now to prove the database answers.
  absl::Status Ping();

  int size() const { return size_; }

  // Counts the times the pool found its connections gone (one broke, or
  // DropIdle): a cache of what the database holds, taken in an earlier
  // generation, may describe another database (a restored or replaced
  // cluster) and is not to be used.
  uint64_t generation() const { return generation_.load(); }

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> c, bool broken);

  const std::string conninfo_;
  const int size_;
  const absl::Duration wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::vector<std::pair<std::string, std::string>> prepared_;
  int in_use_ = 0;  // Leased connections, plus slots being opened.
  std::atomic<uint64_t> generation_{0};
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_PG_POOL_H_
