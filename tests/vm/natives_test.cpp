// Every native of stdlib/functions.def (language.md §5a), called directly, with its edge
// cases: code points, case mapping, empty pieces, money sums, rounding places, conversions
// and parsing; and the table and the VM's implementations agree.
#include "bytecode/natives.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "stdlib/functions.h"
#include "vm/limits.h"
#include "vm/natives.h"
#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

using bytecode::Native;

// The native's result, or "error: …" / "corrupt: …".
struct Call {
  std::optional<NativeError> error;
  Value result;

  std::string errorText() const {
    if (!error) return "(no error)";
    return (error->corrupt ? "corrupt: " : "error: ") + error->message;
  }
};

Call call(Native n, std::vector<Value> args) {
  Call c;
  c.error = callNative(static_cast<uint32_t>(n), args, c.result);
  EXPECT_EQ(args.size(), bytecode::nativeInfo(static_cast<uint32_t>(n))->arity);
  return c;
}

int64_t intOf(Native n, std::vector<Value> args) {
  const Call c = call(n, std::move(args));
  EXPECT_FALSE(c.error) << c.errorText();
  return c.result.tag() == Tag::kInt ? c.result.asInt() : INT64_MIN;
}

bool boolOf(Native n, std::vector<Value> args) {
  const Call c = call(n, std::move(args));
  EXPECT_FALSE(c.error) << c.errorText();
  return c.result.tag() == Tag::kBool && c.result.asBool();
}

std::string stringOf(Native n, std::vector<Value> args) {
  const Call c = call(n, std::move(args));
  EXPECT_FALSE(c.error) << c.errorText();
  return c.result.tag() == Tag::kString ? std::string(c.result.asString()) : "<not a string>";
}

std::vector<std::string> stringsOf(const Value& list) {
  std::vector<std::string> out;
  for (const Value& v : list.listItems())
    out.emplace_back(v.asString());
  return out;
}

std::string moneyOf(Native n, std::vector<Value> args) {
  const Call c = call(n, std::move(args));
  if (c.error) return c.errorText();
  return c.result.asMoney().toString();
}

std::string decimalOf(Native n, std::vector<Value> args) {
  const Call c = call(n, std::move(args));
  if (c.error) return c.errorText();
  return c.result.asDecimal().toString();
}

Value ints(std::vector<int64_t> xs) {
  std::vector<Value> items;
  for (int64_t x : xs)
    items.push_back(Value::integer(x));
  return Value::list(std::move(items));
}

// Every native of the table has an implementation, under its id and with its arity, and
// the VM implements nothing else: no id the table lacks, and no `native…` function in
// vm/natives*.cpp that is not a native of the table.
TEST(VmNatives, TheTableAndTheImplementationsAgree) {
  std::set<std::string> table;
  for (const stdlib::Overload& o : stdlib::kOverloads) {
    if (o.target != stdlib::Target::kNative) continue;
    table.insert("native" + std::string(o.native_name));
    EXPECT_TRUE(hasNative(o.native)) << o.native_name;
    const std::optional<bytecode::NativeInfo> info = bytecode::nativeInfo(o.native);
    ASSERT_TRUE(info) << o.native_name;
    EXPECT_EQ(info->name, o.native_name);
    EXPECT_EQ(info->arity, stdlib::arity(o)) << o.native_name;
  }
  size_t implemented = 0;
  for (uint32_t id = 0; id <= UINT16_MAX; ++id) {
    if (!hasNative(id)) continue;
    ++implemented;
    EXPECT_TRUE(bytecode::nativeInfo(id))
        << "the VM implements #" << id << ", the table has no such id";
  }
  EXPECT_EQ(implemented, table.size());

  std::set<std::string> defined;
  const std::regex definition(R"(^Status (native\w+)\(std::span<Value> args)");
  for (const auto& entry : std::filesystem::directory_iterator(RFLOW_SOURCE_DIR "/vm")) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with("natives") || !file.ends_with(".cpp")) continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, definition)) defined.insert(m[1]);
    }
  }
  EXPECT_EQ(defined, table);
}

