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

// The whole round of one batch as the gateway sees it; beside the data
// service's own handling time it shows what the hops between cost.
metrics::Histogram& CallSeconds() {
  static auto& h = metrics::DefaultRegistry()
                       .AddHistogram("tocsin_gateway_ping_call_seconds",
                                     "Time of one RecordPings call to the "
                                     "data service, from sending to answer.",
                                     metrics::LatencyBuckets())
                       .With({});
  return h;
}

}  // namespace

PingBatcher::PingBatcher(DataClient& data, PingBatcherOptions options)
    : data_(data), options_(options) {}

void PingBatcher::Record(v1::RecordPingRequest req,
                         Callback<v1::RecordPingResponse> done) {
  std::vector<Entry> batch;
  absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_ >= options_.max_pending) {
      Rejected().With({"gateway"}).Inc();
      // Answered outside the lock (the callback writes the HTTP answer).
      batch.clear();
    } else {
      ++pending_;
      queue_.emplace_back(std::move(req), std::move(done));
      batch = TakeBatch(now);
      done = nullptr;
    }
  }
  if (done) {
    return done(absl::ResourceExhaustedError("too many pings in progress"));
  }
  if (!batch.empty()) Send(std::move(batch), now);
}

std::vector<PingBatcher::Entry> PingBatcher::TakeBatch(absl::Time now) {
  std::vector<Entry> batch;
  if (queue_.empty() || static_cast<int>(calls_.size()) >= options_.max_calls) {
    return batch;
  }
  if (!calls_.empty() &&
      static_cast<int>(queue_.size()) < options_.max_batch &&
      now - *calls_.begin() < options_.overlap_after) {
    return batch;  // Wait for the call in flight: one larger batch.
  }
  size_t n = std::min<size_t>(queue_.size(), options_.max_batch);
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) batch.push_back(std::move(queue_[i]));
  queue_.erase(queue_.begin(), queue_.begin() + n);
  calls_.insert(now);
  return batch;
}

void PingBatcher::Send(std::vector<Entry> batch, absl::Time started) {
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
      [this, started, callbacks = std::move(callbacks)](
          absl::StatusOr<v1::RecordPingsResponse> r) mutable {
        // The next call first: the data service works on it while the
        // answers of this one go out.
        std::vector<Entry> next;
        absl::Time now = absl::Now();
        CallSeconds().Observe(absl::ToDoubleSeconds(now - started));
        {
          std::lock_guard<std::mutex> lock(mu_);
          calls_.erase(calls_.find(started));
          pending_ -= static_cast<int>(callbacks.size());
          next = TakeBatch(now);
        }
        if (!next.empty()) Send(std::move(next), now);
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
      });
}

}  // namespace tocsin::gateway
