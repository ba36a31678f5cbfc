// decode and parseJson (encode is in wire_encode.cpp). The decoder walks the JSON and
// the type together and stops at the first problem, keeping the path to it; its recursion
// is bounded by kMaxWireDepth (counted on every array and object it enters).
#include "runtime/wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

#include "base/currency.h"
#include "base/decimal.h"
#include "base/money.h"
#include "base/suggest.h"
#include "base/time_text.h"
#include "bytecode/names.h"
#include "vm/limits.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::runtime {
namespace {

using bytecode::Module;
using bytecode::Type;
using bytecode::TypeId;
using bytecode::TypeTag;
using nlohmann::json;
using vm::Tag;
using vm::Value;

// How a JSON value looks in "found …": strings quoted and clipped, scalars as written,
// containers by kind (their contents would drown the message).
std::string describe(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case json::value_t::string:
      return bytecode::escapeText(j.get_ref<const std::string&>(), true, 40);
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return j.dump();
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    default:
      return "a binary value";
  }
}

// "`a`, `b`, `c`" — at most `limit` names, then how many more.
std::string nameList(const std::vector<std::string_view>& names, size_t limit = 12) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("`{}`", names[i]);
  }
  if (names.size() > limit) out += fmt::format(" and {} more", names.size() - limit);
  return out;
}

std::string didYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (auto close = base::closestMatch(word, candidates))
    return fmt::format(" (did you mean `{}`?)", *close);
  return {};
}

