// PingService.StreamPings: the gateway's ping batches on a long-lived stream.
//
// Threads: reads and their reactions run on gRPC's threads, answers arrive
// on the batcher's flusher threads. State is guarded by `mu_`, and no gRPC
// operation is started with it held: gRPC may run a reaction inline inside
// the call that starts an operation, and the reaction takes `mu_` itself.
// The object stays alive while an operation is about to start because
// Finish, which OnDone (the deletion) waits for, is only called when none
// is reserved: a batch in flight or a write under way blocks it.

#include <deque>
#include <memory>

#include "common/log.h"
#include "data/services.h"

namespace tocsin::data {

class PingStream final
    : public grpc::ServerBidiReactor<v1::PingStreamRequest,
                                     v1::PingStreamResponse> {
 public:
  explicit PingStream(PingServiceImpl& service) : service_(service) {}

  // Starts reading, or ends the stream at once with `refused`.
  void Begin(const absl::Status& refused) {
    if (!refused.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        closing_ = finished_ = true;
      }
      Finish(Reply(refused, "StreamPings"));
      return;
    }
    StartRead(&in_);
  }

  // Stops reading; the stream ends (UNAVAILABLE) once what it has read is
  // answered. Returns true when the caller must call Finish now (nothing in
  // flight): it then holds the only right to.
  bool RequestStop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return false;
    closing_ = true;
    status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                           "the data service is shutting down");
    return TakeFinishLocked();
  }

  void FinishNow() { Finish(status_); }

  void OnReadDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ok || closing_) {
      // The client is done sending (or gone), or we are stopping.
      closing_ = true;
      bool finish = TakeFinishLocked();
      lock.unlock();
      if (finish) Finish(status_);
      return;
    }
    if (in_.batch().pings_size() > kMaxPingsPerBatch) {
      closing_ = true;
      status_ = Reply(absl::InvalidArgumentError(
                          "at most 5000 pings per batch"), "StreamPings");
      bool finish = TakeFinishLocked();
      lock.unlock();
      if (finish) Finish(status_);
      return;
    }
    ++in_flight_;
    lock.unlock();
    auto out = std::make_unique<v1::PingStreamResponse>();
    out->set_batch_id(in_.batch_id());
    v1::RecordPingsResponse* results = out->mutable_batch();
    // RecordBatch copies what it needs from `in_` before it returns, so the
    // next read may reuse it.
    service_.RecordBatch(in_.batch(), results,
                         [this, out = out.release()] { Answer(out); });
    lock.lock();
    bool read = !closing_;
    lock.unlock();
    if (read) StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    outbox_.pop_front();
    if (!ok) {
      // The stream is broken: the client gets no more answers, and treats
      // its batches as failed (never acknowledged).
      outbox_.clear();
      closing_ = true;
    }
    if (!outbox_.empty()) {
      const v1::PingStreamResponse* next = outbox_.front().get();
      lock.unlock();
      StartWrite(next);
      return;
    }
    writing_ = false;
    bool finish = TakeFinishLocked();
    lock.unlock();
    if (finish) Finish(status_);
  }

  void OnDone() override {
    service_.Forget(this);
    delete this;
  }

 private:
  // A batch's results, on a flusher thread (or at once when none was valid).
  void Answer(v1::PingStreamResponse* out) {
    std::unique_lock<std::mutex> lock(mu_);
    --in_flight_;
    outbox_.emplace_back(out);
    if (writing_) return;  // OnWriteDone sends it.
    writing_ = true;
    lock.unlock();
    StartWrite(out);
  }

  // With mu_: whether the stream may finish now; if so, marks it finished.
  bool TakeFinishLocked() {
    if (finished_ || !closing_ || in_flight_ > 0 || writing_) return false;
    finished_ = true;
    return true;
  }

  PingServiceImpl& service_;
  v1::PingStreamRequest in_;  // Owned by the read under way.
  std::mutex mu_;
  bool closing_ = false;   // No more batches are taken.
  bool finished_ = false;  // Finish called (or reserved).
  bool writing_ = false;   // A write under way (or reserved).
  int in_flight_ = 0;      // Batches read and not yet answered.
  std::deque<std::unique_ptr<v1::PingStreamResponse>> outbox_;  // Front: writing.
  grpc::Status status_;  // The stream's final status.
};

grpc::ServerBidiReactor<v1::PingStreamRequest, v1::PingStreamResponse>*
PingServiceImpl::StreamPings(grpc::CallbackServerContext* ctx) {
  auto* stream = new PingStream(*this);
  absl::Status refused = auth_.RequireInternal(*ctx);
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_.insert(stream);
    if (refused.ok() && streams_stopped_) {
      refused = absl::UnavailableError("the data service is shutting down");
    }
  }
  stream->Begin(refused);
  return stream;
}

void PingServiceImpl::StopStreams() {
  std::vector<PingStream*> finish;
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_stopped_ = true;
    for (PingStream* s : streams_) {
      if (s->RequestStop()) finish.push_back(s);
    }
  }
  // Outside the lock: Finish may run OnDone, which takes it (Forget). Each
  // stream here lives until its Finish, which only this loop calls.
  for (PingStream* s : finish) s->FinishNow();
}

void PingServiceImpl::Forget(PingStream* stream) {
  std::lock_guard<std::mutex> lock(streams_mu_);
  streams_.erase(stream);
}

}  // namespace tocsin::data
