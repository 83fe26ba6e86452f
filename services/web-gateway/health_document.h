#ifndef TOCSIN_GATEWAY_HEALTH_DOCUMENT_H_
#define TOCSIN_GATEWAY_HEALTH_DOCUMENT_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tocsin/v1/system_service.pb.h"

namespace tocsin::gateway {

// The operator-facing health document (GET /health): one entry per
// component with a status and the facts behind it, and an overall status.
struct HealthDocument {
  int http_status = 200;  // 200 when everything is "ok", else 503.
  nlohmann::ordered_json body;
};

// Judges the data service's facts. A component is "absent" when none of its
// replicas sent a heartbeat within `stale` (3 heartbeat periods); a
// scheduler job is "stalled" when a run has lasted far longer than its
// cadence or it showed no activity for several cadences; alerts are
// "backlogged" when a notification has waited for more than 5 minutes.
// A failed call means the database (or the data service) is down.
HealthDocument BuildHealthDocument(
    const absl::StatusOr<v1::GetSystemHealthResponse>& facts, absl::Time now,
    absl::Duration stale);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HEALTH_DOCUMENT_H_
