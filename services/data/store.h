#ifndef TOCSIN_DATA_STORE_H_
#define TOCSIN_DATA_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "data/check_rules.h"
#include "data/migrations.h"
#include "data/object_store.h"
#include "data/pg_pool.h"
#include "data/ping_state_cache.h"
#include "tocsin/v1/account_service.pb.h"
#include "tocsin/v1/alert_service.pb.h"
#include "tocsin/v1/badge_service.pb.h"
#include "tocsin/v1/channel_service.pb.h"
#include "tocsin/v1/channel.pb.h"
#include "tocsin/v1/check.pb.h"
#include "tocsin/v1/deadline_service.pb.h"
#include "tocsin/v1/ping_service.pb.h"
#include "tocsin/v1/project_service.pb.h"
#include "tocsin/v1/system_service.pb.h"

namespace tocsin::data {

// What an API key grants.
struct ApiKeyGrant {
  std::string project;
  bool read_only = true;
};

// A ping as the gateway received it, already validated.
struct PingInput {
  std::string check_uuid;  // Either this, or ping_key + slug.
  std::string ping_key;
  std::string slug;
  bool create = false;
  v1::PingKind kind = v1::PING_KIND_SUCCESS;
  std::optional<int> exit_status;
  std::string body;
  std::string method, scheme, remote_addr, user_agent, rid;
};

struct PingOutcome {
  bool created = false;
  v1::PingKind kind = v1::PING_KIND_UNSPECIFIED;
  std::string flipped_to;  // The new status when the ping changed it.
};

struct CreateCheckOutcome {
  v1::Check check;
  bool created = false;
};

// The ping path prunes a check's pings at every tenth of them, from this
// far below where its last prune stopped; the prune job keeps below that
// range, so that the two never wait for each other's row locks.
inline constexpr int64_t kPingPruneLookBack = 20;

// Limits and thresholds of the store.
struct StoreOptions {
  // Pings kept per check (Healthchecks' default: 100).
  int64_t pings_kept = 100;
  // Ping intake not proven for this long (no gateway heartbeat) is an
  // outage: late checks wait, and get their grace again after it.
  absl::Duration outage_threshold = absl::Seconds(15);
  // Ping bodies larger than object_threshold bytes go to this object store
  // (null: every body stays in its row).
  ObjectStore* objects = nullptr;
  size_t object_threshold = 1024;
  // Unreferenced objects younger than this are kept (their ping's
  // transaction may still be about to commit).
  absl::Duration object_sweep_age = absl::Hours(1);
  // Checks whose state the ping path keeps a copy of, to write a batch
  // without looking its checks up first (0: always look them up).
  size_t ping_state_cache = 100000;
};

// Every SQL statement of the data service, and the transactions around them.
// libpqxx exceptions stop here and become statuses (via PgPool::Run).
class Store {
 public:
  // Registers the hot path's prepared statements with the pool.
  explicit Store(PgPool& pool, StoreOptions options = {});

  absl::StatusOr<MigrationResult> Migrate();

  // Dashboard accounts (account_store.cc).
  absl::StatusOr<v1::CreateUserResponse> CreateUser(const std::string& email,
                                                    const std::string& password,
                                                    const std::string& project_name,
                                                    absl::Time now);
  absl::StatusOr<v1::LogInResponse> LogIn(const std::string& email,
                                          const std::string& password,
                                          absl::Time now);
  absl::StatusOr<v1::GetSessionResponse> GetSession(const std::string& token,
                                                    absl::Time now);
  absl::Status LogOut(const std::string& token);
  absl::Status ChangePassword(const std::string& token,
                              const std::string& old_password,
                              const std::string& new_password, absl::Time now);

  // Projects administered by a session's user (account_store.cc).
  absl::StatusOr<v1::CreateProjectResponse> CreateOwnedProject(
      const std::string& token, const std::string& name, absl::Time now);
  absl::StatusOr<v1::Project> RenameProject(const std::string& token,
                                            const std::string& project,
                                            const std::string& name,
                                            absl::Time now);
  absl::Status DeleteProject(const std::string& token, const std::string& project,
                             absl::Time now);
  absl::StatusOr<v1::GetProjectKeysResponse> GetProjectKeys(
      const std::string& token, const std::string& project, absl::Time now);
  absl::StatusOr<v1::CreateApiKeyResponse> CreateApiKey(
      const std::string& token, const std::string& project, bool read_only,
      const std::string& label, absl::Time now);
  absl::Status RevokeApiKey(const std::string& token, const std::string& project,
                            const std::string& id, absl::Time now);

  absl::StatusOr<v1::ListMembersResponse> ListMembers(const std::string& token,
                                                      const std::string& project,
                                                      absl::Time now);
  absl::StatusOr<v1::InviteMemberResponse> InviteMember(const std::string& token,
                                                        const std::string& project,
                                                        const std::string& email,
                                                        const std::string& role,
                                                        const std::string& language,
                                                        absl::Time now);
  absl::Status RemoveMember(const std::string& token, const std::string& project,
                            const std::string& user, const std::string& invitation,
                            absl::Time now);
  absl::StatusOr<v1::ClaimInvitationMailsResponse> ClaimInvitationMails(
      int limit, absl::Duration lease, absl::Time now);
  absl::Status CompleteInvitationMail(const std::string& id, bool sent);
  absl::StatusOr<v1::AcceptInvitationResponse> AcceptInvitation(
      const std::string& token, const std::string& invitation_token, absl::Time now);

