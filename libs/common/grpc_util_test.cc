#include "common/grpc_util.h"

#include <string>

#include "gtest/gtest.h"

namespace tocsin {
namespace {

TEST(GrpcUtilTest, StatusMessagesAreBoundedAtACharacterBoundary) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError("tz is not valid"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "tz is not valid");
  std::string at_limit(kMaxStatusMessageBytes, 'a');
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError(at_limit)).error_message(), at_limit);

  // A quote of 9,000 three-byte characters: cut to the limit, whole
  // characters only, and marked as cut.
  std::string quoted = "unknown time zone: ";
  for (int i = 0; i < 9000; ++i) quoted += "\xE6\x97\xA5";
  s = ToGrpcStatus(absl::InvalidArgumentError(quoted));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string& m = s.error_message();
  EXPECT_LE(m.size(), kMaxStatusMessageBytes);
  EXPECT_EQ(m.substr(0, 19), "unknown time zone: ");
  ASSERT_GE(m.size(), 3u);
  EXPECT_EQ(m.substr(m.size() - 3), "\xE2\x80\xA6");  // "…"
  EXPECT_EQ((m.size() - 19 - 3) % 3, 0u);
}

}  // namespace
}  // namespace tocsin
