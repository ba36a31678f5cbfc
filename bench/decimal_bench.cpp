// bench/decimal: rflow_base's Decimal on the operations the VM runs, in operations per
// second, for retail-sized operands (prices with 2 decimals, quantities, 4-decimal
// rates: the inline 64-bit fast paths) and for wide ones (20-22 by 10-12 digits, mixed
// scales: the 128-bit paths). When Intel's decimal128 library (Debian libintelrdfpmath-dev) is
// installed, the same retail operations run on it too, as runtime.md §1 asks for a
// hand-written representation to be shown faster than a maintained library.
//
// Prints one table. Compare rows of one run with each other (the machines are shared
// and noisy); the absolute numbers only mean something next to each other.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "base/decimal.h"

#if RFLOW_BENCH_INTEL_BID
#define DECIMAL_CALL_BY_REFERENCE 0
#define DECIMAL_GLOBAL_ROUNDING 0
#define DECIMAL_GLOBAL_EXCEPTION_FLAGS 0
#include <bid_conf.h>
#include <bid_functions.h>
#endif

#include "bench_util.h"

namespace {

using rflow::base::Decimal;

constexpr size_t kOperands = 4096;  // fits in L1/L2, like a VM's working set

using rflow::bench::bestSeconds;

// Keeps results observable so the optimizer cannot drop the work.
volatile uint64_t g_sink = 0;

std::string digitsText(std::mt19937_64& rng, int digits, int scale, bool negative) {
  std::string text;
  for (int i = 0; i < digits; ++i)
    text += static_cast<char>('0' + (i == 0 ? 1 + rng() % 9 : rng() % 10));
  while (static_cast<int>(text.size()) <= scale)
    text.insert(text.begin(), '0');
  if (scale > 0) text.insert(text.end() - scale, '.');
  return negative ? "-" + text : text;
}

struct OperandSet {
  std::vector<std::string> a_text, b_text;
  std::vector<Decimal> a, b;
};

OperandSet makeRetail(std::mt19937_64& rng) {
  OperandSet set;
  for (size_t i = 0; i < kOperands; ++i) {
    set.a_text.push_back(digitsText(rng, 3 + static_cast<int>(rng() % 5), 2, rng() % 8 == 0));
    // Half prices (same scale: the add/compare fast path), half rates or quantities.
    set.b_text.push_back(i % 2 == 0   ? digitsText(rng, 3 + static_cast<int>(rng() % 4), 2, false)
                         : i % 4 == 1 ? digitsText(rng, 1 + static_cast<int>(rng() % 3), 4, false)
                                      : digitsText(rng, 1 + static_cast<int>(rng() % 3), 0, false));
  }
  for (size_t i = 0; i < kOperands; ++i) {
    set.a.push_back(*Decimal::parse(set.a_text[i]));
    set.b.push_back(*Decimal::parse(set.b_text[i]));
  }
  return set;
}

OperandSet makeWide(std::mt19937_64& rng) {
  OperandSet set;
  for (size_t i = 0; i < kOperands; ++i) {
    // 20-22 and 10-12 digits with scales up to 10 apart: coefficients past 64 bits, and
    // every sum, product and quotient still fits in 34 digits.
    set.a_text.push_back(digitsText(rng, 20 + static_cast<int>(rng() % 3),
                                    static_cast<int>(rng() % 11), rng() % 2 == 0));
    set.b_text.push_back(digitsText(rng, 10 + static_cast<int>(rng() % 3),
                                    static_cast<int>(rng() % 11), rng() % 2 == 0));
  }
  for (size_t i = 0; i < kOperands; ++i) {
    set.a.push_back(*Decimal::parse(set.a_text[i]));
    set.b.push_back(*Decimal::parse(set.b_text[i]));
  }
  return set;
}

// Operations per second of one operation over all operand pairs, `rounds` times.
struct Rates {
  double add, mul, div, compare, format, parse;
};

Rates measure(const OperandSet& set, int rounds, int runs) {
  const double ops = static_cast<double>(kOperands) * rounds;
  Rates rates{};
  const auto rate = [&](auto&& body) { return ops / bestSeconds(runs, body); };
  rates.add = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i) {
        const auto sum = add(set.a[i], set.b[i]);
        sink += sum.ok() ? static_cast<uint64_t>(sum->coefficient()) : 1;
      }
    g_sink = g_sink + sink;
  });
  rates.mul = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i) {
        const auto product = multiply(set.a[i], set.b[i]);
        sink += product.ok() ? static_cast<uint64_t>(product->coefficient()) : 1;
      }
    g_sink = g_sink + sink;
  });
  rates.div = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i) {
        const auto quotient = divide(set.a[i], set.b[i]);
        sink += quotient.ok() ? static_cast<uint64_t>(quotient->coefficient()) : 1;
      }
    g_sink = g_sink + sink;
  });
  rates.compare = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i)
        sink += static_cast<uint64_t>(set.a[i] < set.b[i]);
    g_sink = g_sink + sink;
  });
  std::string buffer;
  rates.format = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i) {
        buffer.clear();
        set.a[i].appendTo(buffer);
        sink += buffer.size();
      }
    g_sink = g_sink + sink;
  });
  rates.parse = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i) {
        const auto parsed = Decimal::parse(set.a_text[i]);
        sink += parsed.ok() ? static_cast<uint64_t>(parsed->coefficient()) : 1;
      }
    g_sink = g_sink + sink;
  });
  return rates;
}

