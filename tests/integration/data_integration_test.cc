// The data service against a real PostgreSQL: tools/test.sh starts a private
// cluster and exports TOCSIN_TEST_PG_HOST / _PORT / _USER. Each run of this
// binary works in a database of its own, created here.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/grpc_util.h"
#include "common/time_format.h"
#include "common/files.h"
#include "data/backup_service.h"
#include "data/ping_batcher.h"
#include "data/server.h"
#include "scheduler/backup_manager.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"
#include "tocsin/v1/account_service.grpc.pb.h"
#include "tocsin/v1/alert_service.grpc.pb.h"
#include "tocsin/v1/channel_service.grpc.pb.h"
#include "tocsin/v1/check_service.grpc.pb.h"
#include "tocsin/v1/system_service.grpc.pb.h"
#include "tocsin/v1/deadline_service.grpc.pb.h"
#include "tocsin/v1/ping_service.grpc.pb.h"
#include "tocsin/v1/project_service.grpc.pb.h"

namespace tocsin::data {
namespace {

constexpr char kToken[] = "integration-test-internal-token";

// Polls `done` every 10 ms until it holds or `timeout` has passed; returns
// its last answer.
bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= until) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// The value of one series of this process's metrics (0 before its first
// count), e.g. `tocsin_ping_batch_paths_total{path="cached"}`.
int64_t MetricValue(const std::string& series) {
  const std::string key = absl::StrCat("\n", series, " ");
  std::string text = metrics::DefaultRegistry().Render();
  size_t at = text.find(key);
  if (at == std::string::npos) return 0;
  at += key.size();
  return std::stoll(text.substr(at, text.find('\n', at) - at));
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

DataConfig BaseConfig(const std::string& db) {
  DataConfig c;
  c.db_host = Env("TOCSIN_TEST_PG_HOST");
  c.db_port = std::atoi(Env("TOCSIN_TEST_PG_PORT").c_str());
  c.db_user = Env("TOCSIN_TEST_PG_USER");
  c.db_password = Env("TOCSIN_TEST_PG_PASSWORD");
  c.db_name = db;
  c.pool_size = 4;
  c.listen = "127.0.0.1:0";
  c.internal_token = kToken;
  // Bodies above 1 KiB are objects, in a directory per database.
  c.object_dir = (std::filesystem::temp_directory_path() /
                  absl::StrCat("tocsin-it-objects-", db))
                     .string();
  c.object_threshold = 1024;
  c.object_sweep_age = absl::ZeroDuration();
  return c;
}

// A fresh database for this process, dropped at exit.
class Database : public ::testing::Environment {
 public:
  static std::string name;
  void SetUp() override {
    ASSERT_FALSE(Env("TOCSIN_TEST_PG_HOST").empty())
        << "TOCSIN_TEST_PG_HOST is not set: run through tools/test.sh, which "
           "starts the PostgreSQL these tests need";
    name = absl::StrCat("tocsin_it_", RandomToken(8));
    for (char& c : name) c = static_cast<char>(std::tolower(c == '-' ? '_' : c));
    pqxx::connection admin(BaseConfig("postgres").ConnectionString());
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("CREATE DATABASE ", name));
  }
  void TearDown() override {
    if (name.empty()) return;
    pqxx::connection admin(BaseConfig("postgres").ConnectionString());
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)"));
  }
};
std::string Database::name;

class DataServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = DataServer::Start(BaseConfig(Database::name), absl::Seconds(10));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = s->release();
    channel_ = MakeChannel(absl::StrCat("127.0.0.1:", server_->port()));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override { project_ = NewProject("test"); }

  // A new project, with its keys.
  static v1::CreateProjectResponse NewProject(const std::string& name) {
    auto stub = v1::ProjectService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::CreateProjectRequest req;
    req.set_name(name);
    v1::CreateProjectResponse made;
    grpc::Status s = stub->CreateProject(&ctx, req, &made);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return made;
  }

  // An AccountService call with the internal token.
  template <typename Method, typename Req, typename Resp>
  grpc::Status CallAccounts(Method method, const Req& req, Resp* resp) {
    auto stub = v1::AccountService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(30));
    return ((*stub).*method)(&ctx, req, resp);
  }

  // A new user (with a first project), logged in: user UUID, session token,
  // project UUID.
  std::tuple<std::string, std::string, std::string> LoggedInUser(const std::string& email) {
    v1::CreateUserRequest create;
    create.set_email(email);
    create.set_password("a long password");
    v1::CreateUserResponse made;
    EXPECT_TRUE(CallAccounts(&v1::AccountService::Stub::CreateUser, create, &made).ok());
    v1::LogInRequest login;
    login.set_email(email);
    login.set_password("a long password");
    v1::LogInResponse session;
    EXPECT_TRUE(CallAccounts(&v1::AccountService::Stub::LogIn, login, &session).ok());
    return {made.user().uuid(), session.session_token(), made.project().uuid()};
  }

  void WithKey(grpc::ClientContext& ctx, const std::string& key) {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ctx.AddMetadata(kApiKeyMetadata, key);
  }

  // Two data replicas, each with its own state cache, taking turns and
  // running at once on the same three checks: every ping counted once,
  // numbered without gaps or repeats, and no deadlock. With `mixed`, each
  // batch names some checks by UUID and the others by slug, each thread
  // another way, so that two batches' checks by UUID and by slug cross.
  void CountEveryPingOnceOnTwoReplicas(bool mixed) {
    auto second = DataServer::Start(BaseConfig(Database::name), absl::Seconds(10));
    ASSERT_TRUE(second.ok()) << second.status();
    std::vector<std::shared_ptr<grpc::Channel>> replicas = {
        channel_, MakeChannel(absl::StrCat("127.0.0.1:", (*second)->port()))};
    v1::CheckSpec spec;
    spec.mutable_timeout()->set_seconds(3600);
    std::vector<v1::Check> checks;
    for (int i = 0; i < 3; ++i) {
      spec.set_slug(absl::StrCat("replica-check-", i, mixed ? "-mixed" : ""));
      checks.push_back(Create(spec));
    }
    constexpr int kThreads = 6, kRounds = 20;
    auto deadlocks = [&] {
      return Sql("SELECT deadlocks FROM pg_stat_database "
                 "WHERE datname = current_database()")[0][0].as<int64_t>();
    };
    const int64_t deadlocks_before = deadlocks();
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < kRounds; ++round) {
          // Alternate replicas, so each one's cached state goes stale.
          auto stub = v1::PingService::NewStub(replicas[(t + round) % 2]);
          // Each thread names the checks in another order.
          v1::RecordPingsRequest req;
          for (size_t i = 0; i < checks.size(); ++i) {
            v1::RecordPingRequest* p = req.add_pings();
            const size_t c = (i + t) % checks.size();
            if (mixed && (c + t) % 2 == 1) {
              p->mutable_slug()->set_ping_key(project_.ping_key());
              p->mutable_slug()->set_slug(checks[c].slug());
            } else {
              p->set_check_uuid(checks[c].uuid());
            }
            p->set_kind(v1::PING_KIND_SUCCESS);
          }
          grpc::ClientContext ctx;
          PrepareInternalCall(ctx, kToken, absl::Seconds(20));
          v1::RecordPingsResponse resp;
          grpc::Status s = stub->RecordPings(&ctx, req, &resp);
          if (!s.ok() || resp.results_size() != 3) {
            failed += 3;
            continue;
          }
          for (const auto& r : resp.results()) failed += r.code() != 0;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failed.load(), 0);
    // Rows are locked in one order by every batch, cached or looked up: a
    // deadlock would have held both up for a second before one was undone.
    // (A backend sends its statistics at a transaction's end at most once a
    // second; one that waited a second for a deadlock check sends them then.
    // Give them time to arrive.)
    absl::SleepFor(absl::Milliseconds(600));
    EXPECT_EQ(deadlocks(), deadlocks_before);
    for (const v1::Check& c : checks) {
      auto row = Sql(absl::StrCat(
          "SELECT c.n_pings, max(p.n), count(DISTINCT p.n), count(p.n), "
          "min(p.n) FROM checks c JOIN pings p ON p.check_id = c.id WHERE c.id = '",
          c.uuid(), "' GROUP BY c.n_pings"));
      ASSERT_EQ(row.size(), 1u);
      EXPECT_EQ(row[0][0].as<int>(), kThreads * kRounds);
      EXPECT_EQ(row[0][1].as<int>(), kThreads * kRounds);
      EXPECT_EQ(row[0][2].as<int>(), row[0][3].as<int>());
      EXPECT_EQ(row[0][1].as<int>() - row[0][4].as<int>() + 1,
                row[0][3].as<int>());
    }
  }

  v1::Check Create(v1::CheckSpec spec) {
    auto stub = v1::CheckService::NewStub(channel_);
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::CreateCheckRequest req;
    *req.mutable_spec() = spec;
    v1::CreateCheckResponse resp;
    grpc::Status s = stub->CreateCheck(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.check();
  }

  grpc::Status Ping(const std::string& uuid, v1::PingKind kind,
                    std::string body = "") {
    auto stub = v1::PingService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::RecordPingRequest req;
    req.set_check_uuid(uuid);
    req.set_kind(kind);
    req.set_method("POST");
    req.set_body(body);
    v1::RecordPingResponse resp;
    return stub->RecordPing(&ctx, req, &resp);
  }

  // One RecordPings call, a success ping for each target: a check UUID, or
  // "ping key/slug". The result code of each, in order.
  std::vector<int> PingEach(const std::vector<std::string>& targets) {
    auto stub = v1::PingService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::RecordPingsRequest req;
    for (const std::string& t : targets) {
      v1::RecordPingRequest* p = req.add_pings();
      if (size_t slash = t.find('/'); slash != std::string::npos) {
        p->mutable_slug()->set_ping_key(t.substr(0, slash));
        p->mutable_slug()->set_slug(t.substr(slash + 1));
      } else {
        p->set_check_uuid(t);
      }
      p->set_kind(v1::PING_KIND_SUCCESS);
      p->set_method("GET");
    }
    v1::RecordPingsResponse resp;
    grpc::Status s = stub->RecordPings(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<int> codes;
    for (const auto& r : resp.results()) codes.push_back(r.code());
    EXPECT_EQ(codes.size(), targets.size());
    return codes;
  }

  absl::StatusOr<v1::Check> Get(const std::string& id, const std::string& key) {
    auto stub = v1::CheckService::NewStub(channel_);
    grpc::ClientContext ctx;
    WithKey(ctx, key);
    v1::GetCheckRequest req;
    req.set_id(id);
    v1::GetCheckResponse resp;
    grpc::Status s = stub->GetCheck(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp.check();
  }

  // Direct SQL for setting data up and reading what the API does not show.
  pqxx::result Sql(const std::string& sql) {
    pqxx::connection c(BaseConfig(Database::name).ConnectionString());
    pqxx::work tx(c);
    auto r = tx.exec(sql);
    tx.commit();
    return r;
  }

  // PingEach(targets) while another transaction has run `update` and not
  // committed yet: it commits once the batch waits for one of its rows.
  std::vector<int> PingEachAcrossAnUpdate(const std::string& update,
                                          const std::vector<std::string>& targets) {
    pqxx::connection holder(BaseConfig(Database::name).ConnectionString());
    pqxx::work updater(holder);
    updater.exec(update);
    std::vector<int> codes;
    std::thread pinger([&] { codes = PingEach(targets); });
    EXPECT_TRUE(WaitUntil([&] { return LockWaits() > 0; }, absl::Seconds(10)));
    updater.commit();
    pinger.join();
    return codes;
  }

  // Sessions of the test database waiting for a row lock now.
  int LockWaits() {
    return Sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
               "'Lock' AND datname = current_database()")[0][0].as<int>();
  }

  v1::MarkLateChecksResponse MarkLate() {
    auto stub = v1::DeadlineService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::MarkLateChecksResponse resp;
    grpc::Status s = stub->MarkLateChecks(&ctx, {}, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // The prune job's call, keeping flips and notifications for `keep`.
  // A new check with `n` pings stored (numbered 1 to n), written in SQL.
  v1::Check CheckWithStoredPings(int n) {
    v1::Check c = Create({});
    Sql(absl::StrCat(
        "INSERT INTO pings (check_id, n, created, kind, scheme, method) "
        "SELECT '", c.uuid(), "', g, now(), 'success', 'http', 'GET' "
        "FROM generate_series(1, ", n, ") g"));
    Sql(absl::StrCat("UPDATE checks SET n_pings = ", n, " WHERE id = '",
                     c.uuid(), "'"));
    return c;
  }

  grpc::Status Prune(absl::Duration keep, v1::PruneResponse* resp,
                     absl::Duration deadline = absl::Seconds(10)) {
    auto stub = v1::SystemService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, deadline);
    v1::PruneRequest req;
    *req.mutable_keep_flips() = tocsin::ToProto(keep);
    *req.mutable_keep_notifications() = tocsin::ToProto(keep);
    return stub->Prune(&ctx, req, resp);
  }

  static DataServer* server_;
  static std::shared_ptr<grpc::Channel> channel_;
  v1::CreateProjectResponse project_;
};
DataServer* DataServiceTest::server_ = nullptr;
std::shared_ptr<grpc::Channel> DataServiceTest::channel_;

TEST_F(DataServiceTest, MigrationsRecordedOnceAndRerunIsNoop) {
  auto again = server_->store().Migrate();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->applied.empty());
  auto r = Sql("SELECT count(*), max(version) FROM schema_migrations");
  EXPECT_EQ(r[0][0].as<int>(), r[0][1].as<int>());
}

TEST_F(DataServiceTest, ConcurrentMigrationsOnFreshDatabase) {
  std::string db = absl::StrCat(Database::name, "_m");
  {
    pqxx::connection admin(BaseConfig("postgres").ConnectionString());
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("CREATE DATABASE ", db));
  }
  {
    PgPool pool(BaseConfig(db).ConnectionString(), 8, absl::Seconds(30));
    Store store(pool);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0}, applied_total{0};
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        auto r = store.Migrate();
        if (r.ok()) {
          ++ok;
          applied_total += static_cast<int>(r->applied.size());
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 4);
    auto m = ParseMigrations(EmbeddedMigrations());
    EXPECT_EQ(applied_total.load(), static_cast<int>(m->size()));
  }
  pqxx::connection admin(BaseConfig("postgres").ConnectionString());
  pqxx::nontransaction tx(admin);
  tx.exec(absl::StrCat("DROP DATABASE ", db, " WITH (FORCE)"));
}

