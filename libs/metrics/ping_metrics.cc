#include "metrics/ping_metrics.h"

namespace tocsin::metrics {

Family<Counter>& PingsRejected() {
  static auto& c = DefaultRegistry().AddCounter(
      "tocsin_pings_rejected_total",
      "Pings refused at once because the queue was full.", {"where"});
  return c;
}

Family<Counter>& PingsExpired() {
  static auto& c = DefaultRegistry().AddCounter(
      "tocsin_pings_expired_total",
      "Pings not recorded because their caller gave up (its deadline passed, "
      "or in data it cancelled the call) while they were queued.",
      {"where"});
  return c;
}

}  // namespace tocsin::metrics
