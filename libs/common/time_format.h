#ifndef TOCSIN_COMMON_TIME_FORMAT_H_
#define TOCSIN_COMMON_TIME_FORMAT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace tocsin {

// "2020-03-24T14:02:03+00:00": the Management API's form (whole seconds, UTC).
std::string FormatApiTime(absl::Time t);
// "2024-03-10T07:00:00Z".
std::string FormatUtcZ(absl::Time t);
// "2024-03-10 07:00:00 UTC": for people (pages, messages).
std::string FormatTimeUtc(absl::Time t);
// ISO-8601 date-time with "Z" or a "+hh:mm" offset; seconds optional,
// fractions accepted.
absl::StatusOr<absl::Time> ParseIso8601(std::string_view s);

absl::Time FromProto(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToProto(absl::Time t);
absl::Duration FromProto(const google::protobuf::Duration& d);
google::protobuf::Duration ToProto(absl::Duration d);

}  // namespace tocsin

#endif  // TOCSIN_COMMON_TIME_FORMAT_H_
