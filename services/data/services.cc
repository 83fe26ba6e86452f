#include "data/services.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/grpc_util.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "metrics/metrics.h"

namespace tocsin::data {
namespace {

// How many pings ListPings returns, as Healthchecks does for its own plans.
constexpr int kPingsListed = 100;

metrics::Family<metrics::Counter>& FlipCounter() {
  static auto& flips = metrics::DefaultRegistry().AddCounter(
      "tocsin_flips_total", "Status changes written, by new status.", {"to"});
  return flips;
}

}  // namespace

// Logs server-side failures (not the caller's mistakes) once, here.
grpc::Status Reply(const absl::Status& s, std::string_view rpc) {
  if (!s.ok() && (s.code() == absl::StatusCode::kInternal ||
                  s.code() == absl::StatusCode::kUnavailable ||
                  s.code() == absl::StatusCode::kUnknown)) {
    log::Error("rpc failed", {{"rpc", rpc}, {"error", s.ToString()}});
  }
  return ToGrpcStatus(s);
}

grpc::Status CheckServiceImpl::ListChecks(grpc::ServerContext* ctx,
                                          const v1::ListChecksRequest* req,
                                          v1::ListChecksResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/false);
  if (!caller.ok()) return Reply(caller.status(), "ListChecks");
  std::vector<std::string> tags(req->tags().begin(), req->tags().end());
  std::optional<std::string> slug;
  if (req->has_slug()) slug = req->slug();
  auto checks = store_.ListChecks(caller->project, tags, slug,
                                  caller->read_only, absl::Now());
  if (!checks.ok()) return Reply(checks.status(), "ListChecks");
  for (auto& c : *checks) *resp->add_checks() = std::move(c);
  resp->set_caller_read_only(caller->read_only);
  return grpc::Status::OK;
}

grpc::Status CheckServiceImpl::GetCheck(grpc::ServerContext* ctx,
                                        const v1::GetCheckRequest* req,
                                        v1::GetCheckResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/false);
  if (!caller.ok()) return Reply(caller.status(), "GetCheck");
  // A read-only caller may only use unique keys: it never saw a UUID.
  auto check = store_.GetCheck(caller->project, req->id(), caller->read_only,
                               absl::Now());
  if (!check.ok()) return Reply(check.status(), "GetCheck");
  *resp->mutable_check() = std::move(*check);
  return grpc::Status::OK;
}

grpc::Status CheckServiceImpl::CreateCheck(grpc::ServerContext* ctx,
                                           const v1::CreateCheckRequest* req,
                                           v1::CreateCheckResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "CreateCheck");
  std::vector<std::string> unique(req->unique().begin(), req->unique().end());
  auto out = store_.CreateCheck(caller->project, req->spec(), unique,
                                absl::Now());
  if (!out.ok()) return Reply(out.status(), "CreateCheck");
  *resp->mutable_check() = std::move(out->check);
  resp->set_created(out->created);
  return grpc::Status::OK;
}

// The write operations on one check share their shape: authenticate with a
// read-write key, run the store operation, return the check.
template <typename Req, typename Resp, typename Op>
grpc::Status CheckWrite(Authenticator& auth, grpc::ServerContext* ctx,
                        const Req* req, Resp* resp, std::string_view rpc,
                        Op op) {
  return ForProject(auth, ctx, req, /*write=*/true, rpc, resp->mutable_check(),
                    op);
}

grpc::Status CheckServiceImpl::UpdateCheck(grpc::ServerContext* ctx,
                                           const v1::UpdateCheckRequest* req,
                                           v1::UpdateCheckResponse* resp) {
  return CheckWrite(auth_, ctx, req, resp, "UpdateCheck", [&](auto& project) {
    return store_.UpdateCheck(project, req->id(), req->spec(), absl::Now());
  });
}

grpc::Status CheckServiceImpl::PauseCheck(grpc::ServerContext* ctx,
                                          const v1::PauseCheckRequest* req,
                                          v1::PauseCheckResponse* resp) {
  return CheckWrite(auth_, ctx, req, resp, "PauseCheck", [&](auto& project) {
    return store_.PauseCheck(project, req->id(), absl::Now());
  });
}

grpc::Status CheckServiceImpl::ResumeCheck(grpc::ServerContext* ctx,
                                           const v1::ResumeCheckRequest* req,
                                           v1::ResumeCheckResponse* resp) {
  return CheckWrite(auth_, ctx, req, resp, "ResumeCheck", [&](auto& project) {
    return store_.ResumeCheck(project, req->id(), absl::Now());
  });
}

