#ifndef GRENS_POLICY_STATUS_MACROS_H_
#define GRENS_POLICY_STATUS_MACROS_H_

// Abseil 20220623 has no public RETURN_IF_ERROR / ASSIGN_OR_RETURN, so grens
// defines its own, once, here (STYLE.md 4.4).

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status from the enclosing function if `expr` is not OK.
#define GRENS_RETURN_IF_ERROR(expr)                   \
  do {                                                \
    ::absl::Status grens_status_ = (expr);            \
    if (!grens_status_.ok()) return grens_status_;    \
  } while (false)

#define GRENS_STATUS_CONCAT_INNER_(a, b) a##b
#define GRENS_STATUS_CONCAT_(a, b) GRENS_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else
// moves the value into `lhs` (a declaration such as `auto x` or an lvalue).
#define GRENS_ASSIGN_OR_RETURN(lhs, rexpr) \
  GRENS_ASSIGN_OR_RETURN_IMPL_(GRENS_STATUS_CONCAT_(grens_statusor_, __LINE__), lhs, rexpr)

#define GRENS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // GRENS_POLICY_STATUS_MACROS_H_
