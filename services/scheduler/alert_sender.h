#ifndef TOCSIN_SCHEDULER_ALERT_SENDER_H_
#define TOCSIN_SCHEDULER_ALERT_SENDER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "notify/notify.h"
#include "outbound/outbound.h"
#include "scheduler/config.h"
#include "scheduler/job_runner.h"
#include "tocsin/v1/alert_service.grpc.pb.h"

namespace tocsin::scheduler {

// Delay before attempt `attempt + 1` after attempt `attempt` (1-based)
// failed: base, 2*base, 4*base, ... capped at `max`.
absl::Duration RetryDelay(int attempt, absl::Duration base, absl::Duration max);

// What to record for an attempt: "ok", "retry" (a transient failure with
// attempts left) or "failed".
std::string AttemptOutcome(const outbound::Outcome& o, int attempt,
                           int max_attempts);

// The notification's facts as the templates see them.
notify::Event MakeEvent(const v1::ClaimedNotification& c,
                        const AlertConfig& config);

// The "send-alerts" job: claims due notifications (a lease per batch), sends
// each through its channel (up to `concurrency` at once), and reports every
// attempt. Many replicas may run it: claims never overlap, and a replica that
// dies leaves its claims to expire and be sent by another.
class AlertSender {
 public:
  AlertSender(std::shared_ptr<grpc::Channel> data, std::string internal_token,
              absl::Duration rpc_deadline, AlertConfig config);

  ~AlertSender();

  // Claims as many due notifications as there are free send slots and
  // starts sending them; returns without waiting for the sends.
  absl::StatusOr<JobOutcome> RunOnce();
  // Waits for the sends in progress (each ends by its timeout).
  void Drain();

  // The job for the runner: every `poll`, and at once when kicked.
  JobSpec Job();

 private:
  struct Result {
    outbound::Outcome outcome;
    std::string recorded;  // ok / retry / failed / skipped
  };
  Result Send(const v1::ClaimedNotification& c);
  void Complete(const v1::ClaimedNotification& c, absl::Time started,
                const Result& r);

  std::unique_ptr<v1::AlertService::Stub> stub_;
  std::string token_;
  absl::Duration rpc_deadline_;
  AlertConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
};

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_ALERT_SENDER_H_
