// encode, encodeArguments and their text twins writeValue and writeArguments: one walk
// of the value (Encoder), written either into an nlohmann::json document (DomOut) or as
// text (JsonWriter). The walk's depth is bounded by the VM's (vm::kMaxValueDepth).
#include <algorithm>
#include <optional>

#include "base/money.h"
#include "base/time_text.h"
#include "runtime/json_writer.h"
#include "runtime/wire.h"
#include "vm/print.h"

namespace rflow::runtime {

namespace {

using bytecode::Module;
using bytecode::Type;
using bytecode::TypeId;
using bytecode::TypeTag;
using nlohmann::json;
using vm::Tag;
using vm::Value;

// Builds a document from the writer's calls, as JsonWriter would write it. Pointers into
// the document stay valid: only the innermost open array grows, and nothing inside it
// is open.
class DomOut {
 public:
  // A document's members are sorted by the document itself.
  static constexpr bool kSortsMembers = true;

  void beginObject() { stack_.push_back(&put(json::object())); }
  void endObject() { stack_.pop_back(); }
  void beginArray() { stack_.push_back(&put(json::array())); }
  void endArray() { stack_.pop_back(); }
  void key(std::string_view name) { key_ = name; }
  void null() { put(nullptr); }
  void boolean(bool b) { put(b); }
  void integer(int64_t n) { put(n); }
  void string(std::string_view s) { put(std::string(s)); }

  json take() { return std::move(root_); }

 private:
  json& put(json v) {
    if (stack_.empty()) return root_ = std::move(v);
    json& into = *stack_.back();
    if (into.is_array()) {
      into.push_back(std::move(v));
      return into.back();
    }
    return into[key_] = std::move(v);
  }

  json root_;
  std::vector<json*> stack_;
  std::string key_;
};

// The writer of text, which writes members in the order they come: records' fields are
// put in name order first (JsonWriter's invariant).
struct TextOut {
  static constexpr bool kSortsMembers = false;
  JsonWriter& w;
  void beginObject() { w.beginObject(); }
  void endObject() { w.endObject(); }
  void beginArray() { w.beginArray(); }
  void endArray() { w.endArray(); }
  void key(std::string_view name) { w.key(name); }
  void null() { w.null(); }
  void boolean(bool b) { w.boolean(b); }
  void integer(int64_t n) { w.integer(n); }
  void string(std::string_view s) { w.string(s); }
};

template <class Out>
class Encoder {
 public:
  Encoder(const Module& m, Out& out) : m_(m), out_(out) {}

  void value(const Value& v, TypeId type) {
    if (type < m_.types.size() && typed(v, m_.types[type])) return;
    byTag(v);
  }

