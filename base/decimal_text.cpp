// Decimal <-> text: the canonical form (plain digits, scale kept, never an exponent) and
// the parser for the language's literal form and the wire form. See decimal.h.
#include <algorithm>
#include <cstddef>

#include "base/decimal.h"

namespace rflow::base {

namespace {

constexpr bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Collects significant digits into a coefficient: 64-bit arithmetic for the first 19,
// 128-bit after that; past 34 it only remembers that there were too many.
class CoefficientBuilder {
 public:
  void push(int digit) {
    if (significant_ == 0 && digit == 0) return;  // leading zeros are not significant
    ++significant_;
    if (significant_ <= 19) {
      small_ = small_ * 10 + static_cast<uint64_t>(digit);
    } else if (significant_ <= Decimal::kMaxDigits) {
      if (significant_ == 20) big_ = small_;
      big_ = big_ * 10 + static_cast<unsigned>(digit);
    }
  }
  bool tooMany() const { return significant_ > Decimal::kMaxDigits; }
  Uint128 value() const { return significant_ <= 19 ? Uint128{small_} : big_; }

 private:
  uint64_t small_ = 0;
  Uint128 big_ = 0;
  size_t significant_ = 0;
};

// The language's INT_BODY: a digit, then digits each optionally preceded by one '_'.
// Returns how many digits it read (0 when text[pos] is not a digit).
size_t scanDigits(std::string_view text, size_t& pos, CoefficientBuilder& coefficient) {
  size_t count = 0;
  if (pos >= text.size() || !isDigit(text[pos])) return 0;
  while (pos < text.size()) {
    if (isDigit(text[pos])) {
      coefficient.push(text[pos] - '0');
      ++pos;
    } else if (text[pos] == '_' && pos + 1 < text.size() && isDigit(text[pos + 1])) {
      coefficient.push(text[pos + 1] - '0');
      pos += 2;
    } else {
      break;
    }
    ++count;
  }
  return count;
}

}  // namespace

Result<Decimal> Decimal::parse(std::string_view text) {
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;

  // Fast path for what the wire mostly carries ("12.50", "-3"): at most 19 digits and no
  // '_', so the coefficient fits in 64 bits whatever the digits are. Anything else, valid
  // or not, takes the general path below, which also finds the errors.
  if (text.size() <= 21) {
    size_t i = pos;
    uint64_t value = 0;
    while (i < text.size() && isDigit(text[i]))
      value = value * 10 + static_cast<uint64_t>(text[i++] - '0');
    const size_t integer_digits = i - pos;
    size_t fraction_digits = 0;
    const bool has_point = i < text.size() && text[i] == '.';
    if (has_point) {
      const size_t first = ++i;
      while (i < text.size() && isDigit(text[i]))
        value = value * 10 + static_cast<uint64_t>(text[i++] - '0');
      fraction_digits = i - first;
    }
    const bool well_formed =
        integer_digits > 0 && i == text.size() && (!has_point || fraction_digits > 0);
    if (well_formed && integer_digits + fraction_digits <= 19)
      return make(negative, value, static_cast<int32_t>(fraction_digits));
  }

  CoefficientBuilder coefficient;
  if (scanDigits(text, pos, coefficient) == 0) return ArithmeticError::kInvalidText;
  size_t scale = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    scale = scanDigits(text, pos, coefficient);
    if (scale == 0) return ArithmeticError::kInvalidText;
  }
  if (pos != text.size()) return ArithmeticError::kInvalidText;
  if (coefficient.tooMany()) return ArithmeticError::kTooManyDigits;
  if (scale > static_cast<size_t>(kMaxScale)) return ArithmeticError::kOutOfRange;
  return make(negative, coefficient.value(), static_cast<int32_t>(scale));
}

std::string_view decimalTextProblem(std::string_view text) {
  const Result<Decimal> parsed = Decimal::parse(text);
  if (parsed.ok()) return {};
  if (parsed.error() == ArithmeticError::kTooManyDigits)
    return "a decimal has at most 34 significant digits";
  if (parsed.error() == ArithmeticError::kOutOfRange)
    return "a decimal has at most 6176 digits after the `.`";
  if (text.empty()) return "the text is empty";
  size_t dots = 0;
  bool has_digit = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "a number has no spaces in it";
    if (c == '.') ++dots;
    if (isDigit(c)) has_digit = true;
  }
  if (text[0] == '+') return "a number is not written with `+`: leave it out";
  if (!has_digit) {
    return text == "." || text == "-" || text == "-." ? "there are no digits"
                                                      : "this is not a number";
  }
  for (size_t i = 1; i < text.size(); ++i) {
    if ((text[i] == 'e' || text[i] == 'E') && isDigit(text[i - 1]))
      return "exponents (`1e5`) are not accepted: write all the digits out";
  }
  if (dots > 1) return "a number has at most one `.`";
  const size_t dot = text.find('.');
  if (dot != std::string_view::npos &&
      (dot == 0 || !isDigit(text[dot - 1]) || dot + 1 == text.size() || !isDigit(text[dot + 1])))
    return "a `.` needs a digit on each side (`0.5`, `5.0`)";
  if (text.find(',') != std::string_view::npos)
    return "the decimal point is `.`, and digits are grouped with `_`, not `,`";
  if (text.find('_') != std::string_view::npos) return "`_` may only stand between two digits";
  if (text.find('-', 1) != std::string_view::npos) return "`-` may only come first";
  return "a number is digits with an optional `-` before them and an optional `.`";
}

void Decimal::appendTo(std::string& out) const {
  char digits[kMaxPow10 + 1];
  const char* const digits_start = writeDigitsBackward(coefficient(), digits + sizeof digits);
  const char* const digits_end = digits + sizeof digits;
  const size_t digit_count = static_cast<size_t>(digits_end - digits_start);
  const size_t s = static_cast<size_t>(scale());
  // [-] integer digits (at least "0") [. zeros fraction digits]
  const size_t integer_digits = digit_count > s ? digit_count - s : 1;
  const size_t size = (isNegative() ? 1 : 0) + integer_digits + (s > 0 ? 1 + s : 0);
  // Built in a local buffer and appended at once (one copy) when it fits, which is
  // nearly always; a thousand zeros after the point go straight into the string.
  char local[64];
  std::string spill;
  char* const text = size <= sizeof local ? local : (spill.resize(size), spill.data());
  char* p = text;
  if (isNegative()) *p++ = '-';
  if (digit_count > s) {
    p = std::copy(digits_start, digits_end - s, p);
  } else {
    *p++ = '0';
  }
  if (s > 0) {
    *p++ = '.';
    if (digit_count < s) p = std::fill_n(p, s - digit_count, '0');
    std::copy(digit_count > s ? digits_end - s : digits_start, digits_end, p);
  }
  out.append(text, size);
}

std::string Decimal::toString() const {
  std::string out;
  appendTo(out);
  return out;
}

}  // namespace rflow::base
