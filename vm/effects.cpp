// Requests from effect instructions, and the check of their results (effects.h).
#include "vm/effects.h"

#include <fmt/format.h>

#include "bytecode/verify.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::vm::detail {
namespace {

using bytecode::Opcode;

EffectError corrupt(const bytecode::Instruction& in, std::string_view what) {
  return EffectError{
      true,
      fmt::format("{} {}", bytecode::opcodeInfo(static_cast<uint8_t>(in.opcode))->name, what)};
}

EffectError runtime(std::string message) {
  return EffectError{false, std::move(message)};
}

bool isString(const Value& v) {
  return v.tag() == Tag::kString;
}

std::vector<Value> copyOf(std::span<const Value> values) {
  return std::vector<Value>(values.begin(), values.end());
}

// The values an effect hands to the host must have the types the module declares for
// them (the host reads them by those types): a connector's or workflow's parameters, a
// mock's captured values, the data and request records.
std::optional<EffectError> conform(const Program& p, const bytecode::Instruction& in,
                                   std::span<const Value> values,
                                   std::span<const bytecode::TypeId> types) {
  for (size_t i = 0; i < values.size() && i < types.size(); ++i) {
    if (std::optional<std::string> problem = checkValue(values[i], p.module(), types[i]))
      return corrupt(in, fmt::format("argument {}: {}", i + 1, *problem));
  }
  return std::nullopt;
}

std::vector<bytecode::TypeId> paramTypes(const std::vector<bytecode::Param>& params) {
  std::vector<bytecode::TypeId> types;
  types.reserve(params.size());
  for (const bytecode::Param& param : params)
    types.push_back(param.type);
  return types;
}

// The record `name` of the prelude as a type, when the module has it.
std::optional<bytecode::TypeId> preludeType(const Program& p, std::string_view name) {
  const std::optional<uint32_t> record = p.recordIndex(name);
  return record ? p.recordType(*record) : std::nullopt;
}

// Checks the data record (pushed first) and the request (on top) of an approval or task.
std::optional<EffectError> dataAndRequest(const Program& p, const bytecode::Instruction& in,
                                          std::span<const Value> args, bytecode::TypeId data_type,
                                          std::string_view request_record) {
  std::vector<bytecode::TypeId> types = {data_type};
  if (std::optional<bytecode::TypeId> request = preludeType(p, request_record))
    types.push_back(*request);
  return conform(p, in, args, types);
}

// The connector call with its options (bits 1 retry, 2 every, 4 backoff, 8 timeout).
std::variant<Request, EffectError> connector(const Program& p, const bytecode::Instruction& in,
                                             std::span<const Value> args) {
  const auto op = static_cast<uint32_t>(in.a);
  const size_t params = p.module().ops[op].params.size();
  if (std::optional<EffectError> e =
          conform(p, in, args.first(params), paramTypes(p.module().ops[op].params)))
    return *e;
  effect::Connector c{op, copyOf(args.first(params)), {}, {}, {}, {}};
  size_t at = params;
  if (in.b & 1) {
    const Value& v = args[at++];
    if (v.tag() != Tag::kInt) return corrupt(in, "retry is not an int");
    if (v.asInt() < 0) return runtime(fmt::format("retry must be 0 or more, not {}", v.asInt()));
    c.retry = v.asInt();
  }
  if (in.b & 2) {
    const Value& v = args[at++];
    if (v.tag() != Tag::kInt) return corrupt(in, "every is not a duration");
    if (v.asInt() < 0) return runtime("the delay after `every` must not be negative");
    c.every = v.asInt();
  }
  if (in.b & 4) {
    const Value& v = args[at++];
    if (v.tag() != Tag::kDecimal) return corrupt(in, "backoff is not a decimal");
    if (v.asDecimal().signum() <= 0)
      return runtime(fmt::format("backoff must be above 0, not {}", v.asDecimal().toString()));
    c.backoff = v.asDecimal();
  }
  if (in.b & 8) {
    const Value& v = args[at++];
    if (v.tag() != Tag::kInt) return corrupt(in, "timeout is not a duration");
    if (v.asInt() <= 0) return runtime("the timeout must be longer than 0s");
    c.timeout = v.asInt();
  }
  return c;
}

std::variant<Request, EffectError> approval(const Program& p, const bytecode::Instruction& in,
                                            std::span<const Value> args) {
  const Value& data = args[0];
  const Value& request = args[1];
  if (!p.approvalRecord() || !p.recordType(*p.approvalRecord()))
    return corrupt(in, "needs the rflow.Approval record, which the module does not have");
  if (data.tag() != Tag::kRecord || request.tag() != Tag::kRecord ||
      request.recordIndex() != p.approvalRequestRecord())
    return corrupt(in, "needs a data record and an rflow.ApprovalRequest");
  if (std::optional<EffectError> e =
          dataAndRequest(p, in, args, static_cast<bytecode::TypeId>(in.a), "rflow.ApprovalRequest"))
    return *e;
  if (const std::optional<uint32_t> field = p.approversField()) {
    const auto fields = request.recordFields();
    if (*field >= fields.size() || fields[*field].tag() != Tag::kInt)
      return corrupt(in, "needs an rflow.ApprovalRequest whose approvers is an int");
    if (fields[*field].asInt() < 1)
      return runtime(
          fmt::format("an approval needs at least 1 approver, not {}", fields[*field].asInt()));
  }
  return effect::Approval{request, data, static_cast<uint32_t>(in.a)};
}

std::variant<Request, EffectError> expect(const Program& p, const bytecode::Instruction& in,
                                          std::span<const Value> args) {
  effect::Expect x;
  const Value& text = p.constant(static_cast<uint32_t>(in.a));
  if (!isString(text)) return corrupt(in, "text is not a string");
  x.text = std::string(text.asString());
  size_t at = 0;
  if (in.b & 1) {
    if (!isString(args[0]) || !isString(args[1])) return corrupt(in, "needs two printed forms");
    x.left = std::string(args[0].asString());
    x.right = std::string(args[1].asString());
    at = 2;
  }
  if (args[at].tag() != Tag::kBool) return corrupt(in, "needs a bool condition");
  x.holds = args[at].asBool();
  if (in.b & 2) {
    if (!isString(args[at + 1])) return corrupt(in, "needs a string message");
    x.message = std::string(args[at + 1].asString());
  }
  return x;
}

}  // namespace

