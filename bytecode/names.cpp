#include "bytecode/names.h"

#include <fmt/format.h>

namespace rflow::bytecode {

size_t utf8SequenceLength(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t b0 = byte(at);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (text.size() - at < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    const uint8_t b = byte(at + i);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return length;
}

bool isValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escapeText(std::string_view text, bool quote, size_t max_bytes) {
  std::string out;
  if (quote) out += '"';
  size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    const auto b = static_cast<uint8_t>(text[i]);
    const size_t n = utf8SequenceLength(text, i);
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    ++i;
    switch (b) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += quote ? "\\\"" : "\"";
        break;
      default:
        if (b < 0x20 || b == 0x7F || n == 0) {
          out += fmt::format("\\x{:02x}", b);
        } else {
          out += static_cast<char>(b);
        }
    }
  }
  if (quote) out += '"';
  if (i < text.size()) out += fmt::format("… ({} bytes)", text.size());
  return out;
}

std::string stringText(const Module& module, uint32_t id) {
  if (id >= module.strings.size()) return fmt::format("#{}?", id);
  return escapeText(module.strings[id], false);
}

std::string typeName(const Module& module, TypeId type) {
  // Built outside in: `prefix` collects "list<" and `suffix` ">" while following the
  // chain of element types, so a deep type costs no recursion.
  std::string prefix;
  std::string suffix;
  for (uint32_t depth = 0;; ++depth) {
    if (type >= module.types.size()) return prefix + fmt::format("#{}?", type) + suffix;
    if (depth == kMaxShownTypeDepth) return prefix + "…" + suffix;
    const Type& t = module.types[type];
    std::string_view leaf;
    switch (t.tag) {
      case TypeTag::kVoid:
        leaf = "void";
        break;
      case TypeTag::kBool:
        leaf = "bool";
        break;
      case TypeTag::kInt:
        leaf = "int";
        break;
      case TypeTag::kDecimal:
        leaf = "decimal";
        break;
      case TypeTag::kMoney:
        leaf = "money";
        break;
      case TypeTag::kString:
        leaf = "string";
        break;
      case TypeTag::kDuration:
        leaf = "duration";
        break;
      case TypeTag::kTime:
        leaf = "time";
        break;
      case TypeTag::kUser:
        leaf = "User";
        break;
      case TypeTag::kRole:
        leaf = "Role";
        break;
      case TypeTag::kAssignee:
        leaf = "Assignee";
        break;
      case TypeTag::kNone:
        leaf = "none";
        break;
      case TypeTag::kRecord:
        return prefix +
               (t.decl < module.records.size() ? stringText(module, module.records[t.decl].name)
                                               : fmt::format("record#{}?", t.decl)) +
               suffix;
      case TypeTag::kEnum:
        return prefix +
               (t.decl < module.enums.size() ? stringText(module, module.enums[t.decl].name)
                                             : fmt::format("enum#{}?", t.decl)) +
               suffix;
      case TypeTag::kList:
        prefix += "list<";
        suffix.insert(0, ">");
        type = t.element;
        continue;
      case TypeTag::kMap:
        prefix += "map<";
        suffix.insert(0, ">");
        type = t.element;
        continue;
      case TypeTag::kRun:
        prefix += "Run<";
        suffix.insert(0, ">");
        type = t.element;
        continue;
      case TypeTag::kOptional:
        suffix.insert(0, "?");
        type = t.element;
        continue;
    }
    if (leaf.empty()) return prefix + fmt::format("tag{}?", static_cast<int>(t.tag)) + suffix;
    return prefix + std::string(leaf) + suffix;
  }
}

std::string functionName(const Module& module, FunctionId function) {
  if (function >= module.functions.size()) return fmt::format("function#{}?", function);
  return stringText(module, module.functions[function].name);
}

std::string workflowName(const Module& module, uint32_t workflow) {
  if (workflow >= module.workflows.size()) return fmt::format("workflow#{}?", workflow);
  return stringText(module, module.workflows[workflow].name);
}

std::string opName(const Module& module, uint32_t op) {
  if (op >= module.ops.size()) return fmt::format("op#{}?", op);
  const std::string name = stringText(module, module.ops[op].name);
  // Connectors tile the ops in order (in a verified module), so the owner is the last
  // connector starting at or before `op`: a binary search. The range check keeps an
  // unverified module from naming the wrong connector.
  size_t lo = 0;
  size_t hi = module.connectors.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (module.connectors[mid].first_op <= op) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return name;
  const Connector& c = module.connectors[lo - 1];
  if (op < c.first_op || op - c.first_op >= c.op_count) return name;
  return stringText(module, c.name) + "." + name;
}

std::string functionKindName(FunctionKind kind) {
  switch (kind) {
    case FunctionKind::kFn:
      return "fn";
    case FunctionKind::kDecision:
      return "decision";
    case FunctionKind::kWorkflow:
      return "workflow";
    case FunctionKind::kWorkflowKey:
      return "workflow key";
    case FunctionKind::kWorkflowSla:
      return "workflow sla";
    case FunctionKind::kBreachHandler:
      return "breach handler";
    case FunctionKind::kPolicy:
      return "policy";
    case FunctionKind::kTrigger:
      return "trigger";
    case FunctionKind::kTest:
      return "test";
    case FunctionKind::kMock:
      return "mock";
  }
  return fmt::format("kind {}?", static_cast<int>(kind));
}

}  // namespace rflow::bytecode
