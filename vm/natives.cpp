// The natives' table and the numeric, list, map and conversion natives (semantics in
// natives.h; the string natives are in natives_text.cpp).
#include "bytecode/natives.h"

#include <fmt/format.h>

#include <array>

#include "base/checked_int.h"
#include "base/currency.h"
#include "base/time_text.h"
#include "stdlib/functions.h"
#include "vm/limits.h"
#include "vm/natives_impl.h"

namespace rflow::vm {
namespace natives {
namespace {

using base::ArithmeticError;
using base::Decimal;
using base::Money;
using base::Result;

Status arithmetic(std::string_view native, ArithmeticError error) {
  return failure(native, base::errorPhrase(error));
}

Status mismatch(std::string_view native, const Money& a, const Money& b) {
  return failure(native, fmt::format("the amounts are in different currencies ({} and {})",
                                     a.currency().text(), b.currency().text()));
}

// min/max of one tag: `first` says whether args[0] wins, else args[1] does.
Status pick(std::span<Value> args, Value& result, bool first) {
  result = std::move(first ? args[0] : args[1]);
  return {};
}

Status intResult(std::string_view native, Result<int64_t> r, Value& result) {
  if (!r) return arithmetic(native, r.error());
  result = Value::integer(*r);
  return {};
}

Status moneyFrom(std::string_view native, Decimal amount, const Value& code, Value& result) {
  const std::string_view text = code.asString();
  if (!base::isIsoCurrency(text))
    return failure(native, fmt::format("\"{}\" is not an ISO 4217 currency code", text));
  result = Value::money(Money(amount, *base::CurrencyCode::parse(text)));
  return {};
}

Status durationOf(std::string_view native, const std::span<Value> args, int64_t unit,
                  Value& result) {
  if (!tagsAre(args, Tag::kInt)) return wrongArguments(native, args);
  return intResult(native, base::checkedMul(args[0].asInt(), unit), result);
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// `-?[0-9]+`, then (with `fraction`) optionally `\.[0-9]+`.
bool plainNumber(std::string_view s, bool fraction) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t digits = i;
  while (i < s.size() && isDigit(s[i]))
    ++i;
  if (i == digits) return false;
  if (fraction && i < s.size() && s[i] == '.') {
    const size_t after = ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == after) return false;
  }
  return i == s.size();
}

}  // namespace

Status wrongArguments(std::string_view native, std::span<const Value> args) {
  std::string tags;
  for (const Value& a : args) {
    if (!tags.empty()) tags += ", ";
    tags += tagName(a.tag());
  }
  return NativeError{true, fmt::format("native {} cannot take ({})", native, tags)};
}

Status failure(std::string_view native, std::string_view message) {
  return NativeError{false, fmt::format("{}: {}", native, message)};
}

Status stringResult(std::string_view native, std::string text, Value& result) {
  if (text.size() > kMaxStringBytes)
    return failure(native, fmt::format("the result would be {} bytes long, more than {}",
                                       text.size(), kMaxStringBytes));
  result = Value::string(std::move(text));
  return {};
}

// ---- lists and maps ----------------------------------------------------------------------

Status nativeLenList(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kList)) return wrongArguments("len", args);
  result = Value::integer(static_cast<int64_t>(args[0].listLength()));
  return {};
}

Status nativeLenMap(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMap)) return wrongArguments("len", args);
  result = Value::integer(static_cast<int64_t>(args[0].mapEntries().size()));
  return {};
}

Status nativeContainsList(std::span<Value> args, Value& result) {
  if (args[0].tag() != Tag::kList) return wrongArguments("contains", args);
  bool found = false;
  for (const Value& item : args[0].listItems()) {
    if (valueEquals(item, args[1])) {
      found = true;
      break;
    }
  }
  result = Value::boolean(found);
  return {};
}

Status nativeContainsKey(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMap, Tag::kString)) return wrongArguments("contains", args);
  result = Value::boolean(mapFind(args[0], args[1].asString()) != nullptr);
  return {};
}

Status nativeAppend(std::span<Value> args, Value& result) {
  if (args[0].tag() != Tag::kList) return wrongArguments("append", args);
  if (args[0].listLength() >= kMaxListLength)
    return failure("append", fmt::format("a list holds at most {} items", kMaxListLength));
  if (args[1].depth() + 1 > kMaxValueDepth)
    return failure("append", fmt::format("values nest at most {} levels deep", kMaxValueDepth));
  result = Value::appended(args[0], std::move(args[1]));
  return {};
}