// The start-up warnings' arithmetic (buffers: about 10 KB per check, whole
// MB; WAL: about 80 KB per check, whole GB), and the figures as the
// database gives them.
TEST_F(DataServiceTest, DatabaseSizingFromTheDatabase) {
  constexpr int64_t kMb = 1024 * 1024, kGb = 1024 * kMb;
  Store::DatabaseSizing small{128 * kMb, 20000, kGb};
  ASSERT_TRUE(small.SuggestedSharedBuffers().has_value());
  EXPECT_EQ(*small.SuggestedSharedBuffers(), 196 * kMb);  // 195.3 MB, rounded up.
  ASSERT_TRUE(small.SuggestedMaxWalSize().has_value());
  EXPECT_EQ(*small.SuggestedMaxWalSize(), 2 * kGb);  // 1.53 GB, rounded up.
  EXPECT_FALSE((Store::DatabaseSizing{128 * kMb, 10000, kGb}).SuggestedSharedBuffers());
  EXPECT_FALSE((Store::DatabaseSizing{128 * kMb, 13107, kGb}).SuggestedMaxWalSize());
  EXPECT_TRUE((Store::DatabaseSizing{128 * kMb, 13108, kGb}).SuggestedMaxWalSize());
  EXPECT_FALSE((Store::DatabaseSizing{128 * kMb, 0, 32 * kMb}).SuggestedSharedBuffers());
  EXPECT_FALSE((Store::DatabaseSizing{128 * kMb, 0, 32 * kMb}).SuggestedMaxWalSize());

  Sql("ANALYZE checks");
  int64_t checks = Sql("SELECT count(*) FROM checks")[0][0].as<int64_t>();
  int64_t buffers = Sql("SELECT pg_size_bytes(current_setting('shared_buffers'))")[0][0]
                        .as<int64_t>();
  int64_t wal = Sql("SELECT pg_size_bytes(current_setting('max_wal_size'))")[0][0]
                    .as<int64_t>();
  PgPool pool(BaseConfig(Database::name).ConnectionString(), 1, absl::Seconds(10));
  Store store(pool);
  auto got = store.GetDatabaseSizing();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->shared_buffers_bytes, buffers);
  EXPECT_GT(got->shared_buffers_bytes, 0);
  EXPECT_EQ(got->max_wal_size_bytes, wal);
  EXPECT_GT(got->max_wal_size_bytes, 0);
  EXPECT_EQ(got->checks, checks);  // Exact for a table this small.

  // Never analysed (as after a restore): counted instead.
  v1::CheckSpec spec;
  spec.set_name("counted one");
  Create(spec);
  Sql("UPDATE pg_class SET reltuples = -1 WHERE oid = 'checks'::regclass");
  got = store.GetDatabaseSizing();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->checks, checks + 1);
  Sql("ANALYZE checks");  // The estimate back, for the tests after.
}

TEST_F(DataServiceTest, KeysAreStoredOnlyAsDigests) {
  auto r = Sql(absl::StrCat(
      "SELECT count(*) FROM api_keys WHERE project_id = '",
      project_.project().uuid(), "' AND digest = decode('",
      Sha256Hex(project_.api_key()), "', 'hex')"));
  EXPECT_EQ(r[0][0].as<int>(), 1);
  auto plain = Sql(absl::StrCat("SELECT count(*) FROM api_keys WHERE digest = '",
                                project_.api_key(), "'::bytea"));
  EXPECT_EQ(plain[0][0].as<int>(), 0);
}

TEST_F(DataServiceTest, PingsUpdateCheckAndFlipsAreWrittenWithThem) {
  v1::CheckSpec spec;
  spec.set_name("backup");
  spec.mutable_timeout()->set_seconds(300);
  v1::Check c = Create(spec);
  ASSERT_EQ(c.status(), v1::CHECK_STATUS_NEW);

  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS, "hello").ok());
  auto got = Get(c.uuid(), project_.api_key());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status(), v1::CHECK_STATUS_UP);
  EXPECT_EQ(got->n_pings(), 1);
  EXPECT_TRUE(got->has_last_ping());

  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_FAIL).ok());
  got = Get(c.uuid(), project_.api_key());
  EXPECT_EQ(got->status(), v1::CHECK_STATUS_DOWN);
  EXPECT_EQ(got->n_pings(), 2);

  auto flips = Sql(absl::StrCat(
      "SELECT old_status, new_status FROM flips WHERE check_id = '", c.uuid(),
      "' ORDER BY id"));
  ASSERT_EQ(flips.size(), 2u);
  EXPECT_EQ(flips[0][1].as<std::string>(), "up");
  EXPECT_EQ(flips[1][0].as<std::string>(), "up");
  EXPECT_EQ(flips[1][1].as<std::string>(), "down");
  auto pings = Sql(absl::StrCat(
      "SELECT n, kind, convert_from(body, 'UTF8') FROM pings WHERE check_id = '",
      c.uuid(), "' ORDER BY n"));
  ASSERT_EQ(pings.size(), 2u);
  EXPECT_EQ(pings[0][1].as<std::string>(), "success");
  EXPECT_EQ(pings[0][2].as<std::string>(), "hello");
  EXPECT_EQ(pings[1][1].as<std::string>(), "fail");

  // A flip whose writer read the clock later but took the row lock first
  // (here: the last flip moved a minute ahead): the next flip is not dated
  // before it, so the history still chains in time order.
  Sql(absl::StrCat("UPDATE flips SET created = created + interval '1 minute' "
                   "WHERE check_id = '", c.uuid(), "' AND new_status = 'down'"));
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  flips = Sql(absl::StrCat(
      "SELECT new_status, created >= lag(created) OVER (ORDER BY id) FROM flips "
      "WHERE check_id = '", c.uuid(), "' ORDER BY id"));
  ASSERT_EQ(flips.size(), 3u);
  EXPECT_EQ(flips[2][0].as<std::string>(), "up");
  EXPECT_TRUE(flips[1][1].as<bool>());
  EXPECT_TRUE(flips[2][1].as<bool>());
}

