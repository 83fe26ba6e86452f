#ifndef TOCSIN_SCHEDULER_LATE_CHECKS_JOB_H_
#define TOCSIN_SCHEDULER_LATE_CHECKS_JOB_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "scheduler/job_runner.h"
#include "tocsin/v1/deadline_service.grpc.pb.h"

namespace tocsin::scheduler {

// Late-check detection: asks the data service to apply the deadline rule to
// the checks whose deadline has passed (the rule itself lives there), then
// sleeps until the next deadline it reports. Between runs it watches for new,
// earlier deadlines (a ping to a fast check) every `watch_every`.
// `on_flips` runs after a call that marked checks down (to wake the sender).
JobSpec MakeLateChecksJob(std::shared_ptr<grpc::Channel> data,
                          std::string internal_token, absl::Duration deadline,
                          absl::Duration watch_every,
                          std::function<void()> on_flips = {});

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_LATE_CHECKS_JOB_H_
