// Program: a verified bytecode module prepared for running, shared by every instance
// that runs it (and by every thread: nothing in it changes after load()).
//
// What load() adds to the module: every constant built once as a shared Value (value.h); for
// each function the operand stack depth before each instruction (the verifier's
// abstract interpretation, kept so that a decoded state can be checked against the code
// it resumes); and the prelude records the VM itself builds or checks (rflow.Error for
// `catch`, rflow.ApprovalRequest's `approvers`, rflow.Approval for an approval's result).
// A module may leave out prelude records it does not use; an instruction that needs a
// missing one fails the instance as a corrupt module.
//
// Invariants: module() passed bytecode::verifyModule; constant(i) is a value of constant
// i's type; stackDepth(f, pc) is the depth before the instruction at pc, or -1 when pc is
// not the start of an instruction reached from pc 0.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::vm {

class Program {
  struct Key {};  // only load() constructs a Program

 public:
  // A function's frame, from its declaration: what a call needs at hand.
  struct FrameShape {
    uint32_t params;  // parameters
    uint32_t locals;  // parameters and locals
    uint32_t slots;   // parameters, locals and max_stack
  };

  // Verifies `module` (a module from bytecode::loadModule already passed; hand-built ones
  // may not have), computes its content hash (as the writer does) and prepares it. On a
  // problem: the verifier's message.
  static std::variant<std::shared_ptr<const Program>, std::string> load(bytecode::Module module);

  Program(Key, bytecode::Module module);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  const bytecode::Module& module() const { return module_; }
  const Value& constant(bytecode::ConstantId id) const { return constants_[id]; }

  // The function's code with fused instructions (vm/quicken.h): what the interpreter runs
  // while the step's budget allows.
  const uint8_t* quickCode(bytecode::FunctionId function) const { return quick_[function].data(); }

  const FrameShape& frameShape(bytecode::FunctionId function) const { return shapes_[function]; }

  int32_t stackDepth(bytecode::FunctionId function, uint32_t pc) const {
    const std::vector<int32_t>& d = depths_[function];
    return pc < d.size() ? d[pc] : -1;
  }

  // The source line of the instruction at pc (the line table's entry at or before it).
  uint32_t lineAt(bytecode::FunctionId function, uint32_t pc) const;
  // The path of the function's file, as given to the compiler.
  const std::string& fileOf(bytecode::FunctionId function) const;
  const std::string& functionName(bytecode::FunctionId function) const;

  // The index of the record named `name` ("rflow.Error") in Module::records.
  std::optional<uint32_t> recordIndex(std::string_view name) const;
  // The type id of a record type (tag kRecord, decl = record), if the module has one.
  std::optional<bytecode::TypeId> recordType(uint32_t record) const;

  // rflow.Error, when the module has it with fields (kind: string, message: string).
  std::optional<uint32_t> errorRecord() const { return error_record_; }
  // rflow.Approval, the result of an `approval`.
  std::optional<uint32_t> approvalRecord() const { return approval_record_; }
  // rflow.ApprovalRequest and the index of its `approvers: int` field.
  std::optional<uint32_t> approvalRequestRecord() const { return approval_request_record_; }
  std::optional<uint32_t> approversField() const { return approvers_field_; }

 private:
  void buildConstants();
  void analyzeStacks();
  void findBuiltins();

  bytecode::Module module_;
  std::vector<Value> constants_;
  std::vector<std::vector<int32_t>> depths_;
  std::vector<std::vector<uint8_t>> quick_;
  std::vector<FrameShape> shapes_;
  std::optional<uint32_t> error_record_;
  std::optional<uint32_t> approval_record_;
  std::optional<uint32_t> approval_request_record_;
  std::optional<uint32_t> approvers_field_;
};

}  // namespace rflow::vm
