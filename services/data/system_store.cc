// Tocsin's record of itself: heartbeats (and the outage rule they drive),
// job leases, the facts of the health document, email reports and pruning.
#include <algorithm>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "data/check_rows.h"
#include "data/store.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace tocsin::data {
namespace {

constexpr char kUpsertHeartbeat[] =
    "INSERT INTO heartbeats (component, instance, started, seen, jobs, "
    "backups) VALUES ($1, $2, tocsin_from_micros($3), tocsin_from_micros($4), "
    "$5::jsonb, $6::jsonb) ON CONFLICT (component, instance) DO UPDATE SET "
    "started = EXCLUDED.started, seen = EXCLUDED.seen, jobs = EXCLUDED.jobs, "
    "backups = EXCLUDED.backups";
constexpr char kLockIntake[] =
    "SELECT tocsin_micros(last_seen) FROM intake_state WHERE id = 1 "
    "FOR UPDATE";
constexpr char kSetIntake[] =
    "UPDATE intake_state SET last_seen = tocsin_from_micros($1) WHERE id = 1";
// Checks that became (or were about to become) overdue while pings could not
// be recorded get a full grace period from now. Deadlines only move later,
// so their floors stay lower bounds; the floor index finds the candidates
// (every check that can go down has a floor).
constexpr char kGiveGraceAgain[] =
    "UPDATE checks SET alert_after = greatest(alert_after, "
    "tocsin_from_micros($2) + grace_s * interval '1 second') "
    "WHERE alert_floor IS NOT NULL AND status <> 'down' "
    "AND alert_after IS NOT NULL "
    "AND alert_after > tocsin_from_micros($1) "
    "AND alert_after < tocsin_from_micros($2) + grace_s * interval '1 second'";
constexpr char kInsertOutage[] =
    "INSERT INTO outages (started, ended, checks_given_grace) "
    "VALUES (tocsin_from_micros($1), tocsin_from_micros($2), $3)";

// The planner's estimate of the checks, so that a big table is not read.
// It is -1 until the table is first analysed (a database just restored,
// say): then the rows are counted, up to a million (more than any size
// this could suggest).
constexpr char kDatabaseSizing[] =
    "SELECT pg_size_bytes(current_setting('shared_buffers')), "
    "CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint "
    "ELSE (SELECT count(*) FROM (SELECT FROM checks LIMIT 1000000) t) END, "
    "pg_size_bytes(current_setting('max_wal_size')) "
    "FROM pg_class c WHERE c.oid = 'checks'::regclass";

constexpr char kAcquireLease[] =
    "INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, "
    "tocsin_from_micros($4)) ON CONFLICT (job) DO UPDATE SET "
    "holder = EXCLUDED.holder, until = EXCLUDED.until "
    "WHERE job_leases.until < tocsin_from_micros($3) "
    "OR job_leases.holder = EXCLUDED.holder RETURNING holder";
constexpr char kLeaseHolder[] = "SELECT holder FROM job_leases WHERE job = $1";

constexpr char kRecentHeartbeats[] =
    "SELECT component, instance, tocsin_micros(started), tocsin_micros(seen), "
    "jobs::text, backups::text FROM heartbeats "
    "WHERE seen > tocsin_from_micros($1) "
    "ORDER BY component, instance";
// Pending count, and when the longest-waiting due one became due (a
// notification in retry back-off is not late).
constexpr char kPendingStats[] =
    "SELECT count(*), tocsin_micros(min(next_attempt) FILTER (WHERE "
    "next_attempt <= now())) FROM notifications WHERE state = 'pending'";
constexpr char kOverdueChecks[] =
    "SELECT count(*) FROM checks WHERE alert_floor <= tocsin_from_micros($1) "
    "AND status <> 'down' AND alert_after IS NOT NULL "
    "AND alert_after <= tocsin_from_micros($1)";
constexpr char kFailedSince[] =
    "SELECT count(*) FROM notifications WHERE state = 'failed' "
    "AND finished > tocsin_from_micros($1)";
constexpr char kIntake[] =
    "SELECT tocsin_micros(last_seen) FROM intake_state WHERE id = 1";
constexpr char kOutageStats[] =
    "SELECT count(*) FROM outages";
constexpr char kLastOutage[] =
    "SELECT tocsin_micros(started), tocsin_micros(ended), checks_given_grace "
    "FROM outages ORDER BY id DESC LIMIT 1";

constexpr char kSetReports[] =
    "UPDATE projects SET report_period = $2, report_next = "
    "tocsin_from_micros($3) WHERE id = $1";
#define TOCSIN_REPORT_STEP_SQL                                                     \
  "(CASE p.report_period WHEN 'hourly' THEN interval '1 hour' ELSE "   \
  "interval '1 day' END)"
constexpr char kClaimReports[] =
    "WITH due AS (SELECT id FROM projects WHERE report_period <> 'off' "
    "AND report_next <= tocsin_from_micros($1) ORDER BY report_next "
    "LIMIT $2 FOR UPDATE SKIP LOCKED) "
    // The next slot of the same grid (reports stay at their hour), past now.
    "UPDATE projects p SET report_next = p.report_next + " TOCSIN_REPORT_STEP_SQL " * "
    "(floor(extract(epoch FROM tocsin_from_micros($1) - p.report_next) / "
    "extract(epoch FROM " TOCSIN_REPORT_STEP_SQL ")) + 1) FROM due WHERE p.id = due.id "
    "RETURNING p.id::text, p.name, tocsin_micros(p.created)";
#undef TOCSIN_REPORT_STEP_SQL
constexpr char kReportRecipients[] =
    "SELECT settings->'to' FROM channels WHERE project_id = $1 "
    "AND kind = 'email' ORDER BY created";
constexpr char kDownChecks[] =
    "SELECT id::text, name, tocsin_micros(last_ping) FROM checks "
    "WHERE project_id = $1 AND status = 'down' ORDER BY name, id LIMIT 500";

constexpr char kReferencedObjects[] =
    "SELECT DISTINCT body_object FROM pings WHERE body_object IS NOT NULL";
// Pings beyond the kept ones that the ping path's own prunes will not reach
// (all but the newest few when TOCSIN_PINGS_KEPT was lowered, say), for the
// next $3 checks after $2 in id order, at most $4 of them; the last id of
// those checks comes back with the count. A chunk at a time, each in a short
// transaction, and each check's rows found by the key: no scan of the whole
// table, no lock or snapshot held for long (one chunk of a database whose
// kept count was lowered from 100,000 had 3.2 million such rows).
constexpr char kPruneCheckPings[] =
    "WITH c AS (SELECT id, n_pings FROM checks WHERE id > $2::uuid "
    "ORDER BY id LIMIT $3), "
    "v AS (SELECT p.check_id, p.n FROM c JOIN pings p ON p.check_id = c.id "
    "AND p.n <= c.n_pings - $1 LIMIT $4), "
    "d AS (DELETE FROM pings p USING v WHERE p.check_id = v.check_id "
    "AND p.n = v.n RETURNING 1) "
    "SELECT (SELECT id::text FROM c ORDER BY id DESC LIMIT 1), "
    "(SELECT count(*) FROM d)";
constexpr int kPruneChecksPerTransaction = 1000;
constexpr int kPrunePingsPerTransaction = 10000;
constexpr char kPruneFlips[] =
    "DELETE FROM flips WHERE created < tocsin_from_micros($1) AND NOT EXISTS "
    "(SELECT 1 FROM notifications n WHERE n.flip_id = flips.id "
    "AND n.state = 'pending')";
constexpr char kPruneNotifications[] =
    "DELETE FROM notifications WHERE created < tocsin_from_micros($1) "
    "AND state <> 'pending'";
constexpr char kPruneHeartbeats[] =
    "DELETE FROM heartbeats WHERE seen < tocsin_from_micros($1)";
constexpr char kPruneLeases[] =
    "DELETE FROM job_leases WHERE until < tocsin_from_micros($1)";

bool IsComponent(const std::string& c) {
  return c == "gateway" || c == "data" || c == "scheduler";
}

std::string JobsToJson(const v1::HeartbeatRequest& req) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& job : req.jobs()) {
    std::string text;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    if (google::protobuf::util::MessageToJsonString(job, &text, opts).ok()) {
      jobs.push_back(nlohmann::json::parse(text, nullptr, false));
    }
  }
  return jobs.dump();
}

