#include "scheduler/scheduler_service.h"

#include "absl/strings/match.h"
#include "common/crypto.h"
#include "common/grpc_util.h"
#include "common/time_format.h"

namespace tocsin::scheduler {
namespace {

void ToProto(const JobRunRecord& r, v1::JobRun* out) {
  *out->mutable_started() = tocsin::ToProto(r.started);
  *out->mutable_duration() = tocsin::ToProto(r.duration);
  out->set_ok(r.ok);
  out->set_message(r.message);
}

}  // namespace

grpc::Status SchedulerServiceImpl::CheckToken(
    const grpc::ServerContext& ctx) const {
  if (HasInternalToken(ctx, token_)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "this call needs the internal token");
}

grpc::Status SchedulerServiceImpl::ListJobs(grpc::ServerContext* ctx,
                                            const v1::ListJobsRequest*,
                                            v1::ListJobsResponse* resp) {
  if (auto s = CheckToken(*ctx); !s.ok()) return s;
  for (const auto& j : runner_.List()) {
    v1::Job* job = resp->add_jobs();
    job->set_name(j.name);
    job->set_schedule(j.schedule);
    if (j.last_run) ToProto(*j.last_run, job->mutable_last_run());
    if (j.next_run && *j.next_run != absl::InfiniteFuture()) {
      *job->mutable_next_run() = tocsin::ToProto(*j.next_run);
    }
    job->set_running(j.running);
  }
  return grpc::Status::OK;
}

grpc::Status SchedulerServiceImpl::RunJob(grpc::ServerContext* ctx,
                                          const v1::RunJobRequest* req,
                                          v1::RunJobResponse* resp) {
  if (auto s = CheckToken(*ctx); !s.ok()) return s;
  absl::Duration timeout = absl::Minutes(10);
  if (absl::Time d = CallerDeadline(*ctx); d != absl::InfiniteFuture()) {
    timeout = d - absl::Now();
  }
  auto run = runner_.RunNow(req->name(), timeout);
  if (!run.ok()) return ToGrpcStatus(run.status());
  ToProto(*run, resp->mutable_run());
  return grpc::Status::OK;
}

}  // namespace tocsin::scheduler
