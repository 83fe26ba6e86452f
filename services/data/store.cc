#include "data/store.h"

#include <poll.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "data/check_rows.h"
#include "metrics/metrics.h"

namespace tocsin::data {
namespace {

// ---- SQL, by name ---------------------------------------------------------

constexpr char kInsertProject[] =
    "INSERT INTO projects (id, name, ping_key, created) "
    "VALUES ($1, $2, $3, tocsin_from_micros($4))";
constexpr char kInsertApiKey[] =
    "INSERT INTO api_keys (digest, project_id, read_only) VALUES ($1, $2, $3)";
constexpr char kSelectApiKey[] =
    "SELECT project_id::text, read_only FROM api_keys WHERE digest = $1";

// The deadline floor (V009) after writing `deadline` to alert_after: kept
// while it is still a lower bound (no index write: a heap-only update),
// lowered otherwise. A NULL deadline leaves a stale floor for the scan.
#define TOCSIN_LOWER_FLOOR(deadline)                                   \
  "CASE WHEN " deadline " IS NULL OR alert_floor <= " deadline        \
  " THEN alert_floor ELSE " deadline " END"

constexpr char kInsertCheck[] =
    "INSERT INTO checks (id, project_id, unique_key, badge_key, name, slug, "
    "tags, description, kind, timeout_s, grace_s, schedule, tz, status, "
    "manual_resume, methods, start_kw, success_kw, failure_kw, "
    "filter_subject, filter_body, filter_http_body, filter_default_fail, "
    "alert_after, alert_floor, created) VALUES ($1, $2, $3, $4, $5, $6, $7, "
    "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, "
    "$23, tocsin_from_micros($24), tocsin_from_micros($24), "
    "tocsin_from_micros($25))";
constexpr char kUpdateCheckFields[] =
    "UPDATE checks SET name = $2, slug = $3, tags = $4, description = $5, "
    "kind = $6, timeout_s = $7, grace_s = $8, schedule = $9, tz = $10, "
    "manual_resume = $11, methods = $12, start_kw = $13, success_kw = $14, "
    "failure_kw = $15, filter_subject = $16, filter_body = $17, "
    "filter_http_body = $18, filter_default_fail = $19, "
    "alert_after = tocsin_from_micros($20), "
    "alert_floor = " TOCSIN_LOWER_FLOOR("tocsin_from_micros($20)") " WHERE id = $1";
// The ping path's only write to the check.
constexpr char kUpdateCheckAfterPing[] =
    "UPDATE checks SET status = $2, n_pings = $3, "
    "last_ping = tocsin_from_micros($4), last_start = tocsin_from_micros($5), "
    "last_start_rid = NULLIF($6, '')::uuid, last_duration_ms = $7, "
    "alert_after = tocsin_from_micros($8), "
    "alert_floor = " TOCSIN_LOWER_FLOOR("tocsin_from_micros($8)") " WHERE id = $1";
constexpr char kInsertPing[] =
    "INSERT INTO pings (check_id, n, created, kind, scheme, method, "
    "remote_addr, user_agent, exit_status, rid, duration_ms, body, body_size, "
    "body_object) VALUES ($1, $2, tocsin_from_micros($3), $4, $5, $6, $7, $8, "
    "$9, NULLIF($10, '')::uuid, $11, $12, $13, $14)";
// A check's flips never go back in time: writers read the clock before
// they wait for the check's row lock, so the flip committed second could
// carry the earlier time (by milliseconds), and its history, ordered by
// time, would no longer chain.
constexpr char kInsertFlip[] =
    "INSERT INTO flips (check_id, created, old_status, new_status, processed) "
    "SELECT $1, GREATEST(tocsin_from_micros($2), "
    "(SELECT max(f.created) FROM flips f WHERE f.check_id = $1)), $3, $4, "
    "tocsin_from_micros($5) RETURNING id";
// One notification per channel of the check, due at once ($4).
constexpr char kQueueNotifications[] =
    "INSERT INTO notifications (flip_id, channel_id, check_id, next_attempt, "
    "created) SELECT $1, cc.channel_id, $2, tocsin_from_micros($4), "
    "tocsin_from_micros($3) FROM check_channels cc WHERE cc.check_id = $2";
// Prepared on every connection (the ping path runs them all the time).
constexpr char kPrepSelectCheckForPing[] = "select_check_for_ping";
constexpr char kPrepUpdateCheckAfterPing[] = "update_check_after_ping";
constexpr char kPrepInsertPing[] = "insert_ping";
constexpr char kPrepInsertFlip[] = "insert_flip";
constexpr char kPrepPrunePings[] = "prune_pings";
constexpr char kPrepQueueNotifications[] = "queue_notifications";
constexpr char kPrepBatchChecksByUuid[] = "batch_checks_by_uuid";
constexpr char kPrepBatchChecksBySlug[] = "batch_checks_by_slug";
constexpr char kPrepBatchChecksMixed[] = "batch_checks_mixed";
constexpr char kPrepBatchUpdateChecks[] = "batch_update_checks";
constexpr char kPrepBatchInsertPings[] = "batch_insert_pings";
constexpr char kPrepBatchPrunePings[] = "batch_prune_pings";
constexpr char kPrepBatchUpdateCachedChecks[] = "batch_update_cached_checks";
constexpr char kPrepBatchCheckCachedProjects[] = "batch_check_cached_projects";

// The batched ping path: array parameters are passed as PostgreSQL array
// literals (libpqxx 6.4 has no array binding) and expanded with unnest().
// Rows are locked in id order so concurrent batches cannot deadlock.
constexpr char kBatchChecksByUuid[] =
    "FROM checks c WHERE c.id = ANY($1::uuid[]) ORDER BY c.id FOR UPDATE";
constexpr char kBatchChecksBySlug[] =
    "FROM checks c JOIN projects p ON p.id = c.project_id "
    "JOIN unnest($1::text[], $2::text[]) AS t(k, s) "
    "ON p.ping_key = t.k AND c.slug = t.s ORDER BY c.id FOR UPDATE OF c";
// A batch with pings of both kinds locks all its checks in one statement:
// two statements would each lock in id order, but not in one order
// together, and two such batches could deadlock.
// The ids are gathered into an array first (an InitPlan, evaluated once):
// as a subquery joined to the locked rows, a nested-loop plan dropped a row
// that another transaction updated while this one waited for it, when
// PostgreSQL rechecked the new version (test
// MixedBatchFindsChecksUpdatedMeanwhile). The slugs the C++ side matches
// are the locked rows' own, so a slug renamed meanwhile is not followed.
// (The project is joined for its ping key only: a left join, so that a
// check moved to another project meanwhile is still found by its UUID.)
constexpr char kBatchChecksMixed[] =
    "FROM checks c LEFT JOIN projects p ON p.id = c.project_id "
    "WHERE c.id = ANY(ARRAY(SELECT unnest($1::uuid[]) UNION ALL "
    "SELECT c2.id FROM checks c2 JOIN projects p2 ON p2.id = c2.project_id "
    "JOIN unnest($2::text[], $3::text[]) AS t(k, s) "
    "ON p2.ping_key = t.k AND c2.slug = t.s)) "
    "ORDER BY c.id FOR UPDATE OF c";
// What a batch writes to each check it touched, from unnest()ed arrays v.
#define TOCSIN_BATCH_CHECK_SET                                              \
  "status = v.status, n_pings = v.n, last_ping = tocsin_from_micros(v.lp), " \
  "last_start = tocsin_from_micros(v.ls), "                                  \
  "last_start_rid = NULLIF(v.rid, '')::uuid, last_duration_ms = v.dur, "     \
  "alert_after = tocsin_from_micros(v.aa), "                                 \
  "alert_floor = " TOCSIN_LOWER_FLOOR("tocsin_from_micros(v.aa)")
#define TOCSIN_BATCH_CHECK_ARRAYS                                           \
  "$1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], "       \
  "$6::text[], $7::bigint[], $8::bigint[]"
constexpr char kBatchUpdateChecks[] =
    "UPDATE checks c SET " TOCSIN_BATCH_CHECK_SET " FROM unnest("
    TOCSIN_BATCH_CHECK_ARRAYS ") AS v(id, status, n, lp, ls, rid, dur, aa) "
    "WHERE c.id = v.id";
// The same from the ping state cache, with no lookup (and so no lock) before
// it: each row is written only if it is still the version ($9, its xmin) the
// cached state came from, and the transaction fails (SQLSTATE TS001, V016)
// unless all $10 were.
constexpr char kBatchUpdateCachedChecks[] =
    "WITH u AS (UPDATE checks c SET " TOCSIN_BATCH_CHECK_SET " FROM unnest("
    TOCSIN_BATCH_CHECK_ARRAYS ", $9::text[]) "
    "AS v(id, status, n, lp, ls, rid, dur, aa, xmin) "
    "WHERE c.id = v.id AND c.xmin = v.xmin::xid RETURNING 1) "
    "SELECT tocsin_expect_rows(count(*), $10) FROM u";
constexpr char kStaleCachedChecks[] = "TS001";
// The projects whose slugs a cached batch followed ($1, at versions $2):
// the transaction fails in the same way unless all $3 are still those
// versions (V017: a check that takes a slug changes its project's row).
constexpr char kBatchCheckCachedProjects[] =
    "SELECT tocsin_expect_rows(count(*), $3) FROM projects p "
    "JOIN unnest($1::uuid[], $2::text[]) AS v(id, xmin) "
    "ON p.id = v.id AND p.xmin = v.xmin::xid";
// That update takes its rows' locks itself, in its plan's order: id order
// when it joins the sorted arrays to the key, the table's order after a
// hash join (as on a small table). A batch on another replica may then hold
// a row it needs while waiting for one of its rows: instead of PostgreSQL's
// deadlock check after a second, a short lock wait makes it give up, and
// the batch is redone the long way, whose lookup locks in id order. (An
// explicit lock in id order first cost most of what the lookup saves.)
constexpr char kCachedBatchLockWait[] = "SET LOCAL lock_timeout = '50ms'";
constexpr char kLockNotAvailable[] = "55P03";
// This transaction's id: the xmin of every row it writes.
constexpr char kTransactionId[] = "pg_current_xact_id()::xid::text";
constexpr char kBatchInsertPings[] =
    "INSERT INTO pings (check_id, n, created, kind, scheme, method, "
    "remote_addr, user_agent, exit_status, rid, duration_ms, body, body_size, "
    "body_object) "
    "SELECT v.id, v.n, tocsin_from_micros(v.created), v.kind, v.scheme, "
    "v.method, v.addr, v.ua, v.exit, NULLIF(v.rid, '')::uuid, v.dur, v.body, "
    "v.size, v.obj FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], "
    "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
    "$9::smallint[], $10::text[], $11::bigint[], $12::bytea[], $13::int[], "
    "$14::text[]) AS v(id, n, created, kind, scheme, method, addr, ua, exit, "
    "rid, dur, body, size, obj)";
// Only the pings that fell out of the kept window since the last prune
// (from $2 exclusive to $3): an open range would walk, on every prune, the
// index entries of every ping deleted but not yet vacuumed (under load,
// hundreds of thousands), and grow slower as they pile up. Pings a bounded
// prune missed (TOCSIN_PINGS_KEPT lowered, say) are the prune job's.
constexpr char kBatchPrunePings[] =
    "DELETE FROM pings p USING unnest($1::uuid[], $2::bigint[], $3::bigint[]) "
    "AS v(id, lo, hi) WHERE p.check_id = v.id AND p.n > v.lo AND p.n <= v.hi";


constexpr char kListChannels[] =
    "SELECT id::text, name, kind FROM channels WHERE project_id = $1 "
    "ORDER BY created, id";
constexpr char kClearCheckChannels[] =
    "DELETE FROM check_channels WHERE check_id = $1";
constexpr char kAddCheckChannel[] =
    "INSERT INTO check_channels (check_id, channel_id) VALUES ($1, $2)";
constexpr char kLockProjectChecks[] =
    "SELECT pg_advisory_xact_lock(hashtext('checks/' || $1))";
constexpr char kPrunePings[] =  // Bounded as kBatchPrunePings is.
    "DELETE FROM pings WHERE check_id = $1 AND n > $2 AND n <= $3";
constexpr char kSetStatusClearRun[] =
    "UPDATE checks SET status = $2, last_ping = tocsin_from_micros($3), "
    "last_start = NULL, last_start_rid = NULL, alert_after = NULL "
    "WHERE id = $1";
constexpr char kDeleteCheck[] = "DELETE FROM checks WHERE id = $1";
constexpr char kListPings[] =
    "SELECT n, tocsin_micros(created), kind, scheme, remote_addr, method, "
    "user_agent, coalesce(rid::text, ''), duration_ms, exit_status, body_size, "
    "substring(body from 1 for 120) "
    "FROM pings WHERE check_id = $1 ORDER BY n DESC LIMIT $2";
constexpr char kSelectPingBody[] =
    "SELECT body, body_object FROM pings WHERE check_id = $1 AND n = $2";
constexpr char kListFlips[] =
    "SELECT tocsin_micros(created), old_status, new_status FROM flips "
    "WHERE check_id = $1 "
    "AND ($2::bigint IS NULL OR created >= tocsin_from_micros($2)) "
    "AND ($3::bigint IS NULL OR created < tocsin_from_micros($3)) "
    "ORDER BY created DESC, id DESC";

constexpr char kSelectProjectByPingKey[] =
    "SELECT id::text FROM projects WHERE ping_key = $1";
// Checks whose floor has passed but whose deadline has not (or that can no
// longer go down): the floor is lifted to the deadline. The only writes to
// the floor index besides deadlines that move earlier.
constexpr char kLiftFloors[] =
    "UPDATE checks SET alert_floor = CASE WHEN status = 'down' THEN NULL "
    "ELSE alert_after END WHERE id IN (SELECT id FROM checks "
    "WHERE alert_floor <= tocsin_from_micros($1) AND (status = 'down' "
    "OR alert_after IS NULL OR alert_after > tocsin_from_micros($1)) "
    "ORDER BY alert_floor LIMIT $2 FOR UPDATE SKIP LOCKED)";
constexpr char kLateChecksSuffix[] =
    " FROM checks c WHERE c.alert_floor <= tocsin_from_micros($1) "
    "AND c.status <> 'down' AND c.alert_after IS NOT NULL "
    "AND c.alert_after <= tocsin_from_micros($1) ORDER BY c.alert_floor "
    "LIMIT $2 FOR UPDATE SKIP LOCKED";
constexpr char kMarkDown[] =
    "UPDATE checks SET status = 'down', alert_after = NULL, alert_floor = NULL, "
    "last_start = NULL, last_start_rid = NULL WHERE id = $1";
constexpr char kMoveDeadline[] =
    "UPDATE checks SET alert_after = tocsin_from_micros($2), "
    "alert_floor = tocsin_from_micros($2) WHERE id = $1";
constexpr char kLockIntakeShared[] =
    "SELECT tocsin_micros(last_seen) FROM intake_state WHERE id = 1 FOR SHARE";
// The earliest floor: the late-check scan may find only floors to lift
// there, never a deadline it missed.
constexpr char kNextDeadline[] =
    "SELECT tocsin_micros(min(alert_floor)) FROM checks "
    "WHERE alert_floor IS NOT NULL";


bool HasAllTags(const std::string& check_tags,
                const std::vector<std::string>& wanted) {
  std::set<absl::string_view> have;
  for (absl::string_view t :
       absl::StrSplit(check_tags, ' ', absl::SkipEmpty())) {
    have.insert(t);
  }
  for (const auto& w : wanted) {
    if (!have.count(w)) return false;
  }
  return true;
}

void InsertCheck(pqxx::work& tx, const CheckRecord& rec) {
  const CheckState& s = rec.f.state;
  tx.exec_params(kInsertCheck, rec.id, rec.project, rec.unique_key,
                 rec.badge_key, rec.f.name, rec.f.slug, rec.f.tags, rec.f.desc,
                 std::string(KindName(s.kind)), absl::ToInt64Seconds(s.timeout),
                 absl::ToInt64Seconds(s.grace), s.schedule, s.tz,
                 std::string(StoredStatusName(s.status)), s.manual_resume,
                 s.methods, s.start_kw, s.success_kw, s.failure_kw,
                 rec.f.filter_subject, rec.f.filter_body, s.filter_http_body,
                 s.filter_default_fail, Micros(s.alert_after).get(),
                 absl::ToUnixMicros(rec.created));
}

void UpdateCheckFields(pqxx::work& tx, const CheckRecord& rec) {
  const CheckState& s = rec.f.state;
  tx.exec_params(kUpdateCheckFields, rec.id, rec.f.name, rec.f.slug, rec.f.tags,
                 rec.f.desc, std::string(KindName(s.kind)),
                 absl::ToInt64Seconds(s.timeout), absl::ToInt64Seconds(s.grace),
                 s.schedule, s.tz, s.manual_resume, s.methods, s.start_kw,
                 s.success_kw, s.failure_kw, rec.f.filter_subject,
                 rec.f.filter_body, s.filter_http_body, s.filter_default_fail,
                 Micros(s.alert_after).get());
}

std::string UniqueKeyFor(const std::string& uuid) {
  std::string hex;
  for (char ch : uuid) {
    if (ch != '-') hex.push_back(ch);
  }
  return Sha1Hex(hex.substr(0, 16));
}

CheckRecord NewCheckRecord(const std::string& project, absl::Time now) {
  CheckRecord rec;
  rec.id = NewUuid();
  rec.project = project;
  // Healthchecks' read-only identifier: SHA-1 of the first 16 hex digits of
  // the UUID.
  rec.unique_key = UniqueKeyFor(rec.id);
  rec.badge_key = NewUuid();
  rec.created = now;
  return rec;
}

// The channel UUIDs a check's `channels` field names: "*" for all of the
// project's, "" for none, else a comma-separated list of UUIDs or names.
absl::StatusOr<std::vector<std::string>> ResolveChannels(
    pqxx::work& tx, const std::string& project, const std::string& spec) {
  std::vector<std::string> ids;
  auto all = tx.exec_params(kListChannels, project);
  if (spec == "*") {
    for (const auto& row : all) ids.push_back(row[0].c_str());
    return ids;
  }
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::string wanted(item);
    std::vector<std::string> hits;
    for (const auto& row : all) {
      if (absl::AsciiStrToLower(wanted) == row[0].c_str() ||
          wanted == row[1].c_str()) {
        hits.push_back(row[0].c_str());
      }
    }
    if (hits.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid channel identifier: ", wanted));
    }
    if (hits.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("non-unique channel identifier: ", wanted));
    }
    if (std::find(ids.begin(), ids.end(), hits[0]) == ids.end()) {
      ids.push_back(hits[0]);
    }
  }
  return ids;
}

