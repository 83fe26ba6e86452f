#ifndef TOCSIN_COMMON_INSTANCE_H_
#define TOCSIN_COMMON_INSTANCE_H_

#include <string>

namespace tocsin {

// This replica's name in heartbeats, leases and claims: TOCSIN_INSTANCE when
// set, else "<host name>-<process id>" (unique per container and restart).
const std::string& InstanceName();

}  // namespace tocsin

#endif  // TOCSIN_COMMON_INSTANCE_H_
