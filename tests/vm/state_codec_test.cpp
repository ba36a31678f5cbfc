// The state codec: round trips (bit-exact, and the decoded instance runs on exactly as
// the original would) for suspended frames, branches, handlers and every value kind;
// refusals with clear errors; and every truncation and single-byte flip of an encoded
// state refused cleanly or decoded to a state that re-encodes to the same bytes and runs
// without crashing.
#include "vm/state_codec.h"

#include <gtest/gtest.h>

#include "state_sample.h"
#include "vm/print.h"
#include "vm/value_codec.h"
#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

using O = Opcode;
using Bytes = std::vector<uint8_t>;

Bytes encodeOrDie(const Instance& instance) {
  auto encoded = encodeState(instance);
  if (const auto* error = std::get_if<std::string>(&encoded)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return std::get<Bytes>(std::move(encoded));
}

std::string decodeError(const std::shared_ptr<const Program>& program, const Bytes& bytes,
                        Options options = {}) {
  auto decoded = decodeState(program, bytes, options);
  if (const auto* e = std::get_if<StateError>(&decoded)) return e->message;
  return "(decoded)";
}

Instance decodeOrDie(const std::shared_ptr<const Program>& program, const Bytes& bytes) {
  auto decoded = decodeState(program, bytes);
  if (const auto* e = std::get_if<StateError>(&decoded)) {
    ADD_FAILURE() << e->message << " at " << e->offset;
    std::abort();
  }
  return std::get<Instance>(std::move(decoded));
}

constexpr std::string_view kSampleResult =
    "fail: no stock at S1 (37.50 USD, 0.075, [5, 2, 3], {a: 5, b: 2})";

TEST(VmStateCodec, TheSampleRoundTripsBitExactAndRunsOn) {
  const auto program = stateSampleProgram();
  ASSERT_NE(program, nullptr);
  Instance original = stateSampleInstance(program);
  const Bytes bytes = encodeOrDie(original);
  EXPECT_LT(bytes.size(), 400u);
  Instance decoded = decodeOrDie(program, bytes);
  EXPECT_EQ(encodeOrDie(decoded), bytes);
  // The same requests, then the same end.
  const auto before = original.pending();
  const auto after = decoded.pending();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].branch, before[i].branch);
    EXPECT_EQ(after[i].pc, before[i].pc);
    EXPECT_EQ(after[i].request.index(), before[i].request.index());
  }
  EXPECT_EQ(finishStateSample(decoded), kSampleResult);
  EXPECT_EQ(finishStateSample(original), kSampleResult);
  EXPECT_EQ(stateModuleHash(bytes), std::optional(program->module().content_hash));
  EXPECT_EQ(stateModuleHash(Bytes(bytes.begin(), bytes.begin() + 20)), std::nullopt);
}

TEST(VmStateCodec, EveryStepOfTheSampleRoundTrips) {
  // Encoded and decoded again at each of its stops, the sample still ends the same.
  const auto program = stateSampleProgram();
  Instance instance = stateSampleInstance(program);
  instance = decodeOrDie(program, encodeOrDie(instance));
  const std::optional<uint32_t> approval = program->recordIndex("rflow.Approval");
  ASSERT_TRUE(approval);
  // Branch 2 first: branch 1 still waits, branch 2 has ended.
  ASSERT_EQ(instance.resume(
                {{2, Value::record(*approval, {Value::boolean(true), Value::enumMember(0, 0),
                                               str("bob"), str("ok"), Value(), Value::list({})})}}),
            std::nullopt);
  ASSERT_EQ(waitingOf(instance.run()).requests.size(), 1u);
  const Bytes middle = encodeOrDie(instance);
  instance = decodeOrDie(program, middle);
  EXPECT_EQ(encodeOrDie(instance), middle);
  ASSERT_EQ(instance.resume({{1, Value::integer(7)}}), std::nullopt);
  const Waiting note = waitingOf(instance.run());
  ASSERT_EQ(note.requests.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<effect::Note>(note.requests[0].request));
  instance = decodeOrDie(program, encodeOrDie(instance));
  ASSERT_EQ(instance.resume({{0, Value()}}), std::nullopt);
  EXPECT_EQ(completedValue(instance.run()).asString(), kSampleResult);
}

