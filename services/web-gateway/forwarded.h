#ifndef TOCSIN_GATEWAY_FORWARDED_H_
#define TOCSIN_GATEWAY_FORWARDED_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/ip/address.hpp"

namespace tocsin::gateway {

// Addresses (or CIDR networks) of the proxies whose X-Forwarded-* headers we
// believe. Anyone else could write those headers to pose as another client.
class TrustedProxies {
 public:
  // "127.0.0.1,::1,10.0.0.0/8"; empty trusts nobody.
  static absl::StatusOr<TrustedProxies> Parse(std::string_view list);
  bool Contains(const boost::asio::ip::address& a) const;

 private:
  struct Net {
    boost::asio::ip::address base;
    int prefix;
  };
  std::vector<Net> nets_;
};

struct ClientInfo {
  std::string address;  // The client's IP address as text.
  std::string scheme;   // "http" or "https".
};

// The real client behind trusted proxies: X-Forwarded-For is walked from the
// right past trusted hops; a malformed entry stops the walk (never an error).
ClientInfo ResolveClient(const TrustedProxies& trusted,
                         const boost::asio::ip::address& peer,
                         std::string_view x_forwarded_for,
                         std::string_view x_forwarded_proto);

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_FORWARDED_H_
