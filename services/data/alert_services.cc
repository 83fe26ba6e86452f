// RPCs of integrations, the alert outbox and Tocsin's own health: thin
// adapters from requests to the Store, authentication first.
#include "common/log.h"
#include "common/time_format.h"
#include "data/services.h"

namespace tocsin::data {

grpc::Status ChannelServiceImpl::CreateChannel(
    grpc::ServerContext* ctx, const v1::CreateChannelRequest* req,
    v1::CreateChannelResponse* resp) {
  return ForProject(auth_, ctx, req, true, "CreateChannel",
                    resp->mutable_channel(), [&](const std::string& p) {
                      return store_.CreateChannel(p, req->name(), req->kind(),
                                                  req->settings_json(),
                                                  req->assign_to_all_checks(),
                                                  absl::Now());
                    });
}

grpc::Status ChannelServiceImpl::GetChannel(grpc::ServerContext* ctx,
                                            const v1::GetChannelRequest* req,
                                            v1::GetChannelResponse* resp) {
  // Settings hold secrets (webhook URLs, bot tokens): read-write keys only.
  return ForProject(
      auth_, ctx, req, true, "GetChannel", resp->mutable_channel(),
      [&](const std::string& p) { return store_.GetChannel(p, req->id()); });
}

grpc::Status ChannelServiceImpl::UpdateChannel(
    grpc::ServerContext* ctx, const v1::UpdateChannelRequest* req,
    v1::UpdateChannelResponse* resp) {
  return ForProject(auth_, ctx, req, true, "UpdateChannel",
                    resp->mutable_channel(), [&](const std::string& p) {
                      std::optional<std::string> name;
                      if (req->has_name()) name = req->name();
                      return store_.UpdateChannel(p, req->id(), name,
                                                  req->settings_json());
                    });
}

grpc::Status ChannelServiceImpl::DeleteChannel(
    grpc::ServerContext* ctx, const v1::DeleteChannelRequest* req,
    v1::DeleteChannelResponse* resp) {
  return ForProject(
      auth_, ctx, req, true, "DeleteChannel", resp->mutable_channel(),
      [&](const std::string& p) { return store_.DeleteChannel(p, req->id()); });
}

grpc::Status ChannelServiceImpl::SendTestNotification(
    grpc::ServerContext* ctx, const v1::SendTestNotificationRequest* req,
    v1::SendTestNotificationResponse* resp) {
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "SendTestNotification");
  auto id = store_.SendTestNotification(caller->project, req->id(), absl::Now());
  if (!id.ok()) return Reply(id.status(), "SendTestNotification");
  resp->set_notification(*id);
  return grpc::Status::OK;
}

grpc::Status ChannelServiceImpl::ListNotifications(
    grpc::ServerContext* ctx, const v1::ListNotificationsRequest* req,
    v1::ListNotificationsResponse* resp) {
  // Read-write keys only: the answer names checks by UUID (their ping URL)
  // and carries receivers' error texts.
  auto caller = auth_.ForProject(*ctx, req->project(), /*write=*/true);
  if (!caller.ok()) return Reply(caller.status(), "ListNotifications");
  auto out = store_.ListNotifications(caller->project, req->check(),
                                      req->channel(), req->limit());
  if (!out.ok()) return Reply(out.status(), "ListNotifications");
  for (auto& n : *out) *resp->add_notifications() = std::move(n);
  return grpc::Status::OK;
}

grpc::Status AlertServiceImpl::ClaimNotifications(
    grpc::ServerContext* ctx, const v1::ClaimNotificationsRequest* req,
    v1::ClaimNotificationsResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "ClaimNotifications");
  }
  auto out = store_.ClaimNotifications(req->sender(), req->limit(),
                                       FromProto(req->lease()), absl::Now());
  if (!out.ok()) return Reply(out.status(), "ClaimNotifications");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status AlertServiceImpl::CompleteNotification(
    grpc::ServerContext* ctx, const v1::CompleteNotificationRequest* req,
    v1::CompleteNotificationResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "CompleteNotification");
  }
  auto out = store_.CompleteNotification(*req, absl::Now());
  if (!out.ok()) return Reply(out.status(), "CompleteNotification");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status SystemServiceImpl::Heartbeat(grpc::ServerContext* ctx,
                                          const v1::HeartbeatRequest* req,
                                          v1::HeartbeatResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "Heartbeat");
  }
  auto out = store_.Heartbeat(*req, absl::Now());
  if (!out.ok()) return Reply(out.status(), "Heartbeat");
  if (out->outage_ended()) {
    log::Warning("ping intake works again after an outage; overdue checks "
                 "get their grace period again",
                 {{"checks_given_grace", out->checks_given_grace()},
                  {"gateway", req->instance()}});
  }
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status SystemServiceImpl::AcquireJobLease(
    grpc::ServerContext* ctx, const v1::AcquireJobLeaseRequest* req,
    v1::AcquireJobLeaseResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "AcquireJobLease");
  }
  auto out = store_.AcquireJobLease(req->job(), req->instance(),
                                    FromProto(req->ttl()), absl::Now());
  if (!out.ok()) return Reply(out.status(), "AcquireJobLease");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status SystemServiceImpl::GetSystemHealth(
    grpc::ServerContext* ctx, const v1::GetSystemHealthRequest* req,
    v1::GetSystemHealthResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "GetSystemHealth");
  }
  auto out = store_.GetSystemHealth(absl::Now());
  if (!out.ok()) return Reply(out.status(), "GetSystemHealth");
  *resp = std::move(*out);
  return grpc::Status::OK;
}

grpc::Status SystemServiceImpl::Prune(grpc::ServerContext* ctx,
                                      const v1::PruneRequest* req,
                                      v1::PruneResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "Prune");
  absl::Duration flips = FromProto(req->keep_flips());
  absl::Duration notifications = FromProto(req->keep_notifications());
  if (flips < absl::Hours(1) || notifications < absl::Hours(1)) {
    return Reply(absl::InvalidArgumentError(
                     "keep_flips and keep_notifications: at least 1 h"),
                 "Prune");
  }
  auto out = store_.Prune(flips, notifications, absl::Now(),
                          [ctx] { return ctx->IsCancelled(); });
  if (!out.ok()) return Reply(out.status(), "Prune");
  resp->set_summary(*out);
  return grpc::Status::OK;
}

}  // namespace tocsin::data
