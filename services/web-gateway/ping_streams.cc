#include "web-gateway/ping_streams.h"

#include <map>

#include "common/grpc_util.h"
#include "common/log.h"

namespace tocsin::gateway {

// One StreamPings stream. Threads: batches are handed over by Send on
// whatever thread calls it; reactions run on gRPC's threads. State is
// guarded by `mu_`, and no gRPC operation is started with it held (gRPC may
// run a reaction inline inside the call that starts an operation, and the
// reactions take `mu_`). A hold keeps OnDone (the deletion) away while Send
// may still start a write from outside a reaction; it is released once the
// stream takes no more batches and has none in flight, or is broken.
class PingStreams::Stream final
    : public grpc::ClientBidiReactor<v1::PingStreamRequest,
                                     v1::PingStreamResponse> {
 public:
  explicit Stream(PingStreams& owner) : owner_(owner), opened_(absl::Now()) {
    PrepareInternalCall(ctx_, owner.token_,
                        owner.rotate_after_ + owner.deadline_);
    owner.stub_->async()->StreamPings(&ctx_, this);
    AddHold();
  }

  // Starts the call; once, outside any lock.
  void Begin() {
    StartRead(&in_);
    StartCall();
  }

  // With the owner's lock held: takes the batch if this stream is idle and
  // still taking batches. Then the caller must call WriteTaken.
  bool TryTake(uint64_t id, v1::RecordPingsRequest& batch, Done& done,
               absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!taking_ || writing_ || !pending_.empty()) return false;
    if (now - opened_ >= owner_.rotate_after_) {
      taking_ = false;  // Retire; the caller's Retire pass closes it.
      return false;
    }
    out_.set_batch_id(id);
    *out_.mutable_batch() = std::move(batch);
    pending_.emplace(id, std::move(done));
    writing_ = true;
    return true;
  }

  void WriteTaken() { StartWrite(&out_); }

  // With the owner's lock held: takes no more batches. Returns true when
  // the caller must call Close now (nothing in flight).
  bool Retire(absl::Time now, bool always) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!always && now - opened_ < owner_.rotate_after_) return false;
    taking_ = false;
    return TakeCloseLocked();
  }

  // Ends the stream from this side: no more writes, and the hold goes.
  // After it this object may be gone at any moment.
  void Close() {
    if (say_done_) StartWritesDone();
    RemoveHold();
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) Break();
    bool close = TakeCloseLocked();
    lock.unlock();
    if (close) Close();
  }

  void OnReadDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ok) {
      // The server ended the stream: OnDone fails what is unanswered with
      // its status.
      Break();
      bool close = TakeCloseLocked();
      lock.unlock();
      if (close) Close();
      return;
    }
    Done done;
    const uint64_t id = in_.batch_id();
    if (auto it = pending_.find(id); it != pending_.end()) {
      done = std::move(it->second);
      pending_.erase(it);
    }
    v1::RecordPingsResponse results = std::move(*in_.mutable_batch());
    if (absl::Now() - opened_ >= owner_.rotate_after_) taking_ = false;
    bool close = TakeCloseLocked();
    lock.unlock();
    StartRead(&in_);  // Until the server ends the stream.
    if (done) {
      done(std::move(results));
    } else {
      log::Warning("an answer for no batch in flight on a ping stream",
                   {{"batch", static_cast<int64_t>(id)}});
    }
    if (close) Close();
  }

  void OnDone(const grpc::Status& status) override {
    std::map<uint64_t, Done> unanswered;
    {
      std::lock_guard<std::mutex> lock(mu_);
      unanswered.swap(pending_);
    }
    owner_.Forget(this);
    absl::Status failed = FromGrpcStatus(status);
    if (failed.ok()) {
      failed = absl::UnavailableError("the data service ended the ping stream");
    }
    delete this;
    for (auto& [id, done] : unanswered) done(failed);
  }

 private:
  // With mu_: the stream can carry nothing more.
  void Break() {
    broken_ = true;
    taking_ = false;
  }

  // With mu_: whether the hold may go now; if so, the caller must Close.
  bool TakeCloseLocked() {
    if (released_ || writing_) return false;
    if (!broken_ && (taking_ || !pending_.empty())) return false;
    released_ = true;
    say_done_ = !broken_;
    return true;
  }

  PingStreams& owner_;
  const absl::Time opened_;
  grpc::ClientContext ctx_;
  v1::PingStreamRequest out_;   // The batch being written.
  v1::PingStreamResponse in_;   // The answer being read.
  std::mutex mu_;
  std::map<uint64_t, Done> pending_;  // Batches sent and not answered.
  bool taking_ = true;    // Takes new batches.
  bool writing_ = false;  // A write under way (or reserved by TryTake).
  bool broken_ = false;   // Read or write failed: the call is ending.
  bool released_ = false; // The hold is gone (or reserved to go).
  bool say_done_ = false; // Close half-closes the stream first.
};

PingStreams::PingStreams(std::shared_ptr<grpc::Channel> channel,
                         std::string token, absl::Duration deadline,
                         absl::Duration rotate_after)
    : stub_(v1::PingService::NewStub(std::move(channel))),
      token_(std::move(token)),
      deadline_(deadline),
      rotate_after_(rotate_after) {}

PingStreams::~PingStreams() {
  std::vector<Stream*> close;
  std::unique_lock<std::mutex> lock(mu_);
  for (Stream* s : streams_) {
    if (s->Retire(absl::Now(), /*always=*/true)) close.push_back(s);
  }
  lock.unlock();
  for (Stream* s : close) s->Close();
  // Each stream ends by its deadline at the latest.
  lock.lock();
  all_done_.wait(lock, [this] { return streams_.empty(); });
}

void PingStreams::Send(v1::RecordPingsRequest batch, Done done) {
  Stream* chosen = nullptr;
  bool fresh = false;
  std::vector<Stream*> close;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Time now = absl::Now();
    uint64_t id = next_id_++;
    for (Stream* s : streams_) {
      if (!chosen && s->TryTake(id, batch, done, now)) {
        chosen = s;
      } else if (s->Retire(now, /*always=*/false)) {
        close.push_back(s);
      }
    }
    if (!chosen) {
      chosen = new Stream(*this);
      fresh = true;
      streams_.push_back(chosen);
      chosen->TryTake(id, batch, done, now);
    }
  }
  // Outside the lock, see Stream. `chosen` stays alive while its write is
  // reserved; the streams in `close` until their Close.
  for (Stream* s : close) s->Close();
  if (fresh) chosen->Begin();
  chosen->WriteTaken();
}

void PingStreams::Forget(Stream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase(streams_, stream);
  if (streams_.empty()) all_done_.notify_all();
}

}  // namespace tocsin::gateway
