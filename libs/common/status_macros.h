#ifndef TOCSIN_COMMON_STATUS_MACROS_H_
#define TOCSIN_COMMON_STATUS_MACROS_H_

// Debian's Abseil (20220623) ships no status macros; these two are all we use.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TOCSIN_CONCAT_INNER_(a, b) a##b
#define TOCSIN_CONCAT_(a, b) TOCSIN_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status tocsin_status_ = (expr);            \
    if (!tocsin_status_.ok()) return tocsin_status_;   \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value or returns its
// error status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(TOCSIN_CONCAT_(tocsin_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // TOCSIN_COMMON_STATUS_MACROS_H_