TEST(VmStateCodec, EncodingNeedsAWaitingInstance) {
  const auto program = stateSampleProgram();
  Instance fresh = startOrDie(program, 1, {str("S1"), Value::integer(1)});
  EXPECT_EQ(std::get<std::string>(encodeState(fresh)),
            "the instance is not waiting: run() it first");
  Instance waiting = stateSampleInstance(program);
  ASSERT_EQ(waiting.resume({{1, Value::integer(1)}}), std::nullopt);
  EXPECT_EQ(std::get<std::string>(encodeState(waiting)),
            "the instance is not waiting: run() it first");
  Instance done = stateSampleInstance(program);
  (void)finishStateSample(done);
  EXPECT_EQ(std::get<std::string>(encodeState(done)), "the instance has finished");
}

TEST(VmStateCodec, ValuesOfEveryKindRoundTrip) {
  TestModule t;
  const uint32_t get = t.op("get", {}, t.t_int);
  const uint32_t planner = t.role("test.Planner", "Planner");
  const uint32_t line =
      t.record("test.Line", {{"sku", t.t_string}, {"qty", t.t_int}, {"price", t.t_money}});
  const TypeId t_line = t.b.record(line);
  const TypeId t_lines = t.b.list(t_line);
  const TypeId t_line_map = t.b.map(t_lines);
  const FunctionId wf_body = t.function(
      "test.W", {}, t.t_int, {},
      [](InstructionWriter& w) {
        w.emit(O::kConstInt, 1);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kWorkflow);
  const uint32_t wf = t.workflow("test.W", wf_body);
  // Every constant kind, one per local, plus a Run from StartRun and built aggregates.
  std::vector<std::pair<ConstantId, TypeId>> constants = {
      {t.b.constant(t.t_bool, true), t.t_bool},
      {t.integer(INT64_MIN), t.t_int},
      {t.integer(INT64_MAX), t.t_int},
      {t.integer(-3'600'000, t.t_duration), t.t_duration},
      {t.integer(1'764'223'200'250, t.t_time), t.t_time},
      {t.dec("-0.0000000000000000000000000000000001"), t.t_decimal},
      {t.dec("9999999999999999999999999999999999"), t.t_decimal},
      {t.dec("0.00"), t.t_decimal},
      {t.money("-25.05825", "KWD"), t.t_money},
      {t.str(""), t.t_string},
      {t.str("日本語 🙂 \"quoted\"\n"), t.t_string},
      {t.b.constant(t.t_user, t.b.str("ana@example.com")), t.t_user},
      {t.b.constant(t.t_role, bytecode::RoleConstant{planner}), t.t_role},
      {t.b.constant(t.t_assignee, bytecode::RoleConstant{planner}), t.t_assignee},
      {t.b.constant(t.t_assignee, t.b.str("bob")), t.t_assignee},
      {t.b.constant(t.t_outcome, bytecode::EnumConstant{t.e_outcome, 2}), t.t_outcome},
      {t.b.constant(t.t_int_opt, std::monostate{}), t.t_int_opt},
      {t.b.constant(t.t_int_opt, int64_t{4}), t.t_int_opt},
  };
  std::vector<TypeId> locals;
  for (const auto& c : constants)
    locals.push_back(c.second);
  const uint16_t run_slot = static_cast<uint16_t>(locals.size());
  locals.push_back(t.t_run);
  const uint16_t lines_slot = static_cast<uint16_t>(locals.size());
  locals.push_back(t_line_map);
  const uint16_t empty_slot = static_cast<uint16_t>(locals.size());
  locals.push_back(t.t_int_map);
  const ConstantId sku = t.str("A-1"), price = t.money("3.20", "USD"), key = t.str("k");
  const FunctionId f = t.function(
      "test.values", {}, t.t_int, locals,
      [&](InstructionWriter& w) {
        for (size_t i = 0; i < constants.size(); ++i) {
          w.emit(O::kConst, constants[i].first);
          w.emit(O::kStoreLocal, i);
        }
        w.emit(O::kStartRun, wf);
        w.emit(O::kStoreLocal, run_slot);
        w.emit(O::kConst, key);
        w.emit(O::kConst, sku);
        w.emit(O::kConstInt, 2);
        w.emit(O::kConst, price);
        w.emit(O::kMakeRecord, t_line);
        w.emit(O::kDup);
        w.emit(O::kMakeList, t_lines, 2);
        w.emit(O::kMakeMap, t_line_map, 1);
        w.emit(O::kStoreLocal, lines_slot);
        w.emit(O::kMakeMap, t.t_int_map, 0);
        w.emit(O::kStoreLocal, empty_slot);
        w.emit(O::kCallConnector, get, 0);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kTest, 32);
  const auto program = t.program();
  Instance instance = startOrDie(program, f);
  (void)waitingOf(instance.run());
  ASSERT_EQ(instance.resume({{0, Value::run("run-1")}}), std::nullopt);
  (void)waitingOf(instance.run());
  const Bytes bytes = encodeOrDie(instance);
  Instance decoded = decodeOrDie(program, bytes);
  EXPECT_EQ(encodeOrDie(decoded), bytes);
  // The decoded locals print as the originals: compare the whole encoding of values
  // through a second round trip of a copy, and the printed form of a few.
  Instance copy = decoded;
  EXPECT_EQ(encodeOrDie(copy), bytes);
  const std::string text(bytes.begin(), bytes.end());
  for (std::string_view needle : {"ana@example.com", "run-1", "A-1", "KWD", "🙂"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  ASSERT_EQ(decoded.resume({{0, Value::integer(9)}}), std::nullopt);
  EXPECT_EQ(completedValue(decoded.run()).asInt(), 9);
}

TEST(VmStateCodec, CallerFramesHandlersAndRaisedBranchesRoundTrip) {
  // The sample has them all; here we check the decoded layout by running on from a
  // state in the middle of a deep call chain inside a try.
  TestModule t;
  const uint32_t get = t.op("get", {t.t_int}, t.t_int);
  const ConstantId boom = t.str("boom");
  // fn leaf(n) = get(n) + n; fn mid(n) = 100 + leaf(n * 2); main: try { mid(5) } catch { -1 }
  const FunctionId leaf =
      t.function("test.leaf", {t.t_int}, t.t_int, {t.t_int}, [&](InstructionWriter& w) {
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kStoreLocal, 1);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kCallConnector, get, 0);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kAddInt);
        w.emit(O::kDup);
        w.emit(O::kConstInt, 0);
        w.emit(O::kLtInt);
        const uint32_t ok = w.emitJump(O::kJumpIfFalse);
        w.emit(O::kConst, boom);
        w.emit(O::kFail);
        w.patchJumpHere(ok);
        w.emit(O::kReturn);
      });
  const FunctionId mid = t.function("test.mid", {t.t_int}, t.t_int, {}, [&](InstructionWriter& w) {
    w.emit(O::kConstInt, 100);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kConstInt, 2);
    w.emit(O::kMulInt);
    w.emit(O::kCall, leaf);
    w.emit(O::kAddInt);
    w.emit(O::kReturn);
  });
  const FunctionId main = t.function("test.main", {}, t.t_int, {}, [&](InstructionWriter& w) {
    w.emit(O::kConstInt, 1000);
    const uint32_t handler = w.emitJump(O::kTryBegin);
    w.emit(O::kConstInt, 5);
    w.emit(O::kCall, mid);
    w.emit(O::kAddInt);
    w.emit(O::kTryEnd);
    w.emit(O::kReturn);
    w.patchJumpHere(handler);
    w.emit(O::kPop);
    w.emit(O::kConstInt, -1);
    w.emit(O::kAddInt);
    w.emit(O::kReturn);
  });
  const auto program = t.program();
  for (int64_t answer : {int64_t{1}, int64_t{-100}}) {
    Instance instance = startOrDie(program, main);
    const Waiting w = waitingOf(instance.run());
    ASSERT_EQ(w.requests.size(), 1u);
    EXPECT_EQ(std::get<effect::Connector>(w.requests[0].request).args[0].asInt(), 10);
    const Bytes bytes = encodeOrDie(instance);
    Instance decoded = decodeOrDie(program, bytes);
    EXPECT_EQ(encodeOrDie(decoded), bytes);
    ASSERT_EQ(decoded.resume({{0, Value::integer(answer)}}), std::nullopt);
    // 1000 + 100 + (answer + 10), or the handler's 1000 - 1 when the leaf fails.
    EXPECT_EQ(completedValue(decoded.run()).asInt(), answer > 0 ? 1000 + 100 + answer + 10 : 999);
  }
}

