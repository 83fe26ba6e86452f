#include "web-gateway/status_mapping.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

TEST(StatusMappingTest, FollowsGoogleRpcCodeTable) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInternal), 500);
}

// A call the data service gave up (shutting down) is worth retrying, like
// one it could not take: 503 (with Retry-After), not 499.
TEST(StatusMappingTest, CancelledByTheServerIsUnavailable) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kCancelled), 503);
}

TEST(StatusMappingTest, ServerErrorsAreThe5xx) {
  EXPECT_TRUE(IsServerError(absl::StatusCode::kInternal));
  EXPECT_TRUE(IsServerError(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(IsServerError(absl::StatusCode::kNotFound));
  EXPECT_FALSE(IsServerError(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tocsin::gateway
