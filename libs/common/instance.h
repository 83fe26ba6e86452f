#ifndef TOCSIN_COMMON_INSTANCE_H_
#define TOCSIN_COMMON_INSTANCE_H_

#include <string>

namespace tocsin {

// This replica's name in heartbeats, leases and claims:
// "<TOCSIN_INSTANCE or host name>-<process id>" (unique per process).
const std::string& InstanceName();

}  // namespace tocsin

#endif  // TOCSIN_COMMON_INSTANCE_H_
