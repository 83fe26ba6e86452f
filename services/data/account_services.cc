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

grpc::Status AccountServiceImpl::CreateOwnedProject(
    grpc::ServerContext* ctx, const v1::CreateOwnedProjectRequest* req,
    v1::CreateProjectResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) {
    return Reply(s, "CreateOwnedProject");
  }
  auto out = store_.CreateOwnedProject(req->session_token(), req->name(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "CreateOwnedProject");
  log::Info("project created", {{"project", out->project().uuid()}});
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::RenameProject(grpc::ServerContext* ctx,
                                               const v1::RenameProjectRequest* req,
                                               v1::RenameProjectResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "RenameProject");
  auto out = store_.RenameProject(req->session_token(), req->project(), req->name(),
                                  absl::Now());
  if (!out.ok()) return Reply(out.status(), "RenameProject");
  *resp->mutable_project() = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::DeleteProject(grpc::ServerContext* ctx,
                                               const v1::DeleteProjectRequest* req,
                                               v1::DeleteProjectResponse*) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "DeleteProject");
  auto s = store_.DeleteProject(req->session_token(), req->project(), absl::Now());
  if (s.ok()) log::Info("project deleted", {{"project", req->project()}});
  return Reply(s, "DeleteProject");
}

grpc::Status AccountServiceImpl::GetProjectKeys(grpc::ServerContext* ctx,
                                                const v1::GetProjectKeysRequest* req,
                                                v1::GetProjectKeysResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "GetProjectKeys");
  auto out = store_.GetProjectKeys(req->session_token(), req->project(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "GetProjectKeys");
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::CreateApiKey(grpc::ServerContext* ctx,
                                              const v1::CreateApiKeyRequest* req,
                                              v1::CreateApiKeyResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "CreateApiKey");
  auto out = store_.CreateApiKey(req->session_token(), req->project(),
                                 req->read_only(), req->label(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "CreateApiKey");
  log::Info("api key created", {{"project", req->project()},
                                {"key", out->info().id()},
                                {"read_only", req->read_only() ? "yes" : "no"}});
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::RevokeApiKey(grpc::ServerContext* ctx,
                                              const v1::RevokeApiKeyRequest* req,
                                              v1::RevokeApiKeyResponse*) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "RevokeApiKey");
  auto s = store_.RevokeApiKey(req->session_token(), req->project(), req->id(),
                               absl::Now());
  if (s.ok()) log::Info("api key revoked", {{"project", req->project()}, {"key", req->id()}});
  return Reply(s, "RevokeApiKey");
}

grpc::Status AccountServiceImpl::ListMembers(grpc::ServerContext* ctx,
                                             const v1::ListMembersRequest* req,
                                             v1::ListMembersResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "ListMembers");
  auto out = store_.ListMembers(req->session_token(), req->project(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "ListMembers");
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::InviteMember(grpc::ServerContext* ctx,
                                              const v1::InviteMemberRequest* req,
                                              v1::InviteMemberResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "InviteMember");
  auto out = store_.InviteMember(req->session_token(), req->project(), req->email(),
                                 req->role(), req->language(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "InviteMember");
  log::Info("member invited", {{"project", req->project()},
                               {"invitation", out->invitation().id()},
                               {"role", req->role()}});
  *resp = *std::move(out);
  return grpc::Status::OK;
}

grpc::Status AccountServiceImpl::RemoveMember(grpc::ServerContext* ctx,
                                              const v1::RemoveMemberRequest* req,
                                              v1::RemoveMemberResponse*) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "RemoveMember");
  auto s = store_.RemoveMember(req->session_token(), req->project(), req->user(),
                               req->invitation(), absl::Now());
  if (s.ok()) {
    log::Info("member removed", {{"project", req->project()},
                                 {"user", req->user()},
                                 {"invitation", req->invitation()}});
  }
  return Reply(s, "RemoveMember");
}

grpc::Status AccountServiceImpl::AcceptInvitation(grpc::ServerContext* ctx,
                                                  const v1::AcceptInvitationRequest* req,
                                                  v1::AcceptInvitationResponse* resp) {
  if (auto s = auth_.RequireInternal(*ctx); !s.ok()) return Reply(s, "AcceptInvitation");
  auto out = store_.AcceptInvitation(req->session_token(), req->token(), absl::Now());
  if (!out.ok()) return Reply(out.status(), "AcceptInvitation");
  log::Info("invitation accepted", {{"project", out->project().uuid()}, {"role", out->role()}});
  *resp = *std::move(out);
  return grpc::Status::OK;
}

}  // namespace tocsin::data
