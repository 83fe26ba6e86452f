#include "s3/sigv4.h"

#include "common/crypto.h"
#include "gtest/gtest.h"

namespace tocsin::s3 {
namespace {

// AWS's published Signature Version 4 test suite: credentials AKIDEXAMPLE,
// 2015-08-30T12:36:00Z, us-east-1, service "service", empty payloads.
const Credentials kSuite = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const absl::Time kSuiteTime = absl::FromCivil(absl::CivilSecond(2015, 8, 30, 12, 36, 0),
                                              absl::UTCTimeZone());
const std::string kEmpty = Sha256Hex("");

SignRequest Suite(std::string method) {
  SignRequest r;
  r.method = std::move(method);
  r.host = "example.amazonaws.com";
  r.path = "/";
  r.payload_sha256 = kEmpty;
  r.region = "us-east-1";
  r.service = "service";
  r.time = kSuiteTime;
  return r;
}

std::string Expected(const std::string& signed_headers, const std::string& sig) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
         "aws4_request, SignedHeaders=" + signed_headers + ", Signature=" + sig;
}

TEST(SigV4Test, GetVanilla) {
  Signed s = Sign(Suite("GET"), kSuite);
  EXPECT_EQ(s.amz_date, "20150830T123600Z");
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" + kEmpty);
  EXPECT_EQ(Sha256Hex(s.canonical_request),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.authorization,
            Expected("host;x-amz-date",
                     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4Test, PostVanilla) {
  EXPECT_EQ(Sign(Suite("POST"), kSuite).authorization,
            Expected("host;x-amz-date",
                     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCase) {
  SignRequest r = Suite("GET");
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  Signed s = Sign(r, kSuite);
  EXPECT_NE(s.canonical_request.find("\nParam1=value1&Param2=value2\n"), std::string::npos);
  EXPECT_EQ(s.authorization,
            Expected("host;x-amz-date",
                     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
}

TEST(SigV4Test, PostHeaderValueCase) {
  SignRequest r = Suite("POST");
  r.headers = {{"My-Header1", "VALUE1"}};
  EXPECT_EQ(Sign(r, kSuite).authorization,
            Expected("host;my-header1;x-amz-date",
                     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"));
}

// The S3 documentation's worked example (GET Object with a Range header).
TEST(SigV4Test, S3GetObjectExample) {
  SignRequest r;
  r.method = "GET";
  r.host = "examplebucket.s3.amazonaws.com";
  r.path = "/test.txt";
  r.headers = {{"Range", "bytes=0-9"}, {"x-amz-content-sha256", kEmpty}};
  r.payload_sha256 = kEmpty;
  r.region = "us-east-1";
  r.time = absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0), absl::UTCTimeZone());
  Signed s = Sign(r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, UriEncode) {
  EXPECT_EQ(UriEncode("a b/c~d", true), "a%20b/c~d");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(UriEncode("\xe2\x9c\x93", false), "%E2%9C%93");
}

}  // namespace
}  // namespace tocsin::s3