TEST_F(DataServiceTest, UnknownCheckAndBadInputs) {
  EXPECT_EQ(Ping(NewUuid(), v1::PING_KIND_SUCCESS).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Ping("not-a-uuid", v1::PING_KIND_SUCCESS).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DataServiceTest, AuthenticationRules) {
  v1::Check c = Create({});
  // Read-only key: may read (no UUID, unique key instead), may not write.
  auto ro = Get(c.uuid(), project_.api_key_readonly());
  ASSERT_TRUE(ro.ok()) << ro.status();
  EXPECT_TRUE(ro->uuid().empty());
  // Healthchecks' derivation: SHA-1 of the UUID's first 16 hex digits.
  std::string hex;
  for (char ch : c.uuid()) {
    if (ch != '-') hex.push_back(ch);
  }
  EXPECT_EQ(ro->unique_key(), Sha1Hex(hex.substr(0, 16)));
  auto by_unique = Get(ro->unique_key(), project_.api_key_readonly());
  EXPECT_TRUE(by_unique.ok());
  {
    auto stub = v1::CheckService::NewStub(channel_);
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key_readonly());
    v1::CreateCheckResponse resp;
    EXPECT_EQ(stub->CreateCheck(&ctx, {}, &resp).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(Get(c.uuid(), "wrong").status().code(),
            absl::StatusCode::kUnauthenticated);
  // Another project's key sees 403 for this check.
  v1::CreateProjectResponse other = NewProject("other");
  EXPECT_EQ(Get(c.uuid(), other.api_key()).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Unique keys are looked up within the caller's project only.
  EXPECT_EQ(Get(ro->unique_key(), other.api_key_readonly()).status().code(),
            absl::StatusCode::kNotFound);
  // Pings need the internal token.
  auto pings = v1::PingService::NewStub(channel_);
  grpc::ClientContext pctx;
  WithKey(pctx, project_.api_key());
  v1::RecordPingRequest preq;
  preq.set_check_uuid(c.uuid());
  preq.set_kind(v1::PING_KIND_SUCCESS);
  v1::RecordPingResponse presp;
  EXPECT_EQ(pings->RecordPing(&pctx, preq, &presp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(DataServiceTest, UniqueUpsertUpdatesExistingCheck) {
  v1::CheckSpec spec;
  spec.set_name("nightly");
  spec.mutable_timeout()->set_seconds(3600);
  v1::Check first = Create(spec);
  auto stub = v1::CheckService::NewStub(channel_);
  grpc::ClientContext ctx;
  WithKey(ctx, project_.api_key());
  v1::CreateCheckRequest req;
  req.mutable_spec()->set_name("nightly");
  req.mutable_spec()->set_tags("changed");
  req.add_unique("name");
  v1::CreateCheckResponse resp;
  ASSERT_TRUE(stub->CreateCheck(&ctx, req, &resp).ok());
  EXPECT_FALSE(resp.created());
  EXPECT_EQ(resp.check().uuid(), first.uuid());
  EXPECT_EQ(resp.check().tags(), "changed");
  EXPECT_EQ(resp.check().timeout().seconds(), 3600);
}

TEST_F(DataServiceTest, LateChecksGoDownOnceEvenWithConcurrentCallers) {
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(60);
  spec.mutable_grace()->set_seconds(60);
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  // Set the data up as if the ping had come three minutes ago; the rule
  // (timeout + grace) is untouched.
  Sql(absl::StrCat(
      "UPDATE checks SET last_ping = last_ping - interval '3 minutes', "
      "alert_after = alert_after - interval '3 minutes', "
      "alert_floor = alert_after - interval '3 minutes' WHERE id = '",
      c.uuid(), "'"));
  std::atomic<int> flips{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      v1::MarkLateChecksResponse resp = MarkLate();
      for (const auto& f : resp.flips()) {
        if (f.check() == c.uuid()) ++flips;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(flips.load(), 1);
  auto got = Get(c.uuid(), project_.api_key());
  EXPECT_EQ(got->status(), v1::CHECK_STATUS_DOWN);
  auto rows = Sql(absl::StrCat(
      "SELECT count(*) FROM flips WHERE new_status = 'down' AND check_id = '",
      c.uuid(), "'"));
  EXPECT_EQ(rows[0][0].as<int>(), 1);
}

TEST_F(DataServiceTest, CheckNotYetDueStaysUp) {
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  v1::MarkLateChecksResponse resp = MarkLate();
  for (const auto& f : resp.flips()) EXPECT_NE(f.check(), c.uuid());
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->status(), v1::CHECK_STATUS_UP);
}

// The deadline floor (V009): pings that move the deadline later leave the
// indexed floor alone; one that moves it earlier lowers it; the late-check
// scan lifts a passed floor to the deadline and still catches a due check.
TEST_F(DataServiceTest, DeadlineFloorIsALowerBoundThePingPathLeavesAlone) {
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  spec.mutable_grace()->set_seconds(60);
  v1::Check c = Create(spec);
  auto deadlines = [&] {
    auto r = Sql(absl::StrCat(
        "SELECT tocsin_micros(alert_after), tocsin_micros(alert_floor) "
        "FROM checks WHERE id = '", c.uuid(), "'"));
    return std::make_pair(r[0][0].is_null() ? 0 : r[0][0].as<int64_t>(),
                          r[0][1].is_null() ? 0 : r[0][1].as<int64_t>());
  };
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  auto [after1, floor1] = deadlines();
  ASSERT_NE(after1, 0);
  EXPECT_EQ(floor1, after1);
  for (int i = 0; i < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
    ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  }
  auto [after2, floor2] = deadlines();
  EXPECT_GT(after2, after1);
  EXPECT_EQ(floor2, floor1) << "a later deadline must not move the floor";

  // A start ping: the deadline becomes start + grace, earlier than before.
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_START).ok());
  auto [after3, floor3] = deadlines();
  EXPECT_LT(after3, floor1);
  EXPECT_EQ(floor3, after3) << "an earlier deadline must lower the floor";

  // A floor that passed while the deadline did not: lifted, no flip.
  Sql(absl::StrCat("UPDATE checks SET alert_floor = now() - interval '1 minute'"
                   " WHERE id = '", c.uuid(), "'"));
  v1::MarkLateChecksResponse resp = MarkLate();
  for (const auto& f : resp.flips()) EXPECT_NE(f.check(), c.uuid());
  auto [after4, floor4] = deadlines();
  EXPECT_EQ(after4, after3);
  EXPECT_EQ(floor4, after3);
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->status(), v1::CHECK_STATUS_UP);

  // Due for real: goes down once, and leaves no floor behind.
  Sql(absl::StrCat("UPDATE checks SET last_start = now() - interval '61 "
                   "seconds', alert_after = now() - interval '1 second', "
                   "alert_floor = now() - interval '1 second' WHERE id = '",
                   c.uuid(), "'"));
  resp = MarkLate();
  int flips = 0;
  for (const auto& f : resp.flips()) flips += f.check() == c.uuid();
  EXPECT_EQ(flips, 1);
  EXPECT_EQ(deadlines(), std::make_pair(int64_t{0}, int64_t{0}));
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->status(), v1::CHECK_STATUS_DOWN);
}

// The batched path writes its values as quoted array literals inside SQL
// EXECUTE statements: quotes, backslashes, braces, commas, non-ASCII text
// and every byte value in a body must come back exactly as sent.
TEST_F(DataServiceTest, BatchedPingsKeepHostileTextAndBytesExact) {
  v1::Check by_uuid = Create({});
  v1::CheckSpec slugged;
  slugged.set_slug("odd-slug");
  v1::Check by_slug = Create(slugged);
  const std::string agent =
      "it's \"quoted\" \\back\\slash {brace},comma; DROP TABLE pings; -- "
      "\xe6\x97\xa5\xe6\x9c\xac E'x' $$y$$ NULL";
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  body += "'); COMMIT; --";
  v1::RecordPingsRequest req;
  for (int i = 0; i < 2; ++i) {
    v1::RecordPingRequest* p = req.add_pings();
    if (i == 0) {
      p->set_check_uuid(by_uuid.uuid());
    } else {
      p->mutable_slug()->set_ping_key(project_.ping_key());
      p->mutable_slug()->set_slug("odd-slug");
    }
    p->set_kind(v1::PING_KIND_SUCCESS);
    p->set_method("POST");
    p->set_scheme("https");
    p->set_remote_addr("2001:db8::'1");
    p->set_user_agent(agent);
    p->set_body(body);
  }
  // A batch that fails falls back to one ping at a time, which would hide a
  // quoting fault: count the fallbacks.
  auto splits = [] { return MetricValue("tocsin_ping_batches_split_total"); };
  int64_t splits_before = splits();
  auto pings = v1::PingService::NewStub(channel_);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, kToken, absl::Seconds(10));
  v1::RecordPingsResponse resp;
  grpc::Status s = pings->RecordPings(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.results_size(), 2);
  for (const auto& r : resp.results()) EXPECT_EQ(r.code(), 0) << r.message();
  EXPECT_EQ(splits(), splits_before) << "the batch fell back to single pings";

  auto checks = v1::CheckService::NewStub(channel_);
  for (const v1::Check* c : {&by_uuid, &by_slug}) {
    grpc::ClientContext lctx;
    WithKey(lctx, project_.api_key());
    v1::ListPingsRequest lreq;
    lreq.set_id(c->uuid());
    v1::ListPingsResponse lresp;
    ASSERT_TRUE(checks->ListPings(&lctx, lreq, &lresp).ok());
    ASSERT_EQ(lresp.pings_size(), 1);
    EXPECT_EQ(lresp.pings(0).user_agent(), agent);
    EXPECT_EQ(lresp.pings(0).remote_addr(), "2001:db8::'1");
    EXPECT_EQ(lresp.pings(0).body_size(), static_cast<int64_t>(body.size()));
    grpc::ClientContext bctx;
    WithKey(bctx, project_.api_key());
    v1::GetPingBodyRequest breq;
    breq.set_id(c->uuid());
    breq.set_n(lresp.pings(0).n());
    v1::GetPingBodyResponse bresp;
    ASSERT_TRUE(checks->GetPingBody(&bctx, breq, &bresp).ok());
    EXPECT_EQ(bresp.body(), body);
  }
}

// Many callers at once, each with a batch of pings for the same few checks
// (by UUID, by slug, and one auto-created): the batcher's flushers overlap,
// and each check still counts every ping once, numbered without gaps or
// repeats, with the last ping's kind deciding its status.
TEST_F(DataServiceTest, ConcurrentBatchesOfTheSameChecksCountEveryPingOnce) {
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  v1::Check a = Create(spec);
  spec.set_slug("shared-slug");
  v1::Check b = Create(spec);
  constexpr int kCallers = 12, kRounds = 5, kPerCall = 6;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, failed{0};
  for (int t = 0; t < kCallers; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::PingService::NewStub(channel_);
      for (int round = 0; round < kRounds; ++round) {
        v1::RecordPingsRequest req;
        for (int i = 0; i < kPerCall; ++i) {
          v1::RecordPingRequest* p = req.add_pings();
          if (i % 3 == 0) {
            p->set_check_uuid(a.uuid());
          } else if (i % 3 == 1) {
            p->mutable_slug()->set_ping_key(project_.ping_key());
            p->mutable_slug()->set_slug("shared-slug");
          } else {
            p->mutable_slug()->set_ping_key(project_.ping_key());
            p->mutable_slug()->set_slug("made-by-pings");
            p->set_create(true);
          }
          p->set_kind(v1::PING_KIND_SUCCESS);
          p->set_user_agent(absl::StrCat("caller ", t, " round ", round));
        }
        grpc::ClientContext ctx;
        PrepareInternalCall(ctx, kToken, absl::Seconds(20));
        v1::RecordPingsResponse resp;
        grpc::Status s = stub->RecordPings(&ctx, req, &resp);
        if (!s.ok() || resp.results_size() != kPerCall) {
          failed += kPerCall;
          continue;
        }
        for (const auto& r : resp.results()) (r.code() == 0 ? ok : failed)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  const int each = kCallers * kRounds * kPerCall / 3;
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), 3 * each);
  auto rows = Sql(absl::StrCat(
      "SELECT c.n_pings, count(p.n), min(p.n), max(p.n), count(DISTINCT p.n), "
      "c.status FROM checks c JOIN pings p ON p.check_id = c.id "
      "WHERE c.project_id = '", project_.project().uuid(), "' AND (c.id IN ('",
      a.uuid(), "', '", b.uuid(), "') OR c.slug = 'made-by-pings') "
      "GROUP BY c.id, c.n_pings, c.status"));
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    EXPECT_EQ(row[0].as<int>(), each);
    // Pruning keeps the newest; whatever is kept is numbered 1..n_pings
    // from the top without gaps or repeats.
    int kept = row[1].as<int>();
    EXPECT_GT(kept, 0);
    EXPECT_EQ(row[3].as<int>(), each);
    EXPECT_EQ(row[3].as<int>() - row[2].as<int>() + 1, kept);
    EXPECT_EQ(row[4].as<int>(), kept);
    EXPECT_EQ(row[5].as<std::string>(), "up");
  }

  // No foreign key on pings (V015): deleting checks, one or with their
  // project, still takes their pings along.
  auto pings_of_project = [&] {
    return Sql(absl::StrCat("SELECT count(*) FROM pings p WHERE p.check_id IN "
                            "(SELECT id FROM checks WHERE project_id = '",
                            project_.project().uuid(), "') OR p.check_id = '",
                            a.uuid(), "'"))[0][0]
        .as<int>();
  };
  auto pings_of_a = [&] {
    return Sql(absl::StrCat("SELECT count(*) FROM pings WHERE check_id = '",
                            a.uuid(), "'"))[0][0].as<int>();
  };
  int before = pings_of_project(), of_a = pings_of_a();
  ASSERT_GT(of_a, 0);
  Sql(absl::StrCat("DELETE FROM checks WHERE id = '", a.uuid(), "'"));
  EXPECT_EQ(pings_of_a(), 0);
  EXPECT_EQ(pings_of_project(), before - of_a);
  auto left = Sql(absl::StrCat(
      "SELECT array_agg(id) FROM checks WHERE project_id = '",
      project_.project().uuid(), "'"))[0][0].as<std::string>();
  Sql(absl::StrCat("DELETE FROM projects WHERE id = '",
                   project_.project().uuid(), "'"));
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM pings WHERE check_id = "
                             "ANY('", left, "'::uuid[])"))[0][0].as<int>(), 0);
}

// The ping path's state cache (PingStateCache): a batch of cached checks
// skips the lookup, yet every change made behind the cache's back (the API,
// SQL, a deleted check) is seen, because the write applies only to the row
// version the cache holds and the batch is otherwise redone with a lookup.
TEST_F(DataServiceTest, CachedCheckStateNeverOverridesTheRow) {
  auto paths = [](const std::string& path) {
    return MetricValue(
        absl::StrCat("tocsin_ping_batch_paths_total{path=\"", path, "\"}"));
  };
  auto ping = [&](const std::string& uuid) {
    std::vector<int> codes = PingEach({uuid});
    return codes.size() == 1 ? codes[0] : -1;
  };
  auto column = [&](const std::string& uuid, const std::string& expr) {
    return Sql(absl::StrCat("SELECT ", expr, " FROM checks WHERE id = '", uuid,
                            "'"))[0][0].as<int64_t>();
  };
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  spec.mutable_grace()->set_seconds(60);
  v1::Check check = Create(spec);

  // The first ping looks the check up, the next ones use the cache.
  ASSERT_EQ(ping(check.uuid()), 0);
  int64_t cached = paths("cached"), stale = paths("stale");
  ASSERT_EQ(ping(check.uuid()), 0);
  ASSERT_EQ(ping(check.uuid()), 0);
  EXPECT_EQ(paths("cached"), cached + 2);
  EXPECT_EQ(column(check.uuid(), "n_pings"), 3);

  // A new timeout through the API: the next deadline uses it.
  auto checks = v1::CheckService::NewStub(channel_);
  {
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::UpdateCheckRequest req;
    req.set_id(check.uuid());
    req.mutable_spec()->mutable_timeout()->set_seconds(120);
    req.mutable_spec()->mutable_grace()->set_seconds(60);
    v1::UpdateCheckResponse resp;
    grpc::Status s = checks->UpdateCheck(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_EQ(ping(check.uuid()), 0);
  EXPECT_EQ(paths("stale"), stale + 1);
  EXPECT_EQ(column(check.uuid(), "n_pings"), 4);
  EXPECT_EQ(column(check.uuid(),
                   "extract(epoch FROM alert_after - last_ping)::bigint"),
            180);
  // The redone batch cached the new state: the next ping uses it again.
  cached = paths("cached");
  ASSERT_EQ(ping(check.uuid()), 0);
  EXPECT_EQ(paths("cached"), cached + 1);
  EXPECT_EQ(column(check.uuid(),
                   "extract(epoch FROM alert_after - last_ping)::bigint"),
            180);

  // A change in SQL, behind every API: the count goes on from the row's.
  Sql(absl::StrCat("UPDATE checks SET n_pings = 1000 WHERE id = '",
                   check.uuid(), "'"));
  stale = paths("stale");
  ASSERT_EQ(ping(check.uuid()), 0);
  EXPECT_EQ(paths("stale"), stale + 1);
  EXPECT_EQ(column(check.uuid(), "n_pings"), 1001);
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM pings WHERE check_id = '",
                             check.uuid(), "' AND n = 1001"))[0][0].as<int>(),
            1);

  // Paused through the API: a cached ping must not keep it paused, nor
  // treat it as up; it resumes the check as a looked-up ping would.
  {
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::PauseCheckRequest req;
    req.set_id(check.uuid());
    v1::PauseCheckResponse resp;
    ASSERT_TRUE(checks->PauseCheck(&ctx, req, &resp).ok());
  }
  ASSERT_EQ(ping(check.uuid()), 0);
  auto status = Sql(absl::StrCat("SELECT status FROM checks WHERE id = '",
                                 check.uuid(), "'"))[0][0].as<std::string>();
  EXPECT_EQ(status, "up");
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM flips WHERE check_id = '",
                             check.uuid(), "' AND old_status = 'paused' "
                             "AND new_status = 'up'"))[0][0].as<int>(),
            1);

  // Connections lost (PostgreSQL restarted, or replaced by a restored
  // copy whose transaction ids may repeat the cached ones): nothing cached
  // before is used; the next ping looks the check up again.
  ASSERT_EQ(ping(check.uuid()), 0);
  // (With a timeout, pg_terminate_backend returns once each backend has
  // gone, as after a restart; without, a ping may race the termination, be
  // sent to a dying backend and rightly fail as of unknown outcome.)
  Sql("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
      "WHERE application_name = 'tocsin-data' AND datname = current_database() "
      "AND pid <> pg_backend_pid()");
  cached = paths("cached");
  int64_t lookups = paths("lookup");
  ASSERT_EQ(ping(check.uuid()), 0);
  EXPECT_EQ(paths("cached"), cached);
  EXPECT_EQ(paths("lookup"), lookups + 1);
  EXPECT_EQ(column(check.uuid(), "n_pings"), 1004);
  ASSERT_EQ(ping(check.uuid()), 0);
  EXPECT_EQ(paths("cached"), cached + 1);

  // Deleted: not found, from the cache or not.
  ASSERT_EQ(ping(check.uuid()), 0);
  Sql(absl::StrCat("DELETE FROM checks WHERE id = '", check.uuid(), "'"));
  EXPECT_EQ(ping(check.uuid()), static_cast<int>(grpc::StatusCode::NOT_FOUND));
}