TEST(VmNatives, Len) {
  EXPECT_EQ(intOf(Native::kLenString, {str("")}), 0);
  EXPECT_EQ(intOf(Native::kLenString, {str("Café")}), 4);
  EXPECT_EQ(intOf(Native::kLenString, {str("日本語🙂")}), 4);
  EXPECT_EQ(intOf(Native::kLenList, {ints({1, 2, 3})}), 3);
  EXPECT_EQ(intOf(Native::kLenMap, {Value::map({{str("a"), Value()}, {str("a"), Value()}})}), 1);
  EXPECT_EQ(call(Native::kLenString, {Value::integer(1)}).errorText(),
            "corrupt: native len cannot take (int)");
}

TEST(VmNatives, ContainsStartsEnds) {
  EXPECT_TRUE(boolOf(Native::kContainsString, {str("replenish"), str("leni")}));
  EXPECT_TRUE(boolOf(Native::kContainsString, {str("x"), str("")}));
  EXPECT_FALSE(boolOf(Native::kContainsString, {str("x"), str("xy")}));
  EXPECT_TRUE(boolOf(Native::kContainsList, {ints({1, 2}), Value::integer(2)}));
  EXPECT_FALSE(boolOf(Native::kContainsList, {ints({1, 2}), Value::integer(3)}));
  EXPECT_TRUE(boolOf(Native::kContainsList,
                     {Value::list({dec("0.30")}), dec("0.3")}));  // structural equality
  const Value m = Value::map({{str("b"), Value::integer(1)}});
  EXPECT_TRUE(boolOf(Native::kContainsKey, {m, str("b")}));
  EXPECT_FALSE(boolOf(Native::kContainsKey, {m, str("a")}));
  EXPECT_TRUE(boolOf(Native::kStartsWith, {str("S0042"), str("S00")}));
  EXPECT_FALSE(boolOf(Native::kStartsWith, {str("S"), str("S00")}));
  EXPECT_TRUE(boolOf(Native::kEndsWith, {str("a.csv"), str(".csv")}));
  EXPECT_TRUE(boolOf(Native::kEndsWith, {str("a"), str("")}));
}

TEST(VmNatives, CaseAndTrim) {
  EXPECT_EQ(stringOf(Native::kLower, {str("Café ÉTÉ ΣΑΣ Привет")}), "café été σασ привет");
  EXPECT_EQ(stringOf(Native::kUpper, {str("straße café ǆ")}), "STRAßE CAFÉ Ǆ");
  EXPECT_EQ(stringOf(Native::kLower, {str("İ")}), "i");  // simple mapping, one code point
  EXPECT_EQ(stringOf(Native::kUpper, {str("abc-123")}), "ABC-123");
  EXPECT_EQ(stringOf(Native::kLower, {str("")}), "");
  EXPECT_EQ(stringOf(Native::kTrim, {str(" \t\n x y \u00A0\u3000")}), "x y");
  EXPECT_EQ(stringOf(Native::kTrim, {str("   ")}), "");
  EXPECT_EQ(stringOf(Native::kTrim, {str("é")}), "é");
}

