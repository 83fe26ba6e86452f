#include "scheduler/maintenance_jobs.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/grpc_util.h"
#include "common/instance.h"
#include "common/log.h"
#include "common/time_format.h"
#include "notify/notify.h"
#include "outbound/outbound.h"
#include "tocsin/v1/project_service.grpc.pb.h"
#include "tocsin/v1/system_service.grpc.pb.h"

namespace tocsin::scheduler {
namespace {
constexpr int kReportsPerClaim = 20;
}  // namespace

JobSpec WithLease(JobSpec job, std::shared_ptr<grpc::Channel> data,
                  std::string internal_token, absl::Duration rpc_deadline,
                  absl::Duration ttl) {
  auto stub = std::shared_ptr<v1::SystemService::Stub>(
      v1::SystemService::NewStub(data));
  auto inner = job.run;
  std::string name = job.name;
  job.run = [=]() -> absl::StatusOr<JobOutcome> {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, internal_token, rpc_deadline);
    v1::AcquireJobLeaseRequest req;
    req.set_job(name);
    req.set_instance(InstanceName());
    *req.mutable_ttl() = ToProto(ttl);
    v1::AcquireJobLeaseResponse resp;
    grpc::Status s = stub->AcquireJobLease(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    if (!resp.granted()) {
      JobOutcome out;
      out.message = absl::StrCat("skipped: ", resp.holder(), " holds the lease");
      out.quiet = true;
      return out;
    }
    auto outcome = inner();
    // Done: shorten the lease to a second, so another replica (or this
    // one restarted under a new name) need not wait out the whole TTL. A
    // replica that dies mid-run leaves it until the TTL ends.
    grpc::ClientContext release;
    PrepareInternalCall(release, internal_token, rpc_deadline);
    *req.mutable_ttl() = ToProto(absl::Seconds(1));
    (void)stub->AcquireJobLease(&release, req, &resp);
    return outcome;
  };
  return job;
}

JobSpec MakePruneJob(std::shared_ptr<grpc::Channel> data,
                     const SchedulerConfig& config) {
  auto stub = std::shared_ptr<v1::SystemService::Stub>(
      v1::SystemService::NewStub(data));
  std::string token = config.internal_token;
  absl::Duration keep_flips = config.keep_flips;
  absl::Duration keep_notifications = config.keep_notifications;
  auto run = [=]() -> absl::StatusOr<JobOutcome> {
    grpc::ClientContext ctx;
    // Deleting many rows may take longer than an ordinary call.
    PrepareInternalCall(ctx, token, absl::Minutes(10));
    v1::PruneRequest req;
    *req.mutable_keep_flips() = ToProto(keep_flips);
    *req.mutable_keep_notifications() = ToProto(keep_notifications);
    v1::PruneResponse resp;
    grpc::Status s = stub->Prune(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    JobOutcome out;
    out.message = resp.summary();
    return out;
  };
  auto trigger = Trigger::Cron(config.prune_schedule);
  JobSpec job{"prune", trigger.ok() ? *trigger : Trigger::Every(absl::Hours(1)),
              run};
  // The lease outlives a long run; a crashed holder frees it after that.
  return WithLease(std::move(job), data, config.internal_token,
                   config.rpc_deadline, absl::Minutes(15));
}

// A job that sends email every TOCSIN_REPORTS_EVERY; the lease keeps it on
// one replica at a time, as every maintenance job.
static JobSpec EmailJob(const char* name, std::function<absl::StatusOr<JobOutcome>()> run,
                 std::shared_ptr<grpc::Channel> data, const SchedulerConfig& config) {
  return WithLease(JobSpec{name, Trigger::Every(config.reports_every), std::move(run)}, data,
                   config.internal_token, config.rpc_deadline,
                   std::max(absl::Seconds(3), 3 * config.reports_every));
}

JobSpec MakeInvitationMailsJob(std::shared_ptr<grpc::Channel> data,
                               const SchedulerConfig& config) {
  auto stub = std::shared_ptr<v1::ProjectService::Stub>(
      v1::ProjectService::NewStub(data));
  std::string token = config.internal_token;
  absl::Duration deadline = config.rpc_deadline;
  AlertConfig alerts = config.alerts;
  auto run = [=]() -> absl::StatusOr<JobOutcome> {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, token, deadline);
    v1::ClaimInvitationMailsRequest req;
    req.set_limit(kReportsPerClaim);
    *req.mutable_lease() = ToProto(absl::Minutes(2));
    v1::ClaimInvitationMailsResponse resp;
    grpc::Status s = stub->ClaimInvitationMails(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    int sent = 0, failed = 0;
    for (const auto& m : resp.mails()) {
      outbound::Outcome o;
      if (alerts.smtp.host.empty()) {
        o.detail = "EMAIL_HOST is empty";
      } else {
        notify::EmailMessage mail = notify::RenderInvitation(
            m.email(), m.inviter(), m.project_name(), m.role(),
            absl::StrCat(alerts.urls.site_root, "/invitations/", m.token()), alerts.site_name,
            m.language().empty() ? alerts.language : m.language());
        o = outbound::SendEmail(alerts.smtp, outbound::Email{mail.to, mail.subject, mail.text,
                                                             mail.html});
      }
      // Never the token or the address's link in the log.
      log::Write(o.ok ? log::Level::kInfo : log::Level::kWarning, "invitation email",
                 {{"invitation", m.id()}, {"attempt", int64_t{m.attempt()}}, {"ok", o.ok},
                  {"code", int64_t{o.code}}, {"detail", o.detail}});
      grpc::ClientContext done_ctx;
      PrepareInternalCall(done_ctx, token, deadline);
      v1::CompleteInvitationMailRequest done;
      done.set_id(m.id());
      done.set_sent(o.ok);
      v1::CompleteInvitationMailResponse ignored;
      // A lost report only means one more email after the lease.
      (void)stub->CompleteInvitationMail(&done_ctx, done, &ignored);
      (o.ok ? sent : failed)++;
    }
    JobOutcome out;
    out.message = absl::StrCat("invitation emails sent ", sent, ", failed ", failed);
    out.quiet = resp.mails().empty();
    out.run_again_now = resp.mails_size() >= kReportsPerClaim;
    return out;
  };
  // Claims keep two replicas from mailing one invitation.
  return EmailJob("invitation-emails", run, data, config);
}

JobSpec MakeReportsJob(std::shared_ptr<grpc::Channel> data,
                       const SchedulerConfig& config) {
  auto stub = std::shared_ptr<v1::ProjectService::Stub>(
      v1::ProjectService::NewStub(data));
  std::string token = config.internal_token;
  absl::Duration deadline = config.rpc_deadline;
  AlertConfig alerts = config.alerts;
  auto run = [=]() -> absl::StatusOr<JobOutcome> {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, token, deadline);
    v1::ClaimDueReportsRequest req;
    req.set_limit(kReportsPerClaim);
    v1::ClaimDueReportsResponse resp;
    grpc::Status s = stub->ClaimDueReports(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    int sent = 0, failed = 0, quiet = 0;
    for (const auto& r : resp.reports()) {
      if (r.down().empty() || r.recipients().empty()) {
        ++quiet;
        continue;
      }
      if (alerts.smtp.host.empty()) {
        log::Warning("email report not sent: EMAIL_HOST is empty",
                     {{"project", r.project().uuid()}});
        ++failed;
        continue;
      }
      std::vector<notify::ReportLine> lines;
      for (const auto& c : r.down()) {
        notify::ReportLine line;
        line.name = c.name().empty() ? c.uuid() : c.name();
        line.status = "down";
        if (c.has_last_ping()) line.last_ping = FromProto(c.last_ping());
        line.url = absl::StrCat(alerts.urls.site_root, "/checks/", c.uuid(),
                                "/details/");
        lines.push_back(std::move(line));
      }
      // One message per address: recipients do not see each other, and one
      // refused address does not stop the others.
      std::set<std::string> to(r.recipients().begin(), r.recipients().end());
      for (const std::string& addr : to) {
        notify::EmailMessage mail =
            notify::RenderReport({addr}, r.project().name(), lines,
                                 absl::Now(), alerts.site_name, alerts.language);
        outbound::Outcome o = outbound::SendEmail(
            alerts.smtp, outbound::Email{mail.to, mail.subject, mail.text,
                                         mail.html});
        log::Write(o.ok ? log::Level::kInfo : log::Level::kWarning,
                   "email report", {{"project", r.project().uuid()},
                                    {"down", int64_t{r.down_size()}},
                                    {"ok", o.ok},
                                    {"code", int64_t{o.code}},
                                    {"detail", o.detail}});
        (o.ok ? sent : failed)++;
      }
    }
    JobOutcome out;
    out.message = absl::StrCat("reports sent ", sent, ", failed ", failed,
                               ", nothing to report ", quiet);
    out.quiet = resp.reports().empty();
    out.run_again_now = resp.reports_size() >= kReportsPerClaim;
    return out;
  };
  // Claims already keep two replicas from sending one report.
  return EmailJob("email-reports", run, data, config);
}

}  // namespace tocsin::scheduler
