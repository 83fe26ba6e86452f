#ifndef TOCSIN_GATEWAY_PROMETHEUS_H_
#define TOCSIN_GATEWAY_PROMETHEUS_H_

#include <string>

#include "tocsin/v1/check.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace tocsin::gateway {

// A project's checks in the Prometheus text exposition format, with
// Healthchecks' metric names (hc_check_up, hc_check_started, hc_check_grace,
// hc_check_paused, hc_tag_up, hc_checks_total, hc_checks_down_total).
std::string PrometheusMetrics(
    const google::protobuf::RepeatedPtrField<v1::Check>& checks);

// True for a string shaped like one of our API keys (32 URL-safe
// characters); the metrics endpoints answer 400 to anything else.
bool LooksLikeApiKey(const std::string& key);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_PROMETHEUS_H_