TEST(VmNatives, SplitAndJoin) {
  const auto split = [](std::string_view s, std::string_view sep) {
    const Call c = call(Native::kSplit, {str(s), str(sep)});
    EXPECT_FALSE(c.error);
    return stringsOf(c.result);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(split("a,b,,c", ","), (V{"a", "b", "", "c"}));
  EXPECT_EQ(split(",", ","), (V{"", ""}));
  EXPECT_EQ(split("", ","), (V{""}));
  EXPECT_EQ(split("abc", "abc"), (V{"", ""}));
  EXPECT_EQ(split("a--b", "--"), (V{"a", "b"}));
  EXPECT_EQ(split("né", ""), (V{"n", "é"}));
  EXPECT_EQ(split("", ""), V{});
  EXPECT_EQ(stringOf(Native::kJoin, {Value::list({str("a"), str("b"), str("")}), str("-")}),
            "a-b-");
  EXPECT_EQ(stringOf(Native::kJoin, {Value::list({}), str("-")}), "");
  EXPECT_EQ(call(Native::kJoin, {ints({1}), str("-")}).errorText(),
            "corrupt: native join cannot take (list, string)");
}

TEST(VmNatives, AppendIsAValueAndAmortized) {
  Value xs = Value::list({});
  std::vector<Value> views;
  for (int i = 0; i < 5; ++i) {
    const Call c = call(Native::kAppend, {xs, Value::integer(i)});
    ASSERT_FALSE(c.error);
    views.push_back(xs);
    xs = c.result;
  }
  EXPECT_EQ(xs.listLength(), 5u);
  for (size_t i = 0; i < views.size(); ++i)
    EXPECT_EQ(views[i].listLength(), i);  // earlier values never change
  // Appending to an old view copies: the newer list is untouched.
  const Call branch = call(Native::kAppend, {views[2], Value::integer(99)});
  EXPECT_TRUE(valueEquals(branch.result, ints({0, 1, 99})));
  EXPECT_TRUE(valueEquals(xs, ints({0, 1, 2, 3, 4})));
  // The amortized path shares the buffer: a long chain stays linear.
  Value long_list = Value::list({});
  for (int i = 0; i < 100'000; ++i)
    long_list = Value::appended(long_list, Value::integer(i));
  EXPECT_EQ(long_list.listLength(), 100'000u);
  EXPECT_EQ(long_list.listItems()[99'999].asInt(), 99'999);
}

TEST(VmNatives, KeysAndValuesFollowKeyOrder) {
  const Value m = Value::map({{str("zeta"), Value::integer(1)},
                              {str("alpha"), Value::integer(2)},
                              {str("Émile"), Value::integer(3)},
                              {str("Zoe"), Value::integer(4)}});
  const Call k = call(Native::kKeys, {m});
  EXPECT_EQ(stringsOf(k.result), (std::vector<std::string>{"Zoe", "alpha", "zeta", "Émile"}));
  const Call v = call(Native::kValues, {m});
  EXPECT_TRUE(valueEquals(v.result, ints({4, 2, 1, 3})));
}

TEST(VmNatives, AbsMinMax) {
  EXPECT_EQ(intOf(Native::kAbsInt, {Value::integer(-5)}), 5);
  EXPECT_EQ(call(Native::kAbsInt, {Value::integer(INT64_MIN)}).errorText(),
            "error: abs: the result is too large for a 64-bit int");
  EXPECT_EQ(decimalOf(Native::kAbsDecimal, {dec("-0.50")}), "0.50");
  EXPECT_EQ(moneyOf(Native::kAbsMoney, {money("-3", "EUR")}), "3.00 EUR");
  EXPECT_EQ(intOf(Native::kAbsDuration, {Value::integer(-60'000)}), 60'000);
  EXPECT_EQ(intOf(Native::kMinInt, {Value::integer(3), Value::integer(-3)}), -3);
  EXPECT_EQ(intOf(Native::kMaxInt, {Value::integer(3), Value::integer(-3)}), 3);
  EXPECT_EQ(decimalOf(Native::kMinDecimal, {dec("1.0"), dec("1.00")}), "1.0");  // the first
  EXPECT_EQ(decimalOf(Native::kMaxDecimal, {dec("1.00"), dec("1.0")}), "1.00");
  EXPECT_EQ(decimalOf(Native::kMaxDecimal, {dec("-1"), dec("0.5")}), "0.5");
  EXPECT_EQ(moneyOf(Native::kMinMoney, {money("2", "USD"), money("1.5", "USD")}), "1.50 USD");
  EXPECT_EQ(moneyOf(Native::kMaxMoney, {money("2", "USD"), money("1.5", "USD")}), "2.00 USD");
  EXPECT_EQ(moneyOf(Native::kMinMoney, {money("2", "USD"), money("1", "EUR")}),
            "error: min: the amounts are in different currencies (USD and EUR)");
  EXPECT_EQ(intOf(Native::kMinDuration, {Value::integer(1), Value::integer(2)}), 1);
  EXPECT_EQ(intOf(Native::kMaxDuration, {Value::integer(1), Value::integer(2)}), 2);
}

TEST(VmNatives, Sum) {
  EXPECT_EQ(intOf(Native::kSumInt, {ints({})}), 0);
  EXPECT_EQ(intOf(Native::kSumInt, {ints({1, 2, 3})}), 6);
  EXPECT_EQ(call(Native::kSumInt, {ints({INT64_MAX, 1})}).errorText(),
            "error: sum: the result is too large for a 64-bit int");
  EXPECT_EQ(decimalOf(Native::kSumDecimal, {Value::list({})}), "0");
  EXPECT_EQ(decimalOf(Native::kSumDecimal, {Value::list({dec("0.1"), dec("0.20")})}), "0.30");
  EXPECT_EQ(moneyOf(Native::kSumMoney, {Value::list({money("1.10", "USD"), money("2", "USD")})}),
            "3.10 USD");
  EXPECT_EQ(moneyOf(Native::kSumMoney, {Value::list({})}),
            "error: sum: an empty list of money has no currency (sum a list with at least one "
            "amount)");
  EXPECT_EQ(moneyOf(Native::kSumMoney, {Value::list({money("1", "USD"), money("2", "EUR")})}),
            "error: sum: the amounts are in different currencies (USD and EUR)");
}

TEST(VmNatives, RoundHalfEvenWithinItsPlaces) {
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("2.5"), Value::integer(0)}), "2");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("3.5"), Value::integer(0)}), "4");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("1.005"), Value::integer(2)}), "1.00");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("1.015"), Value::integer(2)}), "1.02");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("2"), Value::integer(2)}), "2.00");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("-2.5"), Value::integer(0)}), "-2");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("1"), Value::integer(28)}),
            "1.0000000000000000000000000000");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("1"), Value::integer(29)}),
            "error: round: places must be between 0 and 28, not 29");
  EXPECT_EQ(decimalOf(Native::kRoundDecimal, {dec("1"), Value::integer(-1)}),
            "error: round: places must be between 0 and 28, not -1");
  EXPECT_EQ(moneyOf(Native::kRoundMoney, {money("25.05825", "USD"), Value::integer(2)}),
            "25.06 USD");
  EXPECT_EQ(moneyOf(Native::kRoundMoney, {money("0.125", "USD"), Value::integer(2)}), "0.12 USD");
  EXPECT_EQ(moneyOf(Native::kRoundMoney, {money("0.125", "USD"), Value::integer(40)}),
            "error: round: places must be between 0 and 28, not 40");
}

