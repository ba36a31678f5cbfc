// Value: one rflow value at run time (language.md §3), as the interpreter, the natives,
// the state codec and the host see it.
//
// Representation. A Value is 24 bytes: a tag and a 16-byte payload, plus the 3 letters of
// a money's currency. Scalars live inline (int, duration and time are one int64 of
// milliseconds; a decimal or a money amount is a base::Decimal); strings, lists, maps and
// records are immutable heap objects shared by reference counting. Values are acyclic
// (every aggregate is built from values that exist before it), so counting is enough and
// there is no collector. The tag says how the payload is laid out, not the language type:
// the compiler's typed instructions and the type operands of ToString/Eq carry the type
// (an int tag holds an int, a duration or a time; a string tag a string or a User).
//
//   language type        tag      payload
//   none, T? when none   kNone    -
//   bool                 kBool    bool
//   int, duration, time  kInt     int64 (milliseconds for duration and time)
//   decimal              kDecimal base::Decimal
//   money                kMoney   base::Decimal + currency letters
//   string, User         kString  shared string object (valid UTF-8)
//   Role                 kRole    index into Module::roles
//   Assignee             kRole or kString (a role, or a user)
//   enum member          kEnum    enum index, member index
//   list<T>              kList    shared buffer + length (see below)
//   map<T>               kMap     shared entries, sorted by key bytes, keys unique
//   record               kRecord  shared object: record index + one value per field
//   Run<T> (tests)       kRun     shared string: the instance id
//
// `T?` is not boxed: a value of an optional type is none or the T value itself, so an
// optional of an optional cannot tell its two nones apart (the checker never needs to).
//
// Lists are values, and `xs = append(xs, v)` is amortized O(1): a list value is a view of
// the first `length` items of a shared, append-only buffer. Appending to a view that
// covers the whole buffer pushes onto the buffer and returns a longer view; the shorter
// view still sees only its own items. Appending to any other view copies. Items below a
// view's length are never changed, so every list behaves as an immutable value.
//
// Maps are ordered by key bytes (code point order), which makes `keys`, `values`,
// printing and equality deterministic whatever order a literal or a connector gave.
//
// Thread safety: counts are not atomic, so one instance's values belong to one thread at
// a time. The exception is "shared" objects (a Program's constants and everything inside
// them), whose counts are atomic: instances on every thread copy them, and a copy keeps
// its object alive after the Program is gone.
//
// Invariants of every Value built through this header: a string is whatever bytes it was
// given (the interpreter only makes valid UTF-8; checkValue in value_check.h is how
// values from outside are checked); a map's keys are sorted and unique; depth() is
// 1 + the largest depth of the values inside an aggregate (saturating), 0 otherwise.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/decimal.h"
#include "base/money.h"

namespace rflow::vm {

enum class Tag : uint8_t {
  kNone,
  kBool,
  kInt,
  kDecimal,
  kMoney,
  kRole,
  kEnum,
  // Tags from here on hold a heap object.
  kString,
  kList,
  kMap,
  kRecord,
  kRun,
};

// "none", "int", "list" …: for messages about corrupt modules and bad host values.
std::string_view tagName(Tag tag);

class Value;
struct MapEntry;
namespace detail {
struct StringObject;
}

namespace detail {

enum class ObjectKind : uint8_t { kString, kList, kMap, kRecord };

// The header every heap object starts with.
struct Object {
  uint32_t refs = 1;
  uint32_t depth = 0;
  ObjectKind kind;
  // Counted atomically: reachable from a Program's constants, which every thread may copy.
  // Set before the object is published to other threads and never cleared.
  bool shared = false;

  explicit Object(ObjectKind k) : kind(k) {}
};

void destroy(Object* o);

inline void retain(Object* o) {
  if (o->shared) [[unlikely]] {
    std::atomic_ref<uint32_t>(o->refs).fetch_add(1, std::memory_order_relaxed);
  } else {
    ++o->refs;
  }
}

inline void release(Object* o) {
  if (o->shared) [[unlikely]] {
    if (std::atomic_ref<uint32_t>(o->refs).fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(o);
  } else if (--o->refs == 0) {
    destroy(o);
  }
}

}  // namespace detail

class Value {
 public:
  Value() noexcept : p_{0, 0}, meta_(0) {}