grpc::Status CheckServiceImpl::DeleteCheck(grpc::ServerContext* ctx,
                                           const v1::DeleteCheckRequest* req,
                                           v1::DeleteCheckResponse* resp) {
  return CheckWrite(auth_, ctx, req, resp, "DeleteCheck", [&](auto& project) {
    return store_.DeleteCheck(project, req->id(), absl::Now());
  });
}

grpc::Status CheckServiceImpl::ListPings(grpc::ServerContext* ctx,
                                         const v1::ListPingsRequest* req,
                                         v1::ListPingsResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "ListPings");
  auto pings = store_.ListPings(caller->project, req->id(), kPingsListed);
  if (!pings.ok()) return Reply(pings.status(), "ListPings");
  for (auto& p : *pings) *resp->add_pings() = std::move(p);
  return grpc::Status::OK;
}

grpc::Status CheckServiceImpl::GetPingBody(grpc::ServerContext* ctx,
                                           const v1::GetPingBodyRequest* req,
                                           v1::GetPingBodyResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "GetPingBody");
  auto body = store_.GetPingBody(caller->project, req->id(), req->n());
  if (!body.ok()) return Reply(body.status(), "GetPingBody");
  resp->set_body(std::move(*body));
  return grpc::Status::OK;
}

grpc::Status CheckServiceImpl::ListFlips(grpc::ServerContext* ctx,
                                         const v1::ListFlipsRequest* req,
                                         v1::ListFlipsResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/false);
  if (!caller.ok()) return Reply(caller.status(), "ListFlips");
  std::optional<absl::Time> start, end;
  absl::Time now = absl::Now();
  if (req->has_seconds()) {
    if (req->seconds() < 1 || req->seconds() > 31536000) {
      return Reply(absl::InvalidArgumentError(
                       "seconds must be between 1 and 31536000"),
                   "ListFlips");
    }
    start = now - absl::Seconds(req->seconds());
  }
  if (req->has_start()) {
    absl::Time s = FromProto(req->start());
    start = start ? std::max(*start, s) : s;
  }
  if (req->has_end()) end = FromProto(req->end());
  // A read-only caller addresses checks by unique key only.
  auto flips = store_.ListFlips(caller->project, req->id(), start, end);
  if (!flips.ok()) return Reply(flips.status(), "ListFlips");
  for (auto& f : *flips) *resp->add_flips() = std::move(f);
  return grpc::Status::OK;
}

grpc::Status CheckServiceImpl::ListChannels(grpc::ServerContext* ctx,
                                            const v1::ListChannelsRequest* req,
                                            v1::ListChannelsResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "ListChannels");
  auto channels = store_.ListChannels(caller->project);
  if (!channels.ok()) return Reply(channels.status(), "ListChannels");
  for (auto& c : *channels) *resp->add_channels() = std::move(c);
  return grpc::Status::OK;
}

grpc::Status BadgeServiceImpl::ListBadgeTags(
    grpc::ServerContext* ctx, const v1::ListBadgeTagsRequest* req,
    v1::ListBadgeTagsResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/false);
  if (!caller.ok()) return Reply(caller.status(), "ListBadgeTags");
  auto out = store_.ListBadgeTags(caller->project);
  if (!out.ok()) return Reply(out.status(), "ListBadgeTags");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status BadgeServiceImpl::GetBadgeCounts(
    grpc::ServerContext* ctx, const v1::GetBadgeCountsRequest* req,
    v1::GetBadgeCountsResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "GetBadgeCounts");
  }
  auto out = store_.GetBadgeCounts(*req, absl::Now());
  if (!out.ok()) return Reply(out.status(), "GetBadgeCounts");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

namespace {

metrics::Family<metrics::Counter>& PingCounter() {
  static auto& recorded = metrics::DefaultRegistry().AddCounter(
      "tocsin_pings_recorded_total",
      "Pings committed, by how they were classified.", {"kind"});
  return recorded;
}

}  // namespace

