#ifndef TOCSIN_GATEWAY_PING_BATCHER_H_
#define TOCSIN_GATEWAY_PING_BATCHER_H_

#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "web-gateway/data_client.h"

namespace tocsin::gateway {

struct PingBatcherOptions {
  int max_batch = 500;  // Pings per call.
  int max_calls = 2;    // Calls in flight.
  // A call beyond the first starts only when a full batch is waiting or the
  // oldest call in flight has taken this long.
  absl::Duration overlap_after = absl::Milliseconds(10);
  int max_pending = 5000;  // Pings queued or in flight.
};

// Collects the pings of concurrent HTTP requests into RecordPings calls:
// while a call is in flight, new pings queue, and the next call carries all
// of them (up to `max_batch`). One gRPC call per batch instead of per ping;
// a lone ping still goes out at once. A second call (up to `max_calls`)
// starts only for a full batch or when the one in flight is slow (a call
// stuck on a hung data replica holds the next pings up by `overlap_after`;
// keep-alive then closes that replica's connection, see MakeChannel):
// overlapping calls would halve the batches, and the per-batch cost in the
// data service and PostgreSQL is what large batches save. Beyond
// `max_pending` pings queued or in flight, new ones are refused at once
// (RESOURCE_EXHAUSTED): backpressure instead of a growing queue.
class PingBatcher {
 public:
  PingBatcher(DataClient& data, PingBatcherOptions options);

  // `done` runs exactly once: with the ping's own result once its batch's
  // call returns, or at once when refused.
  void Record(v1::RecordPingRequest req, Callback<v1::RecordPingResponse> done);

 private:
  using Entry = std::pair<v1::RecordPingRequest, Callback<v1::RecordPingResponse>>;
  // With mu_ held: starts a call when one may start; returns its entries.
  std::vector<Entry> TakeBatch(absl::Time now);
  void Send(std::vector<Entry> batch, absl::Time started);

  DataClient& data_;
  const PingBatcherOptions options_;
  std::mutex mu_;
  std::vector<Entry> queue_;
  std::multiset<absl::Time> calls_;  // Start of each call in flight.
  int pending_ = 0;  // Pings queued or in flight.
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_PING_BATCHER_H_