// Applies a request's `channels` field, if it has one, to a stored check.
absl::Status AssignChannels(pqxx::work& tx, CheckRecord& rec,
                            const v1::CheckSpec& spec) {
  if (!spec.has_channels()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ResolveChannels(tx, rec.project, spec.channels()));
  tx.exec_params(kClearCheckChannels, rec.id);
  for (const auto& id : ids) tx.exec_params(kAddCheckChannel, rec.id, id);
  std::sort(ids.begin(), ids.end());
  rec.channels = absl::StrJoin(ids, ",");
  return absl::OkStatus();
}

metrics::Gauge& CacheTrying() {
  static auto& g = metrics::DefaultRegistry()
                       .AddGauge("tocsin_ping_state_cache_trying",
                                 "1 while ping batches whose checks are all in the "
                                 "ping state cache try it; 0 while most recent tries "
                                 "were stale (as with several data replicas writing "
                                 "the same checks) and batches go straight to the "
                                 "lookup, but for a probe in 16.",
                                 {})
                       .With({});
  return g;
}

// Writes a status change at time `at` (for a late check: when its grace ran
// out) and queues its notifications, one per channel of the check, in the
// same transaction. As Healthchecks does, nobody is alerted of a check
// coming up for the first time or after a pause, nor of an operator's own
// pause or resume (`notify` false): those flips are history only.
void WriteFlip(pqxx::transaction_base& tx, const std::string& check_id,
               absl::Time at,
               absl::Time now, StoredStatus from, StoredStatus to,
               bool notify = true) {
  auto r = tx.exec_prepared(kPrepInsertFlip, check_id, absl::ToUnixMicros(at),
                            std::string(StoredStatusName(from)),
                            std::string(StoredStatusName(to)),
                            absl::ToUnixMicros(now));
  bool alerting = to == StoredStatus::kDown ||
                  (to == StoredStatus::kUp && from == StoredStatus::kDown);
  if (notify && alerting) {
    tx.exec_prepared(kPrepQueueNotifications, r[0][0].as<int64_t>(), check_id,
                     absl::ToUnixMicros(at), absl::ToUnixMicros(now));
  }
}

