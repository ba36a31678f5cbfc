// Program::load: verification, constants, stack depths and the prelude records the VM
// relies on.
#include "vm/program.h"

#include <algorithm>

#include "bytecode/operands.h"
#include "bytecode/verify.h"
#include "bytecode/write.h"
#include "vm/quicken.h"

namespace rflow::vm {

using bytecode::Constant;
using bytecode::Module;
using bytecode::TypeTag;

std::variant<std::shared_ptr<const Program>, std::string> Program::load(Module module) {
  if (std::optional<bytecode::VerifyError> error = bytecode::verifyModule(module))
    return "the module does not verify: " + error->message;
  // The hash names the module version in every state. A module read from a file keeps
  // the hash it was written with: written again by a newer rflow (a newer format
  // version) its bytes, and so its hash, would differ, and the states of instances that
  // wait on it would no longer find their module. One built in memory has none yet.
  const bool has_hash = std::any_of(module.content_hash.begin(), module.content_hash.end(),
                                    [](uint8_t b) { return b != 0; });
  if (!has_hash) (void)bytecode::writeModule(module);
  return std::make_shared<const Program>(Key{}, std::move(module));
}

Program::Program(Key, Module module) : module_(std::move(module)) {
  buildConstants();
  analyzeStacks();
  findBuiltins();
  quick_.reserve(module_.functions.size());
  shapes_.reserve(module_.functions.size());
  for (const bytecode::Function& f : module_.functions) {
    quick_.push_back(detail::quicken(f.code));
    const auto params = static_cast<uint32_t>(f.params.size());
    const auto locals = params + static_cast<uint32_t>(f.locals.size());
    shapes_.push_back(FrameShape{params, locals, locals + f.max_stack});
  }
}

Program::~Program() = default;

void Program::buildConstants() {
  const Module& m = module_;
  constants_.reserve(m.constants.size());
  for (const Constant& c : m.constants) {
    // The type inside the optionals decides what an aggregate is.
    bytecode::TypeId t = c.type;
    while (m.types[t].tag == TypeTag::kOptional)
      t = m.types[t].element;
    const bytecode::Type& type = m.types[t];
    Value v;
    switch (static_cast<bytecode::ConstantKind>(c.value.index())) {
      case bytecode::ConstantKind::kNone:
        break;
      case bytecode::ConstantKind::kBool:
        v = Value::boolean(std::get<bool>(c.value));
        break;
      case bytecode::ConstantKind::kInt:
        v = Value::integer(std::get<int64_t>(c.value));
        break;
      case bytecode::ConstantKind::kDecimal:
        // The verifier checked the text is canonical and fits.
        v = Value::decimal(
            *base::Decimal::parse(std::get<bytecode::DecimalConstant>(c.value).digits));
        break;
      case bytecode::ConstantKind::kMoney: {
        const auto& money = std::get<bytecode::MoneyConstant>(c.value);
        const base::Decimal amount = *base::Decimal::parse(money.amount);
        const auto code = *base::CurrencyCode::parse(
            std::string_view(money.currency.data(), money.currency.size()));
        v = Value::money(base::Money(amount, code));
        break;
      }
      case bytecode::ConstantKind::kString:
        v = Value::string(m.strings[std::get<bytecode::StringId>(c.value)]);
        break;
      case bytecode::ConstantKind::kEnum: {
        const auto& e = std::get<bytecode::EnumConstant>(c.value);
        v = Value::enumMember(e.enum_index, e.member);
        break;
      }
      case bytecode::ConstantKind::kRole:
        v = Value::role(std::get<bytecode::RoleConstant>(c.value).role);
        break;
      case bytecode::ConstantKind::kAggregate: {
        const auto& elements = std::get<bytecode::AggregateConstant>(c.value).elements;
        if (type.tag == TypeTag::kMap) {
          std::vector<MapEntry> entries;
          entries.reserve(elements.size() / 2);
          for (size_t k = 0; k + 1 < elements.size(); k += 2)
            entries.push_back({constants_[elements[k]], constants_[elements[k + 1]]});
          v = Value::map(std::move(entries));
        } else {
          std::vector<Value> items;
          items.reserve(elements.size());
          for (bytecode::ConstantId e : elements)
            items.push_back(constants_[e]);
          v = type.tag == TypeTag::kRecord ? Value::record(type.decl, std::move(items))
                                           : Value::list(std::move(items));
        }
        break;
      }
    }
    v.makeShared();
    constants_.push_back(std::move(v));
  }
}

void Program::analyzeStacks() {
  // The verifier proved every path agrees, so the first depth that reaches an
  // instruction is its depth.
  depths_.resize(module_.functions.size());
  std::vector<uint32_t> work;
  for (size_t f = 0; f < module_.functions.size(); ++f) {
    const std::vector<uint8_t>& code = module_.functions[f].code;
    std::vector<int32_t>& depth = depths_[f];
    depth.assign(code.size(), -1);
    const auto reach = [&](int64_t pc, int64_t d) {
      if (depth[pc] >= 0) return;
      depth[pc] = static_cast<int32_t>(d);
      work.push_back(static_cast<uint32_t>(pc));
    };
    reach(0, 0);
    while (!work.empty()) {
      const uint32_t pc = work.back();
      work.pop_back();
      const bytecode::Instruction in = *bytecode::decodeInstruction(code, pc);
      const bytecode::StackEffect effect = *bytecode::stackEffect(in, module_);
      const int64_t after = depth[pc] - effect.pops + effect.pushes;
      if (in.opcode == bytecode::Opcode::kTryBegin) {
        reach(*bytecode::branchTarget(in), depth[pc] + 1);
      } else if (const std::optional<int64_t> target = bytecode::branchTarget(in)) {
        reach(*target, after);
      }
      if (!bytecode::endsPath(in.opcode)) reach(pc + in.size, after);
    }
  }
}

void Program::findBuiltins() {
  const Module& m = module_;
  const auto fieldIs = [&](const bytecode::Field& f, std::string_view name, TypeTag tag) {
    return m.strings[f.name] == name && m.types[f.type].tag == tag;
  };
  if (std::optional<uint32_t> r = recordIndex("rflow.Error")) {
    const auto& fields = m.records[*r].fields;
    if (fields.size() == 2 && fieldIs(fields[0], "kind", TypeTag::kString) &&
        fieldIs(fields[1], "message", TypeTag::kString))
      error_record_ = r;
  }
  approval_record_ = recordIndex("rflow.Approval");
  if (std::optional<uint32_t> r = recordIndex("rflow.ApprovalRequest")) {
    approval_request_record_ = r;
    const auto& fields = m.records[*r].fields;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fieldIs(fields[i], "approvers", TypeTag::kInt))
        approvers_field_ = static_cast<uint32_t>(i);
    }
  }
}

