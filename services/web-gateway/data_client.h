#ifndef TOCSIN_GATEWAY_DATA_CLIENT_H_
#define TOCSIN_GATEWAY_DATA_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tocsin/v1/account_service.grpc.pb.h"
#include "tocsin/v1/badge_service.grpc.pb.h"
#include "tocsin/v1/channel_service.grpc.pb.h"
#include "tocsin/v1/check_service.grpc.pb.h"
#include "tocsin/v1/ping_service.grpc.pb.h"
#include "tocsin/v1/system_service.grpc.pb.h"

namespace tocsin::gateway {

template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

// The gateway's calls to the data service: asynchronous (no HTTP thread ever
// blocks on gRPC), each with a deadline and the gateway's internal token;
// project-scoped calls also carry the client's API key. Callbacks run on
// gRPC's threads.
class DataClient {
 public:
  DataClient(const std::string& target, std::string internal_token,
             absl::Duration deadline);

  // The ping path's one call.
  void RecordPing(v1::RecordPingRequest req,
                  Callback<v1::RecordPingResponse> done);
  // Many pings in one call (see PingBatcher).
  // With its own deadline, `timeout` from now (the batch's oldest ping has
  // that much of its own left).
  void RecordPings(v1::RecordPingsRequest req, absl::Duration timeout,
                   Callback<v1::RecordPingsResponse> done);

  // CheckService calls on behalf of the client's API key.
  void ListChecks(std::string api_key, v1::ListChecksRequest req,
                  Callback<v1::ListChecksResponse> done);
  void GetCheck(std::string api_key, v1::GetCheckRequest req,
                Callback<v1::GetCheckResponse> done);
  void CreateCheck(std::string api_key, v1::CreateCheckRequest req,
                   Callback<v1::CreateCheckResponse> done);
  void UpdateCheck(std::string api_key, v1::UpdateCheckRequest req,
                   Callback<v1::UpdateCheckResponse> done);
  void PauseCheck(std::string api_key, v1::PauseCheckRequest req,
                  Callback<v1::PauseCheckResponse> done);
  void ResumeCheck(std::string api_key, v1::ResumeCheckRequest req,
                   Callback<v1::ResumeCheckResponse> done);
  void DeleteCheck(std::string api_key, v1::DeleteCheckRequest req,
                   Callback<v1::DeleteCheckResponse> done);
  void ListPings(std::string api_key, v1::ListPingsRequest req,
                 Callback<v1::ListPingsResponse> done);
  void GetPingBody(std::string api_key, v1::GetPingBodyRequest req,
                   Callback<v1::GetPingBodyResponse> done);
  void ListFlips(std::string api_key, v1::ListFlipsRequest req,
                 Callback<v1::ListFlipsResponse> done);
  void ListChannels(std::string api_key, v1::ListChannelsRequest req,
                    Callback<v1::ListChannelsResponse> done);

  // ChannelService calls on behalf of the client's API key.
  void CreateChannel(std::string api_key, v1::CreateChannelRequest req,
                     Callback<v1::CreateChannelResponse> done);
  void UpdateChannel(std::string api_key, v1::UpdateChannelRequest req,
                     Callback<v1::UpdateChannelResponse> done);
  void DeleteChannel(std::string api_key, v1::DeleteChannelRequest req,
                     Callback<v1::DeleteChannelResponse> done);
  void ListNotifications(std::string api_key, v1::ListNotificationsRequest req,
                         Callback<v1::ListNotificationsResponse> done);
  // The health document's facts (internal).
  void GetSystemHealth(Callback<v1::GetSystemHealthResponse> done);
  // Badges: the project's tags (API key), and a badge's counts (internal).
  void ListBadgeTags(std::string api_key, v1::ListBadgeTagsRequest req,
                     Callback<v1::ListBadgeTagsResponse> done);
  void GetBadgeCounts(v1::GetBadgeCountsRequest req,
                      Callback<v1::GetBadgeCountsResponse> done);

