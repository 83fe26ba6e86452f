#ifndef TOCSIN_METRICS_METRICS_H_
#define TOCSIN_METRICS_METRICS_H_

// Everything a service needs for Prometheus metrics: the registry and the
// internal /metrics endpoint.
#include "metrics/registry.h"
#include "metrics/server.h"

#endif  // TOCSIN_METRICS_METRICS_H_