// Pings by slug from the state cache: the check a (ping key, slug) found is
// used only while the project's row is unchanged, and a check that takes
// the slug (through the API or in SQL) or a new ping key changes it (V017),
// so a cached slug never reaches a check it no longer names alone.
TEST_F(DataServiceTest, CachedSlugNamesItsCheckOnlyWhileItIsTheOnlyOne) {
  auto paths = [](const std::string& path) {
    return MetricValue(
        absl::StrCat("tocsin_ping_batch_paths_total{path=\"", path, "\"}"));
  };
  auto ping = [&](const std::vector<std::string>& targets) {
    return PingEach(targets);
  };
  auto n_pings = [&](const std::string& uuid) {
    return Sql(absl::StrCat("SELECT n_pings FROM checks WHERE id = '", uuid,
                            "'"))[0][0].as<int64_t>();
  };
  const int kOk = 0;
  const int kNotFound = static_cast<int>(grpc::StatusCode::NOT_FOUND);
  const int kAmbiguous = static_cast<int>(grpc::StatusCode::ALREADY_EXISTS);
  const std::string key = project_.ping_key();
  const std::string by_slug = key + "/nightly-backup";

  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  spec.set_slug("nightly-backup");
  v1::Check check = Create(spec);

  // The first ping by slug looks the check up; the next ones, alone or
  // with pings by UUID (of the same check, too), use the cache.
  ASSERT_EQ(ping({by_slug}), std::vector<int>{kOk});
  int64_t cached = paths("cached"), stale = paths("stale");
  ASSERT_EQ(ping({by_slug}), std::vector<int>{kOk});
  ASSERT_EQ(ping({by_slug, check.uuid(), by_slug}),
            (std::vector<int>{kOk, kOk, kOk}));
  EXPECT_EQ(paths("cached"), cached + 2);
  EXPECT_EQ(n_pings(check.uuid()), 5);

  // A second check takes the slug through the API: the slug is ambiguous at
  // once, although the first check's row did not change.
  v1::Check twin = Create(spec);
  EXPECT_EQ(ping({by_slug}), std::vector<int>{kAmbiguous});
  EXPECT_EQ(paths("stale"), stale + 1);
  EXPECT_EQ(n_pings(check.uuid()), 5);
  EXPECT_EQ(n_pings(twin.uuid()), 0);

  // The twin renamed in SQL: the slug names the first check alone again.
  Sql(absl::StrCat("UPDATE checks SET slug = 'other' WHERE id = '",
                   twin.uuid(), "'"));
  ASSERT_EQ(ping({by_slug}), std::vector<int>{kOk});
  cached = paths("cached");
  ASSERT_EQ(ping({by_slug}), std::vector<int>{kOk});
  EXPECT_EQ(paths("cached"), cached + 1);
  EXPECT_EQ(n_pings(check.uuid()), 7);

  // A check inserted in SQL with the same slug, behind every API.
  Sql(absl::StrCat(
      "INSERT INTO checks (id, project_id, unique_key, badge_key, slug) "
      "VALUES (gen_random_uuid(), '", project_.project().uuid(),
      "', md5(random()::text), gen_random_uuid(), 'nightly-backup')"));
  EXPECT_EQ(ping({by_slug}), std::vector<int>{kAmbiguous});
  Sql(absl::StrCat("DELETE FROM checks WHERE slug = 'nightly-backup' AND id "
                   "<> '", check.uuid(), "'"));
  ASSERT_EQ(ping({by_slug}), std::vector<int>{kOk});
  ASSERT_EQ(ping({by_slug}), std::vector<int>{kOk});

  // The check itself renamed: its old slug finds nothing.
  Sql(absl::StrCat("UPDATE checks SET slug = 'weekly-backup' WHERE id = '",
                   check.uuid(), "'"));
  EXPECT_EQ(ping({by_slug}), std::vector<int>{kNotFound});
  ASSERT_EQ(ping({key + "/weekly-backup"}), std::vector<int>{kOk});
  ASSERT_EQ(ping({key + "/weekly-backup"}), std::vector<int>{kOk});
  EXPECT_EQ(n_pings(check.uuid()), 11);

  // Counted once per project and transaction, however many checks a
  // statement changes.
  auto slug_changes = [&] {
    return Sql(absl::StrCat("SELECT slug_changes FROM projects WHERE id = '",
                            project_.project().uuid(), "'"))[0][0]
        .as<int64_t>();
  };
  int64_t changes = slug_changes();
  Sql(absl::StrCat("UPDATE checks SET slug = slug || '-x' WHERE project_id = '",
                   project_.project().uuid(), "'"));
  EXPECT_EQ(slug_changes(), changes + 1);
  Sql(absl::StrCat(
      "INSERT INTO checks (id, project_id, unique_key, badge_key, slug) "
      "SELECT gen_random_uuid(), '", project_.project().uuid(),
      "', md5(random()::text), gen_random_uuid(), 'bulk' "
      "FROM generate_series(1, 3)"));
  EXPECT_EQ(slug_changes(), changes + 2);
  Sql(absl::StrCat("DELETE FROM checks WHERE slug = 'bulk' AND project_id = '",
                   project_.project().uuid(), "'"));
  EXPECT_EQ(ping({key + "/weekly-backup"}), std::vector<int>{kNotFound});
  Sql(absl::StrCat("UPDATE checks SET slug = 'weekly-backup' WHERE id = '",
                   check.uuid(), "'"));
  ASSERT_EQ(ping({key + "/weekly-backup"}), std::vector<int>{kOk});
  EXPECT_EQ(n_pings(check.uuid()), 12);

  // A new ping key: the old one finds nothing, cached or not.
  cached = paths("cached");
  Sql(absl::StrCat("UPDATE projects SET ping_key = 'fresh-", key,
                   "' WHERE id = '", project_.project().uuid(), "'"));
  EXPECT_EQ(ping({key + "/weekly-backup"}), std::vector<int>{kNotFound});
  EXPECT_EQ(paths("cached"), cached);
  ASSERT_EQ(ping({"fresh-" + key + "/weekly-backup"}), std::vector<int>{kOk});
  EXPECT_EQ(n_pings(check.uuid()), 13);
  Sql(absl::StrCat("UPDATE projects SET ping_key = '", key, "' WHERE id = '",
                   project_.project().uuid(), "'"));
}

TEST_F(DataServiceTest, ReplicasWithTheirOwnCachesCountEveryPingOnce) {
  CountEveryPingOnceOnTwoReplicas(false);
}

// Batches of pings by UUID and by slug at once lock their checks in one
// order too (two lookups, each in id order, deadlocked here).
TEST_F(DataServiceTest, MixedBatchesOnTwoReplicasNeverDeadlock) {
  CountEveryPingOnceOnTwoReplicas(true);
}

TEST_F(DataServiceTest, SlugAutoProvisioningCreatesOneCheck) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto stub = v1::PingService::NewStub(channel_);
      grpc::ClientContext ctx;
      PrepareInternalCall(ctx, kToken, absl::Seconds(10));
      v1::RecordPingRequest req;
      req.mutable_slug()->set_ping_key(project_.ping_key());
      req.mutable_slug()->set_slug("auto-made");
      req.set_create(true);
      req.set_kind(v1::PING_KIND_SUCCESS);
      v1::RecordPingResponse resp;
      if (stub->RecordPing(&ctx, req, &resp).ok()) {
        ++ok;
        if (resp.created()) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(created.load(), 1);
  auto rows = Sql(absl::StrCat(
      "SELECT n_pings FROM checks WHERE slug = 'auto-made' AND project_id = '",
      project_.project().uuid(), "'"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].as<int>(), 4);
}

TEST_F(DataServiceTest, OldPingsArePruned) {
  v1::Check c = Create({});
  for (int i = 0; i < 125; ++i) {
    ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  }
  auto r = Sql(absl::StrCat("SELECT count(*), min(n), max(n) FROM pings WHERE check_id = '",
                            c.uuid(), "'"));
  EXPECT_LE(r[0][0].as<int>(), 110);
  EXPECT_GE(r[0][0].as<int>(), 100);
  EXPECT_EQ(r[0][2].as<int>(), 125);
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 125);
}

TEST_F(DataServiceTest, StartedNewCheckGoesDownAfterGrace) {
  v1::CheckSpec spec;
  spec.mutable_grace()->set_seconds(60);
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_START).ok());
  Sql(absl::StrCat(
      "UPDATE checks SET last_start = last_start - interval '61 seconds', "
      "alert_after = alert_after - interval '61 seconds', "
      "alert_floor = alert_after - interval '61 seconds' WHERE id = '",
      c.uuid(), "'"));
  v1::MarkLateChecksResponse resp = MarkLate();
  int flips = 0;
  for (const auto& f : resp.flips()) {
    if (f.check() == c.uuid()) {
      ++flips;
      EXPECT_EQ(f.old_status(), v1::CHECK_STATUS_NEW);
    }
  }
  EXPECT_EQ(flips, 1);
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->status(), v1::CHECK_STATUS_DOWN);
}

TEST_F(DataServiceTest, UniqueWithDuplicatesOrUnsetFields) {
  auto stub = v1::CheckService::NewStub(channel_);
  auto upsert = [&](v1::CheckSpec spec, std::vector<std::string> unique) {
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::CreateCheckRequest req;
    *req.mutable_spec() = spec;
    for (auto& u : unique) req.add_unique(u);
    v1::CreateCheckResponse resp;
    grpc::Status s = stub->CreateCheck(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  v1::CheckSpec named;
  named.set_name("dup-unique");
  auto first = upsert(named, {"name", "name", "name", "name", "name", "name"});
  EXPECT_TRUE(first.created());
  auto again = upsert(named, {"name", "name", "name", "name", "name", "name", "name"});
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.check().uuid(), first.check().uuid());
  // "unique" naming a field the request does not set creates a new check.
  auto fresh = upsert(named, {"name", "grace"});
  EXPECT_TRUE(fresh.created());
}

// With a batch wait (TOCSIN_PING_BATCH_WAIT), the flusher waiting for a
// full batch goes as soon as one is queued, whichever flusher the new pings
// happen to wake; and pings whose caller's deadline passed in the queue are
// not recorded.
TEST_F(DataServiceTest, BatcherWaitsNoLongerThanItMustAndDropsExpiredPings) {
  v1::Check c = Create({});
  PingInput in;
  in.check_uuid = c.uuid();
  PingBatcher batcher(server_->store(), {.flushers = 2,
                                         .max_batch = 4,
                                         .max_wait = absl::Seconds(5),
                                         .max_queued = kMaxPingsPerCall});
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  auto record = [&](int n, absl::Time deadline) {
    batcher.Record(std::vector<PingInput>(n, in), [&](PingBatcher::Results r) {
      for (const auto& one : r) EXPECT_TRUE(one.ok()) << one.status();
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      cv.notify_all();
    }, deadline);
  };
  for (int round = 0; round < 5; ++round) {
    record(1, absl::InfiniteFuture());  // A flusher takes it and waits.
    absl::SleepFor(absl::Milliseconds(100));
    absl::Time full = absl::Now();
    record(3, absl::InfiniteFuture());  // Now the batch is full.
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                            [&] { return done == 2 * (round + 1); }));
    // Not the 5 s wait (a generous bound for a slow machine).
    EXPECT_LT(absl::Now() - full, absl::Seconds(2.5)) << "round " << round;
  }
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 20);

  // A ping whose caller has given up is answered, not recorded (by a
  // batcher that does not wait for fuller batches).
  PingBatcher quick(server_->store(), {});
  std::optional<PingBatcher::Results> late;
  quick.Record({in}, [&](PingBatcher::Results r) {
    std::lock_guard<std::mutex> lock(mu);
    late = std::move(r);
    cv.notify_all();
  }, absl::Now() - absl::Seconds(1));
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                          [&] { return late.has_value(); }));
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 20);
}

