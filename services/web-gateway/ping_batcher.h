#ifndef TOCSIN_GATEWAY_PING_BATCHER_H_
#define TOCSIN_GATEWAY_PING_BATCHER_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "web-gateway/data_client.h"

namespace tocsin::gateway {

struct PingBatcherOptions {
  int max_batch = 500;  // Pings per call.
  // Bytes of pings per call: well below the data service's 64 MiB message
  // limit, which would refuse the whole call (a single larger ping still
  // goes alone).
  size_t max_batch_bytes = 16 << 20;
  int max_calls = 2;    // Calls in flight.
  // A call beyond the first starts only when a full batch is waiting or the
  // oldest call in flight has taken this long.
  absl::Duration overlap_after = absl::Milliseconds(10);
  int max_pending = 5000;  // Pings queued or in flight.
  size_t max_pending_bytes = 256 << 20;  // Their bytes.
  // A ping's whole time here, queue and call together: its call's deadline
  // is what the batch's oldest ping has left, and a ping left with less
  // than a tenth of it is answered UNAVAILABLE instead of being sent.
  absl::Duration deadline = absl::Seconds(5);
};

// Collects the pings of concurrent HTTP requests into RecordPings calls:
// while a call is in flight, new pings queue, and the next call carries all
// of them (up to `max_batch`). One gRPC call per batch instead of per ping;
// a lone ping still goes out at once. A second call (up to `max_calls`)
// starts only for a full batch or when the one in flight is slow (a call
// stuck on a hung data replica holds the next pings up by `overlap_after`,
// then a timer sends them; keep-alive later closes that replica's
// connection, see MakeChannel): overlapping calls would halve the
// batches, and the per-batch cost in the data service and PostgreSQL is
// what large batches save. Beyond `max_pending` pings (or
// `max_pending_bytes`) queued or in flight, new ones are refused at once
// (RESOURCE_EXHAUSTED): backpressure instead of a growing queue. No ping
// waits longer than `deadline` in all, so a client's retry never races its
// own first attempt for long.
class PingBatcher {
 public:
  PingBatcher(DataClient& data, PingBatcherOptions options);
  ~PingBatcher();

  // `done` runs exactly once: with the ping's own result once its batch's
  // call returns, or at once when refused.
  void Record(v1::RecordPingRequest req, Callback<v1::RecordPingResponse> done);

  // Refuses new pings (UNAVAILABLE) and waits, at most `timeout`, until
  // every ping taken has been answered and no call's callback runs any more
  // (false if that did not happen in time).
  bool Stop(absl::Duration timeout);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    v1::RecordPingRequest req;
    Callback<v1::RecordPingResponse> done;
    Clock::time_point enqueued;
    size_t bytes;
  };
  struct Batch {
    std::vector<Entry> send;     // For the next call.
    std::vector<Entry> expired;  // Answered without one.
    Clock::time_point started;
  };
  // With mu_ held: the pings that waited too long, and the next call's
  // pings when one may start.
  Batch TakeBatch(Clock::time_point now);
  // Without mu_: answers the expired ones, sends the rest.
  void Dispatch(Batch batch);
  void Send(std::vector<Entry> batch, Clock::time_point started);
  // Without mu_: a thread counted in answering_ has answered its pings.
  void DoneAnswering();
  // The timer thread: sends pings held back for the call in flight once it
  // has taken `overlap_after`, when no new ping or answer comes to do it.
  void RunTimer();

  DataClient& data_;
  const PingBatcherOptions options_;
  const Clock::duration deadline_;
  std::mutex mu_;
  std::condition_variable idle_;  // For Stop: nothing pending, nobody answering.
  std::deque<Entry> queue_;
  size_t queued_bytes_ = 0;
  std::multiset<Clock::time_point> calls_;  // Start of each call in flight.
  int pending_ = 0;  // Pings queued or in flight.
  size_t pending_bytes_ = 0;
  // Threads answering pings they took out (a call's callback; expired
  // ones): Stop waits for them too.
  int answering_ = 0;
  bool stopping_ = false;
  std::condition_variable timer_cv_;
  std::optional<Clock::time_point> timer_at_;  // When the timer looks again.
  bool timer_exit_ = false;
  std::thread timer_;  // Last: started once everything above is ready.
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_PING_BATCHER_H_
