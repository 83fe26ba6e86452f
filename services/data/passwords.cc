#include "data/passwords.h"

#include <sodium.h>

#include <semaphore>

#include "common/crypto.h"
#include "common/strings.h"

namespace tocsin::data {
namespace {

std::counting_semaphore<2>& HashSlots() {
  static std::counting_semaphore<2> slots(2);
  return slots;
}

struct Slot {
  Slot() { HashSlots().acquire(); }
  ~Slot() { HashSlots().release(); }
};

bool Init() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

absl::StatusOr<std::string> HashPassword(std::string_view password) {
  if (!Init()) return absl::InternalError("libsodium did not initialise");
  char out[crypto_pwhash_STRBYTES];
  Slot slot;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("out of memory hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (!Init()) return false;
  Slot slot;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

const std::string& DecoyPasswordHash() {
  static const std::string hash = [] {
    auto h = HashPassword(RandomToken(32));
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

absl::Status CheckNewPassword(std::string_view password) {
  if (password.size() < 8) {
    return absl::InvalidArgumentError("password: at least 8 characters");
  }
  if (password.size() > 1024) {
    return absl::InvalidArgumentError("password: at most 1024 bytes");
  }
  if (!IsStorableText(password)) {
    return absl::InvalidArgumentError("password: must be valid UTF-8 text");
  }
  return absl::OkStatus();
}

}  // namespace tocsin::data
