#include "data/ping_batcher.h"

#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "metrics/metrics.h"
#include "metrics/ping_metrics.h"

namespace tocsin::data {

// One Record() call: its pings, their results, and how many are still
// waiting for a batch to finish.
struct PingBatcher::Call {
  std::vector<PingInput> pings;
  Results results;
  std::atomic<size_t> pending{0};
  Done done;
  absl::Time deadline;
  std::function<bool()> cancelled;  // May be empty.
};

namespace {

struct BatchMetrics {
  metrics::Family<metrics::Histogram>& size;
  metrics::Family<metrics::Histogram>& seconds;
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
        r.AddCounter("tocsin_ping_batches_split_total",
                     "Batches whose transaction failed (not for the database "
                     "being away) and whose pings were recorded one by one.")};
  }();
  return *m;
}

}  // namespace

PingBatcher::PingBatcher(Store& store, PingBatcherOptions options)
    : store_(store), options_(options) {
  for (int i = 0; i < std::max(1, options_.flushers); ++i) {
    flushers_.emplace_back([this] { Flush(); });
  }
}

PingBatcher::~PingBatcher() { Stop(); }

void PingBatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : flushers_) {
    if (t.joinable()) t.join();
  }
}

void PingBatcher::Record(std::vector<PingInput> pings, Done done,
                         absl::Time deadline,
                         std::function<bool()> cancelled) {
  if (pings.empty()) return done({});
  const size_t n = pings.size();
  if (queued_.fetch_add(n) + static_cast<int>(n) > options_.max_queued) {
    queued_.fetch_sub(n);
    metrics::PingsRejected().With({"data"}).Inc(n);
    return done(Results(n, absl::ResourceExhaustedError("ping queue is full")));
  }
  auto* call = new Call;
  call->pings = std::move(pings);
  call->results.assign(n, absl::UnavailableError("not recorded"));
  call->pending = n;
  call->done = std::move(done);
  call->deadline = deadline;
  call->cancelled = std::move(cancelled);
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Checked with the queue's lock: flushers that saw `stopping_` and an
    // empty queue have left, and would never take these.
    if (!stopping_) {
      for (size_t i = 0; i < n; ++i) queue_.push_back(Item{call, i});
      call = nullptr;
      full = static_cast<int>(queue_.size()) >= options_.max_batch;
    }
  }
  if (call != nullptr) {
    queued_.fetch_sub(n);
    call->done(Results(n, absl::UnavailableError("shutting down")));
    delete call;
    return;
  }
  // A flusher holding the turn may be waiting (TOCSIN_PING_BATCH_WAIT) for
  // a full batch: one woken at random might be the other, which would
  // sleep again and leave it waiting out its time.
  if (full && options_.max_wait > absl::ZeroDuration()) {
    cv_.notify_all();
  } else {
    cv_.notify_one();
  }
}

void PingBatcher::Flush() {
  std::vector<Item> batch;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] {
      return (stopping_ && queue_.empty()) ||
             (!queue_.empty() && !turn_taken_);
    });
    if (queue_.empty()) return;  // Stopping with nothing left.
    turn_taken_ = true;
    if (options_.max_wait > absl::ZeroDuration() &&
        static_cast<int>(queue_.size()) < options_.max_batch) {
      cv_.wait_for(lock, absl::ToChronoMicroseconds(options_.max_wait), [&] {
        return stopping_ ||
               static_cast<int>(queue_.size()) >= options_.max_batch;
      });
    }
    size_t n = std::min<size_t>(queue_.size(), options_.max_batch);
    batch.assign(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    lock.unlock();
    queued_.fetch_sub(n);
    // The turn passes on once this batch's rows are locked and read (or it
    // failed before that): at most one batch is being read at a time.
    bool holding = true;
    auto release = [&] {
      if (!holding) return;
      holding = false;
      bool work_waiting;
      {
        std::lock_guard<std::mutex> l(mu_);
        turn_taken_ = false;
        work_waiting = !queue_.empty() || stopping_;
      }
      // With nothing queued, a woken flusher would only go back to sleep
      // (a wasted wake-up per batch); Record() wakes one when work comes.
      if (work_waiting) cv_.notify_one();
    };
    Commit(batch, release);
    release();
    Finish(batch);
    lock.lock();
  }
}

absl::Status PingBatcher::CallerGaveUp(const Item& it, absl::Time now) {
  if (it.call->deadline <= now) {
    return absl::DeadlineExceededError(
        "the caller's deadline passed in the queue");
  }
  if (it.call->cancelled && it.call->cancelled()) {
    return absl::CancelledError("the caller cancelled the call");
  }
  return absl::OkStatus();
}

// For the pings recorded one by one after a batch: checked just before
// each commit, as the batch's check is before the batch.
std::function<bool()> PingBatcher::CallerGaveUpPredicate(const Item& it) {
  return [it] { return !CallerGaveUp(it, absl::Now()).ok(); };
}

void PingBatcher::Commit(std::vector<Item>& batch,
                         const std::function<void()>& release) {
  // Auto-creating pings may insert a check: they go one by one, after the
  // batch.
  std::vector<Item> batched, single;
  const absl::Time now = absl::Now();
  for (const Item& it : batch) {
    if (absl::Status gone = CallerGaveUp(it, now); !gone.ok()) {
      // Its caller has answered it (an error) by now: recording it anyway
      // would only make the client's retry a second ping.
      it.call->results[it.index] = std::move(gone);
      metrics::PingsExpired().With({"data"}).Inc();
      continue;
    }
    (it.call->pings[it.index].create ? single : batched).push_back(it);
  }
  if (!batched.empty()) {
    std::vector<const PingInput*> pings;
    pings.reserve(batched.size());
    for (const Item& it : batched) pings.push_back(&it.call->pings[it.index]);
    absl::Time start = absl::Now();
    auto out = store_.RecordPingBatch(pings, start, release);
    release();
    Metrics().size.With({}).Observe(batched.size());
    Metrics().seconds.With({}).Observe(
        absl::ToDoubleSeconds(absl::Now() - start));
    if (out.ok()) {
      for (size_t i = 0; i < batched.size(); ++i) {
        batched[i].call->results[batched[i].index] = std::move((*out)[i]);
      }
    } else if (batched.size() > 1 && !absl::IsUnavailable(out.status()) &&
               !absl::IsResourceExhausted(out.status())) {
      // Something in the batch broke the transaction (not the database
      // being away): record the members one by one, so only the culprit
      // fails.
      Metrics().split.With({}).Inc();
      log::Warning("ping batch failed; recording its pings one by one",
                   {{"size", int64_t(batched.size())},
                    {"error", out.status().ToString()}});
      for (Item& it : batched) {
        it.call->results[it.index] = store_.RecordPing(
            it.call->pings[it.index], absl::Now(), CallerGaveUpPredicate(it));
      }
    } else {
      // Nothing was committed: every member gets the error, none is
      // acknowledged.
      for (Item& it : batched) it.call->results[it.index] = out.status();
    }
  }
  release();
  for (Item& it : single) {
    it.call->results[it.index] = store_.RecordPing(
        it.call->pings[it.index], absl::Now(), CallerGaveUpPredicate(it));
  }
}

void PingBatcher::Finish(const std::vector<Item>& items) {
  // Answer each caller once all of its pings are done (the last flusher to
  // finish one of them does it).
  std::map<Call*, size_t> done;
  for (const Item& it : items) ++done[it.call];
  for (auto& [call, n] : done) {
    if (call->pending.fetch_sub(n) == n) {
      call->done(std::move(call->results));
      delete call;
    }
  }
}

}  // namespace tocsin::data
