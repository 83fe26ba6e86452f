#ifndef TOCSIN_COMMON_STRINGS_H_
#define TOCSIN_COMMON_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace tocsin {

// Debian's Abseil is built with its own string_view (not std::string_view);
// this converts at the boundary without copying.
inline absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace tocsin

#endif  // TOCSIN_COMMON_STRINGS_H_