  absl::StatusOr<v1::CreateProjectResponse> CreateProject(std::string_view name,
                                                          absl::Time now);
  // NOT_FOUND for a key no project has.
  absl::StatusOr<ApiKeyGrant> FindApiKey(std::string_view key);

  absl::StatusOr<std::vector<v1::Check>> ListChecks(
      const std::string& project, const std::vector<std::string>& tags,
      const std::optional<std::string>& slug, bool read_only, absl::Time now);
  // `id` is a UUID or a unique key. PERMISSION_DENIED for another project's.
  absl::StatusOr<v1::Check> GetCheck(const std::string& project,
                                     const std::string& id, bool read_only,
                                     absl::Time now);
  absl::StatusOr<v1::Check> UpdateCheck(const std::string& project,
                                        const std::string& id,
                                        const v1::CheckSpec& spec,
                                        absl::Time now);
  // Badges: the project's badge key and sorted tags.
  absl::StatusOr<v1::ListBadgeTagsResponse> ListBadgeTags(
      const std::string& project);
  // Counts for a badge by project badge key + tag ("*" for all) or by a
  // check's badge key; NOT_FOUND for an unknown key.
  absl::StatusOr<v1::GetBadgeCountsResponse> GetBadgeCounts(
      const v1::GetBadgeCountsRequest& req, absl::Time now);

  // The project's integrations, oldest first.
  absl::StatusOr<std::vector<v1::Channel>> ListChannels(
      const std::string& project);
  absl::StatusOr<v1::Check> PauseCheck(const std::string& project,
                                       const std::string& id, absl::Time now);
  // ABORTED when the check is not paused.
  absl::StatusOr<v1::Check> ResumeCheck(const std::string& project,
                                        const std::string& id, absl::Time now);
  absl::StatusOr<v1::Check> DeleteCheck(const std::string& project,
                                        const std::string& id, absl::Time now);
  // Newest first, at most `limit`.
  absl::StatusOr<std::vector<v1::Ping>> ListPings(const std::string& project,
                                                  const std::string& id,
                                                  int limit);
  // NOT_FOUND when the ping does not exist or has no body.
  absl::StatusOr<std::string> GetPingBody(const std::string& project,
                                          const std::string& id, int64_t n);
  // Newest first; `id` may be a unique key. [start, end) when given.
  absl::StatusOr<std::vector<v1::Flip>> ListFlips(
      const std::string& project, const std::string& id,
      std::optional<absl::Time> start, std::optional<absl::Time> end);
  absl::StatusOr<CreateCheckOutcome> CreateCheck(
      const std::string& project, const v1::CheckSpec& spec,
      const std::vector<std::string>& unique, absl::Time now);

  // The ping path: one transaction records the ping, updates the check and
  // writes its flip; returns once committed.
  // `cancelled`, when given, is asked just before the commit: a caller that
  // has already given up (its deadline passed, or it cancelled the call)
  // gets CANCELLED and nothing is written, so it may safely send the ping
  // again.
  absl::StatusOr<PingOutcome> RecordPing(
      const PingInput& ping, absl::Time now,
      const std::function<bool()>& cancelled = {});

  // The ping path in groups (group commit): every ping of the batch in one
  // transaction of a few set-based statements, applied in order (so pings to
  // one check keep their order); one result per ping, in the same order.
  // Auto-creating pings (`create`) are not batched: pass them to RecordPing.
  // A failed transaction fails every member (none is acknowledged); the
  // caller may retry members one by one.
  // `before_commit`, if given, runs once the batch's rows are locked and
  // read, just before the message that writes them and commits is sent: the
  // batcher lets the next batch start then, so that its lookup overlaps
  // this one's writes and WAL flush.
  // A batch whose pings all name their check by UUID, and whose checks'
  // states are all in the ping state cache, skips the lookup: one message
  // writes and commits it, and runs `before_commit` only after the commit
  // (its writes assume no one else writes those checks meanwhile).
  absl::StatusOr<std::vector<absl::StatusOr<PingOutcome>>> RecordPingBatch(
      const std::vector<const PingInput*>& pings, absl::Time now,
      const std::function<void()>& before_commit = nullptr);

  // Marks down up to `limit` checks whose deadline passed; skips rows another
  // replica holds.
  absl::StatusOr<v1::MarkLateChecksResponse> MarkLateChecks(int limit,
                                                            absl::Time now);
  absl::StatusOr<std::optional<absl::Time>> NextDeadline();

