#include "base/money.h"

namespace rflow::base {

namespace {

Result<Money> withCurrency(Result<Decimal> amount, CurrencyCode currency) {
  if (!amount) return amount.error();
  return Money(*amount, currency);
}

}  // namespace

Result<Money> Money::round(int places) const {
  return withCurrency(amount_.round(places), currency_);
}

void Money::appendTo(std::string& out) const {
  amount_.appendTo(out);
  // Pad to the minor-unit digits: 20 USD -> 20.00 USD. Never cut: 25.05825 USD stays.
  const int minor = minorUnits(currency_).value_or(0);
  const int scale = -amount_.exponent();
  if (scale < minor) {
    if (scale == 0) out += '.';
    out.append(static_cast<size_t>(minor - scale), '0');
  }
  out += ' ';
  out += currency_.text();
}

std::string Money::toString() const {
  std::string out;
  appendTo(out);
  return out;
}

uint64_t Money::hashValue() const {
  const std::string_view code = currency_.text();
  const uint64_t code_bits = static_cast<uint64_t>(static_cast<unsigned char>(code[0])) |
                             static_cast<uint64_t>(static_cast<unsigned char>(code[1])) << 8 |
                             static_cast<uint64_t>(static_cast<unsigned char>(code[2])) << 16;
  return amount_.hashValue() ^ (code_bits * 0x9e3779b97f4a7c15ull);
}

Result<Money> add(const Money& a, const Money& b) {
  if (a.currency() != b.currency()) return ArithmeticError::kCurrencyMismatch;
  return withCurrency(add(a.amount(), b.amount()), a.currency());
}

Result<Money> subtract(const Money& a, const Money& b) {
  if (a.currency() != b.currency()) return ArithmeticError::kCurrencyMismatch;
  return withCurrency(subtract(a.amount(), b.amount()), a.currency());
}

Result<Money> multiply(const Money& a, Decimal factor) {
  return withCurrency(multiply(a.amount(), factor), a.currency());
}

Result<Money> multiply(const Money& a, int64_t factor) {
  return multiply(a, Decimal::fromInt(factor));
}

Result<Money> divide(const Money& a, Decimal divisor) {
  return withCurrency(divide(a.amount(), divisor), a.currency());
}

Result<Money> divide(const Money& a, int64_t divisor) {
  return divide(a, Decimal::fromInt(divisor));
}

Result<Decimal> divide(const Money& a, const Money& b) {
  if (a.currency() != b.currency()) return ArithmeticError::kCurrencyMismatch;
  return divide(a.amount(), b.amount());
}

Result<std::weak_ordering> compare(const Money& a, const Money& b) {
  if (a.currency() != b.currency()) return ArithmeticError::kCurrencyMismatch;
  return a.amount() <=> b.amount();
}

}  // namespace rflow::base