TEST(VmStateCodec, RefusesStatesOfAnotherModuleOrFormat) {
  const auto program = stateSampleProgram();
  const Bytes bytes = encodeOrDie(stateSampleInstance(program));
  // Another version of the module: one string differs, so does the hash.
  StateSample other = stateSample();
  other.module.strings[other.module.files[0].path] = "sample/other.rflow";
  // A module changed in memory drops the hash it was written with (Program::load keeps a
  // hash it is given: a module read from a file is named by its file's hash).
  other.module.content_hash = {};
  auto other_program = Program::load(other.module);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Program>>(other_program));
  EXPECT_EQ(decodeError(std::get<std::shared_ptr<const Program>>(other_program), bytes),
            "the state belongs to another version of the module (its content hash differs)");
  Bytes bad = bytes;
  bad[0] = 'X';
  EXPECT_EQ(decodeError(program, bad),
            "these bytes are not an rflow instance state (the magic is wrong)");
  bad = bytes;
  bad[8] = 2;
  EXPECT_EQ(decodeError(program, bad),
            "state format version 2 is not supported (this rflow reads 1 to 1)");
  bad = bytes;
  bad[10] = 1;
  EXPECT_EQ(decodeError(program, bad), "unknown flags 0x0001");
  bad = bytes;
  bad.push_back(0);
  EXPECT_EQ(decodeError(program, bad), "bytes follow the last branch");
  EXPECT_EQ(decodeError(program, {}), "the state ends early");
  Options shallow;
  shallow.max_call_depth = 1;
  EXPECT_EQ(decodeError(program, bytes, shallow), "the call depth 2 is above the limit 1");
  EXPECT_EQ(decodeError(program, Bytes(kMaxStateBytes + 1, 0)),
            "the state is 67108865 bytes long, more than 67108864");
}

