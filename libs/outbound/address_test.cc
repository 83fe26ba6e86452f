#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <string>

#include "gtest/gtest.h"
#include "outbound/outbound.h"

namespace tocsin::outbound {
namespace {

// Parses an IPv4 or IPv6 literal into a sockaddr and asks IsPublicAddress.
bool IsPublic(const std::string& ip) {
  if (ip.find(':') == std::string::npos) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(443);
    EXPECT_EQ(inet_pton(AF_INET, ip.c_str(), &in.sin_addr), 1) << ip;
    return IsPublicAddress(reinterpret_cast<const sockaddr*>(&in));
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  EXPECT_EQ(inet_pton(AF_INET6, ip.c_str(), &in6.sin6_addr), 1) << ip;
  return IsPublicAddress(reinterpret_cast<const sockaddr*>(&in6));
}

TEST(IsPublicAddressTest, PublicAddresses) {
  for (const char* ip : {"8.8.8.8",
                         "1.1.1.1",
                         "93.184.216.34",
                         "172.32.0.1",
                         "172.15.255.255",
                         "100.63.255.255",
                         "100.128.0.1",
                         "169.253.1.1",
                         "192.167.1.1",
                         "192.169.0.1",
                         "11.0.0.1",
                         "126.255.255.255",
                         "128.0.0.1",
                         "223.255.255.254",
                         "9.255.255.255",
                         "2606:4700::1111",
                         "2001:4860:4860::8888",
                         "2a00:1450:4001::1",
                         "::ffff:8.8.8.8",
                         "64:ff9b::808:808",
                         "2002:808:808::1",
                         "::8.8.8.8"}) {
    EXPECT_TRUE(IsPublic(ip)) << ip;
  }
}

TEST(IsPublicAddressTest, RefusedAddresses) {
  for (const char* ip :
       {// IPv4
        "127.0.0.1", "127.255.255.254", "10.1.2.3", "10.255.255.255",
        "172.16.0.1", "172.31.255.255", "192.168.1.1", "192.168.0.0",
        "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0",
        "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255",
        "240.0.0.1", "192.0.2.10", "198.51.100.7", "203.0.113.9", "198.18.0.1",
        "198.19.255.255", "192.0.0.8",
        // IPv6
        "::1", "::", "fe80::1", "febf::1", "fd00::1", "fc00::1", "ff02::1",
        "ff0e::1", "2001:db8::1", "2001::1", "100::1", "fec0::1", "3fff::1",
        "5f00::1",
        // IPv4 embedded in IPv6 forms
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "::ffff:0.0.0.0", "::127.0.0.1", "::10.0.0.1", "64:ff9b::7f00:1",
        "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b:1::1", "2002:7f00:1::1",
        "2002:a00:1::"}) {
    EXPECT_FALSE(IsPublic(ip)) << ip;
  }
}

TEST(IsPublicAddressTest, OtherFamiliesAndNullAreRefused) {
  EXPECT_FALSE(IsPublicAddress(nullptr));
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_FALSE(IsPublicAddress(reinterpret_cast<const sockaddr*>(&un)));
}

}  // namespace
}  // namespace tocsin::outbound
