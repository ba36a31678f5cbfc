// The standard library's functions (functions.def) as constexpr arrays, and the reading of
// their signatures. Header-only and free of the compiler, so bytecode/ and vm/ take native
// ids and arities from it, the checker its overloads, and the language server what it
// shows.
//
// Invariants, checked here when compiling: every name has one FUNCTION row and at least
// one overload; the overloads of a name follow each other and take one number of
// arguments (at most kMaxParams); signatures are well formed; native ids are unique; every
// ARGUMENT row names a parameter of its function.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace rflow::stdlib {

struct Function {
  std::string_view name;  // "len"
  std::string_view doc;   // one line for hover and completion
};

// What an overload compiles to: CallNative, or a single instruction (functions.def).
enum class Target : uint8_t { kNative, kNow, kIntToDecimal, kToString, kIdentity };

struct Overload {
  std::string_view function;   // "len"
  std::string_view signature;  // "(value: list<T>) -> int"
  Target target;
  uint16_t native = 0;           // kNative: the persisted native id
  std::string_view native_name;  // kNative: "LenList"
};

struct Argument {
  std::string_view function, param, wanted;
};

inline constexpr Function kFunctions[] = {
#define RFLOW_STDLIB_FUNCTION(name, doc) {name, doc},
#include "stdlib/functions.def"
};

inline constexpr Overload kOverloads[] = {
#define RFLOW_STDLIB_NATIVE(name, Native, id, signature) \
  {name, signature, Target::kNative, id, #Native},
#define RFLOW_STDLIB_INSTRUCTION(name, Instruction, signature) \
  {name, signature, Target::k##Instruction, 0, {}},
#include "stdlib/functions.def"
};

inline constexpr Argument kArguments[] = {
#define RFLOW_STDLIB_ARGUMENT(name, param, wanted) {name, param, wanted},
#include "stdlib/functions.def"
};

// ---- signatures ---------------------------------------------------------------------------

inline constexpr size_t kMaxParams = 4;

struct Param {
  std::string_view name;  // "separator"
  std::string_view type;  // "string", "list<T>"
};

struct Signature {
  std::array<Param, kMaxParams> params{};
  size_t arity = 0;
  std::string_view result;
  bool valid = false;

  constexpr std::span<const Param> parameters() const { return {params.data(), arity}; }
};

namespace detail {

constexpr bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

constexpr bool isName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!isNameChar(c)) return false;
  return true;
}

}  // namespace detail

// `T`, a built-in type name, `list<X>`, `map<X>` or `X?`.
constexpr bool isTypeText(std::string_view t) {
  if (t.ends_with('?')) return isTypeText(t.substr(0, t.size() - 1)) && !t.ends_with("??");
  for (std::string_view wrapper : {std::string_view("list<"), std::string_view("map<")}) {
    if (t.starts_with(wrapper) && t.ends_with('>'))
      return isTypeText(t.substr(wrapper.size(), t.size() - wrapper.size() - 1));
  }
  constexpr std::string_view kNames[] = {"T",      "bool",     "int",  "decimal", "money",
                                         "string", "duration", "time", "User",    "Calendar"};
  for (std::string_view n : kNames)
    if (t == n) return true;
  return false;
}

// Whether a type text mentions the type variable `T`.
constexpr bool isGeneric(std::string_view t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == 'T' && (i == 0 || !detail::isNameChar(t[i - 1])) &&
        (i + 1 == t.size() || !detail::isNameChar(t[i + 1])))
      return true;
  }
  return false;
}

// "(a: int, b: list<T>) -> int"; `valid` is false for anything else.
constexpr Signature parseSignature(std::string_view text) {
  Signature s;
  const size_t close = text.find(')');
  if (!text.starts_with('(') || close == std::string_view::npos) return s;
  const std::string_view arrow = " -> ";
  if (text.substr(close + 1, arrow.size()) != arrow) return s;
  s.result = text.substr(close + 1 + arrow.size());
  if (!isTypeText(s.result)) return s;
  std::string_view rest = text.substr(1, close - 1);
  while (!rest.empty()) {
    if (s.arity == kMaxParams) return s;
    const size_t comma = rest.find(", ");
    const std::string_view piece = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    const size_t colon = piece.find(": ");
    if (colon == std::string_view::npos) return s;
    const Param p{piece.substr(0, colon), piece.substr(colon + 2)};
    if (!detail::isName(p.name) || !isTypeText(p.type)) return s;
    s.params[s.arity++] = p;
  }
  s.valid = true;
  return s;
}

