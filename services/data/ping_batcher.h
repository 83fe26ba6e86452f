#ifndef TOCSIN_DATA_PING_BATCHER_H_
#define TOCSIN_DATA_PING_BATCHER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "data/store.h"

namespace tocsin::data {

// The most pings one RecordPings call may carry; the queue holds at least
// that many, or such a call could never be taken.
inline constexpr int kMaxPingsPerCall = 5000;

struct PingBatcherOptions {
  // Flusher threads, each with its own connection. One at a time takes a
  // batch and reads its checks; the next may start once that one is sending
  // its writes and COMMIT, so the lookup of one batch overlaps the writes
  // and WAL flush of the previous one, and batches stay as large as the
  // load allows.
  int flushers = 2;
  int max_batch = 500;  // Pings per transaction.
  // How long a flusher waits for more pings before a batch that is not full
  // (0: none; batches still form while the previous one commits).
  absl::Duration max_wait = absl::ZeroDuration();
  int max_queued = 20000;  // Beyond it, RESOURCE_EXHAUSTED at once.
};

// Group commit for pings: a caller's pings are committed together with
// everyone else's that arrived meanwhile, one transaction per batch. A
// caller is answered only after the commit (or with the error that kept its
// ping from being committed). Nothing blocks the caller's thread: `done`
// runs on a flusher thread (or at once when the pings are refused), so the
// gRPC handlers need no thread of their own while they wait.
//
// A ping sent after another's answer is committed after it. Pings of one
// check that are in flight at the same time may land in two batches; the
// later batch's lookup locks the check's row, so it waits for the earlier
// one's commit and applies on top of it.
class PingBatcher {
 public:
  using Results = std::vector<absl::StatusOr<PingOutcome>>;
  using Done = std::function<void(Results)>;

  PingBatcher(Store& store, PingBatcherOptions options);
  ~PingBatcher();

  // `done` runs exactly once, with one result per ping, in order. Pings
  // still queued at `deadline` (the caller's, who has given up by then) are
  // not recorded: DEADLINE_EXCEEDED; nor are those still queued once
  // `cancelled` says the caller cancelled the call: CANCELLED. (Either way
  // the caller has answered them with an error: recording them would only
  // make its retry a second ping.)
  void Record(std::vector<PingInput> pings, Done done,
              absl::Time deadline = absl::InfiniteFuture(),
              std::function<bool()> cancelled = nullptr);

  void Stop();  // Finishes what is queued, then stops the flushers.

 private:
  struct Call;
  struct Item {
    Call* call;
    size_t index;
  };
  void Flush();
  void Commit(std::vector<Item>& batch, const std::function<void()>& release);
  void Finish(const std::vector<Item>& items);
  // Why the caller of `it` is no longer waiting for it, if it is not.
  static absl::Status CallerGaveUp(const Item& it, absl::Time now);
  static std::function<bool()> CallerGaveUpPredicate(const Item& it);

  Store& store_;
  PingBatcherOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool turn_taken_ = false;  // A flusher is taking or reading a batch.
  std::vector<std::thread> flushers_;
  std::atomic<int> queued_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_PING_BATCHER_H_
