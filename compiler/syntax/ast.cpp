#include "syntax/ast.h"

#include <fmt/format.h>

#include <array>

#include "base/time_text.h"

namespace rflow::syntax {

std::string_view kindName(DeclKind kind) {
  static constexpr std::array kNames = {
#define RFLOW_DECL_KIND(Name) std::string_view(#Name),
#include "syntax/node_kinds.def"
  };
  return kNames[static_cast<size_t>(kind)];
}

std::string_view kindName(StmtKind kind) {
  static constexpr std::array kNames = {
#define RFLOW_STMT_KIND(Name) std::string_view(#Name),
#include "syntax/node_kinds.def"
  };
  return kNames[static_cast<size_t>(kind)];
}

std::string_view kindName(ExprKind kind) {
  static constexpr std::array kNames = {
#define RFLOW_EXPR_KIND(Name) std::string_view(#Name),
#include "syntax/node_kinds.def"
  };
  return kNames[static_cast<size_t>(kind)];
}

std::string_view spelling(UnaryOp op) {
  return op == UnaryOp::kNeg ? "-" : "not";
}

std::string_view spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kRem:
      return "%";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kIn:
      return "in";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kCoalesce:
      return "??";
  }
  return "?";
}

std::string_view spelling(ClauseKind kind) {
  switch (kind) {
    case ClauseKind::kAssign:
      return "assign";
    case ClauseKind::kRequestedBy:
      return "requested_by";
    case ClauseKind::kAmount:
      return "amount";
    case ClauseKind::kApprovers:
      return "approvers";
    case ClauseKind::kDue:
      return "due";
    case ClauseKind::kEscalate:
      return "escalate";
    case ClauseKind::kData:
      return "data";
    case ClauseKind::kForm:
      return "form";
    case ClauseKind::kStage:
      return "stage";
  }
  return "?";
}

std::string_view spelling(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::kApprove:
      return "approve";
    case DecisionKind::kReject:
      return "reject";
    case DecisionKind::kComplete:
      return "complete";
  }
  return "?";
}

namespace {

std::string clock(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

}  // namespace

std::string spelling(const CalendarOpenSpan& span) {
  return clock(span.start) + "-" + clock(span.end);
}

std::string spelling(const CalendarOpen& open) {
  std::string out;
  for (size_t i = 0; i < open.days.size(); ++i)
    out += (i > 0 ? "," : "") + open.days[i];
  for (size_t i = 0; i < open.spans.size(); ++i)
    out += (i > 0 ? ", " : " ") + spelling(open.spans[i]);
  return out;
}

std::string spelling(const CalendarClosed& closed) {
  const base::CivilDate d = base::civilFromDays(closed.day);
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

}  // namespace rflow::syntax
