// Channels of a project and the delivery of their notifications.
#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "data/check_rows.h"
#include "data/store.h"
#include "nlohmann/json.hpp"
#include "notify/notify.h"

namespace tocsin::data {
namespace {

constexpr size_t kMaxChannelName = 100;
// Bounds what one project can make the senders do per status change.
constexpr int kMaxChannelsPerProject = 100;
// A notification carries at most this much of the last ping's body.
constexpr int kBodyInNotification = 10000;

constexpr char kChannelColumns[] =
    "id::text, name, kind, settings::text, tocsin_micros(created)";
constexpr char kCountChannels[] =
    "SELECT count(*) FROM channels WHERE project_id = $1";
constexpr char kInsertChannel[] =
    "INSERT INTO channels (id, project_id, name, kind, settings, created) "
    "VALUES ($1, $2, $3, $4, $5::jsonb, tocsin_from_micros($6))";
constexpr char kUpdateChannel[] =
    "UPDATE channels SET name = $2, settings = $3::jsonb WHERE id = $1";
constexpr char kAssignToAllChecks[] =
    "INSERT INTO check_channels (check_id, channel_id) "
    "SELECT id, $2::uuid FROM checks WHERE project_id = $1::uuid";
constexpr char kDeleteChannel[] = "DELETE FROM channels WHERE id = $1";
constexpr char kLockProjectChannels[] =
    "SELECT pg_advisory_xact_lock(hashtext('channels/' || $1))";

// Only the oldest pending notification of a (check, channel) pair is due:
// a "down" waiting for a retry must not be overtaken by the "up" after it.
constexpr char kClaimNotifications[] =
    "WITH due AS (SELECT id FROM notifications n WHERE state = 'pending' "
    "AND next_attempt <= tocsin_from_micros($1) AND NOT EXISTS (SELECT 1 "
    "FROM notifications o WHERE o.check_id = n.check_id AND o.channel_id = "
    "n.channel_id AND o.state = 'pending' AND o.id < n.id) "
    "ORDER BY next_attempt, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE notifications n SET claimed_by = $3, attempts = n.attempts + 1, "
    "next_attempt = tocsin_from_micros($4) FROM due WHERE n.id = due.id "
    "RETURNING n.id, n.flip_id, n.channel_id::text, coalesce(n.check_id::text, ''), "
    "n.attempts, tocsin_micros(n.created)";
constexpr char kInsertTestNotification[] =
    "INSERT INTO notifications (channel_id, next_attempt, created) "
    "VALUES ($1, tocsin_from_micros($2), tocsin_from_micros($2)) "
    "ON CONFLICT (channel_id) WHERE flip_id IS NULL AND state = 'pending' "
    "DO NOTHING RETURNING id";
constexpr char kPendingTest[] =
    "SELECT id FROM notifications WHERE channel_id = $1 AND flip_id IS NULL "
    "AND state = 'pending'";
constexpr char kChannelProjectName[] =
    "SELECT p.name FROM channels ch JOIN projects p ON p.id = ch.project_id "
    "WHERE ch.id = $1";
// Whatever the senders' settings, a notification is given up after this
// many claims (a sender that dies on it every time must not loop forever).
constexpr int kMaxClaims = 100;
constexpr char kGiveUpClaims[] =
    "UPDATE notifications SET state = 'failed', finished = "
    "tocsin_from_micros($1), claimed_by = NULL WHERE state = 'pending' "
    "AND attempts >= $2 AND next_attempt <= tocsin_from_micros($1)";
constexpr char kSelectFlip[] =
    "SELECT old_status, new_status, tocsin_micros(created) FROM flips "
    "WHERE id = $1";
constexpr char kSelectLastPing[] =
    "SELECT body, exit_status FROM pings WHERE check_id = $1 "
    "ORDER BY n DESC LIMIT 1";
constexpr char kProjectName[] = "SELECT name FROM projects WHERE id = $1";
constexpr char kLockNotification[] =
    "SELECT state, attempts, coalesce(claimed_by, '') FROM notifications "
    "WHERE id = $1 FOR UPDATE";
constexpr char kInsertAttempt[] =
    "INSERT INTO notification_attempts (notification_id, attempt, started, "
    "finished, sender, outcome, code, detail) VALUES ($1, $2, "
    "tocsin_from_micros($3), tocsin_from_micros($4), $5, $6, $7, $8) "
    "ON CONFLICT DO NOTHING";
constexpr char kFinishNotification[] =
    "UPDATE notifications SET state = $2, finished = tocsin_from_micros($3), "
    "claimed_by = NULL WHERE id = $1";
constexpr char kRetryNotification[] =
    "UPDATE notifications SET next_attempt = tocsin_from_micros($2), "
    "claimed_by = NULL WHERE id = $1";

constexpr char kNotificationColumns[] =
    "n.id, coalesce(n.check_id::text, ''), n.channel_id::text, ch.kind, "
    "coalesce(f.new_status, 'test'), tocsin_micros(coalesce(f.created, n.created)), "
    "n.state, n.attempts, "
    "tocsin_micros(n.next_attempt), tocsin_micros(n.finished) "
    "FROM notifications n LEFT JOIN flips f ON f.id = n.flip_id "
    "JOIN channels ch ON ch.id = n.channel_id ";
constexpr char kAttemptsOf[] =
    "SELECT notification_id, attempt, tocsin_micros(started), "
    "tocsin_micros(finished), sender, outcome, code, detail "
    "FROM notification_attempts WHERE notification_id = ANY($1::bigint[]) "
    "ORDER BY notification_id, started, attempt";

v1::Channel ChannelFromRow(const pqxx::row& r, bool with_settings) {
  v1::Channel c;
  c.set_id(r[0].c_str());
  c.set_name(r[1].c_str());
  c.set_kind(r[2].c_str());
  if (with_settings) c.set_settings_json(r[3].c_str());
  *c.mutable_created() =
      tocsin::ToProto(absl::FromUnixMicros(r[4].as<int64_t>()));
  return c;
}

absl::Status ValidateName(const std::string& name) {
  if (!IsStorableText(name)) {
    return absl::InvalidArgumentError("name: must be valid UTF-8 text");
  }
  if (name.size() > kMaxChannelName) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: at most ", kMaxChannelName, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> ParseSettings(const std::string& text) {
  if (text.empty()) return nlohmann::json::object();
  if (text.size() > 64 * 1024 || !JsonDepthWithin(text, 8)) {
    return absl::InvalidArgumentError(
        "settings must be a JSON object of at most 64 KiB, nested at most 8 "
        "levels");
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("settings must be a JSON object");
  }
  return j;
}

// The project's channel by UUID: NOT_FOUND for a malformed or unknown id or
// another project's channel (so ids of other projects are not confirmed).
absl::StatusOr<v1::Channel> LoadChannel(pqxx::transaction_base& tx,
                                        const std::string& project,
                                        const std::string& id,
                                        bool for_update) {
  if (!IsCanonicalUuid(id)) return absl::NotFoundError("channel not found");
  auto r = tx.exec_params(
      absl::StrCat("SELECT ", kChannelColumns,
                   " FROM channels WHERE id = $1 AND project_id = $2",
                   for_update ? " FOR UPDATE" : ""),
      absl::AsciiStrToLower(id), project);
  if (r.empty()) return absl::NotFoundError("channel not found");
  return ChannelFromRow(r[0], /*with_settings=*/true);
}

std::string PgBigintArray(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    absl::StrAppend(&out, ids[i]);
  }
  out += '}';
  return out;
}

}  // namespace