absl::StatusOr<PingInput> PingFromRequest(const v1::RecordPingRequest& req,
                                          int body_limit) {
  PingInput in;
  switch (req.target_case()) {
    case v1::RecordPingRequest::kCheckUuid:
      if (!IsCanonicalUuid(req.check_uuid())) {
        return absl::InvalidArgumentError("invalid url format");
      }
      in.check_uuid = absl::AsciiStrToLower(req.check_uuid());
      break;
    case v1::RecordPingRequest::kSlug:
      if (!IsStorableText(req.slug().ping_key()) ||
          !IsStorableText(req.slug().slug()) ||
          req.slug().ping_key().size() > 128 || req.slug().slug().size() > 200) {
        return absl::InvalidArgumentError("invalid url format");
      }
      in.ping_key = req.slug().ping_key();
      in.slug = req.slug().slug();
      in.create = req.create();
      break;
    default:
      return absl::InvalidArgumentError("ping has no target");
  }
  switch (req.kind()) {
    case v1::PING_KIND_SUCCESS:
    case v1::PING_KIND_START:
    case v1::PING_KIND_FAIL:
    case v1::PING_KIND_LOG:
      in.kind = req.kind();
      break;
    default:
      return absl::InvalidArgumentError("invalid ping kind");
  }
  if (req.has_exit_status()) {
    if (req.exit_status() < 0 || req.exit_status() > 255) {
      return absl::InvalidArgumentError("invalid url format");
    }
    in.exit_status = req.exit_status();
  }
  if (!req.rid().empty()) {
    if (!IsCanonicalUuid(req.rid())) {
      return absl::InvalidArgumentError("invalid rid");
    }
    in.rid = absl::AsciiStrToLower(req.rid());
  }
  // The gateway cuts bodies to the limit; cut again so no caller can store
  // more than the operator allowed.
  in.body = req.body().substr(
      0, std::min<size_t>(req.body().size(), static_cast<size_t>(body_limit)));
  // Headers are the client's bytes: store them as valid text, bounded.
  in.method = ToStorableText(req.method(), 16);
  in.scheme = ToStorableText(req.scheme(), 8);
  in.remote_addr = ToStorableText(req.remote_addr(), 64);
  in.user_agent = ToStorableText(req.user_agent(), 200);
  return in;
}

void CountPing(const PingOutcome& out) {
  // One child per kind, looked up once: the registry's rule for hot paths
  // (every ping comes here).
  static const auto by_kind = [] {
    std::array<metrics::Counter*, v1::PingKind_ARRAYSIZE> children;
    for (int k = 0; k < v1::PingKind_ARRAYSIZE; ++k) {
      children[k] = &PingCounter().With({PingKindName(v1::PingKind(k))});
    }
    return children;
  }();
  const int k = static_cast<int>(out.kind);
  if (k >= 0 && k < v1::PingKind_ARRAYSIZE) {
    by_kind[k]->Inc();
  } else {
    PingCounter().With({PingKindName(out.kind)}).Inc();
  }
  if (!out.flipped_to.empty()) FlipCounter().With({out.flipped_to}).Inc();
}

grpc::ServerUnaryReactor* PingServiceImpl::RecordPing(
    grpc::CallbackServerContext* ctx, const v1::RecordPingRequest* req,
    v1::RecordPingResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    reactor->Finish(Reply(s, "RecordPing"));
    return reactor;
  }
  auto in = PingFromRequest(*req, body_limit_);
  if (!in.ok()) {
    reactor->Finish(Reply(in.status(), "RecordPing"));
    return reactor;
  }
  std::vector<PingInput> one;
  one.push_back(std::move(*in));
  batcher_.Record(std::move(one), [reactor, resp](PingBatcher::Results outs) {
    auto& out = outs[0];
    if (!out.ok()) return reactor->Finish(Reply(out.status(), "RecordPing"));
    CountPing(*out);
    resp->set_created(out->created);
    resp->set_kind(out->kind);
    reactor->Finish(grpc::Status::OK);
  }, CallerDeadline(*ctx), [ctx] { return ctx->IsCancelled(); });
  return reactor;
}

grpc::ServerUnaryReactor* PingServiceImpl::RecordPings(
    grpc::CallbackServerContext* ctx, const v1::RecordPingsRequest* req,
    v1::RecordPingsResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    reactor->Finish(Reply(s, "RecordPings"));
    return reactor;
  }
  if (req->pings_size() > kMaxPingsPerCall) {
    reactor->Finish(Reply(absl::InvalidArgumentError(absl::StrCat(
                              "at most ", kMaxPingsPerCall, " pings per call")),
                          "RecordPings"));
    return reactor;
  }
  // Bad members fail alone; the rest go to the batcher together.
  std::vector<PingInput> inputs;
  std::vector<int> index;
  inputs.reserve(req->pings_size());
  index.reserve(req->pings_size());
  for (int i = 0; i < req->pings_size(); ++i) {
    v1::PingResult* r = resp->add_results();
    auto in = PingFromRequest(req->pings(i), body_limit_);
    if (!in.ok()) {
      r->set_code(static_cast<int>(in.status().code()));
      r->set_message(std::string(in.status().message()));
      continue;
    }
    inputs.push_back(std::move(*in));
    index.push_back(i);
  }
  if (inputs.empty()) {
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  batcher_.Record(std::move(inputs), [reactor, resp, index = std::move(index)](
                                         PingBatcher::Results outs) {
    for (size_t j = 0; j < outs.size(); ++j) {
      v1::PingResult* r = resp->mutable_results(index[j]);
      if (!outs[j].ok()) {
        if (absl::IsInternal(outs[j].status()) ||
            absl::IsUnavailable(outs[j].status())) {
          Reply(outs[j].status(), "RecordPings");  // Logged once per member.
        }
        r->set_code(static_cast<int>(outs[j].status().code()));
        r->set_message(std::string(outs[j].status().message()));
        continue;
      }
      CountPing(*outs[j]);
      r->mutable_response()->set_created(outs[j]->created);
      r->mutable_response()->set_kind(outs[j]->kind);
    }
    reactor->Finish(grpc::Status::OK);
  }, CallerDeadline(*ctx), [ctx] { return ctx->IsCancelled(); });
  return reactor;
}