  static Value boolean(bool b) { return Value(Tag::kBool, Bits{uint64_t{b}, 0}); }
  static Value integer(int64_t i) { return Value(Tag::kInt, Bits{static_cast<uint64_t>(i), 0}); }
  static Value decimal(base::Decimal d) { return Value(Tag::kDecimal, std::bit_cast<Bits>(d)); }
  static Value money(const base::Money& m) {
    const auto c = std::bit_cast<std::array<char, 3>>(m.currency());
    return Value(Tag::kMoney, std::bit_cast<Bits>(m.amount()),
                 uint64_t{static_cast<uint8_t>(c[0])} | uint64_t{static_cast<uint8_t>(c[1])} << 8 |
                     uint64_t{static_cast<uint8_t>(c[2])} << 16);
  }
  static Value role(uint32_t index) { return Value(Tag::kRole, Bits{index, 0}); }
  static Value enumMember(uint32_t enum_index, uint32_t member) {
    return Value(Tag::kEnum, Bits{enum_index | uint64_t{member} << 32, 0});
  }
  static Value string(std::string_view text);
  static Value string(const std::string& text) { return string(std::string_view(text)); }
  static Value string(const char* text) { return string(std::string_view(text)); }
  static Value run(std::string_view instance_id);
  // A string value owning `object` (from detail::makeString, its bytes filled in): takes
  // over the object's one reference.
  static Value adoptString(detail::StringObject* object);
  static Value list(std::vector<Value> items);
  // Entries in any order; of equal keys the last one wins (as in a map literal).
  static Value map(std::vector<MapEntry> entries);
  static Value record(uint32_t record_index, std::vector<Value> fields);

  Value(const Value& o) noexcept {
    copyWords(o);
    if (isHeap()) detail::retain(object());
  }
  Value(Value&& o) noexcept {
    copyWords(o);
    o.meta_ = 0;
  }
  Value& operator=(const Value& o) noexcept {
    if (o.isHeap()) detail::retain(o.object());
    if (isHeap()) detail::release(object());
    copyWords(o);
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      if (isHeap()) detail::release(object());
      copyWords(o);
      o.meta_ = 0;
    }
    return *this;
  }
  ~Value() {
    if (isHeap()) detail::release(object());
  }

  // *this = Value::integer(i), without a temporary.
  void setInteger(int64_t i) {
    if (isHeap()) detail::release(object());
    p_[0] = static_cast<uint64_t>(i);
    p_[1] = 0;
    meta_ = kTagShifted(Tag::kInt);
  }

  Tag tag() const { return static_cast<Tag>(meta_ >> kTagShift); }
  // The tag with a money's currency: values with equal words have one tag and, for money,
  // one currency (a single compare where a handler would otherwise make three).
  uint64_t tagWord() const { return meta_; }
  bool isNone() const { return tag() == Tag::kNone; }
  bool isHeap() const { return tag() >= Tag::kString; }
  // 0 for scalars and strings; 1 + the deepest value inside for aggregates.
  uint32_t depth() const { return tag() >= Tag::kList ? object()->depth : 0; }

  // Each accessor requires the matching tag.
  bool asBool() const { return p_[0] != 0; }
  int64_t asInt() const { return static_cast<int64_t>(p_[0]); }
  base::Decimal asDecimal() const { return std::bit_cast<base::Decimal>(p_); }
  base::Money asMoney() const {
    const std::array<char, 3> c = {static_cast<char>(meta_ & 0xFF),
                                   static_cast<char>(meta_ >> 8 & 0xFF),
                                   static_cast<char>(meta_ >> 16 & 0xFF)};
    return base::Money(asDecimal(), std::bit_cast<base::CurrencyCode>(c));
  }
  uint32_t asRole() const { return static_cast<uint32_t>(p_[0]); }
  uint32_t enumIndex() const { return static_cast<uint32_t>(p_[0]); }
  uint32_t enumMember() const { return static_cast<uint32_t>(p_[0] >> 32); }
  // kString and kRun.
  std::string_view asString() const;
  // kList: the items of this list (a prefix of its buffer).
  std::span<const Value> listItems() const;
  size_t listLength() const { return static_cast<uint32_t>(p_[1]); }
  // kMap.
  std::span<const MapEntry> mapEntries() const;
  // kRecord.
  uint32_t recordIndex() const;
  std::span<const Value> recordFields() const;