bool isEffect(Opcode opcode) {
  return static_cast<uint8_t>(opcode) >= 0xA0;
}

uint32_t effectPops(const Program& program, const bytecode::Instruction& in) {
  return static_cast<uint32_t>(bytecode::stackEffect(in, program.module())->pops);
}

bool effectPushes(Opcode opcode) {
  return bytecode::opcodeInfo(static_cast<uint8_t>(opcode))->pushes == 1;
}

std::variant<Request, EffectError> makeRequest(const Program& p, const bytecode::Instruction& in,
                                               std::span<const Value> args) {
  const auto a = static_cast<uint32_t>(in.a);
  switch (in.opcode) {
    case Opcode::kCallConnector:
      return connector(p, in, args);
    case Opcode::kApproval:
      return approval(p, in, args);
    case Opcode::kTask:
      if (args[0].tag() != Tag::kRecord || args[1].tag() != Tag::kRecord)
        return corrupt(in, "needs a data record and an rflow.TaskRequest");
      if (std::optional<EffectError> e =
              dataAndRequest(p, in, args, static_cast<bytecode::TypeId>(in.b), "rflow.TaskRequest"))
        return *e;
      return effect::Task{args[1], args[0], a, static_cast<uint32_t>(in.b)};
    case Opcode::kAwait: {
      effect::Await w{a, {}};
      if (in.b == 1) {
        if (args[0].tag() != Tag::kInt) return corrupt(in, "timeout is not a duration");
        w.timeout = args[0].asInt();
      }
      return w;
    }
    case Opcode::kSleep:
      if (args[0].tag() != Tag::kInt) return corrupt(in, "needs a duration");
      return effect::Sleep{args[0].asInt()};
    case Opcode::kSleepUntil:
      if (args[0].tag() != Tag::kInt) return corrupt(in, "needs a time");
      return effect::SleepUntil{args[0].asInt()};
    case Opcode::kStartChild:
    case Opcode::kSpawn:
    case Opcode::kStartRun: {
      if (std::optional<EffectError> e =
              conform(p, in, args, paramTypes(p.module().workflows[a].params)))
        return *e;
      if (in.opcode == Opcode::kStartChild) return effect::StartChild{a, copyOf(args)};
      if (in.opcode == Opcode::kSpawn) return effect::Spawn{a, copyOf(args)};
      return effect::StartRun{a, copyOf(args)};
    }
    case Opcode::kNote:
      if (!isString(args[0])) return corrupt(in, "needs a string");
      return effect::Note{std::string(args[0].asString())};
    case Opcode::kNotify:
      if ((args[0].tag() != Tag::kRole && !isString(args[0])) || !isString(args[1]))
        return corrupt(in, "needs a role or user and a string");
      return effect::Notify{args[0], std::string(args[1].asString())};
    case Opcode::kNow:
      return effect::Now{};
    case Opcode::kClassify:
      if (!isString(args[0])) return corrupt(in, "needs a string");
      return effect::Classify{a, std::string(args[0].asString())};
    case Opcode::kLearn: {
      if (!isString(args[0]) || args[1].tag() != Tag::kEnum)
        return corrupt(in, "needs a string and a label");
      const bytecode::Classifier& c = p.module().classifiers[a];
      if (args[1].enumIndex() != c.labels ||
          args[1].enumMember() >= p.module().enums[c.labels].members.size())
        return corrupt(in, "needs a member of the classifier's enum");
      return effect::Learn{a, std::string(args[0].asString()), args[1].enumMember()};
    }
    case Opcode::kMeasure:
      if (args[0].tag() != Tag::kInt && args[0].tag() != Tag::kDecimal &&
          args[0].tag() != Tag::kMoney)
        return corrupt(in, "needs an int, a duration, a decimal or money");
      return effect::Measure{a, args[0]};
    case Opcode::kMockClassify:
      if (std::optional<EffectError> e =
              conform(p, in, args, p.module().functions[static_cast<uint32_t>(in.b)].params))
        return *e;
      return effect::MockClassify{a, static_cast<uint32_t>(in.b), copyOf(args)};
    case Opcode::kExpectLearned:
      if (args[0].tag() != Tag::kInt) return corrupt(in, "needs an int");
      return effect::ExpectLearned{a, args[0].asInt()};
    case Opcode::kMock:
      if (std::optional<EffectError> e =
              conform(p, in, args, p.module().functions[static_cast<uint32_t>(in.b)].params))
        return *e;
      return effect::Mock{a, static_cast<uint32_t>(in.b), copyOf(args)};
    case Opcode::kMockFails:
      if (!isString(args[0])) return corrupt(in, "needs a string");
      return effect::MockFails{a, std::string(args[0].asString())};
    case Opcode::kAdvance:
      if (args[0].tag() != Tag::kInt) return corrupt(in, "needs a duration");
      return effect::Advance{args[0].asInt()};
    case Opcode::kDecide: {
      if (args[0].tag() != Tag::kRecord || !isString(args[1]))
        return corrupt(in, "needs a task record and a user");
      if (std::optional<bytecode::TypeId> task = preludeType(p, "rflow.Task")) {
        const bytecode::TypeId types[] = {*task};
        if (std::optional<EffectError> e = conform(p, in, args.first(1), types)) return *e;
      }
      const bool detail = (in.b & 1) != 0;
      if (detail && !isString(args[2]) && args[2].tag() != Tag::kRecord)
        return corrupt(in, "needs a comment or a form record");
      return effect::Decide{static_cast<effect::Decide::Kind>(in.a), (in.b & 2) != 0, args[0],
                            args[1], detail ? args[2] : Value()};
    }
    case Opcode::kSend:
      if (args[0].tag() != Tag::kRun || args[1].tag() != Tag::kRecord)
        return corrupt(in, "needs a run and a signal record");
      return effect::Send{args[0], args[1]};
    case Opcode::kExpect:
      return expect(p, in, args);
    case Opcode::kExpectCalled:
      if (args[0].tag() != Tag::kInt) return corrupt(in, "needs an int");
      return effect::ExpectCalled{a, args[0].asInt()};
    case Opcode::kRunField:
      if (args[0].tag() != Tag::kRun) return corrupt(in, "needs a run");
      return effect::RunField{args[0], static_cast<effect::RunField::Field>(in.a)};
    default:
      return corrupt(in, "is not an effect");
  }
}