bool isPlainKey(std::string_view k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Names of a module's roles on the wire: the declared (last) segment, unless two roles
// share it, in which case those two are known by their qualified names only.
class RoleNames {
 public:
  explicit RoleNames(const Module& m) : m_(m) {
    for (uint32_t i = 0; i < m.roles.size(); ++i) {
      const std::string& qualified = m.strings[m.roles[i].name];
      by_short_[vm::declaredName(qualified)].push_back(i);
      by_qualified_.emplace(qualified, i);
    }
  }

  // The role named `name` (short or qualified), or nullopt; `ambiguous` is set when a
  // short name belongs to several roles.
  std::optional<uint32_t> find(std::string_view name, bool& ambiguous) const {
    ambiguous = false;
    if (auto q = by_qualified_.find(name); q != by_qualified_.end()) return q->second;
    if (auto s = by_short_.find(name); s != by_short_.end()) {
      if (s->second.size() == 1) return s->second[0];
      ambiguous = true;
    }
    return std::nullopt;
  }

  std::vector<std::string_view> shortNames() const {
    std::vector<std::string_view> out;
    for (const auto& [name, roles] : by_short_)
      out.push_back(name);
    return out;
  }

  std::string qualifiedNames(std::string_view short_name) const {
    std::vector<std::string_view> names;
    if (auto s = by_short_.find(short_name); s != by_short_.end()) {
      for (uint32_t r : s->second)
        names.push_back(m_.strings[m_.roles[r].name]);
    }
    return nameList(names);
  }

 private:
  const Module& m_;
  std::map<std::string_view, std::vector<uint32_t>, std::less<>> by_short_;
  std::map<std::string_view, uint32_t, std::less<>> by_qualified_;
};

// ---- decoding ----------------------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(const Module& m) : m_(m) {}

  // Appends to path_ while it descends and restores it on the way back, so on failure
  // error_ holds the path at the problem.
  std::optional<Value> value(const json& j, TypeId type) {
    if (type >= m_.types.size()) return fail("the module has no such type (a corrupt module)");
    const Type& t = m_.types[type];
    switch (t.tag) {
      case TypeTag::kVoid:
        return Value();
      case TypeTag::kNone:
        if (j.is_null()) return Value();
        return fail(fmt::format("expected null (none), found {}", describe(j)));
      case TypeTag::kOptional:
        if (j.is_null()) return Value();
        return value(j, t.element);
      case TypeTag::kBool:
        if (j.is_boolean()) return Value::boolean(j.get<bool>());
        return fail(fmt::format("expected true or false, found {}", describe(j)));
      case TypeTag::kInt:
        return integer(j, "an int (a whole JSON number like 42)");
      case TypeTag::kDuration:
        return integer(j, "a duration in milliseconds (a whole JSON number like 5000 for 5s)");
      case TypeTag::kDecimal:
        return decimal(j);
      case TypeTag::kMoney:
        return money(j);
      case TypeTag::kString:
        if (!j.is_string()) return fail(fmt::format("expected a string, found {}", describe(j)));
        return text(j.get_ref<const std::string&>());
      case TypeTag::kTime:
        return time(j);
      case TypeTag::kUser:
        if (!j.is_string())
          return fail(
              fmt::format("expected a user id as a string like \"ann\", found {}", describe(j)));
        return user(j.get_ref<const std::string&>());
      case TypeTag::kRole:
        if (!j.is_string())
          return fail(fmt::format("expected a role's name as a string like \"{}\", found {}",
                                  exampleRole(), describe(j)));
        return role(j.get_ref<const std::string&>());
      case TypeTag::kAssignee:
        return assignee(j);
      case TypeTag::kEnum:
        return enumMember(j, t.decl);
      case TypeTag::kList:
        return list(j, t.element);
      case TypeTag::kMap:
        return map(j, t.element);
      case TypeTag::kRecord:
        return record(j, t.decl);
      case TypeTag::kRun:
        return fail("a Run (a test's handle on an instance) cannot be sent over the wire");
    }
    return fail("the module has a type of an unknown kind (a corrupt module)");
  }

  // Decodes one parameter or field value at path_ + `name`.
  std::optional<Value> member(const json& j, TypeId type, std::string_view name) {
    const size_t mark = enterField(name);
    std::optional<Value> v = value(j, type);
    if (v) path_.resize(mark);
    return v;
  }

  std::optional<Value> fail(std::string message) {
    error_ = WireError{path_, std::move(message)};
    return std::nullopt;
  }

  size_t enterField(std::string_view name) {
    const size_t mark = path_.size();
    if (isPlainKey(name)) {
      if (!path_.empty()) path_ += '.';
      path_ += name;
    } else {
      path_ += fmt::format("[{}]", bytecode::escapeText(name, true, 40));
    }
    return mark;
  }

  WireError takeError() { return std::move(error_); }

  // A record field's default, built from the module's constant.
  std::optional<Value> constant(bytecode::ConstantId id) {
    if (id >= m_.constants.size())
      return fail("the module's default value is missing (a corrupt module)");
    const bytecode::Constant& c = m_.constants[id];
    TypeId type = c.type;
    while (type < m_.types.size() && m_.types[type].tag == TypeTag::kOptional)
      type = m_.types[type].element;
    if (type >= m_.types.size())
      return fail("the module's default value has no type (a corrupt module)");
    const Type& t = m_.types[type];
    return std::visit(
        [&](const auto& v) -> std::optional<Value> {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::monostate>) {
            return Value();
          } else if constexpr (std::is_same_v<V, bool>) {
            return Value::boolean(v);
          } else if constexpr (std::is_same_v<V, int64_t>) {
            return Value::integer(v);
          } else if constexpr (std::is_same_v<V, bytecode::DecimalConstant>) {
            auto d = base::Decimal::parse(v.digits);
            if (!d) return fail("the module's default decimal is corrupt");
            return Value::decimal(*d);
          } else if constexpr (std::is_same_v<V, bytecode::MoneyConstant>) {
            auto d = base::Decimal::parse(v.amount);
            auto code = base::CurrencyCode::parse(std::string_view(v.currency.data(), 3));
            if (!d || !code) return fail("the module's default money is corrupt");
            return Value::money(base::Money(*d, *code));
          } else if constexpr (std::is_same_v<V, bytecode::StringId>) {
            if (v >= m_.strings.size()) return fail("the module's default string is corrupt");
            return Value::string(m_.strings[v]);
          } else if constexpr (std::is_same_v<V, bytecode::EnumConstant>) {
            return Value::enumMember(v.enum_index, v.member);
          } else if constexpr (std::is_same_v<V, bytecode::RoleConstant>) {
            return Value::role(v.role);
          } else {
            std::vector<Value> items;
            for (bytecode::ConstantId e : v.elements) {
              // Aggregates refer only to earlier constants (module.h), so this ends.
              if (e >= id) return fail("the module's default value is corrupt");
              std::optional<Value> item = constant(e);
              if (!item) return std::nullopt;
              items.push_back(std::move(*item));
            }
            if (t.tag == TypeTag::kList) return Value::list(std::move(items));
            if (t.tag == TypeTag::kRecord) return Value::record(t.decl, std::move(items));
            if (t.tag == TypeTag::kMap) {
              std::vector<vm::MapEntry> entries;
              for (size_t i = 0; i + 1 < items.size(); i += 2)
                entries.push_back({std::move(items[i]), std::move(items[i + 1])});
              return Value::map(std::move(entries));
            }
            return fail("the module's default value is corrupt");
          }
        },
        c.value);
  }

 private:
  std::optional<Value> integer(const json& j, std::string_view what) {
    if (j.is_number_unsigned()) {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return fail(
            fmt::format("{} is out of range: an int is at most 9223372036854775807", j.dump()));
      return Value::integer(static_cast<int64_t>(u));
    }
    if (j.is_number_integer()) return Value::integer(j.get<int64_t>());
    if (j.is_number_float())
      return fail(fmt::format("expected {}, found {} (which has a fraction or an exponent)", what,
                              j.dump()));
    return fail(fmt::format("expected {}, found {}", what, describe(j)));
  }

  std::optional<Value> decimal(const json& j) {
    if (!j.is_string()) {
      const char* why =
          j.is_number() ? " (decimals travel as strings, so that no digit is lost)" : "";
      return fail(fmt::format("expected a decimal as a string like \"12.50\", found {}{}",
                              describe(j), why));
    }
    const std::string& s = j.get_ref<const std::string&>();
    auto d = base::Decimal::parse(s);
    if (!d) return fail(decimalProblem(s));
    return Value::decimal(*d);
  }

  std::string decimalProblem(const std::string& s) {
    std::string_view problem = base::decimalTextProblem(s);
    if (problem.empty()) problem = "it is not a decimal number";
    return fmt::format("expected a decimal like \"12.50\", found {}: {}", describe(json(s)),
                       problem);
  }

  std::optional<Value> money(const json& j) {
    if (!j.is_object())
      return fail(fmt::format(
          "expected money as {{\"amount\": \"12.50\", \"currency\": \"USD\"}}, found {}",
          describe(j)));
    if (!enter()) return std::nullopt;
    for (const auto& [k, v] : j.items()) {
      if (k != "amount" && k != "currency") {
        enterField(k);
        return fail(fmt::format("money has only `amount` and `currency`, not `{}`", k));
      }
    }
    const auto amount = j.find("amount");
    const auto currency = j.find("currency");
    if (amount == j.end() || currency == j.end()) {
      enterField(amount == j.end() ? "amount" : "currency");
      return fail("missing: money is written {\"amount\": \"12.50\", \"currency\": \"USD\"}");
    }
    size_t mark = enterField("amount");
    if (!amount->is_string()) {
      const char* why =
          amount->is_number() ? " (amounts travel as strings, so that no digit is lost)" : "";
      return fail(fmt::format("expected the amount as a string like \"12.50\", found {}{}",
                              describe(*amount), why));
    }
    auto d = base::Decimal::parse(amount->get_ref<const std::string&>());
    if (!d) return fail(decimalProblem(amount->get_ref<const std::string&>()));
    path_.resize(mark);
    mark = enterField("currency");
    const auto code = currency->is_string()
                          ? base::CurrencyCode::parse(currency->get_ref<const std::string&>())
                          : base::Result<base::CurrencyCode>(base::ArithmeticError::kInvalidText);
    if (!code)
      return fail(fmt::format("expected a 3-letter currency code, found {}", describe(*currency)));
    if (!base::isIsoCurrency(*code))
      return fail(fmt::format("`{}` is not an ISO 4217 currency code",
                              currency->get_ref<const std::string&>()));
    path_.resize(mark);
    leave();
    return Value::money(base::Money(*d, *code));
  }

  std::optional<Value> text(const std::string& s) {
    if (s.size() > vm::kMaxStringBytes)
      return fail(fmt::format("a string of {} bytes is longer than the limit of {}", s.size(),
                              vm::kMaxStringBytes));
    if (!bytecode::isValidUtf8(s)) return fail("the string is not valid UTF-8");
    return Value::string(s);
  }

  std::optional<Value> user(const std::string& s) {
    if (s.empty()) return fail("a user id cannot be empty");
    return text(s);
  }

  std::optional<Value> time(const json& j) {
    if (!j.is_string())
      return fail(fmt::format(
          "expected a time as RFC 3339 text like \"2026-11-27T06:00:00Z\", found {}", describe(j)));
    auto t = base::parseTime(j.get_ref<const std::string&>());
    if (!t)
      return fail(fmt::format(
          "expected a time as RFC 3339 text like \"2026-11-27T06:00:00Z\" (a date, `T`, a time and "
          "`Z` or an offset), found {}",
          describe(j)));
    return Value::integer(*t);
  }

  std::string exampleRole() const {
    const auto names = roles().shortNames();
    return names.empty() ? std::string("StoreManager") : std::string(names.front());
  }

  std::optional<Value> role(const std::string& name) {
    bool ambiguous = false;
    if (auto r = roles().find(name, ambiguous)) return Value::role(*r);
    if (ambiguous)
      return fail(fmt::format("`{}` names several roles ({}): write the qualified name", name,
                              roles().qualifiedNames(name)));
    const auto names = roles().shortNames();
    if (names.empty())
      return fail(fmt::format("the module declares no roles, found {}", describe(json(name))));
    return fail(fmt::format("expected a role, one of {}; found {}{}", nameList(names),
                            describe(json(name)), didYouMean(name, names)));
  }

  std::optional<Value> assignee(const json& j) {
    if (j.is_string()) {
      // A bare string: a declared role's name wins, anything else is a user's id.
      const std::string& s = j.get_ref<const std::string&>();
      bool ambiguous = false;
      if (auto r = roles().find(s, ambiguous)) return Value::role(*r);
      if (ambiguous)
        return fail(
            fmt::format("`{}` names several roles ({}): write {{\"role\": \"<qualified name>\"}}",
                        s, roles().qualifiedNames(s)));
      return user(s);
    }
    if (!j.is_object() || j.size() != 1 || (!j.contains("role") && !j.contains("user")))
      return fail(fmt::format(
          "expected an assignee, {{\"role\": \"{}\"}} or {{\"user\": \"ann\"}}, found {}",
          exampleRole(), j.is_object() ? "an object with other keys" : describe(j)));
    if (!enter()) return std::nullopt;
    const bool is_role = j.contains("role");
    const json& inner = *j.find(is_role ? "role" : "user");
    const size_t mark = enterField(is_role ? "role" : "user");
    if (!inner.is_string())
      return fail(fmt::format("expected a string, found {}", describe(inner)));
    std::optional<Value> v = is_role ? role(inner.get_ref<const std::string&>())
                                     : user(inner.get_ref<const std::string&>());
    if (!v) return v;
    path_.resize(mark);
    leave();
    return v;
  }

  std::optional<Value> enumMember(const json& j, uint32_t decl) {
    if (decl >= m_.enums.size()) return fail("the module has no such enum (a corrupt module)");
    const bytecode::Enum& e = m_.enums[decl];
    std::vector<std::string_view> members;
    for (bytecode::StringId s : e.members)
      members.push_back(m_.strings[s]);
    const std::string_view enum_name = vm::declaredName(m_.strings[e.name]);
    if (j.is_string()) {
      const std::string& s = j.get_ref<const std::string&>();
      for (uint32_t i = 0; i < members.size(); ++i) {
        if (members[i] == s) return Value::enumMember(decl, i);
      }
      return fail(fmt::format("expected a member of `{}`, one of {}; found {}{}", enum_name,
                              nameList(members), describe(j), didYouMean(s, members)));
    }
    return fail(fmt::format("expected a member of `{}` as a string, one of {}; found {}", enum_name,
                            nameList(members), describe(j)));
  }

  std::optional<Value> list(const json& j, TypeId element) {
    if (!j.is_array()) return fail(fmt::format("expected a list, found {}", describe(j)));
    if (j.size() > vm::kMaxListLength)
      return fail(fmt::format("a list of {} items is longer than the limit of {}", j.size(),
                              vm::kMaxListLength));
    if (!enter()) return std::nullopt;
    std::vector<Value> items;
    items.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      const size_t mark = path_.size();
      path_ += fmt::format("[{}]", i);
      std::optional<Value> item = value(j[i], element);
      if (!item) return std::nullopt;
      path_.resize(mark);
      items.push_back(std::move(*item));
    }
    leave();
    return Value::list(std::move(items));
  }

  std::optional<Value> map(const json& j, TypeId element) {
    if (!j.is_object())
      return fail(fmt::format("expected an object (a map), found {}", describe(j)));
    if (j.size() > vm::kMaxListLength)
      return fail(fmt::format("a map of {} entries is larger than the limit of {}", j.size(),
                              vm::kMaxListLength));
    if (!enter()) return std::nullopt;
    std::vector<vm::MapEntry> entries;
    entries.reserve(j.size());
    for (const auto& [k, v] : j.items()) {
      const size_t mark = path_.size();
      path_ += fmt::format("[{}]", bytecode::escapeText(k, true, 40));
      std::optional<Value> key = text(k);
      if (!key) return std::nullopt;
      std::optional<Value> item = value(v, element);
      if (!item) return std::nullopt;
      path_.resize(mark);
      entries.push_back({std::move(*key), std::move(*item)});
    }
    leave();
    return Value::map(std::move(entries));
  }

  std::optional<Value> record(const json& j, uint32_t decl) {
    if (decl >= m_.records.size()) return fail("the module has no such record (a corrupt module)");
    const bytecode::Record& r = m_.records[decl];
    const std::string_view record_name = vm::declaredName(m_.strings[r.name]);
    if (!j.is_object())
      return fail(fmt::format("expected a `{}` as an object, found {}", record_name, describe(j)));
    if (!enter()) return std::nullopt;
    std::vector<std::string_view> names;
    for (const bytecode::Field& f : r.fields)
      names.push_back(m_.strings[f.name]);
    // Unknown keys first: a misspelt field would otherwise be reported as a missing one.
    for (const auto& [k, v] : j.items()) {
      if (std::find(names.begin(), names.end(), k) == names.end()) {
        enterField(k);
        return fail(fmt::format("`{}` has no field `{}`{}; its fields are {}", record_name, k,
                                didYouMean(k, names), nameList(names)));
      }
    }
    std::vector<Value> fields;
    fields.reserve(r.fields.size());
    for (const bytecode::Field& f : r.fields) {
      const std::string& name = m_.strings[f.name];
      const auto it = j.find(name);
      std::optional<Value> v;
      if (it != j.end()) {
        v = member(*it, f.type, name);
      } else if (f.default_value) {
        v = constant(*f.default_value);
      } else if (f.type < m_.types.size() && m_.types[f.type].tag == TypeTag::kOptional) {
        v = Value();
      } else {
        enterField(name);
        return fail(fmt::format("missing: a `{}` needs `{}` ({})", record_name, name,
                                bytecode::typeName(m_, f.type)));
      }
      if (!v) return std::nullopt;
      fields.push_back(std::move(*v));
    }
    leave();
    return Value::record(decl, std::move(fields));
  }

  bool enter() {
    if (++depth_ > kMaxWireDepth) {
      fail(fmt::format("the JSON nests deeper than {} levels", kMaxWireDepth));
      return false;
    }
    return true;
  }
  void leave() { --depth_; }

  const Module& m_;
  // Built at the first role met: most values have none, and every request's body is
  // decoded.
  const RoleNames& roles() const {
    if (!roles_) roles_.emplace(m_);
    return *roles_;
  }
  mutable std::optional<RoleNames> roles_;
  std::string path_;
  uint32_t depth_ = 0;
  WireError error_;
};

}  // namespace