  // append(xs, v) for a kList value: amortized O(1) (see the header comment). The
  // caller checks kMaxListLength and kMaxValueDepth.
  static Value appended(const Value& view, Value item);

  // Marks every heap object reachable from this value shared (counted atomically), so
  // that copies of it may live on any thread. Only while a Program builds its constants,
  // before any other thread sees them.
  void makeShared() const;

  // A copy whose heap objects (all the way down) belong to this thread alone: counted
  // without atomics, and no object of it is reachable from anything else. What an
  // instance makes of a Program's constant, so that copying it around costs plain
  // increments instead of atomic ones.
  Value unsharedCopy() const;

 private:
  // Three 8-byte words, each always written and read whole (or read in part): the
  // interpreter copies a value right after writing it all the time, and a load that spans
  // two recent stores (a 16-byte copy of an int written as two 8-byte words, an 8-byte read
  // of a word whose byte was just set) cannot take its data from the store buffer and waits
  // for the stores to reach the cache, a dozen cycles each time. Hence the word-by-word
  // copies; vm/CMakeLists.txt keeps the compiler from merging them into 16-byte moves.
  using Bits = std::array<uint64_t, 2>;
  static constexpr unsigned kTagShift = 24;
  static constexpr uint64_t kTagShifted(Tag tag) {
    return uint64_t{static_cast<uint8_t>(tag)} << kTagShift;
  }

  Value(Tag tag, Bits payload, uint64_t currency = 0)
      : p_(payload), meta_(currency | kTagShifted(tag)) {}
  void copyWords(const Value& o) {
    p_[0] = o.p_[0];
    p_[1] = o.p_[1];
    meta_ = o.meta_;
  }
  static Value fromObject(Tag tag, detail::Object* object, uint32_t length);
  detail::Object* object() const { return reinterpret_cast<detail::Object*>(p_[0]); }

  // p_[0]: bool, int, the enum index (low half) and member (high half), the role, or the
  // object; p_[1]: a list view's length. A decimal or money amount takes both.
  Bits p_;
  // Bits 0-23: a money's currency letters; bits 24-31: the tag; the rest 0.
  uint64_t meta_;
};

struct MapEntry {
  Value key;  // a kString
  Value value;
};

namespace detail {

// The heap objects behind strings, lists and records (maps are in value.cpp), here so
// that the interpreter's accessors inline.

// A string's bytes follow its header in the same allocation (one malloc per string, and
// the bytes are next to the count the interpreter touches anyway). Made and freed only by
// value.cpp (makeString, destroy).
struct StringObject : Object {
  explicit StringObject(size_t n) : Object(ObjectKind::kString), size(n) {}
  size_t size;
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }
};

// A string object of `size` bytes, uninitialized, with one reference.
StringObject* makeString(size_t size);

// The append-only buffer behind list views.
struct ListBuffer : Object {
  ListBuffer() : Object(ObjectKind::kList) {}
  std::vector<Value> items;
};

struct RecordObject : Object {
  RecordObject() : Object(ObjectKind::kRecord) {}
  uint32_t record = 0;
  std::vector<Value> fields;
};

}  // namespace detail

inline Value Value::adoptString(detail::StringObject* object) {
  return Value(Tag::kString, Bits{reinterpret_cast<uintptr_t>(object), 0});
}

inline std::string_view Value::asString() const {
  const auto* s = static_cast<const detail::StringObject*>(object());
  return std::string_view(s->data(), s->size);
}

inline std::span<const Value> Value::listItems() const {
  const auto* buffer = static_cast<const detail::ListBuffer*>(object());
  return std::span<const Value>(buffer->items.data(), listLength());
}

inline uint32_t Value::recordIndex() const {
  return static_cast<const detail::RecordObject*>(object())->record;
}

inline std::span<const Value> Value::recordFields() const {
  return static_cast<const detail::RecordObject*>(object())->fields;
}

// Structural equality (language.md §3): the same tag and equal contents; decimals and
// money amounts by value (0.3 == 0.30), money also by currency, strings by bytes, lists,
// maps and records element by element. none equals only none.
bool valueEquals(const Value& a, const Value& b);

// The key's entry of a map value, or nullptr.
const Value* mapFind(const Value& map, std::string_view key);

}  // namespace rflow::vm
