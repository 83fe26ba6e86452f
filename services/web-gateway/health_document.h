#ifndef TOCSIN_GATEWAY_HEALTH_DOCUMENT_H_
#define TOCSIN_GATEWAY_HEALTH_DOCUMENT_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tocsin/v1/system_service.grpc.pb.h"
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

// Builds the document every `every` in the background so that a component
// turning absent, stalled or backlogged is logged (once per change) and
// exported as tocsin_health_status{component} (1 ok, 0 not), even when no
// operator is looking at /health.
class HealthWatcher {
 public:
  HealthWatcher(std::shared_ptr<grpc::Channel> data, std::string internal_token,
                absl::Duration every, absl::Duration stale);
  ~HealthWatcher();
  void Start();
  void Stop();

 private:
  void Loop();
  void Observe(const HealthDocument& doc);

  std::unique_ptr<v1::SystemService::Stub> stub_;
  std::string token_;
  absl::Duration every_, stale_;
  std::map<std::string, std::string> last_;  // component -> status
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_HEALTH_DOCUMENT_H_