// A state by hand, for corruptions a real encoder never writes: the main line of
// `test.f` waiting at its CallConnector (pc 5, after `Const s`) with `arg` as the
// effect's value.
struct HandMade {
  TestModule t;
  uint32_t op = t.op("get", {t.t_string}, t.t_int);
  ConstantId s = t.str("x");
  FunctionId f = t.function("test.f", {}, t.t_int, {t.t_int}, [&](InstructionWriter& w) {
    w.emit(O::kConst, s);
    w.emit(O::kCallConnector, op, 0);
    w.emit(O::kReturn);
  });
  std::shared_ptr<const Program> program = t.program();

  Bytes state(const std::function<void(detail::ByteWriter&)>& local,
              const std::function<void(detail::ByteWriter&)>& arg, uint64_t pc = 5) const {
    detail::ByteWriter w;
    w.bytes(kStateMagic);
    w.u16(kStateFormatVersion);
    w.u16(0);
    w.bytes(program->module().content_hash);
    w.varint(1);  // next request
    w.varint(1);  // next branch
    w.varint(1);  // one branch
    w.varint(0);
    w.varint(0);
    w.u8(static_cast<uint8_t>(FiberCode::kWaiting));
    w.varint(1);  // one frame
    w.varint(f);
    w.varint(pc);
    local(w);     // the local
    w.varint(0);  // no handlers
    w.varint(0);  // request id
    arg(w);
    return w.data();
  }
};

