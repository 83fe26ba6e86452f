#include "scheduler/late_checks_job.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/time_format.h"
#include "metrics/metrics.h"

namespace tocsin::scheduler {

JobSpec MakeLateChecksJob(std::shared_ptr<grpc::Channel> data,
                          std::string internal_token, absl::Duration deadline,
                          absl::Duration watch_every,
                          std::function<void()> on_flips) {
  auto stub = std::shared_ptr<v1::DeadlineService::Stub>(
      v1::DeadlineService::NewStub(data));
  auto watch = [stub, internal_token,
                deadline]() -> absl::StatusOr<std::optional<absl::Time>> {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, internal_token, deadline);
    v1::GetNextDeadlineResponse resp;
    grpc::Status s = stub->GetNextDeadline(&ctx, {}, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    if (!resp.has_next_deadline()) return std::optional<absl::Time>();
    return std::optional<absl::Time>(FromProto(resp.next_deadline()));
  };
  auto run = [stub, internal_token, deadline,
              on_flips]() -> absl::StatusOr<JobOutcome> {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, internal_token, deadline);
    v1::MarkLateChecksRequest req;
    v1::MarkLateChecksResponse resp;
    grpc::Status s = stub->MarkLateChecks(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    if (resp.flips_size() > 0 && on_flips) on_flips();
    static auto& marked = metrics::DefaultRegistry().AddCounter(
        "tocsin_checks_marked_down_total",
        "Checks this replica marked down because their deadline passed.");
    marked.With({}).Inc(resp.flips_size());
    JobOutcome out;
    out.message = absl::StrCat("marked ", resp.flips_size(), " checks down");
    out.quiet = resp.flips_size() == 0;
    if (resp.intake_down()) {
      absl::StrAppend(&out.message,
                      "; waiting: ping intake is down, so late checks "
                      "are not marked");
    }
    if (resp.has_next_deadline()) {
      out.next_run = FromProto(resp.next_deadline());
      absl::StrAppend(&out.message, "; next deadline ",
                      FormatUtcZ(*out.next_run));
    }
    out.run_again_now = resp.more();
    return out;
  };
  return JobSpec{"late-checks", Trigger::AtDeadlines(watch, watch_every), run};
}

}  // namespace tocsin::scheduler