Status nativeKeys(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMap)) return wrongArguments("keys", args);
  std::vector<Value> keys;
  keys.reserve(args[0].mapEntries().size());
  for (const MapEntry& e : args[0].mapEntries())
    keys.push_back(e.key);
  result = Value::list(std::move(keys));
  return {};
}

Status nativeValues(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMap)) return wrongArguments("values", args);
  std::vector<Value> values;
  values.reserve(args[0].mapEntries().size());
  for (const MapEntry& e : args[0].mapEntries())
    values.push_back(e.value);
  result = Value::list(std::move(values));
  return {};
}

// ---- numbers ---------------------------------------------------------------------------

Status nativeAbsInt(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt)) return wrongArguments("abs", args);
  return intResult("abs", base::checkedAbs(args[0].asInt()), result);
}

Status nativeAbsDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kDecimal)) return wrongArguments("abs", args);
  result = Value::decimal(args[0].asDecimal().abs());
  return {};
}

Status nativeAbsMoney(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMoney)) return wrongArguments("abs", args);
  result = Value::money(args[0].asMoney().abs());
  return {};
}

Status nativeAbsDuration(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt)) return wrongArguments("abs", args);
  return intResult("abs", base::checkedAbs(args[0].asInt()), result);
}

Status nativeMinInt(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kInt)) return wrongArguments("min", args);
  return pick(args, result, args[0].asInt() <= args[1].asInt());
}

Status nativeMinDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kDecimal, Tag::kDecimal)) return wrongArguments("min", args);
  return pick(args, result, args[0].asDecimal() <= args[1].asDecimal());
}

Status nativeMinMoney(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMoney, Tag::kMoney)) return wrongArguments("min", args);
  const Money a = args[0].asMoney(), b = args[1].asMoney();
  const Result<std::weak_ordering> order = base::compare(a, b);
  if (!order) return mismatch("min", a, b);
  return pick(args, result, *order <= 0);
}

Status nativeMinDuration(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kInt)) return wrongArguments("min", args);
  return pick(args, result, args[0].asInt() <= args[1].asInt());
}

Status nativeMaxInt(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kInt)) return wrongArguments("max", args);
  return pick(args, result, args[0].asInt() >= args[1].asInt());
}

Status nativeMaxDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kDecimal, Tag::kDecimal)) return wrongArguments("max", args);
  return pick(args, result, args[0].asDecimal() >= args[1].asDecimal());
}

Status nativeMaxMoney(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMoney, Tag::kMoney)) return wrongArguments("max", args);
  const Money a = args[0].asMoney(), b = args[1].asMoney();
  const Result<std::weak_ordering> order = base::compare(a, b);
  if (!order) return mismatch("max", a, b);
  return pick(args, result, *order >= 0);
}

Status nativeMaxDuration(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kInt)) return wrongArguments("max", args);
  return pick(args, result, args[0].asInt() >= args[1].asInt());
}

Status nativeSumInt(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kList)) return wrongArguments("sum", args);
  int64_t total = 0;
  for (const Value& item : args[0].listItems()) {
    if (item.tag() != Tag::kInt) return wrongArguments("sum", args);
    const Result<int64_t> next = base::checkedAdd(total, item.asInt());
    if (!next) return arithmetic("sum", next.error());
    total = *next;
  }
  result = Value::integer(total);
  return {};
}

Status nativeSumDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kList)) return wrongArguments("sum", args);
  Decimal total;
  for (const Value& item : args[0].listItems()) {
    if (item.tag() != Tag::kDecimal) return wrongArguments("sum", args);
    const Result<Decimal> next = base::add(total, item.asDecimal());
    if (!next) return arithmetic("sum", next.error());
    total = *next;
  }
  result = Value::decimal(total);
  return {};
}

Status nativeSumMoney(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kList)) return wrongArguments("sum", args);
  const auto items = args[0].listItems();
  if (items.empty())
    return failure("sum",
                   "an empty list of money has no currency (sum a list with at least "
                   "one amount)");
  if (items[0].tag() != Tag::kMoney) return wrongArguments("sum", args);
  Money total = items[0].asMoney();
  for (size_t i = 1; i < items.size(); ++i) {
    if (items[i].tag() != Tag::kMoney) return wrongArguments("sum", args);
    const Money m = items[i].asMoney();
    const Result<Money> next = base::add(total, m);
    if (!next) {
      if (next.error() == ArithmeticError::kCurrencyMismatch) return mismatch("sum", total, m);
      return arithmetic("sum", next.error());
    }
    total = *next;
  }
  result = Value::money(total);
  return {};
}