v1::PingKind ParsePingKind(std::string_view s) {
  for (v1::PingKind k : {v1::PING_KIND_SUCCESS, v1::PING_KIND_START,
                         v1::PING_KIND_FAIL, v1::PING_KIND_LOG}) {
    if (PingKindName(k) == s) return k;
  }
  return v1::PING_KIND_IGNORED;
}

// Saves a pause or resume: the new status with no run in progress and no
// deadline, and the flip as history that alerts nobody (an operator's own
// action).
void SaveOperatorStatusChange(pqxx::work& tx, const CheckRecord& rec,
                              StoredStatus before, absl::Time now) {
  tx.exec_params(kSetStatusClearRun, rec.id,
                 std::string(StoredStatusName(rec.f.state.status)),
                 Micros(rec.f.state.last_ping).get());
  if (before != rec.f.state.status) {
    WriteFlip(tx, rec.id, now, now, before, rec.f.state.status,
              /*notify=*/false);
  }
}

// Finds a check of `project` by UUID (or, with `by_unique_key`, its unique
// key): NOT_FOUND when no check has it, PERMISSION_DENIED when another
// project's check does.
template <typename Tx>
absl::StatusOr<CheckRecord> LoadCheck(Tx& tx, const std::string& project,
                                      const std::string& id, bool for_update,
                                      bool uuid_only = false) {
  // A unique key is 40 hex digits; anything else names no check.
  bool is_unique_key =
      !uuid_only && id.size() == 40 &&
      std::all_of(id.begin(), id.end(), [](char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
      });
  if (!IsCanonicalUuid(id) && !is_unique_key) {
    return absl::NotFoundError("check not found");
  }
  std::string sql = absl::StrCat(
      "SELECT ", kCheckColumns, kCheckChannelsColumn, " FROM checks c WHERE ",
      is_unique_key ? "c.unique_key = $1" : "c.id = $1",
      for_update ? " FOR UPDATE" : "");
  auto r = tx.exec_params(sql, is_unique_key ? id : absl::AsciiStrToLower(id));
  if (r.empty()) return absl::NotFoundError("check not found");
  ASSIGN_OR_RETURN(CheckRecord rec, FromRow(r[0]));
  if (rec.project != project) {
    // Unique keys are looked up within the project, as Healthchecks does:
    // another project's key is simply not found.
    if (is_unique_key) return absl::NotFoundError("check not found");
    return absl::PermissionDeniedError("wrong api key");
  }
  return rec;
}

// The shape every write on one check shares: lock it (by UUID, within the
// project), let `change` apply and write the change, commit, return it.
absl::StatusOr<v1::Check> ModifyCheck(
    PgPool& pool, const std::string& project, const std::string& id,
    absl::Time now,
    const std::function<absl::Status(pqxx::work&, CheckRecord&)>& change) {
  v1::Check out;
  RETURN_IF_ERROR(pool.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    ASSIGN_OR_RETURN(CheckRecord rec,
                     LoadCheck(tx, project, id, /*for_update=*/true,
                               /*uuid_only=*/true));
    RETURN_IF_ERROR(change(tx, rec));
    tx.commit();
    out = ToProto(rec, false, now);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace

Store::Store(PgPool& pool, StoreOptions options)
    : pool_(pool),
      options_(options),
      ping_states_(options.ping_state_cache > 0
                       ? std::make_unique<PingStateCache>(
                             options.ping_state_cache)
                       : nullptr) {
  if (ping_states_) CacheTrying().Set(1);
  pool_.AddPreparedStatements({
      {kPrepSelectCheckForPing,
       absl::StrCat("SELECT ", kCheckColumns,
                    " FROM checks c WHERE c.id = $1 FOR UPDATE")},
      {kPrepUpdateCheckAfterPing, kUpdateCheckAfterPing},
      {kPrepInsertPing, kInsertPing},
      {kPrepInsertFlip, kInsertFlip},
      {kPrepPrunePings, kPrunePings},
      {kPrepQueueNotifications, kQueueNotifications},
      // The lookups also return the transaction's id (last column), which
      // will be the xmin of the rows the batch writes.
      {kPrepBatchChecksByUuid,
       absl::StrCat("SELECT ", kCheckColumns, ", ", kTransactionId, " ",
                    kBatchChecksByUuid)},
      // And the ping key matched, and the project's row version for the
      // ping state cache's slugs.
      {kPrepBatchChecksBySlug,
       absl::StrCat("SELECT ", kCheckColumns, ", t.k, p.xmin::text, ",
                    kTransactionId, " ", kBatchChecksBySlug)},
      // The same columns; the ping key is the check's project's.
      {kPrepBatchChecksMixed,
       absl::StrCat("SELECT ", kCheckColumns, ", p.ping_key, p.xmin::text, ",
                    kTransactionId, " ", kBatchChecksMixed)},
      {kPrepBatchUpdateChecks, kBatchUpdateChecks},
      {kPrepBatchUpdateCachedChecks, kBatchUpdateCachedChecks},
      {kPrepBatchCheckCachedProjects, kBatchCheckCachedProjects},
      {kPrepBatchInsertPings, kBatchInsertPings},
      {kPrepBatchPrunePings, kBatchPrunePings},
  });
}

absl::StatusOr<MigrationResult> Store::Migrate() {
  ASSIGN_OR_RETURN(auto migrations, ParseMigrations(EmbeddedMigrations()));
  MigrationResult result;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    ASSIGN_OR_RETURN(result, ApplyMigrations(conn, migrations));
    return absl::OkStatus();
  }));
  return result;
}

