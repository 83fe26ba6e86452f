#ifndef TOCSIN_DATA_PING_BATCHER_H_
#define TOCSIN_DATA_PING_BATCHER_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "data/store.h"

namespace tocsin::data {

struct PingBatcherOptions {
  // Flusher threads, each with its own connection; a check always goes to
  // the same one, so its pings keep their order.
  int shards = 2;
  int max_batch = 500;  // Pings per transaction.
  // How long a flusher waits for more pings before a batch that is not full
  // (0: none; batches still form while the previous one commits).
  absl::Duration max_wait = absl::ZeroDuration();
  int max_queued = 20000;  // Beyond it, RESOURCE_EXHAUSTED at once.
};

// Group commit for pings: callers block in Record() while their pings are
// committed together with everyone else's that arrived meanwhile, one
// transaction per batch. A caller is answered only after the commit (or with
// the error that kept its ping from being committed).
class PingBatcher {
 public:
  PingBatcher(Store& store, PingBatcherOptions options);
  ~PingBatcher();

  std::vector<absl::StatusOr<PingOutcome>> Record(
      std::vector<PingInput> pings);

  void Stop();  // Finishes what is queued, then stops the flushers.

 private:
  struct Waiter;
  struct Item {
    const PingInput* ping;
    absl::StatusOr<PingOutcome>* result;
    Waiter* waiter;
  };
  struct Shard {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Item> queue;
    std::thread thread;
  };
  void Flush(Shard& shard);
  void Commit(std::vector<Item>& batch);
  size_t ShardOf(const PingInput& p) const;

  Store& store_;
  PingBatcherOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<int> queued_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_PING_BATCHER_H_