  // The parameters as one object, in name order.
  void arguments(std::span<const Value> values, std::span<const bytecode::Param> params) {
    const size_t n = std::min(values.size(), params.size());
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i)
      order[i] = i;
    if (!Out::kSortsMembers)
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return m_.strings[params[a].name] < m_.strings[params[b].name];
      });
    out_.beginObject();
    for (uint32_t i : order) {
      out_.key(m_.strings[params[i].name]);
      value(values[i], params[i].type);
    }
    out_.endObject();
  }

 private:
  // Writes `v` by its declared type `t`; false (nothing written) when the tag alone says
  // it, or when `v` does not fit `t`.
  bool typed(const Value& v, const Type& t) {
    switch (t.tag) {
      case TypeTag::kVoid:
      case TypeTag::kNone:
        out_.null();
        return true;
      case TypeTag::kOptional:
        if (v.isNone()) {
          out_.null();
        } else {
          value(v, t.element);
        }
        return true;
      case TypeTag::kTime:
        if (v.tag() != Tag::kInt) return false;
        out_.string(base::formatTime(v.asInt()));
        return true;
      case TypeTag::kAssignee:
        if (v.tag() == Tag::kRole && v.asRole() < m_.roles.size()) {
          out_.beginObject();
          out_.key("role");
          out_.string(roleWireName(m_, v.asRole()));
          out_.endObject();
          return true;
        }
        if (v.tag() != Tag::kString) return false;
        out_.beginObject();
        out_.key("user");
        out_.string(v.asString());
        out_.endObject();
        return true;
      case TypeTag::kList:
        if (v.tag() != Tag::kList) return false;
        list(v, t.element);
        return true;
      case TypeTag::kMap:
        if (v.tag() != Tag::kMap) return false;
        map(v, t.element);
        return true;
      case TypeTag::kRecord:
        if (v.tag() != Tag::kRecord || v.recordIndex() != t.decl) return false;
        record(v, true);
        return true;
      default:
        return false;
    }
  }

  // What the tag alone says: for ints, decimals, money, strings, roles and enums this is
  // exactly the typed form; it is also the fallback for a part that does not fit its type.
  void byTag(const Value& v) {
    switch (v.tag()) {
      case Tag::kNone:
        return out_.null();
      case Tag::kBool:
        return out_.boolean(v.asBool());
      case Tag::kInt:
        return out_.integer(v.asInt());
      case Tag::kDecimal:
        return out_.string(v.asDecimal().toString());
      case Tag::kMoney: {
        const base::Money m = v.asMoney();
        out_.beginObject();
        out_.key("amount");
        out_.string(m.amount().toString());
        out_.key("currency");
        out_.string(m.currency().text());
        return out_.endObject();
      }
      case Tag::kRole:
        if (v.asRole() < m_.roles.size()) return out_.string(roleWireName(m_, v.asRole()));
        return out_.null();
      case Tag::kEnum:
        if (v.enumIndex() < m_.enums.size() &&
            v.enumMember() < m_.enums[v.enumIndex()].members.size())
          return out_.string(m_.strings[m_.enums[v.enumIndex()].members[v.enumMember()]]);
        return out_.null();
      case Tag::kString:
      case Tag::kRun:
        return out_.string(v.asString());
      case Tag::kList:
        return list(v, std::nullopt);
      case Tag::kMap:
        return map(v, std::nullopt);
      case Tag::kRecord:
        return record(v, false);
    }
    out_.null();
  }

  void element(const Value& v, std::optional<TypeId> type) {
    if (type)
      value(v, *type);
    else
      byTag(v);
  }

  void list(const Value& v, std::optional<TypeId> element_type) {
    out_.beginArray();
    for (const Value& item : v.listItems())
      element(item, element_type);
    out_.endArray();
  }

  // A map's entries are sorted by key bytes already (vm/value.h).
  void map(const Value& v, std::optional<TypeId> element_type) {
    out_.beginObject();
    for (const vm::MapEntry& e : v.mapEntries()) {
      out_.key(e.key.asString());
      element(e.value, element_type);
    }
    out_.endObject();
  }

  void record(const Value& v, bool typed) {
    if (v.recordIndex() >= m_.records.size()) return out_.null();
    const bytecode::Record& r = m_.records[v.recordIndex()];
    const auto fields = v.recordFields();
    const size_t n = std::min(fields.size(), r.fields.size());
    out_.beginObject();
    for (uint32_t i : fieldOrder(v.recordIndex(), n)) {
      out_.key(m_.strings[r.fields[i].name]);
      if (typed)
        value(fields[i], r.fields[i].type);
      else
        byTag(fields[i]);
    }
    out_.endObject();
  }

  // The first `n` fields of record #`decl`, in the order they are written: by name when
  // the output does not sort them. Computed once per record per walk (an order's lines
  // are many records of one kind).
  const std::vector<uint32_t>& fieldOrder(uint32_t decl, size_t n) {
    if (orders_.size() <= decl) orders_.resize(decl + 1);
    std::vector<uint32_t>& order = orders_[decl];
    if (order.size() != n) {
      order.resize(n);
      for (uint32_t i = 0; i < n; ++i)
        order[i] = i;
      const auto& fields = m_.records[decl].fields;
      if (!Out::kSortsMembers)
        std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
          return m_.strings[fields[a].name] < m_.strings[fields[b].name];
        });
    }
    return order;
  }

  const Module& m_;
  Out& out_;
  std::vector<std::vector<uint32_t>> orders_;
};

}  // namespace

std::string roleWireName(const Module& module, uint32_t role) {
  const std::string& qualified = module.strings[module.roles[role].name];
  const std::string_view short_name = vm::declaredName(qualified);
  for (uint32_t i = 0; i < module.roles.size(); ++i) {
    if (i != role && vm::declaredName(module.strings[module.roles[i].name]) == short_name)
      return qualified;
  }
  return std::string(short_name);
}

json encode(const Value& value, TypeId type, const Module& module) {
  DomOut out;
  Encoder(module, out).value(value, type);
  return out.take();
}

json encodeArguments(std::span<const Value> values, std::span<const bytecode::Param> params,
                     const Module& module) {
  DomOut out;
  Encoder(module, out).arguments(values, params);
  return out.take();
}

void writeValue(JsonWriter& writer, const Value& value, TypeId type, const Module& module) {
  TextOut out{writer};
  Encoder(module, out).value(value, type);
}

void writeArguments(JsonWriter& writer, std::span<const Value> values,
                    std::span<const bytecode::Param> params, const Module& module) {
  TextOut out{writer};
  Encoder(module, out).arguments(values, params);
}

}  // namespace rflow::runtime
