#include "web-gateway/forwarded.h"

#include "common/strings.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tocsin::gateway {
namespace {

using boost::asio::ip::address;

// An IPv4-mapped IPv6 address compares as the IPv4 address.
address Normalise(const address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                            a.to_v6());
  }
  return a;
}

bool PrefixMatch(const address& a, const address& base, int prefix) {
  if (a.is_v4() != base.is_v4()) return false;
  std::vector<unsigned char> x, y;
  if (a.is_v4()) {
    auto ab = a.to_v4().to_bytes(), bb = base.to_v4().to_bytes();
    x.assign(ab.begin(), ab.end());
    y.assign(bb.begin(), bb.end());
  } else {
    auto ab = a.to_v6().to_bytes(), bb = base.to_v6().to_bytes();
    x.assign(ab.begin(), ab.end());
    y.assign(bb.begin(), bb.end());
  }
  int bits = prefix;
  for (size_t i = 0; i < x.size() && bits > 0; ++i, bits -= 8) {
    unsigned char mask =
        bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies t;
  for (absl::string_view item : absl::StrSplit(Absl(list), ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    absl::string_view host = item;
    int prefix = -1;
    if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
      host = item.substr(0, slash);
      if (!absl::SimpleAtoi(item.substr(slash + 1), &prefix)) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", item, "\" is not an address or network"));
      }
    }
    boost::system::error_code ec;
    address a = boost::asio::ip::make_address(std::string(host), ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item, "\" is not an address or network"));
    }
    a = Normalise(a);
    int max = a.is_v4() ? 32 : 128;
    if (prefix == -1) prefix = max;
    if (prefix < 0 || prefix > max) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item, "\" has a bad prefix length"));
    }
    t.nets_.push_back({a, prefix});
  }
  return t;
}

bool TrustedProxies::Contains(const address& raw) const {
  address a = Normalise(raw);
  for (const auto& n : nets_) {
    if (PrefixMatch(a, n.base, n.prefix)) return true;
  }
  return false;
}

ClientInfo ResolveClient(const TrustedProxies& trusted, const address& peer,
                         std::string_view xff, std::string_view xfp) {
  ClientInfo info{Normalise(peer).to_string(), "http"};
  if (!trusted.Contains(peer)) return info;
  std::string proto = absl::AsciiStrToLower(absl::StripAsciiWhitespace(Absl(xfp)));
  if (proto == "https" || proto == "http") info.scheme = proto;
  std::vector<absl::string_view> hops = absl::StrSplit(Absl(xff), ',');
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    absl::string_view hop = absl::StripAsciiWhitespace(*it);
    if (hop.empty()) break;
    boost::system::error_code ec;
    address a = boost::asio::ip::make_address(std::string(hop), ec);
    if (ec) break;
    info.address = Normalise(a).to_string();
    if (!trusted.Contains(a)) break;
  }
  return info;
}

}  // namespace tocsin::gateway
