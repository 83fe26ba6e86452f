#include "common/heartbeat.h"

#include "common/grpc_util.h"
#include "common/instance.h"
#include "common/log.h"
#include "common/time_format.h"

namespace tocsin {

Heartbeater::Heartbeater(std::shared_ptr<grpc::Channel> data,
                         std::string internal_token, std::string component,
                         absl::Duration every, absl::Duration rpc_deadline,
                         std::function<void(v1::HeartbeatRequest&)> fill)
    : stub_(v1::SystemService::NewStub(data)),
      token_(std::move(internal_token)),
      component_(std::move(component)),
      every_(every),
      rpc_deadline_(std::min(rpc_deadline, every * 2)),
      fill_(std::move(fill)),
      started_(absl::Now()) {}

Heartbeater::~Heartbeater() { Stop(); }

void Heartbeater::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Heartbeater::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Heartbeater::Loop() {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    v1::HeartbeatRequest req;
    req.set_component(component_);
    req.set_instance(InstanceName());
    *req.mutable_started() = ToProto(started_);
    *req.mutable_every() = ToProto(every_);
    if (fill_) fill_(req);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, token_, rpc_deadline_);
    v1::HeartbeatResponse resp;
    grpc::Status s = stub_->Heartbeat(&ctx, req, &resp);
    // Log changes only: a data service that is away is reported by others.
    if (!s.ok() && !failing) {
      log::Warning("heartbeat not recorded", {{"error", s.error_message()}});
    } else if (s.ok() && failing) {
      log::Info("heartbeat recorded again");
    }
    failing = !s.ok();
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoMicroseconds(every_),
                 [this] { return stopping_; });
  }
}

}  // namespace tocsin
