#ifndef TOCSIN_SCHEDULER_MAINTENANCE_JOBS_H_
#define TOCSIN_SCHEDULER_MAINTENANCE_JOBS_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "scheduler/config.h"
#include "scheduler/job_runner.h"

namespace tocsin::scheduler {

// Wraps a job so that only the replica holding its lease (taken through the
// data service for `ttl`, which must cover a run) runs it; the others log
// that they skipped. The lease is given up when the run ends.
JobSpec WithLease(JobSpec job, std::shared_ptr<grpc::Channel> data,
                  std::string internal_token, absl::Duration rpc_deadline,
                  absl::Duration ttl);

// "prune": pings beyond the per-check limit, old flips and notifications.
JobSpec MakePruneJob(std::shared_ptr<grpc::Channel> data,
                     const SchedulerConfig& config);

// "email-reports": the opt-in hourly/daily email of a project's down checks.
// Each due report is claimed by one replica.
// Mails invitation links as the dashboard creates them (every
// TOCSIN_REPORTS_EVERY).
JobSpec MakeInvitationMailsJob(std::shared_ptr<grpc::Channel> data,
                               const SchedulerConfig& config);
JobSpec MakeReportsJob(std::shared_ptr<grpc::Channel> data,
                       const SchedulerConfig& config);

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_MAINTENANCE_JOBS_H_