namespace {

Status roundPlaces(std::string_view native, const Value& places, int& out) {
  const int64_t p = places.asInt();
  if (p < 0 || p > Decimal::kMaxRoundPlaces)
    return failure(native, fmt::format("places must be between 0 and {}, not {}",
                                       Decimal::kMaxRoundPlaces, p));
  out = static_cast<int>(p);
  return {};
}

}  // namespace

Status nativeRoundDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kDecimal, Tag::kInt)) return wrongArguments("round", args);
  int places = 0;
  if (Status s = roundPlaces("round", args[1], places)) return s;
  const Result<Decimal> r = args[0].asDecimal().round(places);
  if (!r) return arithmetic("round", r.error());
  result = Value::decimal(*r);
  return {};
}

Status nativeRoundMoney(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kMoney, Tag::kInt)) return wrongArguments("round", args);
  int places = 0;
  if (Status s = roundPlaces("round", args[1], places)) return s;
  const Result<Money> r = args[0].asMoney().round(places);
  if (!r) return arithmetic("round", r.error());
  result = Value::money(*r);
  return {};
}

// ---- conversions -------------------------------------------------------------------------

Status nativeIntFromDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kDecimal)) return wrongArguments("int", args);
  const Result<int64_t> r = args[0].asDecimal().toInt();
  if (!r)
    return failure("int", fmt::format("{} is outside the range of a 64-bit int",
                                      args[0].asDecimal().toString()));
  result = Value::integer(*r);
  return {};
}

Status nativeMoneyFromDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kDecimal, Tag::kString)) return wrongArguments("money", args);
  return moneyFrom("money", args[0].asDecimal(), args[1], result);
}

Status nativeMoneyFromInt(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kString)) return wrongArguments("money", args);
  return moneyFrom("money", Decimal::fromInt(args[0].asInt()), args[1], result);
}

Status nativeUserFromString(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments("user", args);
  if (args[0].asString().empty()) return failure("user", "a user id cannot be empty");
  result = std::move(args[0]);
  return {};
}

Status nativeParseInt(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments("parse_int", args);
  const std::string_view s = args[0].asString();
  result = Value();
  if (!plainNumber(s, false)) return {};
  const bool negative = s[0] == '-';
  int64_t n = 0;
  for (size_t i = negative ? 1 : 0; i < s.size(); ++i) {
    // Accumulated negatively, so that INT64_MIN parses.
    const Result<int64_t> times = base::checkedMul(n, 10);
    if (!times) return {};
    const Result<int64_t> next = base::checkedSub(*times, s[i] - '0');
    if (!next) return {};
    n = *next;
  }
  if (!negative) {
    const Result<int64_t> positive = base::checkedNeg(n);
    if (!positive) return {};
    n = *positive;
  }
  result = Value::integer(n);
  return {};
}

Status nativeParseDecimal(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments("parse_decimal", args);
  const std::string_view s = args[0].asString();
  result = Value();
  if (!plainNumber(s, true)) return {};
  const Result<Decimal> d = Decimal::parse(s);
  if (d) result = Value::decimal(*d);
  return {};
}

Status nativeParseTime(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments("parse_time", args);
  const Result<int64_t> t = base::parseTime(args[0].asString());
  result = t ? Value::integer(*t) : Value();
  return {};
}

Status nativeDays(std::span<Value> args, Value& result) {
  return durationOf("days", args, base::kMillisPerDay, result);
}

Status nativeHours(std::span<Value> args, Value& result) {
  return durationOf("hours", args, base::kMillisPerHour, result);
}

Status nativeMinutes(std::span<Value> args, Value& result) {
  return durationOf("minutes", args, base::kMillisPerMinute, result);
}

Status nativeFormatTime(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt)) return wrongArguments("format", args);
  result = Value::string(base::formatTime(args[0].asInt()));
  return {};
}

}  // namespace natives

namespace {

using NativeFn = natives::Status (*)(std::span<Value>, Value&);

// Indexed by native id; a hole (a retired id) stays null.
constexpr auto kTable = [] {
  std::array<NativeFn, stdlib::kNativeCount> table{};
#define RFLOW_STDLIB_NATIVE(name, Native, id, signature) table[id] = &natives::native##Native;
#include "stdlib/functions.def"
  return table;
}();

}  // namespace

std::optional<NativeError> callNative(uint32_t id, std::span<Value> args, Value& result) {
  return kTable[id](args, result);
}

bool hasNative(uint32_t id) {
  return id < kTable.size() && kTable[id] != nullptr;
}

}  // namespace rflow::vm