#if RFLOW_BENCH_INTEL_BID
Rates measureIntel(const OperandSet& set, int rounds, int runs) {
  const double ops = static_cast<double>(kOperands) * rounds;
  _IDEC_flags flags = 0;
  std::vector<BID_UINT128> a;
  std::vector<BID_UINT128> b;
  std::vector<std::string> texts = set.a_text;
  for (size_t i = 0; i < kOperands; ++i) {
    a.push_back(bid128_from_string(texts[i].data(), BID_ROUNDING_TO_NEAREST, &flags));
    std::string b_text = set.b_text[i];
    b.push_back(bid128_from_string(b_text.data(), BID_ROUNDING_TO_NEAREST, &flags));
  }
  Rates rates{};
  const auto rate = [&](auto&& body) { return ops / bestSeconds(runs, body); };
  const auto binary = [&](auto op) {
    return rate([&] {
      uint64_t sink = 0;
      for (int r = 0; r < rounds; ++r)
        for (size_t i = 0; i < kOperands; ++i)
          sink += op(a[i], b[i]).w[0];
      g_sink = g_sink + sink;
    });
  };
  rates.add = binary([&](BID_UINT128 x, BID_UINT128 y) {
    return bid128_add(x, y, BID_ROUNDING_TO_NEAREST, &flags);
  });
  rates.mul = binary([&](BID_UINT128 x, BID_UINT128 y) {
    return bid128_mul(x, y, BID_ROUNDING_TO_NEAREST, &flags);
  });
  rates.div = binary([&](BID_UINT128 x, BID_UINT128 y) {
    return bid128_div(x, y, BID_ROUNDING_TO_NEAREST, &flags);
  });
  rates.compare = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i)
        sink += static_cast<uint64_t>(bid128_quiet_less(a[i], b[i], &flags));
    g_sink = g_sink + sink;
  });
  char out[64];
  rates.format = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i) {
        bid128_to_string(out, a[i], &flags);
        sink += static_cast<uint64_t>(out[1]);
      }
    g_sink = g_sink + sink;
  });
  rates.parse = rate([&] {
    uint64_t sink = 0;
    for (int r = 0; r < rounds; ++r)
      for (size_t i = 0; i < kOperands; ++i)
        sink += bid128_from_string(texts[i].data(), BID_ROUNDING_TO_NEAREST, &flags).w[0];
    g_sink = g_sink + sink;
  });
  return rates;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::mt19937_64 rng(20261127);
  const OperandSet retail = makeRetail(rng);
  const OperandSet wide = makeWide(rng);
  const Rates small = measure(retail, rounds, runs);
  const Rates big = measure(wide, rounds, runs);
#if RFLOW_BENCH_INTEL_BID
  const Rates intel = measureIntel(retail, rounds, runs);
#endif

  std::printf("bench/decimal: %zu operand pairs x %d rounds per row; best of %d runs\n\n",
              kOperands, rounds, runs);
#if RFLOW_BENCH_INTEL_BID
  std::printf("| operation | retail ops/s | wide ops/s  | Intel bid128 retail ops/s |\n");
  std::printf("|-----------|--------------|-------------|---------------------------|\n");
#else
  std::printf("| operation | retail ops/s | wide ops/s  |\n");
  std::printf("|-----------|--------------|-------------|\n");
#endif
  const auto row = [&](const char* name, double retail_rate, double wide_rate,
                       [[maybe_unused]] double intel_rate) {
#if RFLOW_BENCH_INTEL_BID
    std::printf("| %-9s | %12.3g | %11.3g | %25.3g |\n", name, retail_rate, wide_rate, intel_rate);
#else
    std::printf("| %-9s | %12.3g | %11.3g |\n", name, retail_rate, wide_rate);
#endif
  };
#if RFLOW_BENCH_INTEL_BID
  const Rates& other = intel;
#else
  const Rates other{};
#endif
  row("add", small.add, big.add, other.add);
  row("mul", small.mul, big.mul, other.mul);
  row("div", small.div, big.div, other.div);
  row("compare", small.compare, big.compare, other.compare);
  row("format", small.format, big.format, other.format);
  row("parse", small.parse, big.parse, other.parse);
  return 0;
}
