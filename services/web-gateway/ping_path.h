#ifndef TOCSIN_GATEWAY_PING_PATH_H_
#define TOCSIN_GATEWAY_PING_PATH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tocsin/v1/check.pb.h"

namespace tocsin::gateway {

// What a Pinging API URL asks for.
struct PingPath {
  std::string uuid;      // Set for UUID URLs.
  std::string ping_key;  // Set, with slug, for slug URLs.
  std::string slug;
  v1::PingKind kind = v1::PING_KIND_SUCCESS;
  std::optional<int> exit_status;
};

// Parses the segments after "/ping/": `<uuid>[/<action>]` or
// `<ping-key>/<slug>[/<action>]`, where action is start, fail, log or an exit
// status. InvalidArgument ("invalid url format") for an exit status above 255
// or a slug with characters a slug cannot have; NotFound for shapes that are
// no ping URL at all.
absl::StatusOr<PingPath> ParsePingPath(const std::vector<std::string>& segments);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_PING_PATH_H_
