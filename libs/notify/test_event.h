#ifndef TOCSIN_NOTIFY_TEST_EVENT_H_
#define TOCSIN_NOTIFY_TEST_EVENT_H_

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "notify/notify.h"

namespace tocsin::notify {

inline absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

inline constexpr char kUuid[] = "803f680d-e89b-492b-82ef-2be7b774a92d";
inline constexpr char kCheckUrl[] =
    "https://hc.example.org/checks/803f680d-e89b-492b-82ef-2be7b774a92d/"
    "details/";

// A check that just went down.
inline Event SampleEvent() {
  Event e;
  e.check_uuid = kUuid;
  e.name = "Database Backup";
  e.slug = "database-backup";
  e.tags = "prod db";
  e.description = "Nightly pg_dump of the main database.";
  e.status = "down";
  e.now = Utc(2024, 3, 10, 7, 0, 0);
  e.body = "pg_dump: error: disk full";
  e.exit_status = 1;
  e.last_ping = Utc(2024, 3, 10, 6, 59, 30);
  e.check_json = R"({"name":"Database Backup","status":"down"})";
  e.check_url = kCheckUrl;
  return e;
}

}  // namespace tocsin::notify

#endif  // TOCSIN_NOTIFY_TEST_EVENT_H_