// A batch with pings by UUID and by slug finds a check by its UUID even if
// the check moved to another project while the batch waited for its row.
TEST_F(DataServiceTest, MixedBatchFindsByUuidACheckMovedMeanwhile) {
  v1::CreateProjectResponse other = NewProject("moved to");
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  v1::Check moved = Create(spec);
  spec.set_slug("stays-here");
  v1::Check stays = Create(spec);
  std::vector<int> codes = PingEachAcrossAnUpdate(
      absl::StrCat("UPDATE checks SET project_id = '", other.project().uuid(),
                   "' WHERE id = '", moved.uuid(), "'"),
      {moved.uuid(), project_.ping_key() + "/stays-here"});
  EXPECT_EQ(codes, (std::vector<int>{0, 0}));
  EXPECT_EQ(Get(moved.uuid(), other.api_key())->n_pings(), 1);
  EXPECT_EQ(Get(stays.uuid(), project_.api_key())->n_pings(), 1);
}

// A mixed batch whose lookup waits for a row that another transaction
// updates (an API change, the other replica's batch) finds that check once
// the update commits, whichever way the check is named and however the ids
// sort. With the lookup's ids in a subquery joined to the locked rows, a
// nested-loop plan (which PostgreSQL picked on a larger database) dropped
// the updated row when it rechecked it: its pings got 404, or a slug shared
// with another check named only that one. Each round runs under the plan
// PostgreSQL picks here and again with only nested loops and index scans.
TEST_F(DataServiceTest, MixedBatchFindsChecksUpdatedMeanwhile) {
  auto reconnect_data = [&] {
    Sql("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
        "WHERE application_name = 'tocsin-data' AND datname = current_database() "
        "AND pid <> pg_backend_pid()");
  };
  struct PlanSettings {  // Undone whatever the test's outcome.
    std::function<void(bool)> set;
    ~PlanSettings() { set(false); }
  } plan{[&](bool nested_loops) {
    for (const char* setting : {"enable_hashjoin", "enable_mergejoin", "enable_seqscan"}) {
      Sql(absl::StrCat("ALTER DATABASE ", Database::name,
                       nested_loops ? absl::StrCat(" SET ", setting, " = off")
                                    : absl::StrCat(" RESET ", setting)));
    }
    reconnect_data();  // The data service's new connections take them.
  }};
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  for (int round = 0; round < 8; ++round) {
    const bool hold_slug_named = round & 1, uuid_named_first = round & 2,
               nested_loops = round & 4;
    if (round == 4) plan.set(true);
    spec.set_slug(absl::StrCat("updated-meanwhile-", round, "-a"));
    v1::Check a = Create(spec);
    spec.set_slug(absl::StrCat("updated-meanwhile-", round, "-b"));
    v1::Check b = Create(spec);
    // The one pinged by UUID sorts first or last (ids are locked in order).
    if ((a.uuid() < b.uuid()) != uuid_named_first) std::swap(a, b);
    const v1::Check& by_uuid = a;
    const v1::Check& by_slug = b;
    const v1::Check& held = hold_slug_named ? by_slug : by_uuid;
    SCOPED_TRACE(absl::StrCat("round ", round, ": the check named by ",
                              hold_slug_named ? "slug" : "UUID",
                              " is held; the one named by UUID sorts ",
                              uuid_named_first ? "first" : "last",
                              nested_loops ? "; nested loops only" : ""));
    std::vector<int> codes = PingEachAcrossAnUpdate(
        absl::StrCat("UPDATE checks SET tags = 'changed' WHERE id = '", held.uuid(), "'"),
        {by_uuid.uuid(), project_.ping_key() + "/" + by_slug.slug()});
    EXPECT_EQ(codes, (std::vector<int>{0, 0}));
    EXPECT_EQ(Get(by_uuid.uuid(), project_.api_key())->n_pings(), 1);
    EXPECT_EQ(Get(by_slug.uuid(), project_.api_key())->n_pings(), 1);
  }
}

// A call its caller cancelled while its pings were queued (behind a batch
// waiting for a row lock) is answered, and its pings are not recorded: the
// caller has given up on them, and its retry would be a second ping.
TEST_F(DataServiceTest, PingsOfACancelledCallAreNotRecorded) {
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(3600);
  v1::Check held_check = Create(spec), other = Create(spec);
  pqxx::connection holder(BaseConfig(Database::name).ConnectionString());
  pqxx::work held(holder);
  held.exec(absl::StrCat("SELECT 1 FROM checks WHERE id = '", held_check.uuid(),
                         "' FOR UPDATE"));
  auto call = [&](const v1::Check& check, grpc::ClientContext& ctx) {
    auto stub = v1::PingService::NewStub(channel_);
    PrepareInternalCall(ctx, kToken, absl::Seconds(20));
    v1::RecordPingsRequest req;
    v1::RecordPingRequest* p = req.add_pings();
    p->set_check_uuid(check.uuid());
    p->set_kind(v1::PING_KIND_SUCCESS);
    v1::RecordPingsResponse resp;
    grpc::Status s = stub->RecordPings(&ctx, req, &resp);
    if (s.ok() && resp.results(0).code() != 0) {
      return grpc::Status(static_cast<grpc::StatusCode>(resp.results(0).code()),
                          resp.results(0).message());
    }
    return s;
  };
  auto expired = [] {
    return MetricValue("tocsin_pings_expired_total{where=\"data\"}");
  };
  const int64_t expired_before = expired();
  // This batch's lookup waits for the lock, holding the flushers' turn.
  grpc::ClientContext first_ctx, second_ctx;
  grpc::Status first, second;
  std::thread first_caller([&] { first = call(held_check, first_ctx); });
  WaitUntil([&] { return LockWaits() > 0; }, absl::Seconds(10));
  ASSERT_EQ(LockWaits(), 1);
  // This one queues behind it; then its caller cancels.
  std::thread second_caller([&] { second = call(other, second_ctx); });
  absl::SleepFor(absl::Milliseconds(300));
  second_ctx.TryCancel();
  second_caller.join();
  EXPECT_EQ(second.error_code(), grpc::StatusCode::CANCELLED);
  absl::SleepFor(absl::Milliseconds(200));  // The cancellation reaches data.
  held.abort();
  first_caller.join();
  EXPECT_TRUE(first.ok()) << first.error_message();
  // The flushers are done with the cancelled call well within this.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Get(held_check.uuid(), project_.api_key())->n_pings(), 1);
  EXPECT_EQ(Get(other.uuid(), project_.api_key())->n_pings(), 0);
  // It reached data, queued, and was dropped there.
  EXPECT_EQ(expired() - expired_before, 1);
}

TEST_F(DataServiceTest, PingOfACallerThatGaveUpIsNotCommitted) {
  v1::Check c = Create({});
  PingInput in;
  in.check_uuid = c.uuid();
  in.kind = v1::PING_KIND_SUCCESS;
  auto out = server_->store().RecordPing(in, absl::Now(), [] { return true; });
  EXPECT_EQ(out.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 0);
  auto rows = Sql(absl::StrCat("SELECT count(*) FROM pings WHERE check_id = '",
                               c.uuid(), "'"));
  EXPECT_EQ(rows[0][0].as<int>(), 0);
  ASSERT_TRUE(server_->store().RecordPing(in, absl::Now(), [] { return false; }).ok());
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 1);
}

TEST_F(DataServiceTest, PoolRecoversAfterConnectionsAreKilled) {
  v1::Check c = Create({});
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  // What a PostgreSQL restart does to every open connection (waiting until
  // each backend has gone, as a restart does before it accepts anything).
  Sql("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
      "WHERE application_name = 'tocsin-data' AND datname = current_database() "
      "AND pid <> pg_backend_pid()");
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok()) << "ping " << i;
  }
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 7);
}

// ---- Alerting -------------------------------------------------------------

