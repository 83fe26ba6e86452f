// The data service against a real PostgreSQL: tools/test.sh starts a private
// cluster and exports TOCSIN_TEST_PG_HOST / _PORT / _USER. Each run of this
// binary works in a database of its own, created here.
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/grpc_util.h"
#include "common/time_format.h"
#include "data/server.h"
#include "gtest/gtest.h"
#include "tocsin/v1/check_service.grpc.pb.h"
#include "tocsin/v1/deadline_service.grpc.pb.h"
#include "tocsin/v1/ping_service.grpc.pb.h"
#include "tocsin/v1/project_service.grpc.pb.h"

namespace tocsin::data {
namespace {

constexpr char kToken[] = "integration-test-internal-token";

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

  void SetUp() override {
    auto stub = v1::ProjectService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::CreateProjectRequest req;
    req.set_name("test");
    ASSERT_TRUE(stub->CreateProject(&ctx, req, &project_).ok());
  }

  void WithKey(grpc::ClientContext& ctx, const std::string& key) {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ctx.AddMetadata(kApiKeyMetadata, key);
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

  v1::MarkLateChecksResponse MarkLate() {
    auto stub = v1::DeadlineService::NewStub(channel_);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, kToken, absl::Seconds(10));
    v1::MarkLateChecksResponse resp;
    grpc::Status s = stub->MarkLateChecks(&ctx, {}, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
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
  auto stub = v1::ProjectService::NewStub(channel_);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, kToken, absl::Seconds(10));
  v1::CreateProjectRequest req;
  req.set_name("other");
  v1::CreateProjectResponse other;
  ASSERT_TRUE(stub->CreateProject(&ctx, req, &other).ok());
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
      "alert_after = alert_after - interval '3 minutes' WHERE id = '",
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
      "alert_after = alert_after - interval '61 seconds' WHERE id = '",
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
  // What a PostgreSQL restart does to every open connection.
  Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'tocsin-data' AND datname = current_database() "
      "AND pid <> pg_backend_pid()");
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(Ping(c.uuid(), v1::PING_KIND_SUCCESS).ok()) << "ping " << i;
  }
  EXPECT_EQ(Get(c.uuid(), project_.api_key())->n_pings(), 7);
}

}  // namespace
}  // namespace tocsin::data

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new tocsin::data::Database());
  return RUN_ALL_TESTS();
}
