// ModuleTables: the parts of a bytecode Module shared by every function — strings,
// types, constants and the declarations (records, enums, roles, connectors and their
// operations) — filled from a checked Program. Internal to compiler/codegen.
//
// Invariants: strings, types and constants are interned (asking twice for the same one
// gives the same index), so a module holds each once; a check::TypeId maps to exactly
// one bytecode TypeId; Program::records[i] is Module::records[i], and likewise for
// enums, roles, connectors and ops, so the indices in expression facts are module
// indices too.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bytecode/module.h"
#include "check/program.h"

namespace rflow::codegen {

class ModuleTables {
 public:
  ModuleTables(const check::Program& program, bytecode::Module& module);

  // Copies records, enums, roles, connectors and ops (with their field defaults).
  void declare();

  bytecode::StringId string(std::string_view text);
  bytecode::TypeId type(check::TypeId type);
  bytecode::TypeId voidType() { return intern({bytecode::TypeTag::kVoid, 0, 0}); }
  // Program::records[record] as a type (the checker's table is not extended here).
  bytecode::TypeId recordType(uint32_t record) {
    return intern({bytecode::TypeTag::kRecord, 0, record});
  }

  // A constant of check type `type` holding `value`.
  bytecode::ConstantId constant(const check::ConstValue& value, check::TypeId type);
  bytecode::ConstantId stringConstant(std::string_view text);
  bytecode::ConstantId intConstant(int64_t value, check::TypeId type);
  bytecode::ConstantId decimalConstant(std::string_view canonical_digits);
  bytecode::ConstantId moneyConstant(std::string_view canonical_amount, std::string_view currency);

  const check::Program& program() const { return program_; }

 private:
  bytecode::TypeId intern(bytecode::Type type);
  bytecode::ConstantId add(bytecode::Constant constant);

  const check::Program& program_;
  bytecode::Module& module_;
  std::unordered_map<std::string, bytecode::StringId> strings_;
  std::map<std::tuple<uint8_t, uint32_t, uint32_t>, bytecode::TypeId> types_;
  std::vector<int64_t> type_map_;  // check TypeId -> bytecode TypeId, -1 until mapped
  std::map<std::string, bytecode::ConstantId> constants_;  // keyed by an encoding
};

}  // namespace rflow::codegen
