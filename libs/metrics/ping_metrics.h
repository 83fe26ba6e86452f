#ifndef TOCSIN_METRICS_PING_METRICS_H_
#define TOCSIN_METRICS_PING_METRICS_H_

#include "metrics/registry.h"

namespace tocsin::metrics {

// The ping path's backpressure counters. The gateway and the data service
// both count into them, labelled `where` ("gateway", "data"), so that one
// query adds up what the whole path refused or dropped.

// Pings refused at once because a queue was full.
Family<Counter>& PingsRejected();
// Pings not recorded because their caller gave up while they were queued.
Family<Counter>& PingsExpired();

}  // namespace tocsin::metrics

#endif  // TOCSIN_METRICS_PING_METRICS_H_
