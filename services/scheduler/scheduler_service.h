#ifndef TOCSIN_SCHEDULER_SCHEDULER_SERVICE_H_
#define TOCSIN_SCHEDULER_SCHEDULER_SERVICE_H_

#include <string>

#include "scheduler/job_runner.h"
#include "tocsin/v1/scheduler_service.grpc.pb.h"

namespace tocsin::scheduler {

// ListJobs / RunJob over gRPC, for tocsinctl and tests; internal token only.
class SchedulerServiceImpl final : public v1::SchedulerService::Service {
 public:
  SchedulerServiceImpl(JobRunner& runner, std::string internal_token)
      : runner_(runner), token_(std::move(internal_token)) {}

  grpc::Status ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest* req,
                        v1::ListJobsResponse* resp) override;
  grpc::Status RunJob(grpc::ServerContext* ctx, const v1::RunJobRequest* req,
                      v1::RunJobResponse* resp) override;

 private:
  grpc::Status CheckToken(const grpc::ServerContext& ctx) const;

  JobRunner& runner_;
  std::string token_;
};

}  // namespace tocsin::scheduler

#endif  // TOCSIN_SCHEDULER_SCHEDULER_SERVICE_H_
