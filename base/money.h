// Money: an exact Decimal amount in one currency (language.md §3). Never rounded
// implicitly: 1_000.00 USD * 0.02 is 20.0000 USD; round() is the only rounding.
//
// Invariants: amount is any Decimal (its scale kept as computed); currency is three
// capital letters, not necessarily ISO (the compiler checks literals, the VM checks
// `money(d, code)`).
//
// Rules:
// - money ± money needs one currency, else kCurrencyMismatch;
// - money × int|decimal and money ÷ int|decimal follow Decimal's rules and keep the
//   currency; money ÷ money (one currency) is a Decimal;
// - == is true when the currencies are equal and the amounts numerically equal
//   (0.3 USD == 0.30 USD; different currencies are unequal, not an error);
// - ordering needs one currency, else kCurrencyMismatch.
// Display (toString: interpolation, notes, the CLI) shows the exact amount with at least
// the currency's minor-unit digits, then the code: "20.00 USD", "25.05825 USD",
// "1000 JPY", "5.000 KWD"; a code that is not ISO shows the amount as it is. The wire
// form is different and exact: amount().toString() and currency().text().
#pragma once

#include <compare>
#include <string>

#include "base/currency.h"
#include "base/decimal.h"

namespace rflow::base {

class Money {
 public:
  constexpr Money(Decimal amount, CurrencyCode currency) : amount_(amount), currency_(currency) {}

  constexpr Decimal amount() const { return amount_; }
  // A reference, so that currency().text() views this Money rather than a temporary.
  constexpr const CurrencyCode& currency() const { return currency_; }

  constexpr Money negated() const { return Money(amount_.negated(), currency_); }
  constexpr Money abs() const { return Money(amount_.abs(), currency_); }
  Result<Money> round(int places) const;

  std::string toString() const;
  void appendTo(std::string& out) const;

  // Consistent with ==: equal for 0.3 USD and 0.30 USD.
  uint64_t hashValue() const;

  friend constexpr Money operator-(const Money& x) { return x.negated(); }
  friend bool operator==(const Money& a, const Money& b) {
    return a.currency_ == b.currency_ && a.amount_ == b.amount_;
  }

 private:
  Decimal amount_;
  CurrencyCode currency_;
};

Result<Money> add(const Money& a, const Money& b);
Result<Money> subtract(const Money& a, const Money& b);
Result<Money> multiply(const Money& a, Decimal factor);
Result<Money> multiply(const Money& a, int64_t factor);
Result<Money> divide(const Money& a, Decimal divisor);
Result<Money> divide(const Money& a, int64_t divisor);
Result<Decimal> divide(const Money& a, const Money& b);

// By amount; kCurrencyMismatch for two currencies.
Result<std::weak_ordering> compare(const Money& a, const Money& b);

}  // namespace rflow::base

template <>
struct std::hash<rflow::base::Money> {
  size_t operator()(const rflow::base::Money& x) const { return x.hashValue(); }
};
