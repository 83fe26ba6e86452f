#ifndef TOCSIN_COMMON_CRYPTO_H_
#define TOCSIN_COMMON_CRYPTO_H_

#include <string>
#include <string_view>

namespace tocsin {

// `n` bytes from the operating system's CSPRNG.
std::string RandomBytes(size_t n);
// A random token of `chars` URL-safe characters ([A-Za-z0-9_-]).
std::string RandomToken(size_t chars);
// A random (version 4) UUID in canonical lower-case form.
std::string NewUuid();
// True for the canonical 8-4-4-4-12 hex form (either case).
bool IsCanonicalUuid(std::string_view s);

// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
// Raw HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
// URL-safe base64 without padding.
std::string Base64Url(std::string_view bytes);

// Lower-case hex digests.
std::string Sha256Hex(std::string_view data);
std::string Sha1Hex(std::string_view data);
std::string HexEncode(std::string_view bytes);

// SHA-256 over data given in pieces (files streamed in chunks).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  // Lower-case hex digest of everything given; ends the stream.
  std::string HexDigest();

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header.
};

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tocsin

#endif  // TOCSIN_COMMON_CRYPTO_H_