TEST(VmStateCodec, RefusesMalformedValuesAndLayouts) {
  HandMade h;
  const auto none = [](detail::ByteWriter& w) { w.value(Value()); };
  const auto text = [](detail::ByteWriter& w) { w.value(str("x")); };
  // The well-formed one decodes, re-encodes to itself and runs on.
  const Bytes good = h.state(none, text);
  Instance instance = decodeOrDie(h.program, good);
  EXPECT_EQ(encodeOrDie(instance), good);
  ASSERT_EQ(instance.resume({{0, Value::integer(3)}}), std::nullopt);
  EXPECT_EQ(completedValue(instance.run()).asInt(), 3);

  const auto local = [](Value v) { return [v](detail::ByteWriter& w) { w.value(v); }; };
  EXPECT_EQ(decodeError(h.program, h.state(local(str("1")), text)),
            "local 0 of `test.f`: expected int, got string");
  EXPECT_EQ(decodeError(h.program, h.state(none, local(Value::integer(1)))),
            "the waiting effect is not valid: CallConnector argument 1: expected string, got int");
}

}  // namespace
}  // namespace rflow::vm::testing

namespace rflow::vm::testing {
namespace {

// Decodes `bytes`; when that succeeds the state must re-encode to exactly `bytes`, list
// its requests, and run on (every waiting branch answered with an error) without
// crashing. Returns whether it decoded.
bool decodesCleanly(const std::shared_ptr<const Program>& program, const Bytes& bytes) {
  Options options;
  options.max_instructions = 100'000;
  auto decoded = decodeState(program, bytes, options);
  if (std::holds_alternative<StateError>(decoded)) return false;
  Instance instance = std::get<Instance>(std::move(decoded));
  EXPECT_EQ(encodeOrDie(instance), bytes);
  std::vector<Resumption> answers;
  for (const PendingRequest& p : instance.pending())
    answers.push_back({p.branch, HostError{"connector", "mutated"}});
  EXPECT_EQ(instance.resume(std::move(answers)), std::nullopt);
  for (int step = 0; step < 10 && !instance.finished(); ++step) {
    const Outcome o = instance.run();
    if (const auto* w = std::get_if<Waiting>(&o)) {
      std::vector<Resumption> more;
      for (const PendingRequest& p : w->requests)
        more.push_back({p.branch, HostError{"connector", "again"}});
      EXPECT_EQ(instance.resume(std::move(more)), std::nullopt);
    }
  }
  return true;
}

TEST(VmStateCodec, EveryTruncationIsRefused) {
  const auto program = stateSampleProgram();
  const Bytes bytes = encodeOrDie(stateSampleInstance(program));
  for (size_t n = 0; n < bytes.size(); ++n) {
    const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(decodesCleanly(program, prefix)) << "a prefix of " << n << " bytes decoded";
  }
}

TEST(VmStateCodec, EverySingleByteChangeIsRefusedOrDecodesToAValidState) {
  const auto program = stateSampleProgram();
  const Bytes bytes = encodeOrDie(stateSampleInstance(program));
  size_t decoded = 0, refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int value = 0; value < 256; ++value) {
      if (value == bytes[i]) continue;
      Bytes changed = bytes;
      changed[i] = static_cast<uint8_t>(value);
      (decodesCleanly(program, changed) ? decoded : refused) += 1;
    }
  }
  // Most changes are caught; those that decode are other valid states (another int, a
  // different string character …).
  EXPECT_GT(refused, decoded);
  EXPECT_GT(decoded, 0u);
  RecordProperty("decoded", static_cast<int>(decoded));
  RecordProperty("refused", static_cast<int>(refused));
}