uint32_t Program::lineAt(bytecode::FunctionId function, uint32_t pc) const {
  const auto& lines = module_.functions[function].lines;
  const auto it =
      std::upper_bound(lines.begin(), lines.end(), pc,
                       [](uint32_t p, const bytecode::LineEntry& e) { return p < e.pc; });
  return it == lines.begin() ? 0 : std::prev(it)->line;
}

const std::string& Program::fileOf(bytecode::FunctionId function) const {
  return module_.strings[module_.files[module_.functions[function].file].path];
}

const std::string& Program::functionName(bytecode::FunctionId function) const {
  return module_.strings[module_.functions[function].name];
}

std::optional<uint32_t> Program::recordIndex(std::string_view name) const {
  for (size_t i = 0; i < module_.records.size(); ++i) {
    if (module_.strings[module_.records[i].name] == name) return static_cast<uint32_t>(i);
  }
  return std::nullopt;
}

std::optional<bytecode::TypeId> Program::recordType(uint32_t record) const {
  for (size_t i = 0; i < module_.types.size(); ++i) {
    const bytecode::Type& t = module_.types[i];
    if (t.tag == TypeTag::kRecord && t.decl == record) return static_cast<bytecode::TypeId>(i);
  }
  return std::nullopt;
}

}  // namespace rflow::vm
