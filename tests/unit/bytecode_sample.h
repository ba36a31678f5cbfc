// Hand-built bytecode modules for the bytecode tests and the module fuzz test: a
// builder that interns strings and types the way the code generator will, and a sample
// module with a little of everything (int arithmetic, branches, calls, records, a
// connector call, approvals, constants of every kind, a workflow with key, sla and
// breach handler, a policy, a trigger, a test and its mock).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "bytecode/module.h"

namespace rflow::bytecode::testing {

class ModuleBuilder {
 public:
  StringId str(std::string_view text);
  TypeId type(TypeTag tag, uint32_t element_or_decl = 0);
  TypeId list(TypeId element) { return type(TypeTag::kList, element); }
  TypeId map(TypeId element) { return type(TypeTag::kMap, element); }
  TypeId optional(TypeId element) { return type(TypeTag::kOptional, element); }
  TypeId run(TypeId element) { return type(TypeTag::kRun, element); }
  TypeId record(uint32_t decl) { return type(TypeTag::kRecord, decl); }
  TypeId enumType(uint32_t decl) { return type(TypeTag::kEnum, decl); }

  template <typename V>
  ConstantId constant(TypeId t, V value) {
    // Built in place: moving a whole Constant trips g++ 12's -Wmaybe-uninitialized on
    // std::variant.
    Constant& c = module_.constants.emplace_back();
    c.type = t;
    c.value.template emplace<V>(std::move(value));
    return static_cast<ConstantId>(module_.constants.size() - 1);
  }

  Module& module() { return module_; }

 private:
  Module module_;
  std::map<std::string, StringId, std::less<>> strings_;
  std::map<std::tuple<TypeTag, uint32_t>, TypeId> types_;
};

// The sample module (verifies; its disassembly is snapshot in bytecode_disasm_test.cpp
// and its encoding is committed as tests/bytecode/v1/sample.rfc).
Module sampleModule();

// A module with one function `test.f() -> int` of kind fn in file #0, whose code, line
// table and max_stack the caller sets; types: #0 void, #1 int, #2 bool, #3 string.
Module oneFunctionModule();

}  // namespace rflow::bytecode::testing