class AlertingTest : public DataServiceTest {
 protected:
  absl::StatusOr<v1::Channel> AddChannel(const std::string& key,
                                         const std::string& kind,
                                         const std::string& settings) {
    auto stub = v1::ChannelService::NewStub(channel_);
    grpc::ClientContext ctx;
    WithKey(ctx, key);
    v1::CreateChannelRequest req;
    req.set_kind(kind);
    req.set_settings_json(settings);
    v1::CreateChannelResponse resp;
    grpc::Status s = stub->CreateChannel(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp.channel();
  }

  v1::ClaimNotificationsResponse Claim(const std::string& sender,
                                       absl::Duration lease) {
    auto stub = v1::AlertService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::ClaimNotificationsRequest req;
    req.set_sender(sender);
    req.set_limit(10);
    *req.mutable_lease() = tocsin::ToProto(lease);
    v1::ClaimNotificationsResponse resp;
    grpc::Status s = stub->ClaimNotifications(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  v1::CompleteNotificationResponse Complete(const std::string& sender,
                                            const v1::Notification& n,
                                            const std::string& outcome,
                                            absl::Duration retry_in = {}) {
    auto stub = v1::AlertService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::CompleteNotificationRequest req;
    req.set_sender(sender);
    req.set_id(n.id());
    req.set_attempt(n.attempts());
    req.set_outcome(outcome);
    req.set_code(outcome == "ok" ? 200 : 500);
    req.set_detail(outcome);
    if (outcome == "retry") *req.mutable_retry_at() = tocsin::ToProto(absl::Now() + retry_in);
    v1::CompleteNotificationResponse resp;
    grpc::Status s = stub->CompleteNotification(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  std::string State(int64_t id) {
    return Sql(absl::StrCat("SELECT state FROM notifications WHERE id = ", id))[0][0]
        .c_str();
  }

  v1::HeartbeatResponse Beat(const std::string& component) {
    auto stub = v1::SystemService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::HeartbeatRequest req;
    req.set_component(component);
    req.set_instance(component + "-it");
    v1::HeartbeatResponse resp;
    grpc::Status s = stub->Heartbeat(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
};

TEST_F(AlertingTest, TestNotificationsGoThroughOneChannelOnce) {
  v1::CheckSpec spec;
  spec.set_name("existing");
  v1::Check check = Create(spec);
  // Made as the dashboard makes it: every existing check alerts through it.
  auto stub = v1::ChannelService::NewStub(channel_);
  v1::Channel hook;
  {
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::CreateChannelRequest req;
    req.set_kind("webhook");
    req.set_settings_json(R"({"url_up": "http://127.0.0.1:9/up"})");
    req.set_assign_to_all_checks(true);
    v1::CreateChannelResponse resp;
    ASSERT_TRUE(stub->CreateChannel(&ctx, req, &resp).ok());
    hook = resp.channel();
  }
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM check_channels WHERE channel_id = '",
                             hook.id(), "' AND check_id = '", check.uuid(), "'"))[0][0]
                .as<int>(), 1);
  auto send_test = [&](const std::string& id, int64_t* out) {
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::SendTestNotificationRequest req;
    req.set_id(id);
    v1::SendTestNotificationResponse resp;
    grpc::Status s = stub->SendTestNotification(&ctx, req, &resp);
    *out = resp.notification();
    return s.error_code();
  };
  int64_t first = 0, again = 0, none = 0;
  ASSERT_EQ(send_test(hook.id(), &first), grpc::StatusCode::OK);
  ASSERT_EQ(send_test(hook.id(), &again), grpc::StatusCode::OK);
  EXPECT_EQ(first, again);  // One waits at a time.
  EXPECT_EQ(send_test(NewUuid(), &none), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(send_test("nope", &none), grpc::StatusCode::NOT_FOUND);
  // Another project's key cannot send through it.
  {
    v1::CreateProjectResponse made = NewProject("other");
    grpc::ClientContext ctx2;
    WithKey(ctx2, made.api_key());
    v1::SendTestNotificationRequest send;
    send.set_id(hook.id());
    v1::SendTestNotificationResponse resp;
    EXPECT_EQ(stub->SendTestNotification(&ctx2, send, &resp).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  // Claimed like any other, with a sample check that says what it is.
  const v1::ClaimedNotification* test = nullptr;
  auto claimed = Claim("tester", absl::Seconds(30));
  for (const auto& c : claimed.claimed()) {
    if (c.notification().id() == first) test = &c;
  }
  ASSERT_NE(test, nullptr);
  EXPECT_TRUE(test->test());
  EXPECT_EQ(test->notification().status(), "test");
  EXPECT_EQ(test->check().name(), "Test notification");
  EXPECT_FALSE(test->check().uuid().empty());
  EXPECT_EQ(test->channel().id(), hook.id());
  EXPECT_EQ(test->project_name(), "test");
  Complete("tester", test->notification(), "ok");
  EXPECT_EQ(State(first), "sent");
  // Listed with the channel's deliveries; not among the check's.
  auto list = [&](bool by_check) {
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::ListNotificationsRequest req;
    if (by_check) req.set_check(check.uuid()); else req.set_channel(hook.id());
    v1::ListNotificationsResponse resp;
    EXPECT_TRUE(stub->ListNotifications(&ctx, req, &resp).ok());
    return resp;
  };
  auto by_channel = list(false);
  ASSERT_EQ(by_channel.notifications_size(), 1);
  EXPECT_EQ(by_channel.notifications(0).status(), "test");
  EXPECT_EQ(by_channel.notifications(0).state(), "sent");
  EXPECT_EQ(by_channel.notifications(0).check(), "");
  ASSERT_EQ(by_channel.notifications(0).attempt_log_size(), 1);
  EXPECT_EQ(list(true).notifications_size(), 0);
  // Once sent, the next press queues a new one.
  int64_t next = 0;
  ASSERT_EQ(send_test(hook.id(), &next), grpc::StatusCode::OK);
  EXPECT_NE(next, first);
}

TEST_F(AlertingTest, ChannelsAreValidatedAndScopedToTheProject) {
  auto bad = AddChannel(project_.api_key(), "pigeon", "{}");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  bad = AddChannel(project_.api_key(), "webhook", R"({"url_down": "ftp://x"})");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("url_down"), std::string::npos);
  bad = AddChannel(project_.api_key_readonly(), "webhook",
                   R"({"url_down": "https://x.test/"})");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnauthenticated);
  auto ok = AddChannel(project_.api_key(), "webhook",
                       R"({"url_down": "https://x.test/"})");
  ASSERT_TRUE(ok.ok()) << ok.status();

  // Another project cannot see or delete it.
  v1::CreateProjectResponse other = NewProject("other");
  auto stub = v1::ChannelService::NewStub(channel_);
  grpc::ClientContext ctx;
  WithKey(ctx, other.api_key());
  v1::DeleteChannelRequest del;
  del.set_id(ok->id());
  v1::DeleteChannelResponse resp;
  EXPECT_EQ(stub->DeleteChannel(&ctx, del, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AlertingTest, ClaimsNeverOverlapAndReportsFollowTheLease) {
  ASSERT_TRUE(AddChannel(project_.api_key(), "webhook",
                         R"({"url_down": "https://a.test/"})").ok());
  ASSERT_TRUE(AddChannel(project_.api_key(), "email",
                         R"({"to": "ops@example.test"})").ok());
  v1::CheckSpec spec;
  spec.set_channels("*");
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());  // new -> up: quiet
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM notifications WHERE "
                             "check_id = '", c.uuid(), "'"))[0][0].as<int>(), 0);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_FAIL).ok());  // up -> down

  // Four senders at once: each notification goes to exactly one of them.
  std::vector<v1::ClaimNotificationsResponse> got(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      got[i] = Claim(absl::StrCat("sender-", i), absl::Seconds(30));
    });
  }
  for (auto& t : threads) t.join();
  std::map<int64_t, std::string> owner;
  for (int i = 0; i < 4; ++i) {
    for (const auto& cl : got[i].claimed()) {
      if (cl.notification().check() != c.uuid()) continue;
      EXPECT_TRUE(owner.emplace(cl.notification().id(), absl::StrCat("sender-", i)).second);
      EXPECT_EQ(cl.notification().status(), "down");
      EXPECT_EQ(cl.check().uuid(), c.uuid());
      EXPECT_FALSE(cl.channel().settings_json().empty());
      EXPECT_EQ(cl.notification().attempts(), 1);
    }
  }
  ASSERT_EQ(owner.size(), 2u);
  EXPECT_TRUE(Claim("late-comer", absl::Seconds(30)).claimed().empty());

  // The holder reports: one delivered, one to retry in an hour.
  auto it = owner.begin();
  v1::Notification first, second;
  for (const auto& r : got) {
    for (const auto& cl : r.claimed()) {
      if (cl.notification().id() == it->first) first = cl.notification();
      if (cl.notification().id() == std::next(it)->first) second = cl.notification();
    }
  }
  EXPECT_TRUE(Complete(owner[first.id()], first, "ok").lease_held());
  EXPECT_EQ(State(first.id()), "sent");
  EXPECT_TRUE(Complete(owner[second.id()], second, "retry", absl::Hours(1)).lease_held());
  EXPECT_EQ(State(second.id()), "pending");
  EXPECT_TRUE(Claim("x", absl::Seconds(30)).claimed().empty());

  // Due again: B claims it, B's lease runs out, C claims it. B's late
  // failure report is logged but changes nothing; C's delivery finishes it.
  const std::string due = absl::StrCat(
      "UPDATE notifications SET next_attempt = now() WHERE id = ", second.id());
  Sql(due);
  auto b = Claim("sender-b", absl::Seconds(30));
  ASSERT_EQ(b.claimed_size(), 1);
  EXPECT_EQ(b.claimed(0).notification().attempts(), 2);
  Sql(due);
  auto c2 = Claim("sender-c", absl::Seconds(30));
  ASSERT_EQ(c2.claimed_size(), 1);
  EXPECT_EQ(c2.claimed(0).notification().attempts(), 3);
  EXPECT_FALSE(Complete("sender-b", b.claimed(0).notification(), "failed").lease_held());
  EXPECT_EQ(State(second.id()), "pending");
  EXPECT_TRUE(Complete("sender-c", c2.claimed(0).notification(), "ok").lease_held());
  EXPECT_EQ(State(second.id()), "sent");
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM notification_attempts WHERE "
                             "notification_id = ", second.id()))[0][0].as<int>(), 3);
}

TEST_F(AlertingTest, OutageGivesOverdueChecksTheirGraceAgain) {
  v1::CheckSpec spec;
  spec.mutable_timeout()->set_seconds(60);
  spec.mutable_grace()->set_seconds(120);
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  Beat("gateway");  // Intake proven now.
  // Intake last proven ten minutes ago; the check went overdue since.
  Sql("UPDATE intake_state SET last_seen = now() - interval '10 minutes'");
  Sql(absl::StrCat("UPDATE checks SET last_ping = now() - interval '5 minutes', "
                   "alert_after = now() - interval '2 minutes', "
                   "alert_floor = now() - interval '2 minutes' WHERE id = '",
                   c.uuid(), "'"));
  v1::MarkLateChecksResponse late = MarkLate();
  EXPECT_TRUE(late.intake_down());
  EXPECT_EQ(late.flips_size(), 0);

  v1::HeartbeatResponse hb = Beat("gateway");
  EXPECT_TRUE(hb.outage_ended());
  EXPECT_GE(hb.checks_given_grace(), 1);
  auto after = Sql(absl::StrCat(
      "SELECT extract(epoch FROM alert_after - now()) FROM checks WHERE id = '",
      c.uuid(), "'"));
  EXPECT_NEAR(after[0][0].as<double>(), 120, 5);
  late = MarkLate();
  EXPECT_FALSE(late.intake_down());
  for (const auto& f : late.flips()) EXPECT_NE(f.check(), c.uuid());
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->status(), v1::CHECK_STATUS_GRACE);
  EXPECT_EQ(Sql("SELECT count(*) FROM outages")[0][0].as<int>(), 1);

  // The job's next run starts and logs: that grace stays (the rules alone
  // would put the deadline back two minutes ago, and the check down).
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_START).ok());
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_LOG).ok());
  after = Sql(absl::StrCat(
      "SELECT extract(epoch FROM alert_after - now()) FROM checks WHERE id = '",
      c.uuid(), "'"));
  EXPECT_NEAR(after[0][0].as<double>(), 120, 5);
  late = MarkLate();
  for (const auto& f : late.flips()) EXPECT_NE(f.check(), c.uuid());
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->status(), v1::CHECK_STATUS_GRACE);

  // Other tests call MarkLateChecks without heartbeats: no intake record.
  Sql("UPDATE intake_state SET last_seen = NULL");
}

TEST_F(AlertingTest, PruneKeepsPendingWorkAndRecentHistory) {
  ASSERT_TRUE(AddChannel(project_.api_key(), "webhook",
                         R"({"url_down": "https://a.test/"})").ok());
  v1::CheckSpec spec;
  spec.set_channels("*");
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_FAIL).ok());     // pending notification
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok());  // another one
  // Make everything a year old; one notification finished, one pending.
  const std::string where = absl::StrCat(" WHERE check_id = '", c.uuid(), "'");
  Sql("UPDATE flips SET created = now() - interval '1 year'" + where);
  Sql("UPDATE notifications SET created = now() - interval '1 year'" + where);
  Sql("UPDATE notifications SET state = 'sent' WHERE id = (SELECT min(id) FROM "
      "notifications" + where + ")");
  v1::PruneResponse resp;
  ASSERT_TRUE(Prune(absl::Hours(24 * 30), &resp).ok());
  EXPECT_NE(resp.summary().find("notifications"), std::string::npos);
  // The pending notification and its flip stay; the rest is gone.
  auto left = Sql("SELECT state FROM notifications" + where);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_STREQ(left[0][0].c_str(), "pending");
  EXPECT_EQ(Sql("SELECT count(*) FROM flips" + where)[0][0].as<int>(), 1);
  Sql("DELETE FROM notifications" + where);  // Keep other tests' claims clean.
}