std::string WireError::text() const {
  if (path.empty()) return message;
  return fmt::format("`{}`: {}", path, message);
}

std::variant<Value, WireError> decode(const json& j, TypeId type, const Module& module) {
  Decoder d(module);
  std::optional<Value> v = d.value(j, type);
  if (!v) return d.takeError();
  // Belt and braces: the decoder builds only well-formed values of the type, and this
  // keeps that promise true if either side changes.
  if (auto problem = vm::checkValue(*v, module, type))
    return WireError{"", fmt::format("the decoded value does not fit its type: {}", *problem)};
  return std::move(*v);
}

std::variant<std::vector<Value>, WireError> decodeArguments(const json& j,
                                                            std::span<const bytecode::Param> params,
                                                            const Module& module) {
  std::vector<std::string_view> names;
  for (const bytecode::Param& p : params)
    names.push_back(module.strings[p.name]);
  if (!j.is_object())
    return WireError{
        "", fmt::format("expected an object keyed by parameter name ({}), found {}",
                        names.empty() ? std::string("none") : nameList(names), describe(j))};
  for (const auto& [k, v] : j.items()) {
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      return WireError{"", fmt::format("`{}` is not a parameter{}; the parameters are {}", k,
                                       didYouMean(k, names),
                                       names.empty() ? std::string("none") : nameList(names))};
    }
  }
  Decoder d(module);
  std::vector<Value> out;
  out.reserve(params.size());
  for (const bytecode::Param& p : params) {
    const std::string& name = module.strings[p.name];
    const auto it = j.find(name);
    std::optional<Value> v;
    if (it != j.end()) {
      v = d.member(*it, p.type, name);
    } else if (p.type < module.types.size() && module.types[p.type].tag == TypeTag::kOptional) {
      v = Value();
    } else {
      d.enterField(name);
      d.fail(fmt::format("missing: the parameter `{}` ({}) needs a value", name,
                         bytecode::typeName(module, p.type)));
    }
    if (!v) return d.takeError();
    if (auto problem = vm::checkValue(*v, module, p.type))
      return WireError{name, fmt::format("the decoded value does not fit its type: {}", *problem)};
    out.push_back(std::move(*v));
  }
  return out;
}

std::variant<json, std::string> parseJson(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes)
    return fmt::format("the JSON text is {} bytes, more than the limit of {}", text.size(),
                       max_bytes);
  // Nesting first, outside strings: nlohmann's parser is iterative but the values it
  // builds are destroyed and walked recursively.
  uint32_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxWireDepth)
        return fmt::format("the JSON nests deeper than {} levels", kMaxWireDepth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    std::string_view what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: …"
    if (const size_t close = what.find("] ");
        what.starts_with("[json.exception") && close != std::string_view::npos)
      what.remove_prefix(close + 2);
    return fmt::format("the text is not JSON: {}", what);
  }
}

}  // namespace rflow::runtime
