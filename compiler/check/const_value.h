// Values known when compiling: `const` initializers, record field defaults, folded
// money literals. Their arithmetic is the runtime's (rflow_base), so a constant and the
// same expression computed at run time agree to the last digit.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/decimal.h"
#include "base/money.h"

namespace rflow::check {

struct ConstValue;

struct NoneValue {
  friend bool operator==(const NoneValue&, const NoneValue&) = default;
};
struct DurationValue {
  int64_t millis = 0;
  friend bool operator==(const DurationValue&, const DurationValue&) = default;
};
struct TimeValue {
  int64_t millis = 0;
  friend bool operator==(const TimeValue&, const TimeValue&) = default;
};
struct EnumValue {
  uint32_t enum_index = 0;
  uint32_t member = 0;
  friend bool operator==(const EnumValue&, const EnumValue&) = default;
};
struct RoleValue {
  uint32_t role = 0;
  friend bool operator==(const RoleValue&, const RoleValue&) = default;
};
struct UserValue {
  std::string id;
  friend bool operator==(const UserValue&, const UserValue&) = default;
};
// A list, a map (entries alternate key, value; keys are strings) or a record (one
// element per field, in declaration order).
struct AggregateValue {
  std::vector<ConstValue> elements;
  friend bool operator==(const AggregateValue&, const AggregateValue&) = default;
};

struct ConstValue {
  std::variant<NoneValue, bool, int64_t, base::Decimal, base::Money, std::string, DurationValue,
               TimeValue, EnumValue, RoleValue, UserValue, AggregateValue>
      value;

  friend bool operator==(const ConstValue&, const ConstValue&) = default;
};

}  // namespace rflow::check