TEST(VmNatives, Conversions) {
  EXPECT_EQ(intOf(Native::kIntFromDecimal, {dec("-7.9")}), -7);
  EXPECT_EQ(intOf(Native::kIntFromDecimal, {dec("9223372036854775807.99")}), INT64_MAX);
  EXPECT_EQ(call(Native::kIntFromDecimal, {dec("9223372036854775808")}).errorText(),
            "error: int: 9223372036854775808 is outside the range of a 64-bit int");
  EXPECT_EQ(moneyOf(Native::kMoneyFromDecimal, {dec("12.5"), str("EUR")}), "12.50 EUR");
  EXPECT_EQ(moneyOf(Native::kMoneyFromInt, {Value::integer(1000), str("JPY")}), "1000 JPY");
  EXPECT_EQ(moneyOf(Native::kMoneyFromInt, {Value::integer(1), str("usd")}),
            "error: money: \"usd\" is not an ISO 4217 currency code");
  EXPECT_EQ(moneyOf(Native::kMoneyFromDecimal, {dec("1"), str("ABC")}),
            "error: money: \"ABC\" is not an ISO 4217 currency code");
  EXPECT_EQ(stringOf(Native::kUserFromString, {str("ana")}), "ana");
  EXPECT_EQ(call(Native::kUserFromString, {str("")}).errorText(),
            "error: user: a user id cannot be empty");
  EXPECT_EQ(intOf(Native::kDays, {Value::integer(2)}), 2 * 86'400'000);
  EXPECT_EQ(intOf(Native::kHours, {Value::integer(-1)}), -3'600'000);
  EXPECT_EQ(intOf(Native::kMinutes, {Value::integer(30)}), 1'800'000);
  EXPECT_EQ(call(Native::kDays, {Value::integer(INT64_MAX / 1000)}).errorText(),
            "error: days: the result is too large for a 64-bit int");
  EXPECT_EQ(stringOf(Native::kFormatTime, {Value::integer(1'764'223'200'250)}),
            "2025-11-27T06:00:00.250Z");
}

