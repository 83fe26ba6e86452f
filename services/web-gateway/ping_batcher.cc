#include "web-gateway/ping_batcher.h"

#include "common/grpc_util.h"
#include "metrics/metrics.h"
#include "metrics/ping_metrics.h"

namespace tocsin::gateway {
namespace {

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

// What a ping adds to a call's message (its fields and their framing).
size_t PingBytes(const v1::RecordPingRequest& req) {
  return req.ByteSizeLong() + 8;
}

}  // namespace

PingBatcher::PingBatcher(DataClient& data, PingBatcherOptions options)
    : data_(data),
      options_(options),
      deadline_(std::chrono::duration_cast<Clock::duration>(
          absl::ToChronoNanoseconds(options.deadline))),
      timer_([this] { RunTimer(); }) {}

PingBatcher::~PingBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    timer_exit_ = true;
  }
  timer_cv_.notify_all();
  timer_.join();
}

void PingBatcher::RunTimer() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!timer_exit_) {
    if (!timer_at_) {
      timer_cv_.wait(lock);
      continue;
    }
    const Clock::time_point at = *timer_at_;
    // Woken early: exiting, or armed for an earlier time.
    if (timer_cv_.wait_until(lock, at,
                             [&] { return timer_exit_ || timer_at_ != at; })) {
      continue;
    }
    timer_at_.reset();
    Batch batch = TakeBatch(Clock::now());  // May arm the timer again.
    lock.unlock();
    Dispatch(std::move(batch));
    lock.lock();
  }
}

void PingBatcher::Record(v1::RecordPingRequest req,
                         Callback<v1::RecordPingResponse> done) {
  Batch batch;
  const Clock::time_point now = Clock::now();
  const size_t bytes = PingBytes(req);
  absl::Status refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      refused = absl::UnavailableError("shutting down");
    } else if (pending_ >= options_.max_pending ||
               (pending_ > 0 &&
                pending_bytes_ + bytes > options_.max_pending_bytes)) {
      metrics::PingsRejected().With({"gateway"}).Inc();
      refused = absl::ResourceExhaustedError("too many pings in progress");
    } else {
      ++pending_;
      pending_bytes_ += bytes;
      queue_.push_back(Entry{std::move(req), std::move(done), now, bytes});
      queued_bytes_ += bytes;
      batch = TakeBatch(now);
    }
  }
  // Answered outside the lock (the callback writes the HTTP answer).
  if (!refused.ok()) return done(refused);
  Dispatch(std::move(batch));
}

PingBatcher::Batch PingBatcher::TakeBatch(Clock::time_point now) {
  Batch batch;
  batch.started = now;
  // A ping with less than a tenth of its time left gives up here: its
  // call would hardly have time to commit it.
  while (!queue_.empty() &&
         now - queue_.front().enqueued > deadline_ - deadline_ / 10) {
    Entry& e = queue_.front();
    queued_bytes_ -= e.bytes;
    pending_bytes_ -= e.bytes;
    --pending_;
    batch.expired.push_back(std::move(e));
    queue_.pop_front();
  }
  if (!batch.expired.empty()) ++answering_;
  if (queue_.empty() || static_cast<int>(calls_.size()) >= options_.max_calls) {
    return batch;
  }
  const auto overlap_at = calls_.empty()
                              ? now
                              : *calls_.begin() + absl::ToChronoNanoseconds(
                                                      options_.overlap_after);
  if (now < overlap_at &&
      static_cast<int>(queue_.size()) < options_.max_batch &&
      queued_bytes_ < options_.max_batch_bytes) {
    // Wait for the call in flight: one larger batch. Unless a ping or an
    // answer comes first, the timer sends these when it has taken long.
    if (!timer_at_ || overlap_at < *timer_at_) {
      timer_at_ = overlap_at;
      timer_cv_.notify_one();
    }
    return batch;
  }
  size_t bytes = 0;
  while (!queue_.empty() &&
         static_cast<int>(batch.send.size()) < options_.max_batch &&
         (batch.send.empty() ||
          bytes + queue_.front().bytes <= options_.max_batch_bytes)) {
    bytes += queue_.front().bytes;
    batch.send.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queued_bytes_ -= bytes;
  calls_.insert(now);
  return batch;
}

void PingBatcher::Dispatch(Batch batch) {
  if (!batch.send.empty()) Send(std::move(batch.send), batch.started);
  if (batch.expired.empty()) return;
  metrics::PingsExpired().With({"gateway"}).Inc(batch.expired.size());
  for (Entry& e : batch.expired) {
    e.done(absl::UnavailableError("no answer from the data service in time"));
  }
  // The callbacks hold HTTP sessions: gone before Stop() may return.
  batch.expired.clear();
  DoneAnswering();
}

void PingBatcher::DoneAnswering() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--answering_ == 0 && pending_ == 0) idle_.notify_all();
}

void PingBatcher::Send(std::vector<Entry> batch, Clock::time_point started) {
  v1::RecordPingsRequest req;
  req.mutable_pings()->Reserve(batch.size());
  std::vector<Callback<v1::RecordPingResponse>> callbacks;
  callbacks.reserve(batch.size());
  size_t bytes = 0;
  // The queue is in arrival order: the first ping is the oldest.
  const Clock::duration left = batch.front().enqueued + deadline_ - started;
  for (Entry& e : batch) {
    *req.add_pings() = std::move(e.req);
    callbacks.push_back(std::move(e.done));
    bytes += e.bytes;
  }
  data_.RecordPings(
      std::move(req), absl::FromChrono(left),
      [this, started, bytes, callbacks = std::move(callbacks)](
          absl::StatusOr<v1::RecordPingsResponse> r) mutable {
        // The next call first: the data service works on it while the
        // answers of this one go out.
        const Clock::time_point now = Clock::now();
        CallSeconds().Observe(
            std::chrono::duration<double>(now - started).count());
        Batch next;
        {
          std::lock_guard<std::mutex> lock(mu_);
          calls_.erase(calls_.find(started));
          pending_ -= static_cast<int>(callbacks.size());
          pending_bytes_ -= bytes;
          ++answering_;
          next = TakeBatch(now);
        }
        Dispatch(std::move(next));
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
        // They hold HTTP sessions: gone before Stop() may return.
        callbacks.clear();
        DoneAnswering();
      });
}

bool PingBatcher::Stop(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  return idle_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [&] { return pending_ == 0 && answering_ == 0; });
}

}  // namespace tocsin::gateway
