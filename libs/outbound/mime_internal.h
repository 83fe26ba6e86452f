#ifndef TOCSIN_OUTBOUND_MIME_INTERNAL_H_
#define TOCSIN_OUTBOUND_MIME_INTERNAL_H_

// Pieces of the MIME builder that the SMTP sender and the tests use too.

#include <string>
#include <string_view>

namespace tocsin::outbound::mime_internal {

// "Name <a@b>" -> "a@b"; "a@b" -> "a@b" (trimmed).
std::string BareAddress(std::string_view s);

// Quoted-printable (RFC 2045) with CRLF hard line breaks and encoded lines of
// at most 76 characters; a "." at the start of a line is encoded too.
std::string QuotedPrintable(std::string_view in);

}  // namespace tocsin::outbound::mime_internal

#endif  // TOCSIN_OUTBOUND_MIME_INTERNAL_H_