// The calendar natives take a Calendar as the text codegen writes (calendar::encode);
// the arithmetic itself is calendar_tests' (calendar/tests/).
TEST(VmNatives, BusinessTimeInACalendarsText) {
  const Value store =
      str("StoreHours;Europe/Berlin;1 08:00-20:00,2 08:00-20:00,3 08:00-20:00,"
          "4 08:00-20:00,5 08:00-20:00,6 09:00-18:00;2026-12-24");
  const int64_t saturday_19 = 1'795'888'800'000;  // 2026-11-28T18:00:00Z, 19:00 in Berlin
  const int64_t hour = 3'600'000;
  // Monday 2026-11-30 12:00 in Berlin.
  EXPECT_EQ(
      intOf(Native::kBusinessAdd, {Value::integer(saturday_19), Value::integer(4 * hour), store}),
      1'796'036'400'000);
  EXPECT_EQ(intOf(Native::kBusinessBetween,
                  {Value::integer(saturday_19), Value::integer(1'796'036'400'000), store}),
            4 * hour);
  EXPECT_FALSE(boolOf(Native::kIsOpen, {Value::integer(saturday_19), store}));
  EXPECT_TRUE(boolOf(Native::kIsOpen, {Value::integer(saturday_19 - 2 * hour), store}));
  EXPECT_EQ(call(Native::kBusinessAdd, {Value::integer(0), Value::integer(-1), store}).errorText(),
            "error: business_add: the duration -1ms is negative; open time only moves forward");
  // A text that is no calendar (a Calendar field filled from outside) is a runtime error.
  EXPECT_EQ(call(Native::kIsOpen, {Value::integer(0), str("Europe/Berlin")}).errorText(),
            "error: is_open: the calendar argument is not a calendar's text form");
  EXPECT_EQ(call(Native::kBusinessAdd, {Value::integer(0), Value::integer(0), Value::integer(1)})
                .errorText(),
            "error: business_add: the calendar argument is not a calendar's text form");
}

TEST(VmNatives, ParsingGivesNoneForWhatIsNotANumberOrTime) {
  const auto parsed = [](Native n, std::string_view s) {
    const Call c = call(n, {str(s)});
    EXPECT_FALSE(c.error);
    if (c.result.isNone()) return std::string("none");
    if (c.result.tag() == Tag::kInt) return std::to_string(c.result.asInt());
    return c.result.asDecimal().toString();
  };
  EXPECT_EQ(parsed(Native::kParseInt, "42"), "42");
  EXPECT_EQ(parsed(Native::kParseInt, "-0"), "0");
  EXPECT_EQ(parsed(Native::kParseInt, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(parsed(Native::kParseInt, "9223372036854775808"), "none");
  EXPECT_EQ(parsed(Native::kParseInt, "9223372036854775807"), "9223372036854775807");
  for (std::string_view bad : {"", "-", "+1", " 1", "1 ", "1_000", "1.0", "0x10", "١"})
    EXPECT_EQ(parsed(Native::kParseInt, bad), "none") << bad;
  EXPECT_EQ(parsed(Native::kParseDecimal, "12.50"), "12.50");
  EXPECT_EQ(parsed(Native::kParseDecimal, "-3"), "-3");
  EXPECT_EQ(parsed(Native::kParseDecimal, "-0.0"), "0.0");
  EXPECT_EQ(parsed(Native::kParseDecimal, std::string(35, '1')), "none");
  for (std::string_view bad : {"", ".5", "5.", "1e3", "1_0", "+1", "1.2.3", "NaN"})
    EXPECT_EQ(parsed(Native::kParseDecimal, bad), "none") << bad;
  EXPECT_EQ(parsed(Native::kParseTime, "2025-11-27T06:00:00Z"), "1764223200000");
  EXPECT_EQ(parsed(Native::kParseTime, "2025-11-27T07:00:00+01:00"), "1764223200000");
  EXPECT_EQ(parsed(Native::kParseTime, "2025-11-27"), "none");
  EXPECT_EQ(parsed(Native::kParseTime, "yesterday"), "none");
}

TEST(VmNatives, ResultsObeyTheStringAndListLimits) {
  const std::string half(kMaxStringBytes / 2 + 1, 'x');
  EXPECT_EQ(call(Native::kJoin, {Value::list({str(half), str(half)}), str("")}).errorText(),
            "error: join: the result would be longer than 4194304 bytes");
  const std::string commas(kMaxListLength + 1, ',');
  EXPECT_EQ(call(Native::kSplit, {str(commas), str(",")}).errorText(),
            "error: split: the result would have more than 1048576 pieces");
  // lower() may grow a string (U+023A is 2 bytes, its lowercase U+2C65 is 3).
  std::string grows;
  while (grows.size() + 2 <= kMaxStringBytes)
    grows += "\u023A";
  EXPECT_EQ(call(Native::kLower, {str(grows)}).errorText(),
            "error: lower: the result would be 6291456 bytes long, more than 4194304");
}

}  // namespace
}  // namespace rflow::vm::testing