// The prune job deletes what the ping path's own prunes never reach (pings
// kept lowered, say), and leaves alone the range those prunes work on: a
// ping batch holding rows there does not hold the job up.
TEST_F(AlertingTest, PruneJobLeavesThePingPathsRangeAlone) {
  // More than the job deletes in one transaction (10,000), as after
  // TOCSIN_PINGS_KEPT was lowered.
  v1::Check c = CheckWithStoredPings(25000);
  const std::string where = absl::StrCat(" WHERE check_id = '", c.uuid(), "'");
  // What a ping batch deleting (24880, 24900] holds until it commits.
  pqxx::connection holder(BaseConfig(Database::name).ConnectionString());
  pqxx::work held(holder);
  EXPECT_EQ(held.exec("SELECT 1 FROM pings" + where +
                      " AND n > 24880 AND n <= 24900 FOR UPDATE").size(), 20u);

  v1::PruneResponse resp;
  grpc::Status s = Prune(absl::Hours(24), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  held.abort();
  auto left = Sql("SELECT count(*), min(n), max(n) FROM pings" + where);
  EXPECT_EQ(left[0][0].as<int>(), 120);
  EXPECT_EQ(left[0][1].as<int>(), 24881);
  EXPECT_EQ(left[0][2].as<int>(), 25000);
  long long deleted = 0;  // Other tests' checks may add to it.
  ASSERT_EQ(std::sscanf(resp.summary().c_str(), "deleted %lld pings", &deleted), 1)
      << resp.summary();
  EXPECT_GE(deleted, 24880);
}

// A prune whose caller gave up (its deadline passed) stops after the
// transaction under way: what it committed stays, and the next run goes on.
TEST_F(AlertingTest, PruneJobStopsWhenItsCallerGivesUp) {
  v1::Check c = CheckWithStoredPings(25000);
  const std::string where = absl::StrCat(" WHERE check_id = '", c.uuid(), "'");
  auto count = [&] {
    return Sql("SELECT count(*) FROM pings" + where)[0][0].as<int>();
  };
  // The job's first transaction waits for these rows past its caller's
  // deadline.
  pqxx::connection holder(BaseConfig(Database::name).ConnectionString());
  pqxx::work held(holder);
  held.exec("SELECT 1 FROM pings" + where + " AND n <= 10 FOR UPDATE");
  v1::PruneResponse resp;
  grpc::Status s = Prune(absl::Hours(24), &resp, absl::Milliseconds(700));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
  held.abort();
  // That transaction (10,000 rows) commits; then the job must stop, where
  // it would have deleted the rest within a few hundredths of a second.
  WaitUntil([&] { return count() != 25000; }, absl::Seconds(10));
  absl::SleepFor(absl::Milliseconds(700));
  // 15,000 left if that transaction's rows were the first 10,000 (the plan
  // today), 5,000 if the locked ones came in a second one.
  const int left = count();
  EXPECT_TRUE(left == 15000 || left == 5000) << left;
  ASSERT_TRUE(Prune(absl::Hours(24), &resp).ok());
  EXPECT_EQ(count(), 120);
}

TEST_F(AlertingTest, JobLeaseHasOneHolderUntilItExpires) {
  auto acquire = [&](const std::string& who) {
    auto stub = v1::SystemService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::AcquireJobLeaseRequest req;
    req.set_job("prune-it");
    req.set_instance(who);
    *req.mutable_ttl() = tocsin::ToProto(absl::Minutes(5));
    v1::AcquireJobLeaseResponse resp;
    EXPECT_TRUE(stub->AcquireJobLease(&ctx, req, &resp).ok());
    return resp;
  };
  EXPECT_TRUE(acquire("a").granted());
  auto b = acquire("b");
  EXPECT_FALSE(b.granted());
  EXPECT_EQ(b.holder(), "a");
  EXPECT_TRUE(acquire("a").granted());  // Renewal.
  Sql("UPDATE job_leases SET until = now() - interval '1 second' "
      "WHERE job = 'prune-it'");
  EXPECT_TRUE(acquire("b").granted());
}


// Backups through the running data service: dump, prove, restore into a
// fresh database, and what happens to damaged files.
class BackupTest : public DataServiceTest {
 protected:
  void SetUp() override {
    DataServiceTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("tocsin-backup-it-", RandomToken(6));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  scheduler::BackupManager Manager(std::shared_ptr<grpc::Channel> channel) {
    scheduler::BackupConfig config;
    config.dir = dir_.string();
    return scheduler::BackupManager(config, channel, kToken, absl::Seconds(10));
  }

  // Every row of the main tables, as text, per table.
  static std::map<std::string, std::string> Contents(const std::string& db) {
    std::map<std::string, std::string> out;
    pqxx::connection c(BaseConfig(db).ConnectionString());
    pqxx::read_transaction tx(c);
    for (const auto& t : FactTables()) {
      out[t] = tx.exec1(absl::StrCat("SELECT coalesce(string_agg(x::text, E'\\n' "
                                     "ORDER BY x::text), '') FROM ", t, " x"))[0]
                   .as<std::string>();
    }
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(BackupTest, RoundTripIntoAFreshDatabase) {
  v1::CheckSpec spec;
  spec.set_name("nightly");
  v1::Check c = Create(spec);
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS, "short body").ok());
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_FAIL, std::string(9000, 'x')).ok());
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS, "ok \xe2\x9c\x93").ok());
  Sql(absl::StrCat("INSERT INTO channels (id, project_id, kind, name, settings) "
                   "VALUES (gen_random_uuid(), '", project_.project().uuid(),
                   "', 'webhook', 'hook', '{\"url_down\": \"https://example.org/x\"}')"));

  auto manager = Manager(channel_);
  ASSERT_TRUE(manager.Prepare().ok());
  auto backup = manager.TakeBackup();
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_GT(backup->size_bytes(), 0);
  EXPECT_EQ(backup->proof(), v1::BACKUP_PROOF_UNPROVEN);
  // The facts are the database's at dump time.
  for (const auto& t : FactTables()) {
    EXPECT_EQ(backup->facts().row_counts().at(t),
              Sql(absl::StrCat("SELECT count(*) FROM ", t))[0][0].as<int64_t>())
        << t;
  }
  EXPECT_GE(backup->facts().row_counts().at("pings"), 3);
  // The 9000-byte body is an object, kept beside the dump.
  std::string big(9000, 'x');
  EXPECT_EQ(backup->objects(), 1);
  EXPECT_TRUE(std::filesystem::exists(
      dir_ / (backup->name().substr(0, backup->name().size() - 5) + ".objects") /
      Sha256Hex(big)));
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM pings WHERE body_object = '",
                             Sha256Hex(big), "' AND body IS NULL"))[0][0]
                .as<int64_t>(),
            1);
  auto proved = manager.ProveNewestAndRotate();
  ASSERT_TRUE(proved.ok()) << proved.status();
  auto list = manager.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().proof(), v1::BACKUP_PROOF_PROVEN) << list->front().proof_detail();

  // A fresh, migrated database behind a second data service.
  std::string fresh = Database::name + "_restore";
  {
    pqxx::connection admin(BaseConfig("postgres").ConnectionString());
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", fresh, " WITH (FORCE)"));
    tx.exec(absl::StrCat("CREATE DATABASE ", fresh));
  }
  {
    auto second = DataServer::Start(BaseConfig(fresh), absl::Seconds(10));
    ASSERT_TRUE(second.ok()) << second.status();
    auto channel2 = MakeChannel(absl::StrCat("127.0.0.1:", (*second)->port()));
    auto restorer = Manager(channel2);
    auto restored = restorer.Restore(backup->name(), /*force=*/false);
    ASSERT_TRUE(restored.ok()) << restored.status();
    EXPECT_EQ(restored->facts().row_counts().at("pings"),
              backup->facts().row_counts().at("pings"));
    EXPECT_EQ(Contents(fresh), Contents(Database::name));
    // The object came back into the fresh service's object directory, and
    // its ping's body is served from it.
    auto restored_object = ReadWholeFile(
        std::filesystem::path(BaseConfig(fresh).object_dir) / Sha256Hex(big).substr(0, 2) /
            Sha256Hex(big),
        1 << 20);
    ASSERT_TRUE(restored_object.ok()) << restored_object.status();
    EXPECT_EQ(*restored_object, big);
    {
      auto checks = v1::CheckService::NewStub(channel2);
      grpc::ClientContext bctx;
      WithKey(bctx, project_.api_key());
      v1::GetPingBodyRequest breq;
      breq.set_id(c.uuid());
      breq.set_n(2);
      v1::GetPingBodyResponse bresp;
      grpc::Status bs = checks->GetPingBody(&bctx, breq, &bresp);
      ASSERT_TRUE(bs.ok()) << bs.error_message();
      EXPECT_EQ(bresp.body(), big);
    }
    // The restored data is served: the check and its pings are there.
    auto stub = v1::CheckService::NewStub(channel2);
    grpc::ClientContext ctx;
    WithKey(ctx, project_.api_key());
    v1::GetCheckRequest req;
    req.set_id(c.uuid());
    v1::GetCheckResponse resp;
    ASSERT_TRUE(stub->GetCheck(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.check().n_pings(), 3);

    // Now it holds a project: a second restore needs force.
    auto again = restorer.Restore(backup->name(), /*force=*/false);
    EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(restorer.Restore(backup->name(), /*force=*/true).ok());
    EXPECT_EQ(Contents(fresh), Contents(Database::name));
    (*second)->Shutdown(absl::Seconds(1));
  }
  pqxx::connection admin(BaseConfig("postgres").ConnectionString());
  pqxx::nontransaction tx(admin);
  tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", fresh, " WITH (FORCE)"));
}

TEST_F(BackupTest, DamagedBackupIsCaughtAndNothingIsRotated) {
  auto manager = Manager(channel_);
  ASSERT_TRUE(manager.Prepare().ok());
  auto first = manager.TakeBackup();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(manager.ProveNewestAndRotate().ok());
  auto second = manager.TakeBackup();
  ASSERT_TRUE(second.ok()) << second.status();
  // Truncated on disk (a full disk, a bad copy).
  auto path = dir_ / second->name();
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  auto outcome = manager.ProveNewestAndRotate();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_NE(outcome->find("checksum mismatch"), std::string::npos) << *outcome;
  auto list = manager.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);  // Nothing rotated: the newest is not proven.
  EXPECT_EQ(list->front().name(), second->name());
  EXPECT_EQ(list->front().proof(), v1::BACKUP_PROOF_FAILED);
  EXPECT_EQ(list->back().proof(), v1::BACKUP_PROOF_PROVEN);
  // Restoring it is refused before anything is touched.
  auto restored = manager.Restore(second->name(), /*force=*/true);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss)
      << restored.status();
  EXPECT_GT(Sql("SELECT count(*) FROM projects")[0][0].as<int64_t>(), 0);

  // Something that is not a dump at all, with a matching checksum.
  std::string junk = "this is not a database dump";
  ASSERT_TRUE(WriteFileAtomically(dir_ / second->name(), junk).ok());
  auto stub = v1::DatabaseBackupService::NewStub(channel_);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, kToken, absl::Seconds(30));
  v1::RestoreDatabaseResponse resp;
  auto writer = stub->RestoreDatabase(&ctx, &resp);
  v1::RestoreDatabaseRequest msg;
  msg.mutable_options()->set_force(true);
  writer->Write(msg);
  msg.set_chunk(junk);
  writer->Write(msg);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_GT(Sql("SELECT count(*) FROM projects")[0][0].as<int64_t>(), 0);
}

TEST_F(BackupTest, LargeBodiesAreObjectsAndPrunedOnesAreSwept) {
  v1::CheckSpec spec;
  spec.set_name("objects");
  v1::Check c = Create(spec);
  std::string big = "begin " + std::string(5000, 'y') + " end";
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS, big).ok());
  ASSERT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS, "small").ok());
  auto object = std::filesystem::path(BaseConfig(Database::name).object_dir) /
                Sha256Hex(big).substr(0, 2) / Sha256Hex(big);
  ASSERT_TRUE(std::filesystem::exists(object));
  auto rows = Sql(absl::StrCat(
      "SELECT body IS NULL, body_object, body_size FROM pings p JOIN checks c "
      "ON c.id = p.check_id WHERE c.id = '", c.uuid(), "' ORDER BY n"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0][0].as<bool>());
  EXPECT_EQ(rows[0][1].as<std::string>(), Sha256Hex(big));
  EXPECT_EQ(rows[0][2].as<int64_t>(), static_cast<int64_t>(big.size()));
  EXPECT_TRUE(rows[1][1].is_null());  // Small bodies stay in the row.

  // The check goes (and its pings with it): the next prune sweeps the object.
  Sql(absl::StrCat("DELETE FROM checks WHERE id = '", c.uuid(), "'"));
  v1::PruneResponse resp;
  grpc::Status s = Prune(absl::Hours(24), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(resp.summary().find("body objects"), std::string::npos) << resp.summary();
  EXPECT_FALSE(std::filesystem::exists(object));
}

TEST_F(BackupTest, KilledWriterLeavesNoBackup) {
  auto manager = Manager(channel_);
  ASSERT_TRUE(manager.Prepare().ok());
  // What a scheduler killed mid-backup leaves: a temporary file only.
  ASSERT_TRUE(WriteFileAtomically(dir_ / ".tmp-tocsin-20260101T030000Z.dump-abc", "PGDMP partial").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ / "tocsin-20260101T030000Z.json", "{}").ok());
  auto list = manager.List();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  ASSERT_TRUE(manager.Prepare().ok());  // At start: leftovers removed.
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

