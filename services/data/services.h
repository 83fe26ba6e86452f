#ifndef TOCSIN_DATA_SERVICES_H_
#define TOCSIN_DATA_SERVICES_H_

// The data service's RPCs: thin adapters from requests to the Store, with
// authentication first. Synchronous handlers on a bounded thread pool: each
// blocks on PostgreSQL for at most one statement round trip at a time.

#include "data/auth.h"
#include "data/config.h"
#include "data/ping_batcher.h"
#include "data/store.h"
#include "tocsin/v1/admin_service.grpc.pb.h"
#include "tocsin/v1/account_service.grpc.pb.h"
#include "tocsin/v1/alert_service.grpc.pb.h"
#include "tocsin/v1/channel_service.grpc.pb.h"
#include "tocsin/v1/system_service.grpc.pb.h"
#include "tocsin/v1/badge_service.grpc.pb.h"
#include "tocsin/v1/check_service.grpc.pb.h"
#include "tocsin/v1/deadline_service.grpc.pb.h"
#include "tocsin/v1/ping_service.grpc.pb.h"
#include "tocsin/v1/project_service.grpc.pb.h"

namespace tocsin::data {

// The status on the wire; server-side failures (not the caller's mistakes)
// are logged once, here.
grpc::Status Reply(const absl::Status& s, std::string_view rpc);

class CheckServiceImpl final : public v1::CheckService::Service {
 public:
  CheckServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status ListChecks(grpc::ServerContext* ctx,
                          const v1::ListChecksRequest* req,
                          v1::ListChecksResponse* resp) override;
  grpc::Status GetCheck(grpc::ServerContext* ctx, const v1::GetCheckRequest* req,
                        v1::GetCheckResponse* resp) override;
  grpc::Status CreateCheck(grpc::ServerContext* ctx,
                           const v1::CreateCheckRequest* req,
                           v1::CreateCheckResponse* resp) override;
  grpc::Status UpdateCheck(grpc::ServerContext* ctx,
                           const v1::UpdateCheckRequest* req,
                           v1::UpdateCheckResponse* resp) override;
  grpc::Status PauseCheck(grpc::ServerContext* ctx,
                          const v1::PauseCheckRequest* req,
                          v1::PauseCheckResponse* resp) override;
  grpc::Status ResumeCheck(grpc::ServerContext* ctx,
                           const v1::ResumeCheckRequest* req,
                           v1::ResumeCheckResponse* resp) override;
  grpc::Status DeleteCheck(grpc::ServerContext* ctx,
                           const v1::DeleteCheckRequest* req,
                           v1::DeleteCheckResponse* resp) override;
  grpc::Status ListPings(grpc::ServerContext* ctx,
                         const v1::ListPingsRequest* req,
                         v1::ListPingsResponse* resp) override;
  grpc::Status GetPingBody(grpc::ServerContext* ctx,
                           const v1::GetPingBodyRequest* req,
                           v1::GetPingBodyResponse* resp) override;
  grpc::Status ListFlips(grpc::ServerContext* ctx,
                         const v1::ListFlipsRequest* req,
                         v1::ListFlipsResponse* resp) override;
  grpc::Status ListChannels(grpc::ServerContext* ctx,
                            const v1::ListChannelsRequest* req,
                            v1::ListChannelsResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

class BadgeServiceImpl final : public v1::BadgeService::Service {
 public:
  BadgeServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status ListBadgeTags(grpc::ServerContext* ctx,
                             const v1::ListBadgeTagsRequest* req,
                             v1::ListBadgeTagsResponse* resp) override;
  grpc::Status GetBadgeCounts(grpc::ServerContext* ctx,
                              const v1::GetBadgeCountsRequest* req,
                              v1::GetBadgeCountsResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

// Runs `op(project)` for a caller allowed on the request's project (a
// read-write key when `write`) and puts its value into `*field`: the shape
// of most project-scoped RPCs.
template <typename Req, typename T, typename Op>
grpc::Status ForProject(Authenticator& auth, grpc::ServerContext* ctx,
                        const Req* req, bool write, std::string_view rpc,
                        T* field, Op op) {
  auto caller = auth.ForProject(*ctx, req->project(), write);
  if (!caller.ok()) return Reply(caller.status(), rpc);
  auto out = op(caller->project);
  if (!out.ok()) return Reply(out.status(), rpc);
  *field = std::move(*out);
  return grpc::Status::OK;
}

// A request's ping, validated (INVALID_ARGUMENT with the client's message).
absl::StatusOr<PingInput> PingFromRequest(const v1::RecordPingRequest& req,
                                          int body_limit);

// Callback handlers: a call waits for its batch without holding a thread
// (the batcher finishes it from its flusher).
class PingServiceImpl final : public v1::PingService::CallbackService {
 public:
  PingServiceImpl(PingBatcher& batcher, Authenticator& auth, int body_limit)
      : batcher_(batcher), auth_(auth), body_limit_(body_limit) {}
  grpc::ServerUnaryReactor* RecordPing(grpc::CallbackServerContext* ctx,
                                       const v1::RecordPingRequest* req,
                                       v1::RecordPingResponse* resp) override;
  grpc::ServerUnaryReactor* RecordPings(grpc::CallbackServerContext* ctx,
                                        const v1::RecordPingsRequest* req,
                                        v1::RecordPingsResponse* resp) override;

 private:
  PingBatcher& batcher_;
  Authenticator& auth_;
  int body_limit_;
};

class ProjectServiceImpl final : public v1::ProjectService::Service {
 public:
  ProjectServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status CreateProject(grpc::ServerContext* ctx,
                             const v1::CreateProjectRequest* req,
                             v1::CreateProjectResponse* resp) override;
  grpc::Status SetProjectReports(grpc::ServerContext* ctx,
                                 const v1::SetProjectReportsRequest* req,
                                 v1::SetProjectReportsResponse* resp) override;
  grpc::Status ClaimDueReports(grpc::ServerContext* ctx,
                               const v1::ClaimDueReportsRequest* req,
                               v1::ClaimDueReportsResponse* resp) override;
  grpc::Status ClaimInvitationMails(grpc::ServerContext* ctx,
                                    const v1::ClaimInvitationMailsRequest* req,
                                    v1::ClaimInvitationMailsResponse* resp) override;
  grpc::Status CompleteInvitationMail(grpc::ServerContext* ctx,
                                      const v1::CompleteInvitationMailRequest* req,
                                      v1::CompleteInvitationMailResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status Migrate(grpc::ServerContext* ctx, const v1::MigrateRequest* req,
                       v1::MigrateResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

class DeadlineServiceImpl final : public v1::DeadlineService::Service {
 public:
  DeadlineServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status MarkLateChecks(grpc::ServerContext* ctx,
                              const v1::MarkLateChecksRequest* req,
                              v1::MarkLateChecksResponse* resp) override;
  grpc::Status GetNextDeadline(grpc::ServerContext* ctx,
                               const v1::GetNextDeadlineRequest* req,
                               v1::GetNextDeadlineResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

// Integrations and their delivery history (alert_services.cc).
class ChannelServiceImpl final : public v1::ChannelService::Service {
 public:
  ChannelServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status CreateChannel(grpc::ServerContext* ctx,
                             const v1::CreateChannelRequest* req,
                             v1::CreateChannelResponse* resp) override;
  grpc::Status GetChannel(grpc::ServerContext* ctx,
                          const v1::GetChannelRequest* req,
                          v1::GetChannelResponse* resp) override;
  grpc::Status UpdateChannel(grpc::ServerContext* ctx,
                             const v1::UpdateChannelRequest* req,
                             v1::UpdateChannelResponse* resp) override;
  grpc::Status DeleteChannel(grpc::ServerContext* ctx,
                             const v1::DeleteChannelRequest* req,
                             v1::DeleteChannelResponse* resp) override;
  grpc::Status SendTestNotification(grpc::ServerContext* ctx,
                                    const v1::SendTestNotificationRequest* req,
                                    v1::SendTestNotificationResponse* resp) override;
  grpc::Status ListNotifications(grpc::ServerContext* ctx,
                                 const v1::ListNotificationsRequest* req,
                                 v1::ListNotificationsResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

// The alert outbox, for scheduler replicas (alert_services.cc).
class AlertServiceImpl final : public v1::AlertService::Service {
 public:
  AlertServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status ClaimNotifications(
      grpc::ServerContext* ctx, const v1::ClaimNotificationsRequest* req,
      v1::ClaimNotificationsResponse* resp) override;
  grpc::Status CompleteNotification(
      grpc::ServerContext* ctx, const v1::CompleteNotificationRequest* req,
      v1::CompleteNotificationResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

// The dashboard's users and sessions (account_services.cc).
class AccountServiceImpl final : public v1::AccountService::Service {
 public:
  AccountServiceImpl(Store& store, Authenticator& auth) : store_(store), auth_(auth) {}
  grpc::Status CreateUser(grpc::ServerContext* ctx, const v1::CreateUserRequest* req,
                          v1::CreateUserResponse* resp) override;
  grpc::Status LogIn(grpc::ServerContext* ctx, const v1::LogInRequest* req,
                     v1::LogInResponse* resp) override;
  grpc::Status GetSession(grpc::ServerContext* ctx, const v1::GetSessionRequest* req,
                          v1::GetSessionResponse* resp) override;
  grpc::Status LogOut(grpc::ServerContext* ctx, const v1::LogOutRequest* req,
                      v1::LogOutResponse* resp) override;
  grpc::Status ChangePassword(grpc::ServerContext* ctx,
                              const v1::ChangePasswordRequest* req,
                              v1::ChangePasswordResponse* resp) override;
  grpc::Status CreateOwnedProject(grpc::ServerContext* ctx,
                                  const v1::CreateOwnedProjectRequest* req,
                                  v1::CreateProjectResponse* resp) override;
  grpc::Status RenameProject(grpc::ServerContext* ctx,
                             const v1::RenameProjectRequest* req,
                             v1::RenameProjectResponse* resp) override;
  grpc::Status DeleteProject(grpc::ServerContext* ctx,
                             const v1::DeleteProjectRequest* req,
                             v1::DeleteProjectResponse* resp) override;
  grpc::Status GetProjectKeys(grpc::ServerContext* ctx,
                              const v1::GetProjectKeysRequest* req,
                              v1::GetProjectKeysResponse* resp) override;
  grpc::Status CreateApiKey(grpc::ServerContext* ctx,
                            const v1::CreateApiKeyRequest* req,
                            v1::CreateApiKeyResponse* resp) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* ctx,
                            const v1::RevokeApiKeyRequest* req,
                            v1::RevokeApiKeyResponse* resp) override;
  grpc::Status ListMembers(grpc::ServerContext* ctx, const v1::ListMembersRequest* req,
                           v1::ListMembersResponse* resp) override;
  grpc::Status InviteMember(grpc::ServerContext* ctx, const v1::InviteMemberRequest* req,
                            v1::InviteMemberResponse* resp) override;
  grpc::Status RemoveMember(grpc::ServerContext* ctx, const v1::RemoveMemberRequest* req,
                            v1::RemoveMemberResponse* resp) override;
  grpc::Status AcceptInvitation(grpc::ServerContext* ctx,
                                const v1::AcceptInvitationRequest* req,
                                v1::AcceptInvitationResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

// Heartbeats, job leases, health facts (alert_services.cc).
class SystemServiceImpl final : public v1::SystemService::Service {
 public:
  SystemServiceImpl(Store& store, Authenticator& auth)
      : store_(store), auth_(auth) {}
  grpc::Status Heartbeat(grpc::ServerContext* ctx,
                         const v1::HeartbeatRequest* req,
                         v1::HeartbeatResponse* resp) override;
  grpc::Status AcquireJobLease(grpc::ServerContext* ctx,
                               const v1::AcquireJobLeaseRequest* req,
                               v1::AcquireJobLeaseResponse* resp) override;
  grpc::Status GetSystemHealth(grpc::ServerContext* ctx,
                               const v1::GetSystemHealthRequest* req,
                               v1::GetSystemHealthResponse* resp) override;
  grpc::Status Prune(grpc::ServerContext* ctx, const v1::PruneRequest* req,
                     v1::PruneResponse* resp) override;

 private:
  Store& store_;
  Authenticator& auth_;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_SERVICES_H_
