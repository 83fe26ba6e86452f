#include "common/instance.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace tocsin {

const std::string& InstanceName() {
  static const std::string name = [] {
    // The process id is always part of it: two replicas configured with
    // the same name must still not share leases or claims.
    if (const char* v = std::getenv("TOCSIN_INSTANCE"); v && *v) {
      return absl::StrCat(std::string(v).substr(0, 100), "-", getpid());
    }
    char host[256] = {0};
    if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
    return absl::StrCat(host[0] ? host : "unknown", "-", getpid());
  }();
  return name;
}

}  // namespace tocsin