grpc::Status ProjectServiceImpl::CreateProject(
    grpc::ServerContext* ctx, const v1::CreateProjectRequest* req,
    v1::CreateProjectResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "CreateProject");
  }
  if (req->name().empty() || req->name().size() > 100 ||
      !IsStorableText(req->name())) {
    return Reply(absl::InvalidArgumentError(
                     "project name must be 1 to 100 characters"),
                 "CreateProject");
  }
  auto out = store_.CreateProject(req->name(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "CreateProject");
  *resp = std::move(*out);
  log::Info("project created", {{"project", resp->project().uuid()}});
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Migrate(grpc::ServerContext* ctx,
                                       const v1::MigrateRequest* req,
                                       v1::MigrateResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "Migrate");
  auto out = store_.Migrate();
  if (!out.ok()) return Reply(out.status(), "Migrate");
  for (int v : out->applied) resp->add_applied(v);
  resp->set_current_version(out->current_version);
  return grpc::Status::OK;
}

grpc::Status ProjectServiceImpl::SetProjectReports(
    grpc::ServerContext* ctx, const v1::SetProjectReportsRequest* req,
    v1::SetProjectReportsResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "SetProjectReports");
  auto out = store_.SetProjectReports(caller->project, req->period(),
                                      absl::Now());
  if (!out.ok()) return Reply(out.status(), "SetProjectReports");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status ProjectServiceImpl::ClaimDueReports(
    grpc::ServerContext* ctx, const v1::ClaimDueReportsRequest* req,
    v1::ClaimDueReportsResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "ClaimDueReports");
  }
  auto out = store_.ClaimDueReports(req->limit(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "ClaimDueReports");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status ProjectServiceImpl::ClaimInvitationMails(
    grpc::ServerContext* ctx, const v1::ClaimInvitationMailsRequest* req,
    v1::ClaimInvitationMailsResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "ClaimInvitationMails");
  absl::Duration lease = FromProto(req->lease());
  if (lease < absl::Seconds(1) || lease > absl::Hours(1)) lease = absl::Minutes(2);
  auto out = store_.ClaimInvitationMails(req->limit(), lease, absl::Now());
  if (!out.ok()) return Reply(out.status(), "ClaimInvitationMails");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status ProjectServiceImpl::CompleteInvitationMail(
    grpc::ServerContext* ctx, const v1::CompleteInvitationMailRequest* req,
    v1::CompleteInvitationMailResponse*) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "CompleteInvitationMail");
  }
  return Reply(store_.CompleteInvitationMail(req->id(), req->sent()), "CompleteInvitationMail");
}

grpc::Status DeadlineServiceImpl::MarkLateChecks(
    grpc::ServerContext* ctx, const v1::MarkLateChecksRequest* req,
    v1::MarkLateChecksResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "MarkLateChecks");
  }
  int limit = req->limit() > 0 ? std::min(req->limit(), 10000) : 500;
  auto out = store_.MarkLateChecks(limit, absl::Now());
  if (!out.ok()) return Reply(out.status(), "MarkLateChecks");
  *resp = std::move(*out);
  // Logged when it changes, not on every call during an outage.
  static std::atomic<bool> was_down{false};
  if (resp->intake_down() != was_down.exchange(resp->intake_down())) {
    if (resp->intake_down()) {
      log::Warning("late checks wait: ping intake is down (no recent gateway "
                   "heartbeat), so missing pings prove nothing");
    } else {
      log::Info("late checks resume: ping intake works");
    }
  }
  for (const auto& f : resp->flips()) {
    FlipCounter().With({"down"}).Inc();
    log::Info("check is down", {{"check", f.check()}});
  }
  return grpc::Status::OK;
}

grpc::Status DeadlineServiceImpl::GetNextDeadline(
    grpc::ServerContext* ctx, const v1::GetNextDeadlineRequest* req,
    v1::GetNextDeadlineResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "GetNextDeadline");
  }
  auto next = store_.NextDeadline();
  if (!next.ok()) return Reply(next.status(), "GetNextDeadline");
  if (*next) *resp->mutable_next_deadline() = tocsin::ToProto(**next);
  return grpc::Status::OK;
}

}  // namespace tocsin::data