v1::CreateProjectResponse Store::NewProject(std::string_view name,
                                           absl::Time now) {
  v1::CreateProjectResponse out;
  out.mutable_project()->set_uuid(NewUuid());
  out.mutable_project()->set_name(std::string(name));
  *out.mutable_project()->mutable_created() = tocsin::ToProto(now);
  out.set_api_key(RandomToken(32));
  out.set_api_key_readonly(RandomToken(32));
  out.set_ping_key(RandomToken(22));
  return out;
}

void Store::InsertProject(pqxx::work& tx, const v1::CreateProjectResponse& project,
                          absl::Time now, bool with_api_keys) {
  const auto& p = project.project();
  tx.exec_params(kInsertProject, p.uuid(), p.name(), project.ping_key(),
                 absl::ToUnixMicros(now));
  if (!with_api_keys) return;
  tx.exec_params(kInsertApiKey, pqxx::binarystring(Sha256(project.api_key())),
                 p.uuid(), false);
  tx.exec_params(kInsertApiKey,
                 pqxx::binarystring(Sha256(project.api_key_readonly())), p.uuid(),
                 true);
}

absl::StatusOr<v1::CreateProjectResponse> Store::CreateProject(
    std::string_view name, absl::Time now) {
  v1::CreateProjectResponse out = NewProject(name, now);
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    InsertProject(tx, out, now);
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ApiKeyGrant> Store::FindApiKey(std::string_view key) {
  ApiKeyGrant grant;
  bool found = false;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    auto r = tx.exec_params(kSelectApiKey, pqxx::binarystring(Sha256(key)));
    if (!r.empty()) {
      found = true;
      grant.project = r[0][0].c_str();
      grant.read_only = r[0][1].as<bool>();
    }
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError("wrong api key");
  return grant;
}

absl::StatusOr<std::vector<v1::Check>> Store::ListChecks(
    const std::string& project, const std::vector<std::string>& tags,
    const std::optional<std::string>& slug, bool read_only, absl::Time now) {
  std::vector<v1::Check> out;
  // Stored slugs and tags are text: a filter that is not matches nothing.
  if (slug && !IsStorableText(*slug)) return out;
  for (const auto& t : tags) {
    if (!IsStorableText(t)) return out;
  }
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    std::string sql =
        absl::StrCat("SELECT ", kCheckColumns, kCheckChannelsColumn,
                     " FROM checks c WHERE c.project_id = $1");
    pqxx::result r;
    if (slug) {
      r = tx.exec_params(sql + " AND c.slug = $2 ORDER BY c.created, c.id",
                         project, *slug);
    } else {
      r = tx.exec_params(sql + " ORDER BY c.created, c.id", project);
    }
    for (const auto& row : r) {
      ASSIGN_OR_RETURN(CheckRecord rec, FromRow(row));
      if (!HasAllTags(rec.f.tags, tags)) continue;
      out.push_back(ToProto(rec, read_only, now));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Check> Store::GetCheck(const std::string& project,
                                          const std::string& id, bool read_only,
                                          absl::Time now) {
  std::optional<CheckRecord> rec;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    ASSIGN_OR_RETURN(rec, LoadCheck(tx, project, id, /*for_update=*/false));
    return absl::OkStatus();
  }));
  return ToProto(*rec, read_only, now);
}

absl::StatusOr<v1::Check> Store::UpdateCheck(const std::string& project,
                                             const std::string& id,
                                             const v1::CheckSpec& spec,
                                             absl::Time now) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  return ModifyCheck(pool_, project, id, now,
                     [&](pqxx::work& tx, CheckRecord& rec) {
                       ApplySpec(spec, rec.f);
                       UpdateCheckFields(tx, rec);
                       return AssignChannels(tx, rec, spec);
                     });
}