// Dashboard accounts: users, sessions, memberships.
TEST_F(DataServiceTest, AccountsSessionsAndPasswords) {
  auto call = [&](auto method, const auto& req, auto* resp) {
    return CallAccounts(method, req, resp);
  };
  v1::CreateUserRequest create;
  create.set_email("Frank@Example.org");
  create.set_password("first password");
  v1::CreateUserResponse user;
  ASSERT_TRUE(call(&v1::AccountService::Stub::CreateUser, create, &user).ok());
  EXPECT_EQ(user.project().name(), "My Project");
  EXPECT_FALSE(user.api_key().empty());
  // The same address in another case is taken.
  create.set_email("frank@example.ORG");
  v1::CreateUserResponse again;
  EXPECT_EQ(call(&v1::AccountService::Stub::CreateUser, create, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  create.set_email("short@example.org");
  create.set_password("short");
  EXPECT_EQ(call(&v1::AccountService::Stub::CreateUser, create, &again).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Stored as an argon2id hash only.
  auto hash = Sql(absl::StrCat("SELECT password_hash FROM users WHERE id = '",
                               user.user().uuid(), "'"))[0][0].as<std::string>();
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(hash.find("first password"), std::string::npos);

  v1::LogInRequest login;
  login.set_email("frank@example.org");
  login.set_password("wrong password");
  v1::LogInResponse session;
  EXPECT_EQ(call(&v1::AccountService::Stub::LogIn, login, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  login.set_email("nobody@example.org");
  EXPECT_EQ(call(&v1::AccountService::Stub::LogIn, login, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  login.set_email("FRANK@example.org");
  login.set_password("first password");
  ASSERT_TRUE(call(&v1::AccountService::Stub::LogIn, login, &session).ok());
  v1::LogInResponse other;
  ASSERT_TRUE(call(&v1::AccountService::Stub::LogIn, login, &other).ok());
  EXPECT_NE(session.session_token(), other.session_token());
  // Only the token's digest is kept.
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM sessions WHERE token_hash = '\\x",
                             HexEncode(Sha256(session.session_token())), "'"))[0][0]
                .as<int>(), 1);

  v1::GetSessionRequest get;
  get.set_session_token(session.session_token());
  v1::GetSessionResponse s;
  ASSERT_TRUE(call(&v1::AccountService::Stub::GetSession, get, &s).ok());
  EXPECT_EQ(s.user().email(), "Frank@Example.org");
  EXPECT_FALSE(s.csrf_token().empty());
  ASSERT_EQ(s.memberships_size(), 1);
  EXPECT_EQ(s.memberships(0).role(), "owner");
  EXPECT_EQ(s.memberships(0).project().uuid(), user.project().uuid());

  // A new password ends every other session.
  v1::ChangePasswordRequest change;
  change.set_session_token(session.session_token());
  change.set_old_password("not it");
  change.set_new_password("second password");
  v1::ChangePasswordResponse changed;
  EXPECT_EQ(call(&v1::AccountService::Stub::ChangePassword, change, &changed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  change.set_old_password("first password");
  ASSERT_TRUE(call(&v1::AccountService::Stub::ChangePassword, change, &changed).ok());
  get.set_session_token(other.session_token());
  EXPECT_EQ(call(&v1::AccountService::Stub::GetSession, get, &s).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(call(&v1::AccountService::Stub::LogIn, login, &other).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  login.set_password("second password");
  EXPECT_TRUE(call(&v1::AccountService::Stub::LogIn, login, &other).ok());

  v1::LogOutRequest logout;
  logout.set_session_token(session.session_token());
  v1::LogOutResponse out;
  ASSERT_TRUE(call(&v1::AccountService::Stub::LogOut, logout, &out).ok());
  get.set_session_token(session.session_token());
  EXPECT_EQ(call(&v1::AccountService::Stub::GetSession, get, &s).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DataServiceTest, ProjectsAdministeredByTheirMembers) {
  auto call = [&](auto method, const auto& req, auto* resp) {
    return CallAccounts(method, req, resp);
  };
  using Stub = v1::AccountService::Stub;
  // Two users, each logged in.
  auto [olga_id, olga, olga_project] = LoggedInUser("olga@example.org");
  auto [piet_id, piet, piet_project] = LoggedInUser("piet@example.org");

  v1::CreateOwnedProjectRequest create;
  create.set_session_token(olga);
  create.set_name("Backups");
  v1::CreateProjectResponse made;
  ASSERT_TRUE(call(&Stub::CreateOwnedProject, create, &made).ok());
  const std::string project = made.project().uuid();
  // Keys are made when asked for, not with the project.
  EXPECT_TRUE(made.api_key().empty());
  EXPECT_FALSE(made.ping_key().empty());
  v1::GetSessionRequest get;
  get.set_session_token(olga);
  v1::GetSessionResponse session;
  ASSERT_TRUE(call(&Stub::GetSession, get, &session).ok());
  ASSERT_EQ(session.memberships_size(), 2);
  bool owns = false;
  for (const auto& m : session.memberships()) {
    owns |= m.project().uuid() == project && m.role() == "owner";
  }
  EXPECT_TRUE(owns);
  create.set_name("");
  EXPECT_EQ(call(&Stub::CreateOwnedProject, create, &made).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  create.set_session_token("no such session");
  create.set_name("x");
  EXPECT_EQ(call(&Stub::CreateOwnedProject, create, &made).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Another user's project is not there for him; a bad UUID neither.
  v1::RenameProjectRequest rename;
  rename.set_session_token(piet);
  rename.set_project(project);
  rename.set_name("Mine now");
  v1::RenameProjectResponse renamed;
  EXPECT_EQ(call(&Stub::RenameProject, rename, &renamed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  rename.set_project("not-a-uuid");
  EXPECT_EQ(call(&Stub::RenameProject, rename, &renamed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  rename.set_session_token(olga);
  rename.set_project(project);
  rename.set_name(std::string(101, 'x'));
  EXPECT_EQ(call(&Stub::RenameProject, rename, &renamed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  rename.set_name("Nightly backups");
  ASSERT_TRUE(call(&Stub::RenameProject, rename, &renamed).ok());
  EXPECT_EQ(renamed.project().name(), "Nightly backups");

  // API keys: made, shown once, working, listed without the secret, revoked.
  v1::CreateApiKeyRequest new_key;
  new_key.set_session_token(olga);
  new_key.set_project(project);
  new_key.set_label("deploy script");
  v1::CreateApiKeyResponse key;
  ASSERT_TRUE(call(&Stub::CreateApiKey, new_key, &key).ok());
  EXPECT_FALSE(key.api_key().empty());
  EXPECT_FALSE(key.info().read_only());
  auto list_checks = [&](const std::string& api_key) {
    auto checks = v1::CheckService::NewStub(channel_);
    grpc::ClientContext ctx;
    WithKey(ctx, api_key);
    v1::ListChecksResponse resp;
    return checks->ListChecks(&ctx, v1::ListChecksRequest(), &resp).error_code();
  };
  EXPECT_EQ(list_checks(key.api_key()), grpc::StatusCode::OK);
  new_key.set_label(std::string("bad\0label", 9));
  v1::CreateApiKeyResponse bad;
  EXPECT_EQ(call(&Stub::CreateApiKey, new_key, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetProjectKeysRequest keys_req;
  keys_req.set_session_token(olga);
  keys_req.set_project(project);
  v1::GetProjectKeysResponse keys;
  ASSERT_TRUE(call(&Stub::GetProjectKeys, keys_req, &keys).ok());
  EXPECT_EQ(keys.ping_key(), made.ping_key());
  ASSERT_EQ(keys.api_keys_size(), 1);
  EXPECT_EQ(keys.api_keys(0).id(), key.info().id());
  EXPECT_EQ(keys.api_keys(0).label(), "deploy script");
  EXPECT_EQ(keys.DebugString().find(key.api_key()), std::string::npos);

  // A read-only member sees the project but not its keys, and changes nothing.
  Sql(absl::StrCat("INSERT INTO project_members (project_id, user_id, role) VALUES ('",
                   project, "', '", piet_id, "', 'ro')"));
  keys_req.set_session_token(piet);
  EXPECT_EQ(call(&Stub::GetProjectKeys, keys_req, &keys).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  rename.set_session_token(piet);
  EXPECT_EQ(call(&Stub::RenameProject, rename, &renamed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RevokeApiKeyRequest revoke;
  revoke.set_session_token(piet);
  revoke.set_project(project);
  revoke.set_id(key.info().id());
  v1::RevokeApiKeyResponse revoked;
  EXPECT_EQ(call(&Stub::RevokeApiKey, revoke, &revoked).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A read-write member manages keys but may not delete the project.
  Sql(absl::StrCat("UPDATE project_members SET role = 'rw' WHERE user_id = '", piet_id,
                   "'"));
  ASSERT_TRUE(call(&Stub::RevokeApiKey, revoke, &revoked).ok());
  EXPECT_EQ(list_checks(key.api_key()), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call(&Stub::RevokeApiKey, revoke, &revoked).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DeleteProjectRequest del;
  del.set_session_token(piet);
  del.set_project(project);
  v1::DeleteProjectResponse deleted;
  EXPECT_EQ(call(&Stub::DeleteProject, del, &deleted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The owner deletes it, with everything in it.
  Create([] { v1::CheckSpec s; s.set_name("in the old project"); return s; }());
  Sql(absl::StrCat("UPDATE checks SET project_id = '", project,
                   "' WHERE name = 'in the old project'"));
  del.set_session_token(olga);
  ASSERT_TRUE(call(&Stub::DeleteProject, del, &deleted).ok());
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM checks WHERE project_id = '", project,
                             "'"))[0][0].as<int>(), 0);
  ASSERT_TRUE(call(&Stub::GetSession, get, &session).ok());
  EXPECT_EQ(session.memberships_size(), 1);
  EXPECT_EQ(call(&Stub::DeleteProject, del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DataServiceTest, InvitationsAreForOneAddressOnceAndMailedOnce) {
  auto call = [&](auto method, const auto& req, auto* resp) {
    return CallAccounts(method, req, resp);
  };
  using Stub = v1::AccountService::Stub;
  auto [owner_id, owner, project] = LoggedInUser("mia@example.org");
  auto [guest_id, guest, guest_project] = LoggedInUser("noa@example.org");
  auto [other_id, other, other_project] = LoggedInUser("oli@example.org");

  v1::InviteMemberRequest invite;
  invite.set_session_token(owner);
  invite.set_project(project);
  invite.set_email("NOA@example.org");
  invite.set_role("ro");
  v1::InviteMemberResponse first, second;
  ASSERT_TRUE(call(&Stub::InviteMember, invite, &first).ok());
  // Only the digest of the link's token is kept beside the mail's copy.
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM invitations WHERE token_hash = '\\x",
                             HexEncode(Sha256(first.token())), "'"))[0][0].as<int>(), 1);
  // Inviting again replaces the first link.
  invite.set_role("rw");
  ASSERT_TRUE(call(&Stub::InviteMember, invite, &second).ok());
  EXPECT_EQ(Sql(absl::StrCat("SELECT count(*) FROM invitations WHERE project_id = '", project,
                             "'"))[0][0].as<int>(), 1);
  invite.set_session_token(guest);  // not a member
  v1::InviteMemberResponse refused;
  EXPECT_EQ(call(&Stub::InviteMember, invite, &refused).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The mail: claimed once (a second claim during the lease gets nothing),
  // failed then sent; the token is forgotten after.
  auto projects = v1::ProjectService::NewStub(channel_);
  auto claim = [&](absl::Duration lease) {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::ClaimInvitationMailsRequest req;
    req.set_limit(10);
    *req.mutable_lease() = tocsin::ToProto(lease);
    v1::ClaimInvitationMailsResponse resp;
    EXPECT_TRUE(projects->ClaimInvitationMails(&ctx, req, &resp).ok());
    std::vector<v1::InvitationMail> mine;
    for (const auto& m : resp.mails()) {
      if (m.email() == "NOA@example.org") mine.push_back(m);
    }
    return mine;
  };
  auto complete = [&](const std::string& id, bool sent) {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::CompleteInvitationMailRequest req;
    req.set_id(id);
    req.set_sent(sent);
    v1::CompleteInvitationMailResponse resp;
    EXPECT_TRUE(projects->CompleteInvitationMail(&ctx, req, &resp).ok());
  };
  auto mails = claim(absl::Seconds(1));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].token(), second.token());
  EXPECT_EQ(mails[0].language(), "");  // the site's
  EXPECT_EQ(mails[0].inviter(), "mia@example.org");
  EXPECT_EQ(mails[0].role(), "rw");
  EXPECT_EQ(claim(absl::Seconds(30)).size(), 0u);
  complete(mails[0].id(), false);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  mails = claim(absl::Seconds(30));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].attempt(), 2);
  complete(mails[0].id(), true);
  EXPECT_TRUE(Sql(absl::StrCat("SELECT mail_token FROM invitations WHERE id = '", mails[0].id(),
                               "'"))[0][0].is_null());

  // Accepting: the old link is dead, another address is refused, the invited
  // one joins with the role, once.
  v1::AcceptInvitationRequest accept;
  accept.set_session_token(guest);
  accept.set_token(first.token());
  v1::AcceptInvitationResponse joined;
  EXPECT_EQ(call(&Stub::AcceptInvitation, accept, &joined).error_code(),
            grpc::StatusCode::NOT_FOUND);
  accept.set_session_token(other);
  accept.set_token(second.token());
  EXPECT_EQ(call(&Stub::AcceptInvitation, accept, &joined).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  accept.set_session_token(guest);
  ASSERT_TRUE(call(&Stub::AcceptInvitation, accept, &joined).ok());
  EXPECT_EQ(joined.project().uuid(), project);
  EXPECT_EQ(joined.role(), "rw");
  EXPECT_EQ(call(&Stub::AcceptInvitation, accept, &joined).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListMembersRequest list;
  list.set_session_token(guest);
  list.set_project(project);
  v1::ListMembersResponse members;
  ASSERT_TRUE(call(&Stub::ListMembers, list, &members).ok());
  ASSERT_EQ(members.members_size(), 2);
  EXPECT_EQ(members.members(0).role(), "owner");
  EXPECT_EQ(members.invitations_size(), 0);  // not for non-owners anyway

  // An expired invitation is gone for accepting and mailing; the email's
  // language is one of ours.
  invite.set_session_token(owner);
  invite.set_email("oli@example.org");
  invite.set_language("fr");
  v1::InviteMemberResponse french;
  EXPECT_EQ(call(&Stub::InviteMember, invite, &french).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  invite.set_language("ja");
  v1::InviteMemberResponse late;
  ASSERT_TRUE(call(&Stub::InviteMember, invite, &late).ok());
  Sql(absl::StrCat("UPDATE invitations SET expires = now() - interval '1 second' WHERE id = '",
                   late.invitation().id(), "'"));
  accept.set_session_token(other);
  accept.set_token(late.token());
  EXPECT_EQ(call(&Stub::AcceptInvitation, accept, &joined).error_code(),
            grpc::StatusCode::NOT_FOUND);
  for (const auto& m : claim(absl::Seconds(30))) EXPECT_NE(m.email(), "oli@example.org");

  // Removing: not the owner; the guest may leave.
  v1::RemoveMemberRequest remove;
  remove.set_session_token(guest);
  remove.set_project(project);
  remove.set_user(owner_id);
  v1::RemoveMemberResponse removed;
  EXPECT_EQ(call(&Stub::RemoveMember, remove, &removed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  remove.set_session_token(owner);
  EXPECT_EQ(call(&Stub::RemoveMember, remove, &removed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  remove.set_session_token(guest);
  remove.set_user(guest_id);
  ASSERT_TRUE(call(&Stub::RemoveMember, remove, &removed).ok());
  EXPECT_EQ(call(&Stub::ListMembers, list, &members).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace tocsin::data

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new tocsin::data::Database());
  return RUN_ALL_TESTS();
}
