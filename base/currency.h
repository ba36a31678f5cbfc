// Currency codes and the ISO 4217 table (the compiler accepts a money literal only with
// a code from it; money prints with at least the code's minor-unit digits).
//
// Invariants: a CurrencyCode always holds three ASCII capital letters. It is a 3-byte
// value compared bytewise; whether it is an ISO 4217 code is a separate question
// (isIsoCurrency), since `money(d, code)` may build one from any text at run time.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"

namespace rflow::base {

class CurrencyCode {
 public:
  // Three capital letters A-Z, else kInvalidText.
  static constexpr Result<CurrencyCode> parse(std::string_view text) {
    if (text.size() != 3) return ArithmeticError::kInvalidText;
    for (const char c : text) {
      if (c < 'A' || c > 'Z') return ArithmeticError::kInvalidText;
    }
    return CurrencyCode(text[0], text[1], text[2]);
  }

  // Views this object: keep the CurrencyCode alive while the view is used.
  constexpr std::string_view text() const { return {letters_.data(), letters_.size()}; }

  friend constexpr bool operator==(const CurrencyCode&, const CurrencyCode&) = default;
  friend constexpr auto operator<=>(const CurrencyCode&, const CurrencyCode&) = default;

 private:
  constexpr CurrencyCode(char a, char b, char c) : letters_{a, b, c} {}

  std::array<char, 3> letters_;
};

// An entry of ISO 4217 list one (current codes). Minor units are the digits after the
// point the currency is usually written with; ISO gives none ("N.A.") for units such as
// gold (XAU) or SDR (XDR), recorded here as 0 so that amounts print exactly as they are.
struct IsoCurrency {
  std::string_view code;
  uint8_t minor_units;
};

// The table, sorted by code.
std::span<const IsoCurrency> isoCurrencies();

bool isIsoCurrency(CurrencyCode code);
bool isIsoCurrency(std::string_view code);

// The code's minor-unit digits (USD 2, JPY 0, KWD 3, CLF 4); nullopt when it is not an
// ISO 4217 code.
std::optional<int> minorUnits(CurrencyCode code);

}  // namespace rflow::base
