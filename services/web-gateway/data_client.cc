#include "web-gateway/data_client.h"

#include "common/grpc_util.h"

namespace tocsin::gateway {
namespace {

// Everything one asynchronous call needs until its completion callback.
template <typename Req, typename Resp>
struct CallState {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
  Callback<Resp> done;
};

}  // namespace

DataClient::DataClient(const std::string& target, std::string internal_token,
                       absl::Duration deadline)
    : token_(std::move(internal_token)), deadline_(deadline) {
  auto channel = MakeChannel(target);
  pings_ = v1::PingService::NewStub(channel);
  checks_ = v1::CheckService::NewStub(channel);
  badges_ = v1::BadgeService::NewStub(channel);
  channels_ = v1::ChannelService::NewStub(channel);
  system_ = v1::SystemService::NewStub(channel);
  accounts_ = v1::AccountService::NewStub(channel);
  health_ = grpc::health::v1::Health::NewStub(channel);
}

template <typename Req, typename Resp, typename Invoke>
void DataClient::Call(const std::string* api_key, Req req, Invoke invoke,
                      Callback<Resp> done,
                      std::optional<absl::Duration> timeout) {
  auto* state = new CallState<Req, Resp>();
  state->req = std::move(req);
  state->done = std::move(done);
  PrepareInternalCall(state->ctx, token_, timeout.value_or(deadline_));
  if (api_key) state->ctx.AddMetadata(kApiKeyMetadata, *api_key);
  invoke(&state->ctx, &state->req, &state->resp, [state](grpc::Status s) {
    std::unique_ptr<CallState<Req, Resp>> owned(state);
    if (s.ok()) {
      owned->done(std::move(owned->resp));
    } else {
      owned->done(FromGrpcStatus(s));
    }
  });
}

void DataClient::RecordPing(v1::RecordPingRequest req,
                            Callback<v1::RecordPingResponse> done) {
  Call<v1::RecordPingRequest, v1::RecordPingResponse>(
      nullptr, std::move(req),
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        pings_->async()->RecordPing(ctx, rq, rs, std::move(cb));
      },
      std::move(done));
}

void DataClient::RecordPings(v1::RecordPingsRequest req, absl::Duration timeout,
                             Callback<v1::RecordPingsResponse> done) {
  Call<v1::RecordPingsRequest, v1::RecordPingsResponse>(
      nullptr, std::move(req),
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        pings_->async()->RecordPings(ctx, rq, rs, std::move(cb));
      },
      std::move(done), timeout);
}

// Every project-scoped call has the same shape: the client's key, the
// request, the callback.
#define TOCSIN_KEYED_CALL(stub, Method)                                      \
  void DataClient::Method(std::string api_key, v1::Method##Request req,     \
                          Callback<v1::Method##Response> done) {            \
    Call<v1::Method##Request, v1::Method##Response>(                         \
        &api_key, std::move(req),                                            \
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {                     \
          stub->async()->Method(ctx, rq, rs, std::move(cb));                 \
        },                                                                   \
        std::move(done));                                                    \
  }

TOCSIN_KEYED_CALL(checks_, ListChecks)
TOCSIN_KEYED_CALL(checks_, GetCheck)
TOCSIN_KEYED_CALL(checks_, CreateCheck)
TOCSIN_KEYED_CALL(checks_, UpdateCheck)
TOCSIN_KEYED_CALL(checks_, PauseCheck)
TOCSIN_KEYED_CALL(checks_, ResumeCheck)
TOCSIN_KEYED_CALL(checks_, DeleteCheck)
TOCSIN_KEYED_CALL(checks_, ListPings)
TOCSIN_KEYED_CALL(checks_, GetPingBody)
TOCSIN_KEYED_CALL(checks_, ListFlips)
TOCSIN_KEYED_CALL(checks_, ListChannels)
TOCSIN_KEYED_CALL(channels_, CreateChannel)
TOCSIN_KEYED_CALL(channels_, UpdateChannel)
TOCSIN_KEYED_CALL(channels_, DeleteChannel)
TOCSIN_KEYED_CALL(channels_, ListNotifications)
#undef TOCSIN_KEYED_CALL

// Internal calls (the gateway's token only): same shape each.
#define TOCSIN_INTERNAL_CALL(Name, stub, Method)                             \
  void DataClient::Name(v1::Method##Request req,                            \
                        Callback<v1::Method##Response> done) {              \
    Call<v1::Method##Request, v1::Method##Response>(                         \
        nullptr, std::move(req),                                             \
        [this](auto* ctx, auto* rq, auto* rs, auto cb) {                     \
          stub->async()->Method(ctx, rq, rs, std::move(cb));                 \
        },                                                                   \
        std::move(done));                                                    \
  }

