#ifndef TOCSIN_GATEWAY_PING_BATCHER_H_
#define TOCSIN_GATEWAY_PING_BATCHER_H_

#include <mutex>
#include <utility>
#include <vector>

#include "web-gateway/data_client.h"

namespace tocsin::gateway {

// Collects the pings of concurrent HTTP requests into RecordPings calls:
// while `max_calls` calls are in flight, new pings queue, and the next call
// carries all of them (up to `max_batch`). One gRPC call per batch instead
// of per ping; a lone ping still goes out at once. Beyond `max_pending`
// pings queued or in flight, new ones are refused at once
// (RESOURCE_EXHAUSTED): backpressure instead of a growing queue.
class PingBatcher {
 public:
  PingBatcher(DataClient& data, int max_batch, int max_calls, int max_pending);

  // `done` runs exactly once: with the ping's own result once its batch's
  // call returns, or at once when refused.
  void Record(v1::RecordPingRequest req, Callback<v1::RecordPingResponse> done);

 private:
  using Entry = std::pair<v1::RecordPingRequest, Callback<v1::RecordPingResponse>>;
  // With mu_ held: starts a call when one may start; returns its entries.
  std::vector<Entry> TakeBatch();
  void Send(std::vector<Entry> batch);

  DataClient& data_;
  const int max_batch_, max_calls_, max_pending_;
  std::mutex mu_;
  std::vector<Entry> queue_;
  int calls_ = 0;    // RecordPings calls in flight.
  int pending_ = 0;  // Pings queued or in flight.
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_PING_BATCHER_H_
