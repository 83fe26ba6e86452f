#include "web-gateway/health_document.h"

#include "common/time_format.h"
#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kStale = absl::Seconds(6);

v1::InstanceHealth* Instance(v1::GetSystemHealthResponse& f,
                             const std::string& component,
                             absl::Duration ago) {
  auto* i = f.add_instances();
  i->set_component(component);
  i->set_instance(component + "-1");
  *i->mutable_started() = ToProto(kNow - absl::Hours(1));
  *i->mutable_last_seen() = ToProto(kNow - ago);
  return i;
}

v1::GetSystemHealthResponse Healthy() {
  v1::GetSystemHealthResponse f;
  Instance(f, "gateway", absl::Seconds(1));
  Instance(f, "data", absl::Seconds(1));
  auto* s = Instance(f, "scheduler", absl::Seconds(1));
  auto* j = s->add_jobs();
  j->set_name("send-alerts");
  *j->mutable_expected_every() = ToProto(absl::Seconds(1));
  *j->mutable_last_activity() = ToProto(kNow - absl::Seconds(1));
  *f.mutable_intake_last_seen() = ToProto(kNow - absl::Seconds(1));
  return f;
}

TEST(HealthDocumentTest, AllLiveIsOk) {
  HealthDocument d = BuildHealthDocument(Healthy(), kNow, kStale);
  EXPECT_EQ(d.http_status, 200);
  EXPECT_EQ(d.body["status"], "ok");
  EXPECT_EQ(d.body["components"]["scheduler"]["status"], "ok");
  EXPECT_EQ(d.body["components"]["scheduler"]["jobs"][0]["status"], "ok");
  EXPECT_EQ(d.body["components"]["intake"]["status"], "ok");
}

TEST(HealthDocumentTest, MissingSchedulerIsAbsent) {
  v1::GetSystemHealthResponse f = Healthy();
  // Its last heartbeat is older than three periods.
  *f.mutable_instances(2)->mutable_last_seen() =
      ToProto(kNow - absl::Seconds(30));
  HealthDocument d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.http_status, 503);
  EXPECT_EQ(d.body["status"], "degraded");
  EXPECT_EQ(d.body["components"]["scheduler"]["status"], "absent");
  EXPECT_EQ(d.body["components"]["scheduler"]["instances"][0]["live"], false);
}

TEST(HealthDocumentTest, QuietJobIsStalled) {
  v1::GetSystemHealthResponse f = Healthy();
  *f.mutable_instances(2)->mutable_jobs(0)->mutable_last_activity() =
      ToProto(kNow - absl::Minutes(5));
  HealthDocument d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.http_status, 503);
  EXPECT_EQ(d.body["components"]["scheduler"]["status"], "stalled");
  EXPECT_EQ(d.body["components"]["scheduler"]["jobs"][0]["status"], "stalled");
}

TEST(HealthDocumentTest, EndlessRunIsStalled) {
  v1::GetSystemHealthResponse f = Healthy();
  *f.mutable_instances(2)->mutable_jobs(0)->mutable_running_since() =
      ToProto(kNow - absl::Minutes(30));
  EXPECT_EQ(BuildHealthDocument(f, kNow, kStale)
                .body["components"]["scheduler"]["status"],
            "stalled");
}

TEST(HealthDocumentTest, OldPendingNotificationIsBacklog) {
  v1::GetSystemHealthResponse f = Healthy();
  f.set_notifications_pending(3);
  *f.mutable_oldest_pending() = ToProto(kNow - absl::Minutes(10));
  HealthDocument d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.body["components"]["alerts"]["status"], "backlogged");
  EXPECT_EQ(d.body["components"]["alerts"]["pending"], 3);
  EXPECT_EQ(d.http_status, 503);
}

TEST(HealthDocumentTest, UnprovenIntakeIsDown) {
  v1::GetSystemHealthResponse f = Healthy();
  *f.mutable_intake_last_seen() = ToProto(kNow - absl::Minutes(1));
  EXPECT_EQ(BuildHealthDocument(f, kNow, kStale)
                .body["components"]["intake"]["status"],
            "down");
}

TEST(HealthDocumentTest, BackupsFollowTheNewestProof) {
  v1::GetSystemHealthResponse f = Healthy();
  HealthDocument d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_FALSE(d.body["components"].contains("backups"));  // Not kept.

  auto* st = f.mutable_instances(2)->mutable_backups();
  d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.body["components"]["backups"]["status"], "none");
  EXPECT_EQ(d.http_status, 200);

  st->set_count(3);
  auto* n = st->mutable_newest();
  n->set_name("tocsin-20270115T030000Z.dump");
  *n->mutable_created() = ToProto(kNow - absl::Hours(2));
  n->set_size_bytes(1234);
  n->set_proof(v1::BACKUP_PROOF_UNPROVEN);
  d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.body["components"]["backups"]["status"], "unproven");
  EXPECT_EQ(d.body["components"]["backups"]["newest"]["age_s"], 7200);
  EXPECT_EQ(d.http_status, 200);

  n->set_proof(v1::BACKUP_PROOF_PROVEN);
  *st->mutable_newest_proven() = n->created();
  d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.body["components"]["backups"]["status"], "ok");
  EXPECT_TRUE(d.body["components"]["backups"].contains("newest_proven"));

  n->set_proof(v1::BACKUP_PROOF_FAILED);
  n->set_proof_detail("checksum mismatch");
  *n->mutable_proof_time() = ToProto(kNow);
  d = BuildHealthDocument(f, kNow, kStale);
  EXPECT_EQ(d.body["components"]["backups"]["status"], "failed");
  EXPECT_EQ(d.body["components"]["backups"]["newest"]["proof_detail"],
            "checksum mismatch");
  EXPECT_EQ(d.http_status, 503);
  EXPECT_EQ(d.body["status"], "degraded");
}

TEST(HealthDocumentTest, NoAnswerMeansDatabaseDown) {
  HealthDocument d = BuildHealthDocument(
      absl::UnavailableError("no connection"), kNow, kStale);
  EXPECT_EQ(d.http_status, 503);
  EXPECT_EQ(d.body["status"], "down");
  EXPECT_EQ(d.body["components"]["database"]["status"], "down");
}

}  // namespace
}  // namespace tocsin::gateway