TOCSIN_INTERNAL_CALL(CreateUser, accounts_, CreateUser)
TOCSIN_INTERNAL_CALL(LogIn, accounts_, LogIn)
TOCSIN_INTERNAL_CALL(GetSession, accounts_, GetSession)
TOCSIN_INTERNAL_CALL(LogOut, accounts_, LogOut)
TOCSIN_INTERNAL_CALL(ChangePassword, accounts_, ChangePassword)
TOCSIN_INTERNAL_CALL(RenameProject, accounts_, RenameProject)
TOCSIN_INTERNAL_CALL(DeleteProject, accounts_, DeleteProject)
TOCSIN_INTERNAL_CALL(GetProjectKeys, accounts_, GetProjectKeys)
TOCSIN_INTERNAL_CALL(CreateApiKey, accounts_, CreateApiKey)
TOCSIN_INTERNAL_CALL(RevokeApiKey, accounts_, RevokeApiKey)
TOCSIN_INTERNAL_CALL(ListMembers, accounts_, ListMembers)
TOCSIN_INTERNAL_CALL(InviteMember, accounts_, InviteMember)
TOCSIN_INTERNAL_CALL(RemoveMember, accounts_, RemoveMember)
TOCSIN_INTERNAL_CALL(AcceptInvitation, accounts_, AcceptInvitation)
TOCSIN_INTERNAL_CALL(ListChecksForProject, checks_, ListChecks)
TOCSIN_INTERNAL_CALL(GetCheckForProject, checks_, GetCheck)
TOCSIN_INTERNAL_CALL(CreateCheckForProject, checks_, CreateCheck)
TOCSIN_INTERNAL_CALL(ListPingsForProject, checks_, ListPings)
TOCSIN_INTERNAL_CALL(GetPingBodyForProject, checks_, GetPingBody)
TOCSIN_INTERNAL_CALL(ListBadgeTagsForProject, badges_, ListBadgeTags)
TOCSIN_INTERNAL_CALL(UpdateCheckForProject, checks_, UpdateCheck)
TOCSIN_INTERNAL_CALL(ListChannelsForProject, checks_, ListChannels)
TOCSIN_INTERNAL_CALL(GetChannelForProject, channels_, GetChannel)
TOCSIN_INTERNAL_CALL(CreateChannelForProject, channels_, CreateChannel)
TOCSIN_INTERNAL_CALL(UpdateChannelForProject, channels_, UpdateChannel)
TOCSIN_INTERNAL_CALL(DeleteChannelForProject, channels_, DeleteChannel)
TOCSIN_INTERNAL_CALL(SendTestNotificationForProject, channels_, SendTestNotification)
TOCSIN_INTERNAL_CALL(ListNotificationsForProject, channels_, ListNotifications)
TOCSIN_INTERNAL_CALL(ListFlipsForProject, checks_, ListFlips)
TOCSIN_INTERNAL_CALL(PauseCheckForProject, checks_, PauseCheck)
TOCSIN_INTERNAL_CALL(ResumeCheckForProject, checks_, ResumeCheck)
TOCSIN_INTERNAL_CALL(DeleteCheckForProject, checks_, DeleteCheck)
#undef TOCSIN_INTERNAL_CALL

void DataClient::CreateOwnedProject(v1::CreateOwnedProjectRequest req,
                                    Callback<v1::CreateProjectResponse> done) {
  Call<v1::CreateOwnedProjectRequest, v1::CreateProjectResponse>(
      nullptr, std::move(req),
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        accounts_->async()->CreateOwnedProject(ctx, rq, rs, std::move(cb));
      },
      std::move(done));
}

void DataClient::GetSystemHealth(Callback<v1::GetSystemHealthResponse> done) {
  Call<v1::GetSystemHealthRequest, v1::GetSystemHealthResponse>(
      nullptr, {},
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        system_->async()->GetSystemHealth(ctx, rq, rs, std::move(cb));
      },
      std::move(done));
}

void DataClient::ListBadgeTags(std::string api_key, v1::ListBadgeTagsRequest req,
                               Callback<v1::ListBadgeTagsResponse> done) {
  Call<v1::ListBadgeTagsRequest, v1::ListBadgeTagsResponse>(
      &api_key, std::move(req),
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        badges_->async()->ListBadgeTags(ctx, rq, rs, std::move(cb));
      },
      std::move(done));
}

void DataClient::GetBadgeCounts(v1::GetBadgeCountsRequest req,
                                Callback<v1::GetBadgeCountsResponse> done) {
  Call<v1::GetBadgeCountsRequest, v1::GetBadgeCountsResponse>(
      nullptr, std::move(req),
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        badges_->async()->GetBadgeCounts(ctx, rq, rs, std::move(cb));
      },
      std::move(done));
}

void DataClient::Health(Callback<bool> done) {
  Call<grpc::health::v1::HealthCheckRequest,
       grpc::health::v1::HealthCheckResponse>(
      nullptr, {},
      [this](auto* ctx, auto* rq, auto* rs, auto cb) {
        health_->async()->Check(ctx, rq, rs, std::move(cb));
      },
      [done = std::move(done)](
          absl::StatusOr<grpc::health::v1::HealthCheckResponse> r) {
        if (!r.ok()) return done(r.status());
        done(r->status() == grpc::health::v1::HealthCheckResponse::SERVING);
      });
}

}  // namespace tocsin::gateway
