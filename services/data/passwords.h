#ifndef TOCSIN_DATA_PASSWORDS_H_
#define TOCSIN_DATA_PASSWORDS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tocsin::data {

// Dashboard passwords: argon2id (libsodium's crypto_pwhash_str with its
// "interactive" limits: 64 MiB, 2 passes). At most two hashes run at once
// on a replica, so a burst of log-ins cannot take all its memory.

// The encoded hash ("$argon2id$v=19$m=65536,t=2,p=1$...").
absl::StatusOr<std::string> HashPassword(std::string_view password);
// True when `password` matches `hash`.
bool VerifyPassword(const std::string& hash, std::string_view password);
// A hash to verify against when the address is unknown, so that a wrong
// address costs as long as a wrong password (no account enumeration by
// timing).
const std::string& DecoyPasswordHash();

// Rules for a new password: 8 to 1024 bytes of valid UTF-8.
absl::Status CheckNewPassword(std::string_view password);

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_PASSWORDS_H_
