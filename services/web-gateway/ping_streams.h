#ifndef TOCSIN_GATEWAY_PING_STREAMS_H_
#define TOCSIN_GATEWAY_PING_STREAMS_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tocsin/v1/ping_service.grpc.pb.h"

namespace tocsin::gateway {

// Sends ping batches to the data service on long-lived StreamPings streams
// instead of a RecordPings call each: a call's setup (its stream, metadata,
// deadline timer, status) cost both services more CPU than the batch's
// messages. Each stream carries one batch at a time, so there are as many
// streams as batches in flight (PingBatcher bounds them), and round robin
// spreads new streams over the data replicas.
//
// A stream takes new batches for `rotate_after` after it opened, then ends
// once idle, so streams follow the channel's view of the replicas (and the
// servers' connection age limit). A stream's deadline is `rotate_after` +
// `deadline`: a batch gets between `deadline` and that to be answered. A
// stream that ends fails its unanswered batches with the stream's status
// (UNAVAILABLE when the replica went away or shuts down): never
// acknowledged.
class PingStreams {
 public:
  using Done = std::function<void(absl::StatusOr<v1::RecordPingsResponse>)>;

  PingStreams(std::shared_ptr<grpc::Channel> channel, std::string token,
              absl::Duration deadline,
              absl::Duration rotate_after = absl::Seconds(1));
  // Ends the open streams and waits for them (at most `deadline`).
  ~PingStreams();

  // `done` runs once, on a gRPC thread, with the batch's results or the
  // status that failed it.
  void Send(v1::RecordPingsRequest batch, Done done);

 private:
  class Stream;
  friend class Stream;
  void Forget(Stream* stream);

  std::unique_ptr<v1::PingService::Stub> stub_;
  const std::string token_;
  const absl::Duration deadline_;
  const absl::Duration rotate_after_;
  std::mutex mu_;
  std::condition_variable all_done_;
  std::vector<Stream*> streams_;  // Open streams.
  uint64_t next_id_ = 1;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_PING_STREAMS_H_
