#include "web-gateway/forwarded.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

using boost::asio::ip::make_address;

TEST(ForwardedTest, UntrustedPeerHeadersAreIgnored) {
  auto t = *TrustedProxies::Parse("127.0.0.1");
  auto c = ResolveClient(t, make_address("203.0.113.9"), "1.2.3.4", "https");
  EXPECT_EQ(c.address, "203.0.113.9");
  EXPECT_EQ(c.scheme, "http");
}

TEST(ForwardedTest, TrustedProxyHeadersAreUsed) {
  auto t = *TrustedProxies::Parse("127.0.0.1,10.0.0.0/8");
  auto c = ResolveClient(t, make_address("127.0.0.1"),
                         "198.51.100.7, 10.1.2.3", "https");
  EXPECT_EQ(c.address, "198.51.100.7");
  EXPECT_EQ(c.scheme, "https");
}

TEST(ForwardedTest, SpoofedLeftmostEntryIsNotBelieved) {
  auto t = *TrustedProxies::Parse("127.0.0.1");
  auto c = ResolveClient(t, make_address("127.0.0.1"),
                         "6.6.6.6, 198.51.100.7", "http");
  EXPECT_EQ(c.address, "198.51.100.7");
}

TEST(ForwardedTest, MalformedHeaderFallsBackToPeer) {
  auto t = *TrustedProxies::Parse("127.0.0.1");
  auto c = ResolveClient(t, make_address("127.0.0.1"), "garbage!!", "gopher");
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.scheme, "http");
}

TEST(ForwardedTest, Ipv6AndMappedAddresses) {
  auto t = *TrustedProxies::Parse("::1,127.0.0.1");
  EXPECT_TRUE(t.Contains(make_address("::1")));
  EXPECT_TRUE(t.Contains(make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(t.Contains(make_address("::2")));
}

TEST(ForwardedTest, BadListIsAnError) {
  EXPECT_FALSE(TrustedProxies::Parse("nonsense").ok());
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/33").ok());
  EXPECT_TRUE(TrustedProxies::Parse("").ok());
}

}  // namespace
}  // namespace tocsin::gateway
