#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace {

// True when `a` (host byte order) lies in prefix/len.
bool InV4(uint32_t a, uint32_t prefix, int len) {
  uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  return (a & mask) == (prefix & mask);
}

constexpr uint32_t V4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) |
         uint32_t(d);
}

bool IsPublicV4(uint32_t a) {
  struct Range {
    uint32_t prefix;
    int len;
  };
  // IANA special-purpose registry entries that must not be reachable from a
  // webhook, plus multicast and the reserved/broadcast block.
  static constexpr Range kRefused[] = {
      {V4(0, 0, 0, 0), 8},        // "this network", unspecified
      {V4(10, 0, 0, 0), 8},       // private
      {V4(100, 64, 0, 0), 10},    // carrier-grade NAT
      {V4(127, 0, 0, 0), 8},      // loopback
      {V4(169, 254, 0, 0), 16},   // link-local (cloud metadata lives here)
      {V4(172, 16, 0, 0), 12},    // private
      {V4(192, 0, 0, 0), 24},     // IETF protocol assignments
      {V4(192, 0, 2, 0), 24},     // documentation
      {V4(192, 88, 99, 0), 24},   // deprecated 6to4 relay anycast
      {V4(192, 168, 0, 0), 16},   // private
      {V4(198, 18, 0, 0), 15},    // benchmarking
      {V4(198, 51, 100, 0), 24},  // documentation
      {V4(203, 0, 113, 0), 24},   // documentation
      {V4(224, 0, 0, 0), 4},      // multicast
      {V4(240, 0, 0, 0), 4},      // reserved, broadcast
  };
  for (const Range& r : kRefused) {
    if (InV4(a, r.prefix, r.len)) return false;
  }
  return true;
}

uint32_t V4At(const uint8_t* b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) |
         (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

bool IsPublicV6(const uint8_t* b) {
  static constexpr uint8_t kZero[10] = {};
  // ::/96 holds ::, ::1 and the deprecated IPv4-compatible form; ::ffff:0:0/96
  // is IPv4-mapped. The kernel may route either to the embedded IPv4 address.
  if (std::memcmp(b, kZero, 10) == 0) {
    bool mapped = b[10] == 0xff && b[11] == 0xff;
    bool compat = b[10] == 0 && b[11] == 0;
    if (compat && V4At(b + 12) <= 1) return false;  // :: and ::1
    if (mapped || compat) return IsPublicV4(V4At(b + 12));
    return false;
  }
  // NAT64 well-known prefix 64:ff9b::/96: a translator connects to the
  // embedded IPv4 address.
  static constexpr uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::memcmp(b, kNat64, 12) == 0) return IsPublicV4(V4At(b + 12));
  // Only global unicast (2000::/3) is public; everything else is loopback,
  // ULA (fc00::/7), link-local (fe80::/10), multicast (ff00::/8), local-use
  // NAT64 (64:ff9b:1::/48), discard (100::/64) or unassigned.
  if ((b[0] & 0xe0) != 0x20) return false;
  // 2001::/23: IETF protocol assignments, including Teredo (2001::/32) whose
  // embedded addresses cannot be judged reliably.
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] <= 0x01) return false;
  // 2001:db8::/32 and 3fff::/20: documentation.
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
    return false;
  }
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return false;
  // 6to4 (2002::/16) tunnels to the IPv4 address in bits 16-47.
  if (b[0] == 0x20 && b[1] == 0x02) return IsPublicV4(V4At(b + 2));
  return true;
}

}  // namespace

bool IsPublicAddress(const struct sockaddr* addr) {
  if (addr == nullptr) return false;
  if (addr->sa_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, addr, sizeof(in));
    return IsPublicV4(ntohl(in.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, addr, sizeof(in6));
    return IsPublicV6(in6.sin6_addr.s6_addr);
  }
  return false;  // AF_UNIX and anything else is never a webhook target.
}

}  // namespace tocsin::outbound