// Every overload's signature, read once while compiling.
inline constexpr auto kSignatures = [] {
  std::array<Signature, std::size(kOverloads)> out{};
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = parseSignature(kOverloads[i].signature);
  return out;
}();

// `o` must be an element of kOverloads.
constexpr const Signature& signatureOf(const Overload& o) {
  return kSignatures[static_cast<size_t>(&o - kOverloads)];
}

// ---- lookups ------------------------------------------------------------------------------

constexpr const Function* findFunction(std::string_view name) {
  for (const Function& f : kFunctions)
    if (f.name == name) return &f;
  return nullptr;
}

// The overloads of `name`, in table order (empty for a name that is not a function).
constexpr std::span<const Overload> overloadsOf(std::string_view name) {
  size_t first = 0;
  while (first < std::size(kOverloads) && kOverloads[first].function != name)
    ++first;
  size_t end = first;
  while (end < std::size(kOverloads) && kOverloads[end].function == name)
    ++end;
  return {kOverloads + first, end - first};
}

// The ARGUMENT row's text for parameter `param` of `function`, or "" when it has none.
constexpr std::string_view wantedText(std::string_view function, std::string_view param) {
  for (const Argument& a : kArguments)
    if (a.function == function && a.param == param) return a.wanted;
  return {};
}

// One more than the largest native id: the size of a table indexed by id.
inline constexpr size_t kNativeCount = [] {
  size_t n = 0;
  for (const Overload& o : kOverloads)
    if (o.target == Target::kNative && o.native >= n) n = o.native + size_t{1};
  return n;
}();

// How many arguments an overload takes (for a native, CallNative's argc).
constexpr size_t arity(const Overload& o) {
  return signatureOf(o).arity;
}

// ---- the table's invariants ---------------------------------------------------------------

namespace detail {

constexpr bool signaturesAreValid() {
  for (const Overload& o : kOverloads)
    if (!parseSignature(o.signature).valid) return false;
  return true;
}

constexpr bool functionsAreUniqueWithOverloads() {
  for (size_t i = 0; i < std::size(kFunctions); ++i) {
    for (size_t j = i + 1; j < std::size(kFunctions); ++j)
      if (kFunctions[i].name == kFunctions[j].name) return false;
    if (overloadsOf(kFunctions[i].name).empty()) return false;
  }
  return true;
}

constexpr bool overloadsFollowEachOther() {
  for (size_t i = 0; i < std::size(kOverloads); ++i) {
    const Overload& o = kOverloads[i];
    if (findFunction(o.function) == nullptr) return false;
    const std::span<const Overload> group = overloadsOf(o.function);
    if (&o < group.data() || &o >= group.data() + group.size()) return false;
    if (parseSignature(o.signature).arity != parseSignature(group[0].signature).arity) return false;
  }
  return true;
}

constexpr bool nativeIdsAreUnique() {
  for (size_t i = 0; i < std::size(kOverloads); ++i) {
    for (size_t j = i + 1; j < std::size(kOverloads); ++j) {
      const Overload& a = kOverloads[i];
      const Overload& b = kOverloads[j];
      if (a.target == Target::kNative && b.target == Target::kNative &&
          (a.native == b.native || a.native_name == b.native_name))
        return false;
    }
  }
  return true;
}

constexpr bool argumentsNameParameters() {
  for (const Argument& a : kArguments) {
    bool found = false;
    for (const Overload& o : overloadsOf(a.function)) {
      // Named: parameters() views the signature, which must outlive the loop.
      const auto signature = parseSignature(o.signature);
      for (const Param& p : signature.parameters())
        found = found || p.name == a.param;
    }
    if (!found || a.wanted.empty()) return false;
  }
  return true;
}

}  // namespace detail

static_assert(detail::signaturesAreValid(),
              "functions.def: a signature is not `(name: type, …) -> type`");
static_assert(detail::functionsAreUniqueWithOverloads(),
              "functions.def: a FUNCTION row is repeated or has no overloads");
static_assert(detail::overloadsFollowEachOther(),
              "functions.def: the overloads of one name must follow each other, take one "
              "number of arguments, and have a FUNCTION row");
static_assert(detail::nativeIdsAreUnique(), "functions.def: a native id or name is used twice");
static_assert(detail::argumentsNameParameters(),
              "functions.def: an ARGUMENT row names no parameter of its function");

}  // namespace rflow::stdlib