absl::StatusOr<std::vector<v1::Channel>> Store::ListChannels(
    const std::string& project) {
  std::vector<v1::Channel> out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.clear();
    pqxx::read_transaction tx(conn);
    for (const auto& row : tx.exec_params(kListChannels, project)) {
      v1::Channel c;
      c.set_id(row[0].c_str());
      c.set_name(row[1].c_str());
      c.set_kind(row[2].c_str());
      out.push_back(std::move(c));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::ListBadgeTagsResponse> Store::ListBadgeTags(
    const std::string& project) {
  v1::ListBadgeTagsResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::read_transaction tx(conn);
    auto p = tx.exec_params(
        "SELECT badge_key::text FROM projects WHERE id = $1", project);
    if (p.empty()) return absl::NotFoundError("project not found");
    out.set_badge_key(p[0][0].c_str());
    std::set<std::string> tags;
    for (const auto& row : tx.exec_params(
             "SELECT tags FROM checks WHERE project_id = $1", project)) {
      for (absl::string_view t :
           absl::StrSplit(row[0].c_str(), ' ', absl::SkipEmpty())) {
        tags.insert(std::string(t));
      }
    }
    for (const auto& t : tags) out.add_tags(t);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::GetBadgeCountsResponse> Store::GetBadgeCounts(
    const v1::GetBadgeCountsRequest& req, absl::Time now) {
  const std::string& key = req.has_check_badge_key() ? req.check_badge_key()
                                                     : req.project_badge_key();
  if (!IsCanonicalUuid(key)) return absl::NotFoundError("badge not found");
  v1::GetBadgeCountsResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::read_transaction tx(conn);
    const std::string select = absl::StrCat(
        "SELECT ", kCheckColumns,
        " FROM checks c JOIN projects p ON p.id = c.project_id WHERE ");
    pqxx::result rows;
    if (req.has_check_badge_key()) {
      rows = tx.exec_params(select + "c.badge_key = $1",
                            absl::AsciiStrToLower(key));
      if (rows.empty()) return absl::NotFoundError("badge not found");
    } else {
      auto p = tx.exec_params("SELECT 1 FROM projects WHERE badge_key = $1",
                              absl::AsciiStrToLower(key));
      if (p.empty()) return absl::NotFoundError("badge not found");
      rows = tx.exec_params(select + "p.badge_key = $1",
                            absl::AsciiStrToLower(key));
    }
    for (const auto& row : rows) {
      ASSIGN_OR_RETURN(CheckRecord rec, FromRow(row));
      if (req.has_check_badge_key()) out.set_check_name(rec.f.name);
      if (!req.has_check_badge_key() && req.tag() != "*" &&
          !HasAllTags(rec.f.tags, {req.tag()})) {
        continue;
      }
      out.set_total(out.total() + 1);
      v1::CheckStatus s = CurrentStatus(rec.f.state, now);
      if (s == v1::CHECK_STATUS_DOWN) out.set_down(out.down() + 1);
      if (s == v1::CHECK_STATUS_GRACE) out.set_grace(out.grace() + 1);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Check> Store::PauseCheck(const std::string& project,
                                            const std::string& id,
                                            absl::Time now) {
  return ModifyCheck(pool_, project, id, now,
                     [&](pqxx::work& tx, CheckRecord& rec) {
                       StoredStatus before = rec.f.state.status;
                       Pause(rec.f.state);
                       SaveOperatorStatusChange(tx, rec, before, now);
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Check> Store::ResumeCheck(const std::string& project,
                                             const std::string& id,
                                             absl::Time now) {
  return ModifyCheck(pool_, project, id, now,
                     [&](pqxx::work& tx, CheckRecord& rec) {
                       StoredStatus before = rec.f.state.status;
                       RETURN_IF_ERROR(Resume(rec.f.state));
                       SaveOperatorStatusChange(tx, rec, before, now);
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Check> Store::DeleteCheck(const std::string& project,
                                             const std::string& id,
                                             absl::Time now) {
  return ModifyCheck(pool_, project, id, now,
                     [&](pqxx::work& tx, CheckRecord& rec) {
                       tx.exec_params(kDeleteCheck, rec.id);
                       return absl::OkStatus();
                     });
}

absl::StatusOr<std::vector<v1::Ping>> Store::ListPings(
    const std::string& project, const std::string& id, int limit) {
  std::vector<v1::Ping> out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.clear();
    pqxx::read_transaction tx(conn);
    ASSIGN_OR_RETURN(CheckRecord rec, LoadCheck(tx, project, id, false, true));
    for (const auto& row : tx.exec_params(kListPings, rec.id, limit)) {
      v1::Ping p;
      p.set_n(row[0].as<int64_t>());
      *p.mutable_created() =
          tocsin::ToProto(absl::FromUnixMicros(row[1].as<int64_t>()));
      p.set_kind(ParsePingKind(row[2].c_str()));
      p.set_scheme(row[3].c_str());
      p.set_remote_addr(row[4].c_str());
      p.set_method(row[5].c_str());
      p.set_user_agent(row[6].c_str());
      p.set_rid(row[7].c_str());
      if (!row[8].is_null()) {
        *p.mutable_duration() =
            tocsin::ToProto(absl::Milliseconds(row[8].as<int64_t>()));
      }
      if (!row[9].is_null()) p.set_exit_status(row[9].as<int>());
      p.set_body_size(row[10].as<int64_t>());
      if (!row[11].is_null()) {
        pqxx::binarystring preview(row[11]);
        p.set_body_preview(preview.str());
      }
      out.push_back(std::move(p));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> Store::GetPingBody(const std::string& project,
                                               const std::string& id,
                                               int64_t n) {
  std::optional<std::string> body, body_object;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    body.reset();
    body_object.reset();
    pqxx::read_transaction tx(conn);
    ASSIGN_OR_RETURN(CheckRecord rec, LoadCheck(tx, project, id, false, true));
    auto r = tx.exec_params(kSelectPingBody, rec.id, n);
    if (!r.empty() && !r[0][0].is_null()) {
      pqxx::binarystring b(r[0][0]);
      body = b.str();
    } else if (!r.empty() && !r[0][1].is_null()) {
      body_object = r[0][1].c_str();
    }
    return absl::OkStatus();
  }));
  if (body_object) {
    if (options_.objects == nullptr) {
      return absl::FailedPreconditionError(
          "this ping's body is an object, and TOCSIN_OBJECT_DIR is not set");
    }
    ASSIGN_OR_RETURN(body, options_.objects->Get(*body_object));
  }
  if (!body) return absl::NotFoundError("ping or body not found");
  return *body;
}

absl::StatusOr<std::vector<v1::Flip>> Store::ListFlips(
    const std::string& project, const std::string& id,
    std::optional<absl::Time> start, std::optional<absl::Time> end) {
  std::vector<v1::Flip> out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.clear();
    pqxx::read_transaction tx(conn);
    ASSIGN_OR_RETURN(CheckRecord rec, LoadCheck(tx, project, id, false, false));
    for (const auto& row : tx.exec_params(
             kListFlips, rec.id, Micros(start).get(), Micros(end).get())) {
      v1::Flip f;
      f.set_check(rec.id);
      *f.mutable_created() =
          tocsin::ToProto(absl::FromUnixMicros(row[0].as<int64_t>()));
      ASSIGN_OR_RETURN(StoredStatus from, ParseStoredStatus(row[1].c_str()));
      ASSIGN_OR_RETURN(StoredStatus to, ParseStoredStatus(row[2].c_str()));
      f.set_old_status(data::ToProto(from));
      f.set_new_status(data::ToProto(to));
      out.push_back(std::move(f));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<CreateCheckOutcome> Store::CreateCheck(
    const std::string& project, const v1::CheckSpec& spec,
    const std::vector<std::string>& requested_unique, absl::Time now) {
  RETURN_IF_ERROR(ValidateSpec(spec));
  // Each field once; a field the request does not set matches nothing, so
  // the check is created (as Healthchecks does).
  std::vector<std::string> unique;
  bool lookup = true;
  for (const auto& u : requested_unique) {
    if (u != "name" && u != "slug" && u != "tags" && u != "timeout" &&
        u != "grace") {
      return absl::InvalidArgumentError(
          absl::StrCat("unique may name only name, slug, tags, timeout and "
                       "grace, not \"",
                       u, "\""));
    }
    if (std::find(unique.begin(), unique.end(), u) != unique.end()) continue;
    unique.push_back(u);
    bool set = (u == "name" && spec.has_name()) ||
               (u == "slug" && spec.has_slug()) ||
               (u == "tags" && spec.has_tags()) ||
               (u == "timeout" && spec.has_timeout()) ||
               (u == "grace" && spec.has_grace());
    lookup = lookup && set;
  }
  if (!lookup) unique.clear();
  // The values the new check would have: defaults with the spec applied.
  CheckRecord rec = NewCheckRecord(project, now);
  ApplySpec(spec, rec.f);

  CreateCheckOutcome out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    std::optional<CheckRecord> existing;
    if (!unique.empty()) {
      // Serialise upserts within the project so two cannot both create.
      tx.exec_params(kLockProjectChecks, project);
      std::string sql =
          absl::StrCat("SELECT ", kCheckColumns, kCheckChannelsColumn,
                       " FROM checks c WHERE c.project_id = $1");
      std::vector<std::string> values;
      for (const auto& u : unique) {
        if (u == "name") values.push_back(rec.f.name);
        if (u == "slug") values.push_back(rec.f.slug);
        if (u == "tags") values.push_back(rec.f.tags);
        if (u == "timeout") {
          values.push_back(
              absl::StrCat(absl::ToInt64Seconds(rec.f.state.timeout)));
        }
        if (u == "grace") {
          values.push_back(
              absl::StrCat(absl::ToInt64Seconds(rec.f.state.grace)));
        }
        std::string column = u == "timeout" ? "timeout_s"
                             : u == "grace" ? "grace_s"
                                            : u;
        absl::StrAppend(&sql, " AND c.", column, "::text = $",
                        values.size() + 1);
      }
      absl::StrAppend(&sql, " ORDER BY c.created, c.id LIMIT 1 FOR UPDATE");
      pqxx::result r;
      // At most five unique fields: spell out the arities.
      switch (values.size()) {
        case 1:
          r = tx.exec_params(sql, project, values[0]);
          break;
        case 2:
          r = tx.exec_params(sql, project, values[0], values[1]);
          break;
        case 3:
          r = tx.exec_params(sql, project, values[0], values[1], values[2]);
          break;
        case 4:
          r = tx.exec_params(sql, project, values[0], values[1], values[2],
                             values[3]);
          break;
        default:
          r = tx.exec_params(sql, project, values[0], values[1], values[2],
                             values[3], values[4]);
      }
      if (!r.empty()) {
        ASSIGN_OR_RETURN(existing, FromRow(r[0]));
      }
    }
    if (existing) {
      ApplySpec(spec, existing->f);
      UpdateCheckFields(tx, *existing);
      RETURN_IF_ERROR(AssignChannels(tx, *existing, spec));
      tx.commit();
      out.check = ToProto(*existing, false, now);
      out.created = false;
    } else {
      InsertCheck(tx, rec);
      RETURN_IF_ERROR(AssignChannels(tx, rec, spec));
      tx.commit();
      out.check = ToProto(rec, false, now);
      out.created = true;
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<std::string>> Store::BodyObject(
    const std::string& body) {
  if (options_.objects == nullptr || body.size() <= options_.object_threshold) {
    return std::optional<std::string>();
  }
  // Written before the row that references it commits; an object whose
  // transaction fails is swept later.
  ASSIGN_OR_RETURN(std::string name, options_.objects->Put(body));
  return std::optional<std::string>(std::move(name));
}

absl::StatusOr<PingOutcome> Store::RecordPing(
    const PingInput& ping, absl::Time now,
    const std::function<bool()>& cancelled) {
  ASSIGN_OR_RETURN(std::optional<std::string> object, BodyObject(ping.body));
  PingOutcome out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out = PingOutcome();
    pqxx::work tx(conn);
    std::optional<CheckRecord> rec;
    const std::string select = absl::StrCat("SELECT ", kCheckColumns);
    if (!ping.check_uuid.empty()) {
      auto r = tx.exec_prepared(kPrepSelectCheckForPing, ping.check_uuid);
      if (r.empty()) return absl::NotFoundError("not found");
      ASSIGN_OR_RETURN(rec, FromRow(r[0]));
    } else {
      const std::string by_slug =
          select +
          " FROM checks c JOIN projects p ON p.id = c.project_id "
          "WHERE p.ping_key = $1 AND c.slug = $2 LIMIT 2 FOR UPDATE OF c";
      auto r = tx.exec_params(by_slug, ping.ping_key, ping.slug);
      if (r.empty() && ping.create) {
        auto p = tx.exec_params(kSelectProjectByPingKey, ping.ping_key);
        if (p.empty()) return absl::NotFoundError("not found");
        std::string project = p[0][0].c_str();
        // Two concurrent auto-provisioning pings (or an upsert by slug)
        // must create one check: the same per-project lock as upserts.
        tx.exec_params(kLockProjectChecks, project);
        r = tx.exec_params(by_slug, ping.ping_key, ping.slug);
        if (r.empty()) {
          CheckRecord fresh = NewCheckRecord(project, now);
          fresh.f.name = ping.slug;
          fresh.f.slug = ping.slug;
          InsertCheck(tx, fresh);
          rec = fresh;
          out.created = true;
        }
      }
      if (!rec) {
        if (r.empty()) return absl::NotFoundError("not found");
        if (r.size() > 1) return absl::AlreadyExistsError("ambiguous slug");
        ASSIGN_OR_RETURN(rec, FromRow(r[0]));
      }
    }

    CheckState& s = rec->f.state;
    out.kind =
        ClassifyPing(s, ping.kind, ping.exit_status, ping.method, ping.body);
    PingEffect effect = ApplyPing(s, out.kind, now, ping.rid);

    tx.exec_prepared(kPrepUpdateCheckAfterPing, rec->id,
                     std::string(StoredStatusName(s.status)), s.n_pings,
                     Micros(s.last_ping).get(), Micros(s.last_start).get(),
                     s.last_start_rid, Millis(s.last_duration).get(),
                     Micros(s.alert_after).get());
    NullableParam exit_status;
    if (ping.exit_status)
      exit_status = NullableParam(absl::StrCat(*ping.exit_status));
    if (ping.body.empty() || object) {
      tx.exec_prepared(
          kPrepInsertPing, rec->id, s.n_pings, absl::ToUnixMicros(now),
          std::string(PingKindName(out.kind)), ping.scheme, ping.method,
          ping.remote_addr, ping.user_agent, exit_status.get(), ping.rid,
          Millis(effect.duration).get(), nullptr,
          static_cast<int64_t>(ping.body.size()), object);
    } else {
      tx.exec_prepared(
          kPrepInsertPing, rec->id, s.n_pings, absl::ToUnixMicros(now),
          std::string(PingKindName(out.kind)), ping.scheme, ping.method,
          ping.remote_addr, ping.user_agent, exit_status.get(), ping.rid,
          Millis(effect.duration).get(), pqxx::binarystring(ping.body),
          static_cast<int64_t>(ping.body.size()), object);
    }
    if (effect.flip) {
      out.flipped_to = std::string(StoredStatusName(effect.flip->second));
      WriteFlip(tx, rec->id, now, now, effect.flip->first,
                effect.flip->second);
    }
    // Keep the newest `pings_kept` pings. Pruning every tenth ping bounds the
    // table (an unauthenticated sender cannot fill the disk) at a tenth of
    // the cost.
    if (s.n_pings > options_.pings_kept && s.n_pings % 10 == 0) {
      tx.exec_prepared(kPrepPrunePings, rec->id,
                       s.n_pings - options_.pings_kept - kPingPruneLookBack,
                       s.n_pings - options_.pings_kept);
    }
    if (cancelled && cancelled()) {
      return absl::CancelledError("caller gave up before the commit");
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// Builds a PostgreSQL array literal, one element at a time.
class PgArray {
 public:
  void Add(std::string_view v) {
    Sep();
    out_ += '"';
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out_ += '\\';
      out_ += ch;
    }
    out_ += '"';
  }
  void Add(int64_t v) {
    Sep();
    absl::StrAppend(&out_, v);
  }
  void Add(const std::optional<int64_t>& v) {
    if (v) return Add(*v);
    Null();
  }
  void Add(const std::optional<absl::Time>& t) {
    if (t) return Add(absl::ToUnixMicros(*t));
    Null();
  }
  void AddBytes(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    Sep();
    out_ += "\"\\\\x";  // "\\x: the array's escaping of bytea's \x.
    for (unsigned char ch : bytes) {
      out_ += kHex[ch >> 4];
      out_ += kHex[ch & 15];
    }
    out_ += '"';
  }
  void Null() {
    Sep();
    out_ += "NULL";
  }
  std::string Done() const { return out_ + "}"; }

 private:
  void Sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string out_ = "{";
  bool first_ = true;
};

// A transaction driven by hand, so that BEGIN travels with the first
// statement and COMMIT with the last: two round trips to PostgreSQL per
// batch instead of five (BEGIN, lookup, update, insert, COMMIT each waiting
// for its answer). On a busy 2-core machine every round trip is a pair of
// context switches, and they made most of a batch's time. Statements run as
// EXECUTE of the prepared statements with quoted literals, so nothing is
// parsed or planned afresh.
class PipelinedTransaction {
 public:
  explicit PipelinedTransaction(pqxx::connection& conn)
      : conn_(conn), tx_(conn) {}
  ~PipelinedTransaction() {
    if (open_ && !done_) {
      try {
        tx_.exec("ROLLBACK");
      } catch (const std::exception&) {
        // A broken connection is dropped by the pool; nothing to undo.
      }
    }
  }
  pqxx::transaction_base& tx() { return tx_; }
  std::string Execute(const char* statement,
                      const std::vector<std::string>& literals) {
    // libpqxx prepares at first use, and an SQL EXECUTE is not a use it
    // sees: make sure the statement exists (a no-op once it does).
    conn_.prepare_now(statement);
    std::string out = absl::StrCat("EXECUTE ", statement, "(");
    for (size_t i = 0; i < literals.size(); ++i) {
      if (i) out += ", ";
      // PQescapeStringConn (standard_conforming_strings: quotes doubled).
      out += '\'';
      out += tx_.esc(literals[i]);
      out += '\'';
    }
    out += ")";
    return out;
  }
  // The first statement, with BEGIN in front.
  pqxx::result Begin(const std::string& sql) {
    open_ = true;
    return tx_.exec(absl::StrCat("BEGIN; ", sql));
  }
  // The last statements and COMMIT, in one message. A connection lost while
  // it was under way leaves the outcome unknown: in_doubt_error, so that
  // nobody is acknowledged and nothing is retried (a retry could record the
  // pings twice).
  void Commit(const std::vector<std::string>& statements,
              const std::function<void()>& before_send) {
    std::string sql;
    for (const auto& st : statements) absl::StrAppend(&sql, st, "; ");
    sql += "COMMIT";
    if (before_send) before_send();
    try {
      tx_.exec(sql);
    } catch (const pqxx::broken_connection& e) {
      done_ = true;
      throw pqxx::in_doubt_error(
          absl::StrCat("connection lost while committing: ", e.what()));
    }
    done_ = true;
  }
  // Statements sent as one message without BEGIN: PostgreSQL runs them as
  // one implicit transaction, committed once the last has run and undone
  // entirely if any fails. Returns the last one's result. A connection lost
  // meanwhile leaves the outcome unknown, as in Commit.
  pqxx::result RunAsOneTransaction(const std::vector<std::string>& statements) {
    std::string sql = absl::StrJoin(statements, "; ");
    // This message is the transaction's first: a connection the server
    // ended while it sat in the pool (a restart, a terminated backend) must
    // be found out before it is sent, while a retry on a new one is still
    // safe, not after, when the outcome would be unknown. An idle
    // connection has nothing to read; anything there (the server's FATAL
    // message, end of file) means it is gone.
    pollfd pfd{conn_.sock(), POLLIN | POLLRDHUP, 0};
    if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0) {
      throw pqxx::broken_connection(
          "the server closed the connection while it was idle");
    }
    done_ = true;
    try {
      return tx_.exec(sql);
    } catch (const pqxx::broken_connection& e) {
      throw pqxx::in_doubt_error(
          absl::StrCat("connection lost while committing: ", e.what()));
    }
  }

 private:
  pqxx::connection& conn_;
  pqxx::nontransaction tx_;
  bool open_ = false;
  bool done_ = false;
};

}  // namespace

namespace {

// A check's state as its row holds it once written: times in whole
// microseconds, the duration in whole milliseconds. What the ping state
// cache keeps, so that a cached batch computes exactly what a looked-up one
// would.
CheckState AsStored(CheckState s) {
  auto micros = [](std::optional<absl::Time>& t) {
    if (t) t = absl::FromUnixMicros(absl::ToUnixMicros(*t));
  };
  micros(s.last_ping);
  micros(s.last_start);
  micros(s.alert_after);
  if (s.last_duration) {
    s.last_duration =
        absl::Milliseconds(absl::ToInt64Milliseconds(*s.last_duration));
  }
  return s;
}

// The rows one batch writes, gathered while its pings are applied in
// arrival order: one row per ping, one update per check however many of its
// pings the batch holds, and the range of old pings to prune.
class BatchRows {
 public:
  explicit BatchRows(int64_t pings_kept) : pings_kept_(pings_kept) {}

  // Applies `ping` to `s`, the state of check `id`, and adds its row.
  std::pair<PingOutcome, PingEffect> Add(const PingInput& ping,
                                         const std::string& id, CheckState& s,
                                         absl::Time now,
                                         const std::optional<std::string>& object) {
    PingOutcome out;
    if (n_before_.emplace(id, s.n_pings).second) touched_.push_back(id);
    out.kind =
        ClassifyPing(s, ping.kind, ping.exit_status, ping.method, ping.body);
    PingEffect effect = ApplyPing(s, out.kind, now, ping.rid);
    p_id.Add(id);
    p_n.Add(s.n_pings);
    p_created.Add(absl::ToUnixMicros(now));
    p_kind.Add(PingKindName(out.kind));
    p_scheme.Add(ping.scheme);
    p_method.Add(ping.method);
    p_addr.Add(ping.remote_addr);
    p_ua.Add(ping.user_agent);
    if (ping.exit_status) {
      p_exit.Add(int64_t{*ping.exit_status});
    } else {
      p_exit.Null();
    }
    p_rid.Add(ping.rid);
    if (effect.duration) {
      p_dur.Add(absl::ToInt64Milliseconds(*effect.duration));
    } else {
      p_dur.Null();
    }
    if (ping.body.empty() || object) {
      p_body.Null();
    } else {
      p_body.AddBytes(ping.body);
    }
    p_size.Add(static_cast<int64_t>(ping.body.size()));
    if (object) {
      p_object.Add(*object);
    } else {
      p_object.Null();
    }
    if (effect.flip) {
      out.flipped_to = std::string(StoredStatusName(effect.flip->second));
    }
    // Keep the newest `pings_kept` pings. Pruning every tenth ping bounds
    // the table (an unauthenticated sender cannot fill the disk) at a tenth
    // of the cost.
    if (s.n_pings > pings_kept_ && s.n_pings % 10 == 0) prune_.insert(id);
    return {out, effect};
  }

  // Check ids in the order the batch first touched them.
  const std::vector<std::string>& touched() const { return touched_; }

  // The statements that write the batch: the checks' update, the pings'
  // insert and the prune. `state(id)` is a touched check's state after the
  // batch. With `version(id)`, the row version its state was cached from,
  // the update is kBatchUpdateCachedChecks, which writes only rows still at
  // that version; without, kBatchUpdateChecks (the rows are locked already).
  std::vector<std::string> Writes(
      PipelinedTransaction& ptx,
      const std::function<const CheckState&(const std::string&)>& state,
      const std::function<std::string_view(const std::string&)>& version =
          nullptr) {
    PgArray c_id, c_status, c_n, c_lp, c_ls, c_rid, c_dur, c_aa, c_xmin, x_id,
        x_lo, x_hi;
    // In id order (a canonical UUID's text sorts as its bytes): a cached
    // batch's update is what locks its rows, in the arrays' order, and the
    // lookups lock in id order, so that no two batches wait for each other.
    std::vector<std::string> ids = touched_;
    std::sort(ids.begin(), ids.end());
    for (const std::string& id : ids) {
      const CheckState& s = state(id);
      c_id.Add(id);
      c_status.Add(StoredStatusName(s.status));
      c_n.Add(s.n_pings);
      c_lp.Add(s.last_ping);
      c_ls.Add(s.last_start);
      c_rid.Add(s.last_start_rid);
      c_dur.Add(s.last_duration
                    ? std::optional<int64_t>(
                          absl::ToInt64Milliseconds(*s.last_duration))
                    : std::nullopt);
      c_aa.Add(s.alert_after);
      if (version) c_xmin.Add(version(id));
      if (prune_.count(id)) {
        x_id.Add(id);
        x_lo.Add(n_before_[id] - pings_kept_ - kPingPruneLookBack);
        x_hi.Add(s.n_pings - pings_kept_);
      }
    }
    std::vector<std::string> update_args = {
        c_id.Done(), c_status.Done(), c_n.Done(), c_lp.Done(),
        c_ls.Done(), c_rid.Done(),    c_dur.Done(), c_aa.Done()};
    if (version) {
      update_args.push_back(c_xmin.Done());
      update_args.push_back(absl::StrCat(ids.size()));
    }
    std::vector<std::string> writes;
    writes.push_back(ptx.Execute(
        version ? kPrepBatchUpdateCachedChecks : kPrepBatchUpdateChecks,
        update_args));
    writes.push_back(ptx.Execute(
        kPrepBatchInsertPings,
        {p_id.Done(), p_n.Done(), p_created.Done(), p_kind.Done(),
         p_scheme.Done(), p_method.Done(), p_addr.Done(), p_ua.Done(),
         p_exit.Done(), p_rid.Done(), p_dur.Done(), p_body.Done(),
         p_size.Done(), p_object.Done()}));
    if (!prune_.empty()) {
      writes.push_back(ptx.Execute(kPrepBatchPrunePings,
                                   {x_id.Done(), x_lo.Done(), x_hi.Done()}));
    }
    return writes;
  }

 private:
  const int64_t pings_kept_;
  PgArray p_id, p_n, p_created, p_kind, p_scheme, p_method, p_addr, p_ua,
      p_exit, p_rid, p_dur, p_body, p_size, p_object;
  std::vector<std::string> touched_;
  std::map<std::string, int64_t> n_before_;  // n_pings before this batch.
  std::set<std::string> prune_;
};

metrics::Family<metrics::Counter>& BatchPaths() {
  static auto& c = metrics::DefaultRegistry().AddCounter(
      "tocsin_ping_batch_paths_total",
      "Ping batches by how their checks were read: \"cached\" (from the ping "
      "state cache, no lookup), \"stale\" (cached, but redone with a lookup: "
      "a check's row, or the project's row of a ping by slug, had changed, a "
      "row lock was held too long, or connections were lost since), "
      "\"lookup\".",
      {"path"});
  return c;
}

}  // namespace

std::optional<absl::StatusOr<std::vector<absl::StatusOr<PingOutcome>>>>
Store::RecordCachedPingBatch(
    const std::vector<const PingInput*>& pings,
    const std::vector<std::optional<std::string>>& objects, absl::Time now) {
  const uint64_t generation = pool_.generation();
  // Each ping's check: its UUID, or the one its slug named last time, if
  // its project's row is still the version it was then (checked with the
  // writes).
  std::vector<std::string> slug_ids(pings.size());
  std::vector<std::string_view> ids;
  ids.reserve(pings.size());
  std::map<std::string, std::string> projects;  // Project id → row version.
  for (size_t i = 0; i < pings.size(); ++i) {
    const PingInput* p = pings[i];
    if (p->create) return std::nullopt;
    if (!p->check_uuid.empty()) {
      ids.push_back(p->check_uuid);
      continue;
    }
    auto slug = ping_states_->GetSlug(p->ping_key, p->slug, generation);
    if (!slug) return std::nullopt;
    auto [it, fresh] = projects.emplace(slug->project_id, slug->project_xmin);
    if (!fresh && it->second != slug->project_xmin) return std::nullopt;
    slug_ids[i] = std::move(slug->check_id);
    ids.push_back(slug_ids[i]);
  }
  std::vector<PingStateCache::Entry> entries;
  if (!ping_states_->GetAll(ids, generation, entries)) return std::nullopt;
  std::map<std::string, PingStateCache::Entry> by_id;
  for (size_t i = 0; i < ids.size(); ++i) {
    by_id.emplace(std::string(ids[i]), std::move(entries[i]));
  }
  std::vector<absl::StatusOr<PingOutcome>> results;
  results.reserve(pings.size());
  BatchRows rows(options_.pings_kept);
  for (size_t i = 0; i < pings.size(); ++i) {
    // The ping's own UUID, or the one its slug named: no copy per ping.
    const std::string& id =
        slug_ids[i].empty() ? pings[i]->check_uuid : slug_ids[i];
    auto [out, effect] =
        rows.Add(*pings[i], id, by_id[id].state, now, objects[i]);
    // A flip writes its own rows (and notifications): the long way, which
    // is rare (a status change).
    if (effect.flip) return std::nullopt;
    results.push_back(std::move(out));
  }
  if (!ping_states_->WorthTrying()) return std::nullopt;
  std::string xid;
  bool stale = false;
  absl::Status status = pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    // Connections were lost since the states were cached (this may be a
    // retry on a new one): the database may not be the one they describe.
    if (pool_.generation() != generation) {
      stale = true;
      return absl::OkStatus();
    }
    PipelinedTransaction ptx(conn);
    std::vector<std::string> writes = {kCachedBatchLockWait};
    if (!projects.empty()) {
      PgArray project_ids, versions;
      for (const auto& [id, version] : projects) {
        project_ids.Add(id);
        versions.Add(version);
      }
      writes.push_back(ptx.Execute(
          kPrepBatchCheckCachedProjects,
          {project_ids.Done(), versions.Done(), absl::StrCat(projects.size())}));
    }
    std::vector<std::string> rest = rows.Writes(
        ptx,
        [&](const std::string& id) -> const CheckState& {
          return by_id[id].state;
        },
        [&](const std::string& id) -> std::string_view {
          return by_id[id].xmin;
        });
    writes.insert(writes.end(), rest.begin(), rest.end());
    writes.push_back(absl::StrCat("SELECT ", kTransactionId));
    try {
      pqxx::result r = ptx.RunAsOneTransaction(writes);
      xid = r[0][0].c_str();
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != kStaleCachedChecks &&
          e.sqlstate() != kLockNotAvailable) {
        throw;
      }
      stale = true;  // Nothing was written.
    }
    return absl::OkStatus();
  });
  // Written or stale, the try counts (the database being away says nothing
  // about the cache).
  if (status.ok()) CacheTrying().Set(ping_states_->Attempted(stale) ? 1 : 0);
  if (!status.ok() || stale) {
    for (const std::string& id : rows.touched()) ping_states_->Erase(id);
    for (const PingInput* p : pings) {
      if (p->check_uuid.empty()) ping_states_->EraseSlug(p->ping_key, p->slug);
    }
    if (stale) {
      BatchPaths().With({"stale"}).Inc();
      return std::nullopt;
    }
    return status;
  }
  for (const std::string& id : rows.touched()) {
    ping_states_->Put(id,
                      {AsStored(std::move(by_id[id].state)), xid, generation});
  }
  BatchPaths().With({"cached"}).Inc();
  return results;
}

absl::StatusOr<std::vector<absl::StatusOr<PingOutcome>>> Store::RecordPingBatch(
    const std::vector<const PingInput*>& pings, absl::Time now,
    const std::function<void()>& before_commit) {
  // Times as the rows will hold them, so that cached and looked-up states
  // agree to the microsecond.
  now = absl::FromUnixMicros(absl::ToUnixMicros(now));
  std::vector<std::optional<std::string>> objects(pings.size());
  for (size_t i = 0; i < pings.size(); ++i) {
    ASSIGN_OR_RETURN(objects[i], BodyObject(pings[i]->body));
  }
  if (ping_states_) {
    auto cached = RecordCachedPingBatch(pings, objects, now);
    if (cached) return *std::move(cached);
  }
  std::vector<absl::StatusOr<PingOutcome>> results;
  std::map<std::string, CheckRecord> by_id;
  // What a (ping key, slug) found: its checks, and its project's row
  // version (for the ping state cache).
  struct SlugMatch {
    std::vector<std::string> checks;
    std::string project_version;
  };
  std::map<std::pair<std::string, std::string>, SlugMatch> by_slug;
  std::vector<std::string> touched;
  std::string xid;
  const uint64_t generation = pool_.generation();
  absl::Status status = pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    results.assign(pings.size(), absl::NotFoundError("not found"));
    by_id.clear();
    touched.clear();
    PipelinedTransaction ptx(conn);
    pqxx::transaction_base& tx = ptx.tx();
    // Which checks: by UUID, and by (ping key, slug).
    PgArray uuids, keys, slugs;
    bool any_uuid = false, any_slug = false;
    for (const PingInput* p : pings) {
      if (!p->check_uuid.empty()) {
        uuids.Add(p->check_uuid);
        any_uuid = true;
      } else {
        keys.Add(p->ping_key);
        slugs.Add(p->slug);
        any_slug = true;
      }
    }
    by_slug.clear();
    std::string lookup_sql =
        !any_slug ? ptx.Execute(kPrepBatchChecksByUuid, {uuids.Done()})
        : !any_uuid
            ? ptx.Execute(kPrepBatchChecksBySlug, {keys.Done(), slugs.Done()})
            : ptx.Execute(kPrepBatchChecksMixed,
                          {uuids.Done(), keys.Done(), slugs.Done()});
    // BEGIN travels with the lookup.
    pqxx::result found = ptx.Begin(lookup_sql);
    for (const auto& row : found) {
      ASSIGN_OR_RETURN(CheckRecord rec, FromRow(row));
      // The extra columns: with pings by slug, the ping key of the check's
      // project (FromRow took it for the channel list, which this path does
      // not use) and that project's row version; always, last, the
      // transaction id.
      rec.channels.clear();
      xid = row[row.size() - 1].c_str();
      if (any_slug && !row[kCreated + 1].is_null()) {
        // A check found by UUID may name a pair no ping asked for; such
        // entries are never looked up.
        SlugMatch& match = by_slug[{row[kCreated + 1].c_str(), rec.f.slug}];
        match.project_version = row[kCreated + 2].c_str();
        auto& ids = match.checks;
        if (std::find(ids.begin(), ids.end(), rec.id) == ids.end()) {
          ids.push_back(rec.id);
        }
      }
      std::string id = rec.id;
      by_id.emplace(std::move(id), std::move(rec));
    }

    // Apply in arrival order; collect the rows to write.
    BatchRows rows(options_.pings_kept);
    for (size_t i = 0; i < pings.size(); ++i) {
      const PingInput& ping = *pings[i];
      CheckRecord* rec = nullptr;
      if (!ping.check_uuid.empty()) {
        auto it = by_id.find(ping.check_uuid);
        if (it != by_id.end()) rec = &it->second;
      } else {
        auto it = by_slug.find({ping.ping_key, ping.slug});
        if (it != by_slug.end()) {
          if (it->second.checks.size() > 1) {
            results[i] = absl::AlreadyExistsError("ambiguous slug");
            continue;
          }
          rec = &by_id[it->second.checks[0]];
        }
      }
      if (rec == nullptr) continue;  // Not found.
      auto [out, effect] = rows.Add(ping, rec->id, rec->f.state, now, objects[i]);
      if (effect.flip) {
        WriteFlip(tx, rec->id, now, now, effect.flip->first,
                  effect.flip->second);
      }
      results[i] = std::move(out);
    }
    touched = rows.touched();
    if (touched.empty()) {
      ptx.Commit({}, before_commit);
      return absl::OkStatus();
    }
    ptx.Commit(rows.Writes(ptx,
                           [&](const std::string& id) -> const CheckState& {
                             return by_id[id].f.state;
                           }),
               before_commit);
    return absl::OkStatus();
  });
  if (ping_states_) {
    // Committed: the states written, at this transaction's version. Not (or
    // not knowably) committed: whatever was cached for them may be stale.
    for (const std::string& id : touched) {
      if (status.ok()) {
        ping_states_->Put(id, {AsStored(by_id[id].f.state), xid, generation});
      } else {
        ping_states_->Erase(id);
      }
    }
    // A slug that found one check (not none, nor several) names it until
    // its project's row changes.
    for (const PingInput* p : pings) {
      if (!p->check_uuid.empty()) continue;
      auto it = by_slug.find({p->ping_key, p->slug});
      if (status.ok() && it != by_slug.end() && it->second.checks.size() == 1) {
        const std::string& id = it->second.checks[0];
        ping_states_->PutSlug(p->ping_key, p->slug,
                              {id, by_id[id].project,
                               it->second.project_version, generation});
      } else {
        ping_states_->EraseSlug(p->ping_key, p->slug);
      }
    }
    BatchPaths().With({"lookup"}).Inc();
  }
  RETURN_IF_ERROR(status);
  return results;
}

absl::StatusOr<v1::MarkLateChecksResponse> Store::MarkLateChecks(
    int limit, absl::Time now) {
  v1::MarkLateChecksResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    // While pings cannot be recorded, a missing ping proves nothing: mark
    // nothing down until intake works again (the heartbeat that proves it
    // also gives overdue checks their grace again). Shared lock: the
    // heartbeat ending an outage holds this row exclusively.
    auto intake = tx.exec(kLockIntakeShared);
    // A check is marked down only once intake was proven to work at or
    // after its deadline: a ping could have come and did not. Until the
    // next heartbeat (about a second) it waits.
    absl::Time proven_until = now;
    if (!intake.empty() && !intake[0][0].is_null()) {
      absl::Time last_seen = absl::FromUnixMicros(intake[0][0].as<int64_t>());
      if (now - last_seen > options_.outage_threshold) {
        out.set_intake_down(true);
        // Look again in a second, not at the (past) deadline.
        *out.mutable_next_deadline() = tocsin::ToProto(now + absl::Seconds(1));
        tx.commit();
        return absl::OkStatus();
      }
      proven_until = std::min(now, last_seen);
    }
    pqxx::result lifted = tx.exec_params(
        kLiftFloors, absl::ToUnixMicros(proven_until), limit);
    auto r = tx.exec_params(
        absl::StrCat("SELECT ", kCheckColumns, kLateChecksSuffix),
        absl::ToUnixMicros(proven_until), limit);
    for (const auto& row : r) {
      ASSIGN_OR_RETURN(CheckRecord rec, FromRow(row));
      // The flip is dated when the grace ran out, not when this job got to
      // it: alert latency is measured from there.
      absl::Time due = std::min(rec.f.state.alert_after.value_or(now), now);
      LateOutcome late = ApplyDeadline(rec.f.state, now);
      if (late.goes_down) {
        tx.exec_params(kMarkDown, rec.id);
        WriteFlip(tx, rec.id, due, now, late.previous, StoredStatus::kDown);
        v1::Flip* flip = out.add_flips();
        flip->set_check(rec.id);
        *flip->mutable_created() = tocsin::ToProto(due);
        flip->set_old_status(data::ToProto(late.previous));
        flip->set_new_status(v1::CHECK_STATUS_DOWN);
      } else {
        tx.exec_params(kMoveDeadline, rec.id, Micros(late.new_deadline).get());
      }
    }
    out.set_more(static_cast<int>(r.size()) >= limit ||
                 static_cast<int>(lifted.affected_rows()) >= limit);
    auto next = tx.exec(kNextDeadline);
    if (!next.empty() && !next[0][0].is_null()) {
      *out.mutable_next_deadline() =
          tocsin::ToProto(absl::FromUnixMicros(next[0][0].as<int64_t>()));
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<absl::Time>> Store::NextDeadline() {
  std::optional<absl::Time> out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    auto r = tx.exec(kNextDeadline);
    out = r.empty() ? std::nullopt : TimeField(r[0][0]);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tocsin::data
