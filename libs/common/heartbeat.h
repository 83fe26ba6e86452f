#ifndef TOCSIN_COMMON_HEARTBEAT_H_
#define TOCSIN_COMMON_HEARTBEAT_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tocsin/v1/system_service.grpc.pb.h"

namespace tocsin {

// Sends this replica's heartbeat to the data service every `every`, on its
// own thread. Gateway heartbeats double as the proof that pings can be
// recorded (see SystemService.Heartbeat).
class Heartbeater {
 public:
  // `fill` may add details (a scheduler's jobs) to each heartbeat.
  Heartbeater(std::shared_ptr<grpc::Channel> data, std::string internal_token,
              std::string component, absl::Duration every,
              absl::Duration rpc_deadline,
              std::function<void(v1::HeartbeatRequest&)> fill = {});
  ~Heartbeater();

  void Start();
  void Stop();

 private:
  void Loop();

  std::unique_ptr<v1::SystemService::Stub> stub_;
  std::string token_;
  std::string component_;
  absl::Duration every_;
  absl::Duration rpc_deadline_;
  std::function<void(v1::HeartbeatRequest&)> fill_;
  absl::Time started_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tocsin

#endif  // TOCSIN_COMMON_HEARTBEAT_H_
