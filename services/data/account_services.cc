// AccountService: the dashboard's users and sessions (internal callers).
#include "common/log.h"
#include "data/services.h"

namespace tocsin::data {

grpc::Status AccountServiceImpl::CreateUser(grpc::ServerContext* ctx,
                                            const v1::CreateUserRequest* req,
                                            v1::CreateUserResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "CreateUser");
  auto out = store_.CreateUser(req->email(), req->password(), req->project_name(),
                               absl::Now());
  if (!out.ok()) return Reply(out.status(), "CreateUser");
  log::Info("user created", {{"user", out->user().uuid()}});
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::LogIn(grpc::ServerContext* ctx,
                                       const v1::LogInRequest* req,
                                       v1::LogInResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "LogIn");
  auto out = store_.LogIn(req->email(), req->password(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "LogIn");
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::GetSession(grpc::ServerContext* ctx,
                                            const v1::GetSessionRequest* req,
                                            v1::GetSessionResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "GetSession");
  auto out = store_.GetSession(req->session_token(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "GetSession");
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::LogOut(grpc::ServerContext* ctx,
                                        const v1::LogOutRequest* req,
                                        v1::LogOutResponse*) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "LogOut");
  return Reply(store_.LogOut(req->session_token()), "LogOut");
}

grpc::Status AccountServiceImpl::ChangePassword(
    grpc::ServerContext* ctx, const v1::ChangePasswordRequest* req,
    v1::ChangePasswordResponse*) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "ChangePassword");
  }
  return Reply(store_.ChangePassword(req->session_token(), req->old_password(),
                                     req->new_password(), absl::Now()),
               "ChangePassword");
}

}  // namespace tocsin::data