std::optional<std::string> checkResult(const Program& p, const bytecode::Instruction& in,
                                       const Value& value) {
  const bytecode::Module& m = p.module();
  const auto a = static_cast<uint32_t>(in.a);
  const auto must = [&](bool ok, std::string_view what) -> std::optional<std::string> {
    if (ok) return checkWellFormed(value, m);
    return fmt::format("expected {}, got {}", what, tagName(value.tag()));
  };
  switch (in.opcode) {
    case Opcode::kCallConnector:
      return checkValue(value, m, m.ops[a].result);
    case Opcode::kApproval: {
      const std::optional<uint32_t> record = p.approvalRecord();
      const std::optional<bytecode::TypeId> type = record ? p.recordType(*record) : std::nullopt;
      if (!type) return "the module has no rflow.Approval record";
      return checkValue(value, m, *type);
    }
    case Opcode::kTask:
      return checkValue(value, m, a);
    case Opcode::kAwait:
      if (value.isNone()) return std::nullopt;
      return checkValue(value, m, a);
    case Opcode::kStartChild:
      return checkValue(value, m, m.workflows[a].result);
    case Opcode::kSpawn:
      return must(value.tag() == Tag::kString, "an instance id (a string)");
    case Opcode::kNow:
      return must(value.tag() == Tag::kInt, "a time");
    case Opcode::kClassify: {
      const std::optional<bytecode::TypeId> type = p.recordType(m.classifiers[a].record);
      if (!type) return "the module has no type for the classifier's record";
      return checkValue(value, m, *type);
    }
    case Opcode::kStartRun:
      return must(value.tag() == Tag::kRun, "a run");
    case Opcode::kRunField:
      return checkWellFormed(value, m);
    default:
      return must(value.isNone(), "none (the effect has no result)");
  }
}

}  // namespace rflow::vm::detail
