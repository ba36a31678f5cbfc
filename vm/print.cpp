// Printed forms (the table is in print.h).
#include "vm/print.h"

#include <fmt/format.h>

#include <limits>

#include "base/time_text.h"

namespace rflow::vm {
namespace {

using bytecode::Module;
using bytecode::TypeId;
using bytecode::TypeTag;

// "No type": a sentinel rather than std::optional<TypeId>, which g++ 12 reports as
// maybe-uninitialized through the recursion.
constexpr TypeId kNoType = UINT32_MAX;

class Printer {
 public:
  Printer(std::string& out, const Module& m, size_t max_bytes)
      : out_(out), m_(m), max_(max_bytes) {}

  bool print(const Value& v, TypeId type) {
    // The type inside the optionals; none prints the same whatever its type.
    while (type != kNoType && m_.types[type].tag == TypeTag::kOptional)
      type = m_.types[type].element;
    const TypeTag hint = type != kNoType ? m_.types[type].tag : TypeTag::kVoid;
    switch (v.tag()) {
      case Tag::kNone:
        out_ += "none";
        break;
      case Tag::kBool:
        out_ += v.asBool() ? "true" : "false";
        break;
      case Tag::kInt:
        if (hint == TypeTag::kDuration) {
          out_ += base::formatDuration(v.asInt());
        } else if (hint == TypeTag::kTime) {
          out_ += base::formatTime(v.asInt());
        } else {
          fmt::format_to(std::back_inserter(out_), "{}", v.asInt());
        }
        break;
      case Tag::kDecimal:
        v.asDecimal().appendTo(out_);
        break;
      case Tag::kMoney:
        v.asMoney().appendTo(out_);
        break;
      case Tag::kRole:
        if (v.asRole() < m_.roles.size()) {
          out_ += declaredName(m_.strings[m_.roles[v.asRole()].name]);
        } else {
          fmt::format_to(std::back_inserter(out_), "role #{}", v.asRole());
        }
        break;
      case Tag::kEnum:
        if (v.enumIndex() < m_.enums.size() &&
            v.enumMember() < m_.enums[v.enumIndex()].members.size()) {
          out_ += m_.strings[m_.enums[v.enumIndex()].members[v.enumMember()]];
        } else {
          fmt::format_to(std::back_inserter(out_), "enum #{} member #{}", v.enumIndex(),
                         v.enumMember());
        }
        break;
      case Tag::kString:
        out_ += v.asString();
        break;
      case Tag::kRun:
        out_ += v.asString();
        break;
      case Tag::kList: {
        const TypeId element = hint == TypeTag::kList ? m_.types[type].element : kNoType;
        out_ += '[';
        bool first = true;
        for (const Value& item : v.listItems()) {
          if (!first) out_ += ", ";
          first = false;
          if (!print(item, element)) return false;
        }
        out_ += ']';
        break;
      }
      case Tag::kMap: {
        const TypeId element = hint == TypeTag::kMap ? m_.types[type].element : kNoType;
        out_ += '{';
        bool first = true;
        for (const MapEntry& e : v.mapEntries()) {
          if (!first) out_ += ", ";
          first = false;
          out_ += e.key.asString();
          out_ += ": ";
          if (!print(e.value, element)) return false;
        }
        out_ += '}';
        break;
      }
      case Tag::kRecord: {
        const uint32_t r = v.recordIndex();
        const bool known =
            r < m_.records.size() && m_.records[r].fields.size() == v.recordFields().size();
        if (known) {
          out_ += declaredName(m_.strings[m_.records[r].name]);
        } else {
          fmt::format_to(std::back_inserter(out_), "record #{}", r);
        }
        const auto fields = v.recordFields();
        if (fields.empty()) {
          out_ += " {}";
          break;
        }
        out_ += " { ";
        for (size_t i = 0; i < fields.size(); ++i) {
          if (i > 0) out_ += ", ";
          if (known) {
            out_ += m_.strings[m_.records[r].fields[i].name];
          } else {
            fmt::format_to(std::back_inserter(out_), "#{}", i);
          }
          out_ += ": ";
          if (!print(fields[i], known ? m_.records[r].fields[i].type : kNoType)) return false;
        }
        out_ += " }";
        break;
      }
    }
    return out_.size() <= max_;
  }

 private:
  std::string& out_;
  const Module& m_;
  size_t max_;
};

}  // namespace

std::string_view declaredName(std::string_view qualified) {
  const size_t dot = qualified.rfind('.');
  return dot == std::string_view::npos ? qualified : qualified.substr(dot + 1);
}

bool appendPrinted(std::string& out, const Value& value, const Module& module,
                   std::optional<TypeId> type, size_t max_bytes) {
  return Printer(out, module, max_bytes).print(value, type.value_or(kNoType));
}

std::string printed(const Value& value, const Module& module, std::optional<TypeId> type) {
  std::string out;
  (void)appendPrinted(out, value, module, type, std::numeric_limits<size_t>::max());
  return out;
}

}  // namespace rflow::vm