// The backup state as JSON, or null when the replica sent none.
std::optional<std::string> BackupsToJson(const v1::HeartbeatRequest& req) {
  if (!req.has_backups()) return std::nullopt;
  std::string text;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(req.backups(), &text, opts)
           .ok()) {
    return std::nullopt;
  }
  return text;
}

void JobsFromJson(const std::string& text, v1::InstanceHealth* out) {
  nlohmann::json jobs = nlohmann::json::parse(text, nullptr, false);
  if (!jobs.is_array()) return;
  for (const auto& j : jobs) {
    v1::JobState state;
    google::protobuf::util::JsonParseOptions opts;
    opts.ignore_unknown_fields = true;
    if (google::protobuf::util::JsonStringToMessage(j.dump(), &state, opts)
            .ok()) {
      *out->add_jobs() = std::move(state);
    }
  }
}

}  // namespace

absl::StatusOr<v1::HeartbeatResponse> Store::Heartbeat(
    const v1::HeartbeatRequest& req, absl::Time now) {
  if (!IsComponent(req.component())) {
    return absl::InvalidArgumentError(
        "component: one of gateway, data, scheduler");
  }
  if (req.instance().empty() || req.instance().size() > 200 ||
      !IsStorableText(req.instance())) {
    return absl::InvalidArgumentError("instance: required, at most 200 bytes");
  }
  if (req.jobs_size() > 100) {
    return absl::InvalidArgumentError("jobs: at most 100");
  }
  if (req.component() == "gateway" && req.has_every() &&
      3 * FromProto(req.every()) > options_.outage_threshold) {
    return absl::InvalidArgumentError(
        "heartbeat interval too long: TOCSIN_HEARTBEAT_EVERY must fit three "
        "times into the data service's TOCSIN_OUTAGE_THRESHOLD");
  }
  absl::Time started = req.has_started() ? FromProto(req.started()) : now;
  std::string jobs = JobsToJson(req);
  std::optional<std::string> backups = BackupsToJson(req);
  v1::HeartbeatResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    tx.exec_params(kUpsertHeartbeat, req.component(), req.instance(),
                   absl::ToUnixMicros(started), absl::ToUnixMicros(now), jobs,
                   backups);
    if (req.component() == "gateway") {
      // A gateway that reaches PostgreSQL through us proves that pings can
      // be recorded. If nothing proved it for longer than the threshold,
      // that was an outage: nobody could ping, so checks that went overdue
      // meanwhile get their grace again instead of all alerting at once.
      auto r = tx.exec(kLockIntake);
      if (!r.empty() && !r[0][0].is_null()) {
        absl::Time last = absl::FromUnixMicros(r[0][0].as<int64_t>());
        if (now - last > options_.outage_threshold) {
          auto moved = tx.exec_params(kGiveGraceAgain, absl::ToUnixMicros(last),
                                      absl::ToUnixMicros(now));
          int64_t n = moved.affected_rows();
          tx.exec_params(kInsertOutage, absl::ToUnixMicros(last),
                         absl::ToUnixMicros(now), n);
          out.set_outage_ended(true);
          out.set_checks_given_grace(n);
        }
      }
      tx.exec_params(kSetIntake, absl::ToUnixMicros(now));
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::AcquireJobLeaseResponse> Store::AcquireJobLease(
    const std::string& job, const std::string& instance, absl::Duration ttl,
    absl::Time now) {
  if (job.empty() || job.size() > 100 || !IsStorableText(job) ||
      instance.empty() || instance.size() > 200 || !IsStorableText(instance)) {
    return absl::InvalidArgumentError("job and instance are required");
  }
  if (ttl < absl::Seconds(1) || ttl > absl::Hours(24)) {
    return absl::InvalidArgumentError("ttl: between 1 s and 24 h");
  }
  v1::AcquireJobLeaseResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    auto r = tx.exec_params(kAcquireLease, job, instance,
                            absl::ToUnixMicros(now),
                            absl::ToUnixMicros(now + ttl));
    if (!r.empty()) {
      out.set_granted(true);
      out.set_holder(instance);
    } else {
      auto h = tx.exec_params(kLeaseHolder, job);
      if (!h.empty()) out.set_holder(h[0][0].c_str());
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::GetSystemHealthResponse> Store::GetSystemHealth(
    absl::Time now) {
  v1::GetSystemHealthResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    *out.mutable_now() = tocsin::ToProto(now);
    pqxx::read_transaction tx(conn);
    for (const auto& r : tx.exec_params(
             kRecentHeartbeats, absl::ToUnixMicros(now - absl::Hours(1)))) {
      v1::InstanceHealth* h = out.add_instances();
      h->set_component(r[0].c_str());
      h->set_instance(r[1].c_str());
      *h->mutable_started() =
          tocsin::ToProto(absl::FromUnixMicros(r[2].as<int64_t>()));
      *h->mutable_last_seen() =
          tocsin::ToProto(absl::FromUnixMicros(r[3].as<int64_t>()));
      JobsFromJson(r[4].c_str(), h);
      if (!r[5].is_null()) {
        google::protobuf::util::JsonParseOptions opts;
        opts.ignore_unknown_fields = true;
        (void)google::protobuf::util::JsonStringToMessage(
            r[5].c_str(), h->mutable_backups(), opts);
      }
    }
    auto pending = tx.exec(kPendingStats);
    out.set_notifications_pending(pending[0][0].as<int64_t>());
    if (auto t = TimeField(pending[0][1])) {
      *out.mutable_oldest_pending() = tocsin::ToProto(*t);
    }
    out.set_notifications_failed_24h(
        tx.exec_params(kFailedSince,
                       absl::ToUnixMicros(now - absl::Hours(24)))[0][0]
            .as<int64_t>());
    auto intake = tx.exec(kIntake);
    if (!intake.empty()) {
      if (auto t = TimeField(intake[0][0])) {
        *out.mutable_intake_last_seen() = tocsin::ToProto(*t);
      }
    }
    out.set_outages_total(tx.exec(kOutageStats)[0][0].as<int64_t>());
    auto last = tx.exec(kLastOutage);
    if (!last.empty()) {
      v1::Outage* o = out.mutable_last_outage();
      *o->mutable_started() =
          tocsin::ToProto(absl::FromUnixMicros(last[0][0].as<int64_t>()));
      *o->mutable_ended() =
          tocsin::ToProto(absl::FromUnixMicros(last[0][1].as<int64_t>()));
      o->set_checks_given_grace(last[0][2].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Store::Backlog> Store::GetBacklog(absl::Time now) {
  Backlog out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    out.checks_overdue =
        tx.exec_params(kOverdueChecks, absl::ToUnixMicros(now))[0][0]
            .as<int64_t>();
    out.notifications_pending = tx.exec(kPendingStats)[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// `bytes` rounded up to a whole `unit`, if more than `have`.
std::optional<int64_t> SuggestAbove(int64_t have, int64_t bytes, int64_t unit) {
  int64_t want = (bytes + unit - 1) / unit * unit;
  if (have >= want) return std::nullopt;
  return want;
}

}  // namespace

std::optional<int64_t> Store::DatabaseSizing::SuggestedSharedBuffers() const {
  return SuggestAbove(shared_buffers_bytes, checks * kBufferBytesPerCheck,
                      int64_t{1} << 20);
}

std::optional<int64_t> Store::DatabaseSizing::SuggestedMaxWalSize() const {
  return SuggestAbove(max_wal_size_bytes, checks * kWalBytesPerCheck,
                      int64_t{1} << 30);
}

absl::StatusOr<Store::DatabaseSizing> Store::GetDatabaseSizing() {
  DatabaseSizing out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    pqxx::row r = tx.exec1(kDatabaseSizing);
    out.shared_buffers_bytes = r[0].as<int64_t>();
    out.checks = r[1].as<int64_t>();
    out.max_wal_size_bytes = r[2].as<int64_t>();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::SetProjectReportsResponse> Store::SetProjectReports(
    const std::string& project, const std::string& period, absl::Time now) {
  if (period != "off" && period != "hourly" && period != "daily") {
    return absl::InvalidArgumentError("period: one of off, hourly, daily");
  }
  if (!IsCanonicalUuid(project)) {
    return absl::NotFoundError("project not found");
  }
  std::optional<absl::Time> next;
  if (period != "off") {
    // The first report at the next full hour (hourly) or 09:00 UTC (daily).
    absl::Duration step = period == "hourly" ? absl::Hours(1) : absl::Hours(24);
    absl::Duration offset = period == "hourly" ? absl::ZeroDuration()
                                               : absl::Hours(9);
    absl::Time base = absl::UnixEpoch() + offset;
    next = base + absl::Floor(now - base, step) + step;
  }
  v1::SetProjectReportsResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params(kSetReports, project, period, Micros(next).get());
    if (r.affected_rows() == 0) return absl::NotFoundError("project not found");
    tx.commit();
    return absl::OkStatus();
  }));
  if (next) *out.mutable_next_report() = tocsin::ToProto(*next);
  return out;
}

absl::StatusOr<v1::ClaimDueReportsResponse> Store::ClaimDueReports(
    int limit, absl::Time now) {
  limit = limit <= 0 ? 20 : std::min(limit, 100);
  v1::ClaimDueReportsResponse out;
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    out.Clear();
    pqxx::work tx(conn);
    for (const auto& p :
         tx.exec_params(kClaimReports, absl::ToUnixMicros(now), limit)) {
      v1::DueReport* rep = out.add_reports();
      rep->mutable_project()->set_uuid(p[0].c_str());
      rep->mutable_project()->set_name(p[1].c_str());
      *rep->mutable_project()->mutable_created() =
          tocsin::ToProto(absl::FromUnixMicros(p[2].as<int64_t>()));
      for (const auto& r : tx.exec_params(kReportRecipients, p[0].c_str())) {
        if (r[0].is_null()) continue;
        nlohmann::json to = nlohmann::json::parse(r[0].c_str(), nullptr, false);
        if (to.is_string()) to = nlohmann::json::array({to});
        if (!to.is_array()) continue;
        for (const auto& addr : to) {
          if (addr.is_string()) rep->add_recipients(addr.get<std::string>());
        }
      }
      for (const auto& r : tx.exec_params(kDownChecks, p[0].c_str())) {
        v1::ReportCheck* c = rep->add_down();
        c->set_uuid(r[0].c_str());
        c->set_name(r[1].c_str());
        if (auto t = TimeField(r[2])) *c->mutable_last_ping() = tocsin::ToProto(*t);
      }
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> Store::Prune(absl::Duration keep_flips,
                                         absl::Duration keep_notifications,
                                         absl::Time now,
                                         const std::function<bool()>& stop) {
  std::string summary;
  int64_t pings = 0;
  auto stopped = [&] {
    return absl::CancelledError(absl::StrCat(
        "prune stopped (caller gone or shutting down) after deleting ", pings,
        " pings; the next run goes on"));
  };
  RETURN_IF_ERROR(pool_.Run([&](pqxx::connection& conn) -> absl::Status {
    // Separate transactions: each step is useful alone, and none holds many
    // locks for long.
    int64_t flips, notifications, heartbeats;
    std::string after = "00000000-0000-0000-0000-000000000000";
    while (true) {
      if (stop && stop()) return stopped();
      pqxx::work tx(conn);
      auto r = tx.exec_params(kPruneCheckPings,
                              options_.pings_kept + kPingPruneLookBack, after,
                              kPruneChecksPerTransaction,
                              kPrunePingsPerTransaction);
      tx.commit();
      if (r[0][0].is_null()) break;  // No checks after `after`.
      const int64_t deleted = r[0][1].as<int64_t>();
      pings += deleted;
      // A full chunk may have left some: the same checks again.
      if (deleted < kPrunePingsPerTransaction) after = r[0][0].c_str();
    }
    if (stop && stop()) return stopped();
    {
      pqxx::work tx(conn);
      notifications = tx.exec_params(kPruneNotifications,
                                     absl::ToUnixMicros(now - keep_notifications))
                          .affected_rows();
      flips = tx.exec_params(kPruneFlips, absl::ToUnixMicros(now - keep_flips))
                  .affected_rows();
      heartbeats = tx.exec_params(kPruneHeartbeats,
                                  absl::ToUnixMicros(now - absl::Hours(24)))
                       .affected_rows();
      tx.exec_params(kPruneLeases, absl::ToUnixMicros(now - absl::Hours(24)));
      tx.exec_params("DELETE FROM sessions WHERE expires < tocsin_from_micros($1)",
                     absl::ToUnixMicros(now));
      tx.commit();
    }
    summary = absl::StrCat("deleted ", pings, " pings, ", notifications,
                           " notifications, ", flips, " flips, ", heartbeats,
                           " stale heartbeats");
    if (options_.objects != nullptr) {
      if (stop && stop()) return stopped();
      // Objects no ping refers to any more (their pings were pruned or
      // deleted with their check), once old enough.
      std::set<std::string> referenced;
      {
        pqxx::read_transaction tx(conn);
        for (const auto& row : tx.exec(kReferencedObjects)) {
          referenced.insert(row[0].c_str());
        }
      }
      ASSIGN_OR_RETURN(int64_t swept,
                       options_.objects->Sweep(
                           referenced, now - options_.object_sweep_age));
      absl::StrAppend(&summary, ", ", swept, " body objects");
    }
    return absl::OkStatus();
  }));
  return summary;
}

}  // namespace tocsin::data
