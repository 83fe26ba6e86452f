#include "data/ping_batcher.h"

#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "metrics/metrics.h"

namespace tocsin::data {

// One Record() call: counts its pings down as their batches finish.
struct PingBatcher::Waiter {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  void Done(size_t n) {
    std::lock_guard<std::mutex> lock(mu);
    pending -= n;
    if (pending == 0) cv.notify_all();
  }
};

namespace {

struct BatchMetrics {
  metrics::Family<metrics::Histogram>& size;
  metrics::Family<metrics::Histogram>& seconds;
  metrics::Family<metrics::Counter>& rejected;
  metrics::Family<metrics::Counter>& split;
};

BatchMetrics& Metrics() {
  static BatchMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new BatchMetrics{
        r.AddHistogram("tocsin_ping_batch_size", "Pings per committed batch.",
                       {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}),
        r.AddHistogram("tocsin_ping_batch_seconds",
                       "Time to write and commit one batch of pings.",
                       metrics::LatencyBuckets()),
        r.AddCounter("tocsin_pings_rejected_total",
                     "Pings refused at once because the queue was full.",
                     {"where"}),
        r.AddCounter("tocsin_ping_batches_split_total",
                     "Batches whose transaction failed (not for the database "
                     "being away) and whose pings were recorded one by one.")};
  }();
  return *m;
}

}  // namespace

PingBatcher::PingBatcher(Store& store, PingBatcherOptions options)
    : store_(store), options_(options) {
  for (int i = 0; i < std::max(1, options_.shards); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
  for (auto& s : shards_) {
    Shard* shard = s.get();
    shard->thread = std::thread([this, shard] { Flush(*shard); });
  }
}

PingBatcher::~PingBatcher() { Stop(); }

void PingBatcher::Stop() {
  if (stopping_.exchange(true)) return;
  for (auto& s : shards_) {
    {
      std::lock_guard<std::mutex> lock(s->mu);
    }
    s->cv.notify_all();
  }
  for (auto& s : shards_) {
    if (s->thread.joinable()) s->thread.join();
  }
}

size_t PingBatcher::ShardOf(const PingInput& p) const {
  const std::string& key = p.check_uuid.empty() ? p.slug : p.check_uuid;
  return std::hash<std::string>{}(key) % shards_.size();
}

std::vector<absl::StatusOr<PingOutcome>> PingBatcher::Record(
    std::vector<PingInput> pings) {
  std::vector<absl::StatusOr<PingOutcome>> results(
      pings.size(), absl::UnavailableError("not recorded"));
  if (stopping_) {
    for (auto& r : results) r = absl::UnavailableError("shutting down");
    return results;
  }
  // Auto-creating pings take the one-by-one path (they may insert a check).
  Waiter waiter;
  std::vector<size_t> batched;
  for (size_t i = 0; i < pings.size(); ++i) {
    if (pings[i].create) {
      results[i] = store_.RecordPing(pings[i], absl::Now());
    } else {
      batched.push_back(i);
    }
  }
  if (batched.empty()) return results;
  if (queued_.fetch_add(batched.size()) + static_cast<int>(batched.size()) >
      options_.max_queued) {
    queued_.fetch_sub(batched.size());
    Metrics().rejected.With({"data"}).Inc(batched.size());
    for (size_t i : batched) {
      results[i] = absl::ResourceExhaustedError("ping queue is full");
    }
    return results;
  }
  waiter.pending = batched.size();
  for (size_t i : batched) {
    Shard& shard = *shards_[ShardOf(pings[i])];
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.queue.push_back(Item{&pings[i], &results[i], &waiter});
    shard.cv.notify_one();
  }
  std::unique_lock<std::mutex> lock(waiter.mu);
  waiter.cv.wait(lock, [&] { return waiter.pending == 0; });
  return results;
}

void PingBatcher::Flush(Shard& shard) {
  std::vector<Item> batch;
  std::unique_lock<std::mutex> lock(shard.mu);
  while (true) {
    shard.cv.wait(lock, [&] { return stopping_ || !shard.queue.empty(); });
    if (shard.queue.empty()) return;  // Stopping with nothing left.
    if (options_.max_wait > absl::ZeroDuration() &&
        static_cast<int>(shard.queue.size()) < options_.max_batch) {
      shard.cv.wait_for(lock, absl::ToChronoMicroseconds(options_.max_wait),
                        [&] {
                          return static_cast<int>(shard.queue.size()) >=
                                 options_.max_batch;
                        });
    }
    size_t n = std::min<size_t>(shard.queue.size(), options_.max_batch);
    batch.assign(shard.queue.begin(), shard.queue.begin() + n);
    shard.queue.erase(shard.queue.begin(), shard.queue.begin() + n);
    lock.unlock();
    queued_.fetch_sub(n);
    Commit(batch);
    lock.lock();
  }
}

void PingBatcher::Commit(std::vector<Item>& batch) {
  std::vector<const PingInput*> pings;
  pings.reserve(batch.size());
  for (const Item& it : batch) pings.push_back(it.ping);
  absl::Time start = absl::Now();
  auto out = store_.RecordPingBatch(pings, start);
  Metrics().size.With({}).Observe(batch.size());
  Metrics().seconds.With({}).Observe(absl::ToDoubleSeconds(absl::Now() - start));
  if (out.ok()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      *batch[i].result = std::move((*out)[i]);
    }
  } else if (batch.size() > 1 && !absl::IsUnavailable(out.status()) &&
             !absl::IsResourceExhausted(out.status())) {
    // Something in the batch broke the transaction (not the database being
    // away): record the members one by one, so only the culprit fails.
    Metrics().split.With({}).Inc();
    log::Warning("ping batch failed; recording its pings one by one",
                 {{"size", int64_t(batch.size())},
                  {"error", out.status().ToString()}});
    for (Item& it : batch) {
      *it.result = store_.RecordPing(*it.ping, absl::Now());
    }
  } else {
    // Nothing was committed: every member gets the error, none is
    // acknowledged.
    for (Item& it : batch) *it.result = out.status();
  }
  // Answer each caller once all of its items are done.
  std::map<Waiter*, size_t> done;
  for (const Item& it : batch) ++done[it.waiter];
  for (auto& [w, n] : done) w->Done(n);
}

}  // namespace tocsin::data
