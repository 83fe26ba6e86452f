#include "web-gateway/ping_batcher.h"

#include "common/grpc_util.h"
#include "metrics/metrics.h"

namespace tocsin::gateway {
namespace {

metrics::Family<metrics::Counter>& Rejected() {
  static auto& c = metrics::DefaultRegistry().AddCounter(
      "tocsin_pings_rejected_total",
      "Pings refused at once because the queue was full.", {"where"});
  return c;
}

}  // namespace

PingBatcher::PingBatcher(DataClient& data, int max_batch, int max_calls,
                         int max_pending)
    : data_(data),
      max_batch_(max_batch),
      max_calls_(max_calls),
      max_pending_(max_pending) {}

void PingBatcher::Record(v1::RecordPingRequest req,
                         Callback<v1::RecordPingResponse> done) {
  std::vector<Entry> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_ >= max_pending_) {
      Rejected().With({"gateway"}).Inc();
      // Answered outside the lock (the callback writes the HTTP answer).
      batch.clear();
    } else {
      ++pending_;
      queue_.emplace_back(std::move(req), std::move(done));
      batch = TakeBatch();
      done = nullptr;
    }
  }
  if (done) {
    return done(absl::ResourceExhaustedError("too many pings in progress"));
  }
  if (!batch.empty()) Send(std::move(batch));
}

std::vector<PingBatcher::Entry> PingBatcher::TakeBatch() {
  std::vector<Entry> batch;
  if (calls_ >= max_calls_ || queue_.empty()) return batch;
  size_t n = std::min<size_t>(queue_.size(), max_batch_);
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) batch.push_back(std::move(queue_[i]));
  queue_.erase(queue_.begin(), queue_.begin() + n);
  ++calls_;
  return batch;
}

void PingBatcher::Send(std::vector<Entry> batch) {
  v1::RecordPingsRequest req;
  req.mutable_pings()->Reserve(batch.size());
  std::vector<Callback<v1::RecordPingResponse>> callbacks;
  callbacks.reserve(batch.size());
  for (auto& [ping, cb] : batch) {
    *req.add_pings() = std::move(ping);
    callbacks.push_back(std::move(cb));
  }
  data_.RecordPings(
      std::move(req),
      [this, callbacks = std::move(callbacks)](
          absl::StatusOr<v1::RecordPingsResponse> r) mutable {
        for (size_t i = 0; i < callbacks.size(); ++i) {
          if (!r.ok()) {
            callbacks[i](r.status());
          } else if (static_cast<int>(i) >= r->results_size()) {
            callbacks[i](absl::InternalError("missing ping result"));
          } else if (const auto& res = r->results(i); res.code() != 0) {
            callbacks[i](absl::Status(static_cast<absl::StatusCode>(res.code()),
                                      res.message()));
          } else {
            callbacks[i](res.response());
          }
        }
        std::vector<Entry> next;
        {
          std::lock_guard<std::mutex> lock(mu_);
          --calls_;
          pending_ -= static_cast<int>(callbacks.size());
          next = TakeBatch();
        }
        if (!next.empty()) Send(std::move(next));
      });
}

}  // namespace tocsin::gateway