TEST(VmStateCodec, RefusesNonCanonicalAndOverLimitEncodings) {
  HandMade h;
  const auto none = [](detail::ByteWriter& w) { w.value(Value()); };
  const auto text = [](detail::ByteWriter& w) { w.value(str("x")); };
  const auto raw = [](std::vector<uint8_t> b) {
    return [b](detail::ByteWriter& w) { w.bytes(b); };
  };
  // An int written with a redundant continuation byte: 3 (int), 0x82 0x00.
  EXPECT_EQ(decodeError(h.program, h.state(raw({3, 0x82, 0x00}), text)),
            "a number is not written in its shortest form");
  EXPECT_EQ(decodeError(h.program, h.state(raw({42}), text)), "value code 42 is not known");
  // Map keys out of order: map of 2 entries "b" -> none, "a" -> none.
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({10, 2, 1, 'b', 0, 1, 'a', 0}))),
            "a map's keys are not in strictly increasing order");
  // A list whose count is far beyond the bytes left.
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({9, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}))),
            "4294967295 list items are more than 1048576");
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({9, 0xFF, 0xFF, 0x3F}))),
            "1048575 list items do not fit in the 0 bytes left");
  // A string that is not UTF-8.
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({6, 2, 0xC3, 0x28}))),
            "a string is not valid UTF-8");
  // Nesting past kMaxValueDepth: 600 lists in lists.
  std::vector<uint8_t> deep;
  for (int i = 0; i < 600; ++i)
    deep.insert(deep.end(), {9, 1});
  deep.push_back(0);
  EXPECT_EQ(decodeError(h.program, h.state(none, raw(deep))),
            "values nest more than 512 levels deep");
  // A pc that is not an instruction start, and one that is not an effect.
  EXPECT_EQ(decodeError(h.program, h.state(none, text, 2)),
            "pc 2 is not a reachable instruction of `test.f`");
  EXPECT_EQ(decodeError(h.program, h.state(none, text, 0)),
            "a waiting branch is not at an effect instruction (Const at 0)");
  // A role, an enum member and a record that the module does not have.
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({7, 5}))),
            "role #5 does not exist (there are 0)");
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({8, 0, 7}))),
            "enum member #7 does not exist (there are 3)");
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({11, 100}))),
            "record #100 does not exist (there are 6)");
  // A decimal with a negative zero: scale 0, sign 1, coefficient 0.
  EXPECT_EQ(decodeError(h.program, h.state(none, raw({4, 1, 0}))),
            "a decimal is malformed: a value is not encoded the way rflow writes it");
}

TEST(VmStateCodec, EncodingRefusesAStateLargerThanTheLimit) {
  TestModule t;
  const uint32_t op = t.op("get", {}, t.t_int);
  // Seventeen copies of a 4 MiB string: one object in memory, 68 MiB written out.
  const ConstantId big = t.str(std::string(kMaxStringBytes, 'x'));
  const FunctionId f = t.function(
      "test.f", {}, t.t_int, {t.t_string_list},
      [&](InstructionWriter& w) {
        for (int i = 0; i < 17; ++i)
          w.emit(O::kConst, big);
        w.emit(O::kMakeList, t.t_string_list, 17);
        w.emit(O::kStoreLocal, 0);
        w.emit(O::kCallConnector, op, 0);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kFn, 32);
  Instance instance = startOrDie(t.program(), f);
  (void)waitingOf(instance.run());
  EXPECT_EQ(std::get<std::string>(encodeState(instance)),
            "the state is larger than 67108864 bytes");
}

}  // namespace
}  // namespace rflow::vm::testing