  // ---- Channels and alert delivery (alert_store.cc) ----
  absl::StatusOr<v1::Channel> CreateChannel(const std::string& project,
                                            const std::string& name,
                                            const std::string& kind,
                                            const std::string& settings_json,
                                            bool assign_to_all_checks,
                                            absl::Time now);
  absl::StatusOr<v1::Channel> GetChannel(const std::string& project,
                                         const std::string& id);
  absl::StatusOr<v1::Channel> UpdateChannel(
      const std::string& project, const std::string& id,
      const std::optional<std::string>& name, const std::string& settings_json);
  absl::StatusOr<v1::Channel> DeleteChannel(const std::string& project,
                                            const std::string& id);
  // Of one check (`check` set) or one channel; newest first, with attempts.
  // Queues a test through the channel (or returns the one waiting).
  absl::StatusOr<int64_t> SendTestNotification(const std::string& project,
                                               const std::string& id,
                                               absl::Time now);
  absl::StatusOr<std::vector<v1::Notification>> ListNotifications(
      const std::string& project, const std::string& check,
      const std::string& channel, int limit);
  absl::StatusOr<v1::ClaimNotificationsResponse> ClaimNotifications(
      const std::string& sender, int limit, absl::Duration lease,
      absl::Time now);
  absl::StatusOr<v1::CompleteNotificationResponse> CompleteNotification(
      const v1::CompleteNotificationRequest& req, absl::Time now);

  // ---- Tocsin's own health and housekeeping (system_store.cc) ----
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(
      const v1::HeartbeatRequest& req, absl::Time now);
  absl::StatusOr<v1::AcquireJobLeaseResponse> AcquireJobLease(
      const std::string& job, const std::string& instance, absl::Duration ttl,
      absl::Time now);
  absl::StatusOr<v1::GetSystemHealthResponse> GetSystemHealth(absl::Time now);
  // For metrics: checks past their deadline but not yet marked down, and
  // notifications waiting to be delivered.
  struct Backlog {
    int64_t checks_overdue = 0;
    int64_t notifications_pending = 0;
  };
  absl::StatusOr<Backlog> GetBacklog(absl::Time now);
  // PostgreSQL's sizes against the number of checks (deploy/README.md,
  // "Many checks"):
  // - shared_buffers: about 10 KB per check pinged (its row, and a leaf of
  //   the pings key with its newest entries); below that, pings miss the
  //   buffers and the p99 grows;
  // - max_wal_size: about 80 KB per check. After a checkpoint, the next
  //   change to each of those pages writes it whole into the WAL (about
  //   10 KB per check); when that is a large part of max_wal_size, the WAL
  //   fills and the next checkpoint comes within seconds, and so on.
  struct DatabaseSizing {
    int64_t shared_buffers_bytes = 0;
    int64_t checks = 0;  // The planner's estimate: no count of a big table.
    int64_t max_wal_size_bytes = 0;
    static constexpr int64_t kBufferBytesPerCheck = 10 * 1024;
    static constexpr int64_t kWalBytesPerCheck = 80 * 1024;
    // What to suggest (whole MB; whole GB for the WAL) when the current
    // size is smaller.
    std::optional<int64_t> SuggestedSharedBuffers() const;
    std::optional<int64_t> SuggestedMaxWalSize() const;
  };
  absl::StatusOr<DatabaseSizing> GetDatabaseSizing();
  absl::StatusOr<v1::SetProjectReportsResponse> SetProjectReports(
      const std::string& project, const std::string& period, absl::Time now);
  absl::StatusOr<v1::ClaimDueReportsResponse> ClaimDueReports(int limit,
                                                              absl::Time now);
  // Deletes pings beyond `pings_kept` per check, flips and notifications
  // older than the given ages, and stale heartbeats; returns a summary.
  // `stop` is asked between transactions (the caller gone, the server
  // shutting down): what was committed stays, the next run goes on from
  // there, and the answer is CANCELLED with what was done.
  absl::StatusOr<std::string> Prune(absl::Duration keep_flips,
                                    absl::Duration keep_notifications,
                                    absl::Time now,
                                    const std::function<bool()>& stop = {});

 private:
  // A new project's identity and keys, and its rows (in `tx`).
  static v1::CreateProjectResponse NewProject(std::string_view name, absl::Time now);
  static void InsertProject(pqxx::work& tx, const v1::CreateProjectResponse& project,
                            absl::Time now,
                            bool with_api_keys = true);
  // The object a ping body is stored as, if it is large enough for one.
  absl::StatusOr<std::optional<std::string>> BodyObject(const std::string& body);
  // RecordPingBatch from the ping state cache (pings by UUID, and by slug
  // when the slug's check is cached); nullopt when the batch does not
  // qualify or a check's or slug's project's row had changed (the caller
  // then looks them up).
  std::optional<absl::StatusOr<std::vector<absl::StatusOr<PingOutcome>>>>
  RecordCachedPingBatch(const std::vector<const PingInput*>& pings,
                        const std::vector<std::optional<std::string>>& objects,
                        absl::Time now);
  PgPool& pool_;
  StoreOptions options_;
  std::unique_ptr<PingStateCache> ping_states_;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_STORE_H_