  // The dashboard: accounts and sessions (internal calls), and a project's
  // checks for a logged-in member (internal, the project named in `req`).
  void CreateUser(v1::CreateUserRequest req, Callback<v1::CreateUserResponse> done);
  void LogIn(v1::LogInRequest req, Callback<v1::LogInResponse> done);
  void GetSession(v1::GetSessionRequest req, Callback<v1::GetSessionResponse> done);
  void LogOut(v1::LogOutRequest req, Callback<v1::LogOutResponse> done);
  void ChangePassword(v1::ChangePasswordRequest req,
                      Callback<v1::ChangePasswordResponse> done);
  // Projects administered by a session's user (the data service checks the
  // user's role).
  void CreateOwnedProject(v1::CreateOwnedProjectRequest req,
                          Callback<v1::CreateProjectResponse> done);
  void RenameProject(v1::RenameProjectRequest req,
                     Callback<v1::RenameProjectResponse> done);
  void DeleteProject(v1::DeleteProjectRequest req,
                     Callback<v1::DeleteProjectResponse> done);
  void GetProjectKeys(v1::GetProjectKeysRequest req,
                      Callback<v1::GetProjectKeysResponse> done);
  void CreateApiKey(v1::CreateApiKeyRequest req,
                    Callback<v1::CreateApiKeyResponse> done);
  void RevokeApiKey(v1::RevokeApiKeyRequest req,
                    Callback<v1::RevokeApiKeyResponse> done);
  void ListMembers(v1::ListMembersRequest req, Callback<v1::ListMembersResponse> done);
  void InviteMember(v1::InviteMemberRequest req, Callback<v1::InviteMemberResponse> done);
  void RemoveMember(v1::RemoveMemberRequest req, Callback<v1::RemoveMemberResponse> done);
  void AcceptInvitation(v1::AcceptInvitationRequest req,
                        Callback<v1::AcceptInvitationResponse> done);
  void ListChecksForProject(v1::ListChecksRequest req,
                            Callback<v1::ListChecksResponse> done);
  // The dashboard's calls on one check of a project whose membership the
  // gateway has checked (the request names the project).
  void GetCheckForProject(v1::GetCheckRequest req,
                          Callback<v1::GetCheckResponse> done);
  void CreateCheckForProject(v1::CreateCheckRequest req,
                             Callback<v1::CreateCheckResponse> done);
  void ListPingsForProject(v1::ListPingsRequest req,
                           Callback<v1::ListPingsResponse> done);
  void GetPingBodyForProject(v1::GetPingBodyRequest req,
                             Callback<v1::GetPingBodyResponse> done);
  void ListBadgeTagsForProject(v1::ListBadgeTagsRequest req,
                               Callback<v1::ListBadgeTagsResponse> done);
  void UpdateCheckForProject(v1::UpdateCheckRequest req,
                             Callback<v1::UpdateCheckResponse> done);
  // The dashboard's integrations pages (internal, the project in `req`).
  void ListChannelsForProject(v1::ListChannelsRequest req,
                              Callback<v1::ListChannelsResponse> done);
  void GetChannelForProject(v1::GetChannelRequest req,
                            Callback<v1::GetChannelResponse> done);
  void CreateChannelForProject(v1::CreateChannelRequest req,
                               Callback<v1::CreateChannelResponse> done);
  void UpdateChannelForProject(v1::UpdateChannelRequest req,
                               Callback<v1::UpdateChannelResponse> done);
  void DeleteChannelForProject(v1::DeleteChannelRequest req,
                               Callback<v1::DeleteChannelResponse> done);
  void SendTestNotificationForProject(v1::SendTestNotificationRequest req,
                                      Callback<v1::SendTestNotificationResponse> done);
  void ListNotificationsForProject(v1::ListNotificationsRequest req,
                                   Callback<v1::ListNotificationsResponse> done);
  void ListFlipsForProject(v1::ListFlipsRequest req,
                           Callback<v1::ListFlipsResponse> done);
  void PauseCheckForProject(v1::PauseCheckRequest req,
                            Callback<v1::PauseCheckResponse> done);
  void ResumeCheckForProject(v1::ResumeCheckRequest req,
                             Callback<v1::ResumeCheckResponse> done);
  void DeleteCheckForProject(v1::DeleteCheckRequest req,
                             Callback<v1::DeleteCheckResponse> done);

  // grpc.health.v1 Check of the data service; OK when it is SERVING.
  void Health(Callback<bool> done);

 private:
  template <typename Req, typename Resp, typename Invoke>
  void Call(const std::string* api_key, Req req, Invoke invoke,
            Callback<Resp> done,
            std::optional<absl::Duration> timeout = std::nullopt);

  std::string token_;
  absl::Duration deadline_;
  std::unique_ptr<v1::PingService::Stub> pings_;
  std::unique_ptr<v1::CheckService::Stub> checks_;
  std::unique_ptr<v1::BadgeService::Stub> badges_;
  std::unique_ptr<v1::ChannelService::Stub> channels_;
  std::unique_ptr<v1::SystemService::Stub> system_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_DATA_CLIENT_H_