absl::StatusOr<v1::Channel> Store::CreateChannel(
    const std::string& project, const std::string& name,
    const std::string& kind, const std::string& settings_json, bool assign_to_all_checks,
    absl::Time now) {
  RETURN_IF_ERROR(ValidateName(name));
  if (!notify::IsKnownKind(kind)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kind: unknown integration kind; use one of webhook, email, slack, "
        "mattermost, rocketchat, discord, msteamsw, ntfy, telegram"));
  }
  ASSIGN_OR_RETURN(nlohmann::json raw, ParseSettings(settings_json));
  ASSIGN_OR_RETURN(nlohmann::json settings,
                   notify::ValidateSettings(kind, raw));
  v1::Channel out;
  out.set_id(NewUuid());
  out.set_name(name);
  out.set_kind(kind);
  out.set_settings_json(settings.dump());
  *out.mutable_created() = tocsin::ToProto(now);
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    tx.exec_params(kLockProjectChannels, project);
    auto n = tx.exec_params(kCountChannels, project);
    if (n[0][0].as<int64_t>() >= kMaxChannelsPerProject) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a project has at most ", kMaxChannelsPerProject, " integrations"));
    }
    tx.exec_params(kInsertChannel, out.id(), project, name, kind,
                   out.settings_json(), absl::ToUnixMicros(now));
    if (assign_to_all_checks) tx.exec_params(kAssignToAllChecks, project, out.id());
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Channel> Store::GetChannel(const std::string& project,
                                              const std::string& id) {
  v1::Channel out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    ASSIGN_OR_RETURN(out, LoadChannel(tx, project, id, false));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Channel> Store::UpdateChannel(
    const std::string& project, const std::string& id,
    const std::optional<std::string>& name, const std::string& settings_json) {
  if (name) RETURN_IF_ERROR(ValidateName(*name));
  ASSIGN_OR_RETURN(nlohmann::json patch, ParseSettings(settings_json));
  v1::Channel out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    ASSIGN_OR_RETURN(out, LoadChannel(tx, project, id, true));
    nlohmann::json current =
        nlohmann::json::parse(out.settings_json(), nullptr, false);
    if (current.is_discarded()) current = nlohmann::json::object();
    ASSIGN_OR_RETURN(nlohmann::json merged,
                     notify::MergeSettings(out.kind(), current, patch));
    if (name) out.set_name(*name);
    out.set_settings_json(merged.dump());
    tx.exec_params(kUpdateChannel, out.id(), out.name(), out.settings_json());
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Channel> Store::DeleteChannel(const std::string& project,
                                                 const std::string& id) {
  v1::Channel out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    ASSIGN_OR_RETURN(out, LoadChannel(tx, project, id, true));
    tx.exec_params(kDeleteChannel, out.id());
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> Store::SendTestNotification(const std::string& project,
                                                    const std::string& id,
                                                    absl::Time now) {
  int64_t out = 0;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    ASSIGN_OR_RETURN(v1::Channel channel, LoadChannel(tx, project, id, false));
    auto r = tx.exec_params(kInsertTestNotification, channel.id(),
                            absl::ToUnixMicros(now));
    if (r.empty()) r = tx.exec_params(kPendingTest, channel.id());
    if (r.empty()) return absl::AbortedError("test notification: try again");
    out = r[0][0].as<int64_t>();
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<v1::Notification>> Store::ListNotifications(
    const std::string& project, const std::string& check,
    const std::string& channel, int limit) {
  if (check.empty() == channel.empty()) {
    return absl::InvalidArgumentError("give exactly one of check, channel");
  }
  const std::string& id = check.empty() ? channel : check;
  if (!IsCanonicalUuid(id)) {
    return absl::NotFoundError(check.empty() ? "channel not found"
                                             : "check not found");
  }
  limit = limit <= 0 ? 50 : std::min(limit, 500);
  std::vector<v1::Notification> out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.clear();
    pqxx::read_transaction tx(conn);
    const char* owner = check.empty()
                            ? "SELECT 1 FROM channels WHERE id = $1 AND "
                              "project_id = $2"
                            : "SELECT 1 FROM checks WHERE id = $1 AND "
                              "project_id = $2";
    if (tx.exec_params(owner, absl::AsciiStrToLower(id), project).empty()) {
      return absl::NotFoundError(check.empty() ? "channel not found"
                                               : "check not found");
    }
    auto rows = tx.exec_params(
        absl::StrCat("SELECT ", kNotificationColumns,
                     check.empty() ? "WHERE n.channel_id = $1"
                                   : "WHERE n.check_id = $1",
                     " ORDER BY n.id DESC LIMIT $2"),
        absl::AsciiStrToLower(id), limit);
    std::map<int64_t, size_t> index;
    std::vector<int64_t> ids;
    for (const auto& r : rows) {
      v1::Notification n;
      n.set_id(r[0].as<int64_t>());
      n.set_check(r[1].c_str());
      n.set_channel(r[2].c_str());
      n.set_channel_kind(r[3].c_str());
      n.set_status(r[4].c_str());
      *n.mutable_flip_created() =
          tocsin::ToProto(absl::FromUnixMicros(r[5].as<int64_t>()));
      n.set_state(r[6].c_str());
      n.set_attempts(r[7].as<int>());
      if (n.state() == "pending") {
        *n.mutable_next_attempt() =
            tocsin::ToProto(absl::FromUnixMicros(r[8].as<int64_t>()));
      }
      if (auto f = TimeField(r[9])) *n.mutable_finished() = tocsin::ToProto(*f);
      index[n.id()] = out.size();
      ids.push_back(n.id());
      out.push_back(std::move(n));
    }
    if (ids.empty()) return absl::OkStatus();
    for (const auto& r : tx.exec_params(kAttemptsOf, PgBigintArray(ids))) {
      v1::Notification& n = out[index[r[0].as<int64_t>()]];
      v1::NotificationAttempt* a = n.add_attempt_log();
      a->set_attempt(r[1].as<int>());
      *a->mutable_started() =
          tocsin::ToProto(absl::FromUnixMicros(r[2].as<int64_t>()));
      *a->mutable_finished() =
          tocsin::ToProto(absl::FromUnixMicros(r[3].as<int64_t>()));
      a->set_sender(r[4].c_str());
      a->set_outcome(r[5].c_str());
      a->set_code(r[6].as<int>());
      a->set_detail(r[7].c_str());
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::ClaimNotificationsResponse> Store::ClaimNotifications(
    const std::string& sender, int limit, absl::Duration lease,
    absl::Time now) {
  if (sender.empty() || !IsStorableText(sender) || sender.size() > 200) {
    return absl::InvalidArgumentError("sender: required, at most 200 bytes");
  }
  if (lease < absl::Seconds(1)) {
    return absl::InvalidArgumentError("lease: at least 1 s");
  }
  limit = limit <= 0 ? 32 : std::min(limit, 500);
  v1::ClaimNotificationsResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    tx.exec_params(kGiveUpClaims, absl::ToUnixMicros(now), kMaxClaims);
    auto claimed = tx.exec_params(kClaimNotifications, absl::ToUnixMicros(now),
                                  limit, sender,
                                  absl::ToUnixMicros(now + lease));
    for (const auto& r : claimed) {
      v1::ClaimedNotification* c = out.add_claimed();
      v1::Notification* n = c->mutable_notification();
      n->set_id(r[0].as<int64_t>());
      n->set_channel(r[2].c_str());
      n->set_check(r[3].c_str());
      n->set_attempts(r[4].as<int>());
      n->set_state("pending");
      *n->mutable_next_attempt() = tocsin::ToProto(now + lease);
      auto ch = tx.exec_params(
          absl::StrCat("SELECT ", kChannelColumns,
                       " FROM channels WHERE id = $1"),
          n->channel());
      if (!ch.empty()) *c->mutable_channel() = ChannelFromRow(ch[0], true);
      n->set_channel_kind(c->channel().kind());
      if (r[1].is_null()) {
        // A test: a sample check, named so that nobody takes it for a real one.
        c->set_test(true);
        n->set_status("test");
        *n->mutable_flip_created() = tocsin::ToProto(now);
        v1::Check* sample = c->mutable_check();
        sample->set_uuid("00000000-0000-0000-0000-000000000000");
        sample->set_name("Test notification");
        sample->set_slug("test-notification");
        sample->set_tags("test");
        sample->set_desc("A test sent from the dashboard: this integration works.");
        sample->set_status(v1::CHECK_STATUS_DOWN);
        auto p = tx.exec_params(kChannelProjectName, n->channel());
        if (!p.empty()) c->set_project_name(p[0][0].c_str());
        continue;
      }
      int64_t flip_id = r[1].as<int64_t>();

      auto f = tx.exec_params(kSelectFlip, flip_id);
      if (!f.empty()) {
        n->set_status(f[0][1].c_str());
        *n->mutable_flip_created() =
            tocsin::ToProto(absl::FromUnixMicros(f[0][2].as<int64_t>()));
      }
      auto chk = tx.exec_params(
          absl::StrCat("SELECT ", kCheckColumns, kCheckChannelsColumn,
                       " FROM checks c WHERE c.id = $1"),
          n->check());
      if (!chk.empty()) {
        ASSIGN_OR_RETURN(CheckRecord rec, FromRow(chk[0]));
        *c->mutable_check() = ToProto(rec, /*read_only=*/false, now);
        auto p = tx.exec_params(kProjectName, rec.project);
        if (!p.empty()) c->set_project_name(p[0][0].c_str());
      }
      auto last = tx.exec_params(kSelectLastPing, n->check());
      if (!last.empty()) {
        if (!last[0][0].is_null()) {
          pqxx::binarystring body(last[0][0]);
          c->set_last_body(ToStorableText(body.str(), kBodyInNotification));
        }
        if (!last[0][1].is_null()) {
          c->set_last_exit_status(last[0][1].as<int>());
        }
      }
    }
    out.set_more(static_cast<int>(claimed.size()) >= limit);
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::CompleteNotificationResponse> Store::CompleteNotification(
    const v1::CompleteNotificationRequest& req, absl::Time now) {
  const std::string& outcome = req.outcome();
  if (outcome != "ok" && outcome != "retry" && outcome != "failed" &&
      outcome != "skipped") {
    return absl::InvalidArgumentError(
        "outcome: one of ok, retry, failed, skipped");
  }
  if (outcome == "retry" && !req.has_retry_at()) {
    return absl::InvalidArgumentError("retry_at: required for retry");
  }
  if (req.sender().empty() || req.sender().size() > 200 ||
      !IsStorableText(req.sender())) {
    return absl::InvalidArgumentError("sender: required, at most 200 bytes");
  }
  std::string detail = ToStorableText(req.detail(), 1000);
  absl::Time started =
      req.has_started() ? std::min(FromProto(req.started()), now) : now;
  v1::CompleteNotificationResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params(kLockNotification, req.id());
    if (r.empty()) return absl::NotFoundError("notification not found");
    std::string state = r[0][0].c_str();
    int attempts = r[0][1].as<int>();
    std::string claimed_by = r[0][2].c_str();
    bool held = state == "pending" && claimed_by == req.sender() &&
                attempts == req.attempt();
    tx.exec_params(kInsertAttempt, req.id(), req.attempt(),
                   absl::ToUnixMicros(started), absl::ToUnixMicros(now),
                   req.sender(), outcome, req.code(), detail);
    if (held) {
      if (outcome == "retry") {
        tx.exec_params(kRetryNotification, req.id(),
                       absl::ToUnixMicros(FromProto(req.retry_at())));
      } else {
        const char* final_state = outcome == "ok"        ? "sent"
                                  : outcome == "skipped" ? "skipped"
                                                         : "failed";
        tx.exec_params(kFinishNotification, req.id(), final_state,
                       absl::ToUnixMicros(now));
      }
    } else if (outcome == "ok" && state == "pending") {
      // Delivered by a sender whose lease ran out: the notification is out,
      // so no one else should send it again.
      tx.exec_params(kFinishNotification, req.id(), "sent",
                     absl::ToUnixMicros(now));
    }
    tx.commit();
    out.set_lease_held(held);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tocsin::data
