// Dashboard accounts: users, sessions, memberships.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "data/passwords.h"
#include "data/store.h"

namespace tocsin::data {
namespace {

constexpr absl::Duration kSessionLife = absl::Hours(24 * 14);

constexpr char kInsertUser[] =
    "INSERT INTO users (id, email, password_hash, created) "
    "VALUES ($1, $2, $3, tocsin_from_micros($4)) ON CONFLICT DO NOTHING";
constexpr char kInsertMember[] =
    "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)";
constexpr char kUserByEmail[] =
    "SELECT id::text, email, password_hash, tocsin_micros(created) FROM users "
    "WHERE lower(email) = lower($1)";
constexpr char kInsertSession[] =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, created, expires) "
    "VALUES ($1, $2, $3, tocsin_from_micros($4), tocsin_from_micros($5))";
constexpr char kSessionUser[] =
    "UPDATE sessions s SET expires = tocsin_from_micros($3) FROM users u "
    "WHERE s.token_hash = $1 AND s.expires > tocsin_from_micros($2) "
    "AND u.id = s.user_id "
    "RETURNING u.id::text, u.email, tocsin_micros(u.created), s.csrf_token, "
    "u.password_hash";
constexpr char kMemberships[] =
    "SELECT p.id::text, p.name, tocsin_micros(p.created), m.role "
    "FROM project_members m JOIN projects p ON p.id = m.project_id "
    "WHERE m.user_id = $1 ORDER BY p.name, p.id";
constexpr char kDeleteSession[] = "DELETE FROM sessions WHERE token_hash = $1";
constexpr char kSetPassword[] = "UPDATE users SET password_hash = $2 WHERE id = $1";
constexpr char kDeleteOtherSessions[] =
    "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";

constexpr char kSessionUserId[] =
    "SELECT user_id::text FROM sessions "
    "WHERE token_hash = $1 AND expires > tocsin_from_micros($2)";
constexpr char kMemberRole[] =
    "SELECT m.role FROM project_members m JOIN sessions s ON s.user_id = m.user_id "
    "WHERE s.token_hash = $1 AND s.expires > tocsin_from_micros($2) "
    "AND m.project_id = $3::uuid FOR UPDATE OF m";
constexpr char kRenameProject[] =
    "UPDATE projects SET name = $2 WHERE id = $1::uuid "
    "RETURNING id::text, name, tocsin_micros(created)";
constexpr char kDeleteProject[] = "DELETE FROM projects WHERE id = $1::uuid";
constexpr char kProjectPingKey[] = "SELECT ping_key FROM projects WHERE id = $1::uuid";
constexpr char kListApiKeys[] =
    "SELECT id::text, read_only, label, tocsin_micros(created) FROM api_keys "
    "WHERE project_id = $1::uuid ORDER BY created, id";
constexpr char kInsertLabelledApiKey[] =
    "INSERT INTO api_keys (digest, project_id, read_only, label, created) "
    "VALUES ($1, $2::uuid, $3, $4, tocsin_from_micros($5)) RETURNING id::text";
constexpr char kRevokeApiKey[] =
    "DELETE FROM api_keys WHERE project_id = $1::uuid AND id = $2::uuid";

constexpr absl::Duration kInvitationLife = absl::Hours(24 * 7);
constexpr char kListMembers[] =
    "SELECT u.id::text, u.email, m.role FROM project_members m "
    "JOIN users u ON u.id = m.user_id WHERE m.project_id = $1::uuid "
    "ORDER BY m.role <> 'owner', lower(u.email)";
constexpr char kListInvitations[] =
    "SELECT id::text, email, role, tocsin_micros(created), tocsin_micros(expires) "
    "FROM invitations WHERE project_id = $1::uuid AND expires > tocsin_from_micros($2) "
    "ORDER BY lower(email)";
constexpr char kUpsertInvitation[] =
    "INSERT INTO invitations (id, token_hash, project_id, email, role, invited_by, created, "
    "expires, mail_token, mail_due, mail_attempts, mail_language) SELECT $1, $2, $3::uuid, "
    "$4, $5, s.user_id, tocsin_from_micros($6), tocsin_from_micros($7), $9, "
    "tocsin_from_micros($6), 0, $10 FROM sessions s WHERE s.token_hash = $8 "
    "ON CONFLICT (project_id, lower(email)) DO UPDATE SET id = excluded.id, "
    "token_hash = excluded.token_hash, role = excluded.role, invited_by = excluded.invited_by, "
    "created = excluded.created, expires = excluded.expires, "
    "mail_token = excluded.mail_token, mail_due = excluded.mail_due, mail_attempts = 0, "
    "mail_language = excluded.mail_language";
constexpr int kMaxInvitationMailAttempts = 5;
constexpr char kClaimInvitationMails[] =
    "WITH due AS (SELECT id FROM invitations WHERE mail_token IS NOT NULL "
    "AND mail_due <= tocsin_from_micros($1) AND expires > tocsin_from_micros($1) "
    "ORDER BY mail_due LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE invitations i SET mail_due = tocsin_from_micros($3), "
    "mail_attempts = i.mail_attempts + 1 FROM due, projects p "
    "WHERE i.id = due.id AND p.id = i.project_id "
    "RETURNING i.id::text, i.email, i.role, p.name, "
    "coalesce((SELECT email FROM users WHERE id = i.invited_by), ''), i.mail_token, "
    "i.mail_attempts, i.mail_language";
// Sent, or given up: the token is forgotten either way.
constexpr char kFinishInvitationMail[] =
    "UPDATE invitations SET mail_token = NULL, mail_due = NULL "
    "WHERE id = $1::uuid AND ($2 OR mail_attempts >= $3)";
constexpr char kMemberByEmail[] =
    "SELECT 1 FROM project_members m JOIN users u ON u.id = m.user_id "
    "WHERE m.project_id = $1::uuid AND lower(u.email) = lower($2)";
constexpr char kDeleteInvitation[] =
    "DELETE FROM invitations WHERE project_id = $1::uuid AND id = $2::uuid";
constexpr char kDeleteMember[] =
    "DELETE FROM project_members WHERE project_id = $1::uuid AND user_id = $2::uuid "
    "AND role <> 'owner'";
constexpr char kInvitationByToken[] =
    "SELECT i.id::text, i.project_id::text, i.email, i.role, p.name, "
    "tocsin_micros(p.created) FROM invitations i JOIN projects p ON p.id = i.project_id "
    "WHERE i.token_hash = $1 AND i.expires > tocsin_from_micros($2) FOR UPDATE OF i";
constexpr char kSessionUserEmail[] =
    "SELECT u.id::text, u.email FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.token_hash = $1 AND s.expires > tocsin_from_micros($2)";
// Joining never lowers an owner.
constexpr char kJoinProject[] =
    "INSERT INTO project_members (project_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3) "
    "ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role "
    "WHERE project_members.role <> 'owner' RETURNING role";
constexpr char kRoleOf[] =
    "SELECT role FROM project_members WHERE project_id = $1::uuid AND user_id = $2::uuid";

// What a member may do in a project, by role.
enum class Need { kRead, kWrite, kOwner };

// The session's role in `project` inside `tx`: UNAUTHENTICATED without a
// live session, NOT_FOUND for a non-member (or no such project),
// PERMISSION_DENIED when the role does not allow `need`.
absl::Status RequireRole(pqxx::work& tx, const std::string& token,
                         const std::string& project, Need need, absl::Time now,
                         std::string* role_out = nullptr) {
  if (!IsCanonicalUuid(project)) return absl::NotFoundError("no such project");
  auto digest = pqxx::binarystring(Sha256(token));
  auto r = tx.exec_params(kMemberRole, digest, absl::ToUnixMicros(now), project);
  if (r.empty()) {
    if (tx.exec_params(kSessionUserId, digest, absl::ToUnixMicros(now)).empty()) {
      return absl::UnauthenticatedError("the session has ended");
    }
    return absl::NotFoundError("no such project");
  }
  std::string role = r[0][0].c_str();
  if (role_out != nullptr) *role_out = role;
  if (need == Need::kOwner && role != "owner") {
    return absl::PermissionDeniedError("only the project's owner may do this");
  }
  if (need == Need::kWrite && role == "ro") {
    return absl::PermissionDeniedError("read-only members may not do this");
  }
  return absl::OkStatus();
}

absl::Status CheckProjectName(const std::string& name) {
  if (name.empty() || name.size() > 100 || !IsStorableText(name)) {
    return absl::InvalidArgumentError("name: 1 to 100 bytes of text");
  }
  return absl::OkStatus();
}

// An address worth storing: one '@' with text around it, no spaces or
// control characters, at most 254 bytes (RFC 5321's path limit).
absl::Status CheckEmail(std::string_view email) {
  size_t at = email.find('@');
  if (email.empty() || email.size() > 254 || !IsStorableText(email) ||
      at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    return absl::InvalidArgumentError("email: not an email address");
  }
  for (unsigned char c : email) {
    if (c <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError("email: not an email address");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ListMembersResponse> Store::ListMembers(const std::string& token,
                                                           const std::string& project,
                                                           absl::Time now) {
  v1::ListMembersResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    std::string role;
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kRead, now, &role));
    for (const auto& r : tx.exec_params(kListMembers, project)) {
      auto* m = out.add_members();
      m->set_user(r[0].c_str());
      m->set_email(r[1].c_str());
      m->set_role(r[2].c_str());
    }
    // Only owners see who is invited.
    if (role == "owner") {
      for (const auto& r : tx.exec_params(kListInvitations, project, absl::ToUnixMicros(now))) {
        auto* i = out.add_invitations();
        i->set_id(r[0].c_str());
        i->set_email(r[1].c_str());
        i->set_role(r[2].c_str());
        *i->mutable_created() = tocsin::ToProto(absl::FromUnixMicros(r[3].as<int64_t>()));
        *i->mutable_expires() = tocsin::ToProto(absl::FromUnixMicros(r[4].as<int64_t>()));
      }
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::InviteMemberResponse> Store::InviteMember(const std::string& token,
                                                             const std::string& project,
                                                             const std::string& email,
                                                             const std::string& role,
                                                             const std::string& language,
                                                             absl::Time now) {
  RETURN_IF_ERROR(CheckEmail(email));
  if (!language.empty() && language != "en" && language != "ja") {
    return absl::InvalidArgumentError("language: \"en\" or \"ja\"");
  }
  if (role != "rw" && role != "ro") {
    return absl::InvalidArgumentError("role: \"rw\" or \"ro\"");
  }
  v1::InviteMemberResponse out;
  out.set_token(RandomToken(32));
  v1::Invitation* inv = out.mutable_invitation();
  inv->set_id(NewUuid());
  inv->set_email(email);
  inv->set_role(role);
  *inv->mutable_created() = tocsin::ToProto(now);
  *inv->mutable_expires() = tocsin::ToProto(now + kInvitationLife);
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kOwner, now));
    if (!tx.exec_params(kMemberByEmail, project, email).empty()) {
      return absl::AlreadyExistsError("email: already a member of the project");
    }
    tx.exec_params(kUpsertInvitation, inv->id(), pqxx::binarystring(Sha256(out.token())),
                   project, email, role, absl::ToUnixMicros(now),
                   absl::ToUnixMicros(now + kInvitationLife),
                   pqxx::binarystring(Sha256(token)), out.token(), language);
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Store::RemoveMember(const std::string& token, const std::string& project,
                                 const std::string& user, const std::string& invitation,
                                 absl::Time now) {
  if (user.empty() == invitation.empty()) {
    return absl::InvalidArgumentError("give exactly one of user, invitation");
  }
  const std::string& id = user.empty() ? invitation : user;
  if (!IsCanonicalUuid(id)) return absl::NotFoundError("no such member or invitation");
  return pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    std::string role;
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kRead, now, &role));
    bool owner = role == "owner";
    pqxx::result done;
    if (!invitation.empty()) {
      if (!owner) return absl::PermissionDeniedError("only the project's owner may do this");
      done = tx.exec_params(kDeleteInvitation, project, invitation);
    } else {
      auto me = tx.exec_params(kSessionUserId, pqxx::binarystring(Sha256(token)),
                               absl::ToUnixMicros(now));
      bool self = !me.empty() && std::string(me[0][0].c_str()) == user;
      if (!owner && !self) {
        return absl::PermissionDeniedError("only the project's owner may do this");
      }
      auto role = tx.exec_params(kRoleOf, project, user);
      if (!role.empty() && std::string(role[0][0].c_str()) == "owner") {
        return absl::FailedPreconditionError("the project's owner cannot be removed");
      }
      done = tx.exec_params(kDeleteMember, project, user);
    }
    if (done.affected_rows() == 0) return absl::NotFoundError("no such member or invitation");
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ClaimInvitationMailsResponse> Store::ClaimInvitationMails(
    int limit, absl::Duration lease, absl::Time now) {
  limit = std::clamp(limit, 1, 100);
  v1::ClaimInvitationMailsResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    for (const auto& r : tx.exec_params(kClaimInvitationMails, absl::ToUnixMicros(now), limit,
                                        absl::ToUnixMicros(now + lease))) {
      auto* m = out.add_mails();
      m->set_id(r[0].c_str());
      m->set_email(r[1].c_str());
      m->set_role(r[2].c_str());
      m->set_project_name(r[3].c_str());
      m->set_inviter(r[4].c_str());
      m->set_token(r[5].c_str());
      m->set_attempt(r[6].as<int>());
      m->set_language(r[7].c_str());
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Store::CompleteInvitationMail(const std::string& id, bool sent) {
  if (!IsCanonicalUuid(id)) return absl::NotFoundError("no such invitation");
  return pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    tx.exec_params(kFinishInvitationMail, id, sent, kMaxInvitationMailAttempts);
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::AcceptInvitationResponse> Store::AcceptInvitation(
    const std::string& token, const std::string& invitation_token, absl::Time now) {
  if (invitation_token.empty() || invitation_token.size() > 200) {
    return absl::NotFoundError("no such invitation, or it has expired");
  }
  v1::AcceptInvitationResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    auto me = tx.exec_params(kSessionUserEmail, pqxx::binarystring(Sha256(token)),
                             absl::ToUnixMicros(now));
    if (me.empty()) return absl::UnauthenticatedError("the session has ended");
    auto inv = tx.exec_params(kInvitationByToken,
                              pqxx::binarystring(Sha256(invitation_token)),
                              absl::ToUnixMicros(now));
    if (inv.empty()) return absl::NotFoundError("no such invitation, or it has expired");
    if (absl::AsciiStrToLower(inv[0][2].c_str()) != absl::AsciiStrToLower(me[0][1].c_str())) {
      return absl::PermissionDeniedError(
          "this invitation is for another email address: log in with that one");
    }
    std::string project = inv[0][1].c_str();
    auto joined = tx.exec_params(kJoinProject, project, me[0][0].c_str(), inv[0][3].c_str());
    out.set_role(joined.empty() ? "owner" : joined[0][0].c_str());
    out.mutable_project()->set_uuid(project);
    out.mutable_project()->set_name(inv[0][4].c_str());
    *out.mutable_project()->mutable_created() =
        tocsin::ToProto(absl::FromUnixMicros(inv[0][5].as<int64_t>()));
    tx.exec_params(kDeleteInvitation, project, inv[0][0].c_str());
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::CreateUserResponse> Store::CreateUser(
    const std::string& email, const std::string& password,
    const std::string& project_name, absl::Time now) {
  RETURN_IF_ERROR(CheckEmail(email));
  RETURN_IF_ERROR(CheckNewPassword(password));
  std::string name = project_name.empty() ? "My Project" : project_name;
  if (name.size() > 100 || !IsStorableText(name)) {
    return absl::InvalidArgumentError("project_name: at most 100 bytes of text");
  }
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  v1::CreateUserResponse out;
  auto* u = out.mutable_user();
  u->set_uuid(NewUuid());
  u->set_email(email);
  *u->mutable_created() = tocsin::ToProto(now);
  v1::CreateProjectResponse project = NewProject(name, now);
  *out.mutable_project() = project.project();
  out.set_api_key(project.api_key());
  out.set_api_key_readonly(project.api_key_readonly());
  out.set_ping_key(project.ping_key());
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params(kInsertUser, u->uuid(), email, hash,
                            absl::ToUnixMicros(now));
    if (r.affected_rows() == 0) {
      return absl::AlreadyExistsError("email: an account with it exists");
    }
    InsertProject(tx, project, now);
    tx.exec_params(kInsertMember, project.project().uuid(), u->uuid(), "owner");
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::LogInResponse> Store::LogIn(const std::string& email,
                                               const std::string& password,
                                               absl::Time now) {
  std::optional<v1::User> user;
  std::string hash;
  if (CheckEmail(email).ok() && password.size() <= 1024) {
    RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
      user.reset();
      pqxx::read_transaction tx(conn);
      auto r = tx.exec_params(kUserByEmail, email);
      if (!r.empty()) {
        v1::User found;
        found.set_uuid(r[0][0].c_str());
        found.set_email(r[0][1].c_str());
        *found.mutable_created() =
            tocsin::ToProto(absl::FromUnixMicros(r[0][3].as<int64_t>()));
        hash = r[0][2].c_str();
        user = found;
      }
      return absl::OkStatus();
    }));
  }
  // The same work whether or not the address is known.
  bool ok = VerifyPassword(user ? hash : DecoyPasswordHash(), password);
  if (!user || !ok) {
    return absl::UnauthenticatedError("wrong email address or password");
  }
  v1::LogInResponse out;
  out.set_session_token(RandomToken(43));
  *out.mutable_user() = *user;
  std::string csrf = RandomToken(32);
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    tx.exec_params(kInsertSession, pqxx::binarystring(Sha256(out.session_token())),
                   user->uuid(), csrf, absl::ToUnixMicros(now),
                   absl::ToUnixMicros(now + kSessionLife));
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::GetSessionResponse> Store::GetSession(const std::string& token,
                                                         absl::Time now) {
  v1::GetSessionResponse out;
  bool found = false;
  if (token.empty() || token.size() > 200) {
    return absl::NotFoundError("no such session");
  }
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    found = false;
    pqxx::work tx(conn);
    auto r = tx.exec_params(kSessionUser, pqxx::binarystring(Sha256(token)),
                            absl::ToUnixMicros(now),
                            absl::ToUnixMicros(now + kSessionLife));
    if (r.empty()) return absl::OkStatus();
    found = true;
    v1::User* u = out.mutable_user();
    u->set_uuid(r[0][0].c_str());
    u->set_email(r[0][1].c_str());
    *u->mutable_created() = tocsin::ToProto(absl::FromUnixMicros(r[0][2].as<int64_t>()));
    out.set_csrf_token(r[0][3].c_str());
    for (const auto& m : tx.exec_params(kMemberships, u->uuid())) {
      auto* ms = out.add_memberships();
      ms->mutable_project()->set_uuid(m[0].c_str());
      ms->mutable_project()->set_name(m[1].c_str());
      *ms->mutable_project()->mutable_created() =
          tocsin::ToProto(absl::FromUnixMicros(m[2].as<int64_t>()));
      ms->set_role(m[3].c_str());
    }
    tx.commit();
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError("no such session");
  return out;
}

absl::Status Store::LogOut(const std::string& token) {
  return pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    tx.exec_params(kDeleteSession, pqxx::binarystring(Sha256(token)));
    tx.commit();
    return absl::OkStatus();
  });
}

absl::Status Store::ChangePassword(const std::string& token,
                                   const std::string& old_password,
                                   const std::string& new_password,
                                   absl::Time now) {
  RETURN_IF_ERROR(CheckNewPassword(new_password));
  std::string user_id, hash;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params(kSessionUser, pqxx::binarystring(Sha256(token)),
                            absl::ToUnixMicros(now),
                            absl::ToUnixMicros(now + kSessionLife));
    if (r.empty()) return absl::NotFoundError("no such session");
    user_id = r[0][0].c_str();
    hash = r[0][4].c_str();
    tx.commit();
    return absl::OkStatus();
  }));
  if (!VerifyPassword(hash, old_password)) {
    return absl::UnauthenticatedError("the current password is wrong");
  }
  ASSIGN_OR_RETURN(std::string new_hash, HashPassword(new_password));
  return pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    tx.exec_params(kSetPassword, user_id, new_hash);
    tx.exec_params(kDeleteOtherSessions, user_id,
                   pqxx::binarystring(Sha256(token)));
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::CreateProjectResponse> Store::CreateOwnedProject(
    const std::string& token, const std::string& name, absl::Time now) {
  RETURN_IF_ERROR(CheckProjectName(name));
  // API keys are made on the project's settings page, when wanted.
  v1::CreateProjectResponse out = NewProject(name, now);
  out.clear_api_key();
  out.clear_api_key_readonly();
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params(kSessionUserId, pqxx::binarystring(Sha256(token)),
                            absl::ToUnixMicros(now));
    if (r.empty()) return absl::UnauthenticatedError("the session has ended");
    InsertProject(tx, out, now, /*with_api_keys=*/false);
    tx.exec_params(kInsertMember, out.project().uuid(), r[0][0].c_str(), "owner");
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Project> Store::RenameProject(const std::string& token,
                                                 const std::string& project,
                                                 const std::string& name,
                                                 absl::Time now) {
  RETURN_IF_ERROR(CheckProjectName(name));
  v1::Project out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kOwner, now));
    auto r = tx.exec_params(kRenameProject, project, name);
    if (r.empty()) return absl::NotFoundError("no such project");
    out.set_uuid(r[0][0].c_str());
    out.set_name(r[0][1].c_str());
    *out.mutable_created() =
        tocsin::ToProto(absl::FromUnixMicros(r[0][2].as<int64_t>()));
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Store::DeleteProject(const std::string& token,
                                  const std::string& project, absl::Time now) {
  return pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kOwner, now));
    tx.exec_params(kDeleteProject, project);
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::GetProjectKeysResponse> Store::GetProjectKeys(
    const std::string& token, const std::string& project, absl::Time now) {
  v1::GetProjectKeysResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kWrite, now));
    auto p = tx.exec_params(kProjectPingKey, project);
    if (p.empty()) return absl::NotFoundError("no such project");
    out.set_ping_key(p[0][0].c_str());
    for (const auto& k : tx.exec_params(kListApiKeys, project)) {
      auto* info = out.add_api_keys();
      info->set_id(k[0].c_str());
      info->set_read_only(k[1].as<bool>());
      info->set_label(k[2].c_str());
      *info->mutable_created() =
          tocsin::ToProto(absl::FromUnixMicros(k[3].as<int64_t>()));
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::CreateApiKeyResponse> Store::CreateApiKey(
    const std::string& token, const std::string& project, bool read_only,
    const std::string& label, absl::Time now) {
  if (label.size() > 100 || !IsStorableText(label)) {
    return absl::InvalidArgumentError("label: at most 100 bytes of text");
  }
  v1::CreateApiKeyResponse out;
  out.set_api_key(RandomToken(32));
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kWrite, now));
    auto r = tx.exec_params(kInsertLabelledApiKey,
                            pqxx::binarystring(Sha256(out.api_key())), project,
                            read_only, label, absl::ToUnixMicros(now));
    out.mutable_info()->set_id(r[0][0].c_str());
    tx.commit();
    return absl::OkStatus();
  }));
  out.mutable_info()->set_read_only(read_only);
  out.mutable_info()->set_label(label);
  *out.mutable_info()->mutable_created() = tocsin::ToProto(now);
  return out;
}

absl::Status Store::RevokeApiKey(const std::string& token,
                                 const std::string& project,
                                 const std::string& id, absl::Time now) {
  if (!IsCanonicalUuid(id)) return absl::NotFoundError("no such API key");
  return pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    RETURN_IF_ERROR(RequireRole(tx, token, project, Need::kWrite, now));
    if (tx.exec_params(kRevokeApiKey, project, id).affected_rows() == 0) {
      return absl::NotFoundError("no such API key");
    }
    tx.commit();
    return absl::OkStatus();
  });
}

}  // namespace tocsin::data
