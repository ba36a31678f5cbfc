// The disassembler: a snapshot of the sample module's listing, the hash line, and what
// it shows for text that needs escaping and for modules that did not verify.
#include <gtest/gtest.h>

#include "../common/files.h"
#include "bytecode/disasm.h"
#include "bytecode/hash.h"
#include "bytecode/names.h"
#include "bytecode/operands.h"
#include "bytecode/write.h"
#include "bytecode_sample.h"

namespace rflow::bytecode {
namespace {

using testing::oneFunctionModule;
using testing::sampleModule;

// After a deliberate change to the listing or to sampleModule(), replace this with the
// new output (the failure message prints it) and review the difference.
constexpr std::string_view kSampleListing = R"listing(rflow module, format 6
strings 57, types 22, records 5, enums 1, roles 1, constants 25, functions 12, workflows 1, connectors 1, ops 2, policies 1, triggers 1, tests 1, files 1, figures 1, stages 1

files
  #0 retail/replenishment.rflow (module retail.replenishment)

types
  #0 void
  #1 bool
  #2 int
  #3 decimal
  #4 money
  #5 string
  #6 duration
  #7 time
  #8 User
  #9 Role
  #10 Assignee
  #11 list<int>
  #12 map<int>
  #13 int?
  #14 string?
  #15 Run<int>
  #16 retail.common.Store
  #17 retail.replenishment.Delivered
  #18 rflow.ApprovalRequest
  #19 retail.replenishment.ReorderData
  #20 rflow.Approval
  #21 retail.common.Priority

records
  #0 record retail.common.Store { id: string, region: string, pilot: bool = false }
  #1 signal retail.replenishment.Delivered { qty: int }
  #2 builtin rflow.ApprovalRequest { title: string, to: Assignee }
  #3 data retail.replenishment.ReorderData { sku: string, qty: int }
  #4 builtin rflow.Approval { approved: bool, by: User, comment: string? }

enums
  #0 retail.common.Priority { Low, Normal, High }

roles
  #0 retail.common.StoreManager "Store manager"

constants
  #0 bool false
  #1 int 42
  #2 duration 3600000ms
  #3 time 2024-03-01T09:00:00Z
  #4 decimal 0.075
  #5 money 1000.00 USD
  #6 string "S-001"
  #7 User "alice@example.com"
  #8 retail.common.Priority High
  #9 Role retail.common.StoreManager
  #10 int? none
  #11 list<int> [#1, #1]
  #12 map<int> {#6: #1}
  #13 string "north"
  #14 retail.common.Store {id: #6, region: #13, pilot: #0}
  #15 string "Reorder "
  #16 string "id is not upper case"
  #17 string "run.result == 7"
  #18 string "Reorder is late for "
  #19 string "title too long"
  #20 string "wms is down"
  #21 string "7"
  #22 string "k"
  #23 int? 5
  #24 decimal -12.50

connectors
  retail.systems.wms
    op #0 availability(sku: string, store: string) -> int
    op #1 reserve(sku: string, qty: int) -> void

workflows
  #0 retail.replenishment.Reorder(store: retail.common.Store, sku: string) -> int
    body retail.replenishment.Reorder, owner retail.common.StoreManager, key retail.replenishment.Reorder.key, sla retail.replenishment.Reorder.sla, breach retail.replenishment.Reorder.breach, sla in StoreHours;Europe/Berlin;1 08:00-20:00,6 09:00-18:00;2026-12-24

policies
  #0 approval policy retail.replenishment.BigReorders: retail.replenishment.BigReorders

triggers
  #0 on event "LowStock"(sku: string) start retail.replenishment.Reorder: retail.replenishment.on_low_stock

tests
  #0 "reorders when stock is low": retail.replenishment.test 1 at retail/replenishment.rflow:50

figures
  retail.replenishment.Reorder
    track #0 sku: string = retail.replenishment.Reorder.key
    measure #0 units: int

stages
  retail.replenishment.ReorderData "big reorder review"

waits
  retail.replenishment.Reorder 0019 call "wms.availability" #0 (1 sku: string, 3 qty: int)
  retail.replenishment.Reorder 0081 approval "big reorder review" #0 in try in calendar "StoreHours;Europe/Berlin;1 08:00-20:00,6 09:00-18:00;2026-12-24" (3 qty: int)
  retail.replenishment.Reorder 0108 await "Delivered" #0 (3 qty: int)

functions
  #0 fn retail.replenishment.add(int, int) -> int
    file retail/replenishment.rflow, max_stack 2, locals ()
    ; line 10
    0000  LoadLocal 0
    0003  LoadLocal 1
    0006  AddInt
    0007  Return
  #1 fn retail.replenishment.reorder_qty(int, int) -> int
    file retail/replenishment.rflow, max_stack 2, locals ()
    ; line 14
    0000  LoadLocal 0
    0003  LoadLocal 1
    0006  LtInt
    0007  JumpIfFalse -> 0025
    ; line 15
    0012  LoadLocal 1
    0015  LoadLocal 0
    0018  NegInt
    0019  Call retail.replenishment.add
    0024  Return
    ; line 17
    0025  ConstInt 0
    0030  Return
  #2 fn retail.replenishment.store(string) -> retail.common.Store
    file retail/replenishment.rflow, max_stack 3, locals (retail.common.Store)
    ; line 20
    0000  LoadLocal 0
    0003  Const #13 (string "north")
    0008  Const #0 (bool false)
    0013  MakeRecord retail.common.Store
    0018  StoreLocal 1
    ; line 21
    0021  LoadLocal 1
    0024  GetField 0
    0027  CallNative Upper
    0031  LoadLocal 0
    0034  Eq string
    0039  JumpIfTrue -> 0050
    ; line 22
    0044  Const #16 (string "id is not upper case")
    0049  Fail
    ; line 23
    0050  LoadLocal 1
    0053  Return
  #3 workflow retail.replenishment.Reorder(retail.common.Store, string) -> int
    file retail/replenishment.rflow, max_stack 4, locals (int, int)
    ; line 30
    0000  LoadLocal 1
    0003  LoadLocal 0
    0006  GetField 0
    0009  ConstInt 3
    0014  Const #2 (duration 3600000ms)
    0019  CallConnector retail.systems.wms.availability [retry timeout]
    0025  StoreLocal 2
    ; line 31
    0028  LoadLocal 2
    0031  ConstInt 10
    0036  Call retail.replenishment.reorder_qty
    0041  StoreLocal 3
    ; line 32
    0044  TryBegin -> 0093
    ; line 33
    0049  Const #15 (string "Reorder ")
    0054  LoadLocal 1
    0057  Interpolate 2
    0060  Const #9 (Role retail.common.StoreManager)
    0065  MakeRecord rflow.ApprovalRequest
    0070  LoadLocal 1
    0073  LoadLocal 3
    0076  MakeRecord retail.replenishment.ReorderData
    0081  Approval retail.replenishment.ReorderData
    0086  Pop
    0087  TryEnd
    0088  Jump -> 0094
    ; line 35
    0093  Pop
    ; line 36
    0094  LoadLocal 3
    0097  ToString int
    0102  Note
    ; line 37
    0103  Const #2 (duration 3600000ms)
    0108  Await retail.replenishment.Delivered [timeout]
    0114  JumpIfNone -> 0130
    0119  GetField 0
    0122  StoreLocal 3
    0125  Jump -> 0131
    ; line 38
    0130  Pop
    ; line 39
    0131  LoadLocal 3
    0134  Return
  #4 workflow key retail.replenishment.Reorder.key(retail.common.Store, string) -> string
    file retail/replenishment.rflow, max_stack 1, locals ()
    ; line 28
    0000  LoadLocal 1
    0003  Return
  #5 workflow sla retail.replenishment.Reorder.sla(retail.common.Store, string) -> duration
    file retail/replenishment.rflow, max_stack 1, locals ()
    ; line 29
    0000  Const #2 (duration 3600000ms)
    0005  Return
  #6 breach handler retail.replenishment.Reorder.breach(retail.common.Store, string) -> void
    file retail/replenishment.rflow, max_stack 2, locals ()
    ; line 29
    0000  Const #18 (string "Reorder is late for ")
    0005  LoadLocal 0
    0008  GetField 0
    0011  Concat
    0012  Const #9 (Role retail.common.StoreManager)
    0017  Notify
    0018  ConstNone
    0019  Return
  #7 policy retail.replenishment.BigReorders(rflow.ApprovalRequest) -> string?
    file retail/replenishment.rflow, max_stack 2, locals ()
    ; line 44
    0000  LoadLocal 0
    0003  GetField 0
    0006  CallNative LenString
    0010  ConstInt 100
    0015  GtInt
    0016  JumpIfFalse -> 0027
    0021  Const #19 (string "title too long")
    0026  Return
    ; line 45
    0027  ConstNone
    0028  Return
  #8 trigger retail.replenishment.on_low_stock(string) -> void
    file retail/replenishment.rflow, max_stack 2, locals ()
    ; line 48
    0000  Const #14 (retail.common.Store {id: #6, region: #13, pilot: #0})
    0005  LoadLocal 0
    0008  Spawn retail.replenishment.Reorder
    0013  Pop
    0014  ConstNone
    0015  Return
  #9 test retail.replenishment.test 1() -> void
    file retail/replenishment.rflow, max_stack 3, locals (Run<int>)
    ; line 51
    0000  Mock retail.systems.wms.availability -> retail.replenishment.test 1.mock 1 (captures 0)
    ; line 52
    0010  Const #14 (retail.common.Store {id: #6, region: #13, pilot: #0})
    0015  Const #6 (string "S-001")
    0020  StartRun retail.replenishment.Reorder
    0025  StoreLocal 0
    ; line 53
    0028  LoadLocal 0
    0031  RunField task
    0033  Const #7 (User "alice@example.com")
    0038  Decide approve
    ; line 54
    0041  LoadLocal 0
    0044  ConstInt 5
    0049  MakeRecord retail.replenishment.Delivered
    0054  Send
    ; line 55
    0055  Const #2 (duration 3600000ms)
    0060  Advance
    ; line 56
    0061  LoadLocal 0
    0064  RunField result
    0066  ToString int?
    0071  Const #21 (string "7")
    0076  ConstTrue
    0077  Expect #17 ("run.result == 7") [comparison]
    ; line 57
    0083  ConstInt 1
    0088  ExpectCalled retail.systems.wms.availability
    ; line 58
    0093  Const #20 (string "wms is down")
    0098  MockFails retail.systems.wms.reserve
    0103  ConstNone
    0104  Return
  #10 mock retail.replenishment.test 1.mock 1(string, string) -> int
    file retail/replenishment.rflow, max_stack 1, locals ()
    ; line 51
    0000  ConstInt 7
    0005  Return
  #11 fn retail.replenishment.total(list<int>) -> int
    file retail/replenishment.rflow, max_stack 3, locals (int, int)
    ; line 60
    0000  ConstInt 0
    0005  StoreLocal 1
    0008  ConstInt 0
    0013  StoreLocal 2
    ; line 61
    0016  LoadLocal 1
    0019  LoadLocal 0
    0022  ListLength
    0023  LtInt
    0024  JumpIfFalse -> 0060
    ; line 62
    0029  LoadLocal 2
    0032  LoadLocal 0
    0035  LoadLocal 1
    0038  ListAt
    0039  AddInt
    0040  StoreLocal 2
    0043  LoadLocal 1
    0046  ConstInt 1
    0051  AddInt
    0052  StoreLocal 1
    0055  Jump -> 0016
    ; line 64
    0060  LoadLocal 2
    0063  Const #11 (list<int> [#1, #1])
    0068  InList int
    0073  Pop
    0074  Const #22 (string "k")
    0079  LoadLocal 2
    0082  MakeMap map<int> 1
    0091  Const #22 (string "k")
    0096  IndexMap
    0097  Pop
    0098  LoadLocal 2
    0101  Return
)listing";

using rflow::test_support::contains;

TEST(BytecodeDisasm, SampleSnapshot) {
  const std::string listing =
      disassemble(sampleModule(), {.show_hash = false, .tables = true, .source_line = {}});
  EXPECT_EQ(listing, kSampleListing) << listing;
}

TEST(BytecodeDisasm, HeaderShowsTheShortHash) {
  Module m = sampleModule();
  (void)writeModule(m);
  const std::string listing = disassemble(m);
  EXPECT_EQ(listing.substr(0, listing.find('\n')),
            "rflow module, format 6, hash " + hashHex(m.content_hash).substr(0, 12));
}

TEST(BytecodeDisasm, IsDeterministic) {
  EXPECT_EQ(disassemble(sampleModule()), disassemble(sampleModule()));
}

TEST(BytecodeDisasm, TextIsEscapedAndClipped) {
  Module m = oneFunctionModule();
  m.strings.push_back("two\nlines \"quoted\" \x01 caf\xc3\xa9");
  m.strings.push_back(std::string(1000, 'x'));
  m.constants.push_back(Constant{3, StringId{3}});
  m.constants.push_back(Constant{3, StringId{4}});
  const std::string listing = disassemble(m);
  EXPECT_TRUE(contains(listing, "#0 string \"two\\nlines \\\"quoted\\\" \\x01 caf\xc3\xa9\""))
      << listing;
  EXPECT_TRUE(
      contains(listing, "#1 string \"" + std::string(kMaxShownBytes, 'x') + "\"… (1000 bytes)\n"))
      << listing;
}

TEST(BytecodeDisasm, ModulesThatDoNotVerifyStillList) {
  Module m = oneFunctionModule();
  m.types.push_back(Type{TypeTag::kList, 4});  // contains itself
  m.types.push_back(Type{TypeTag::kRecord, 0, 7});
  m.constants.push_back(Constant{99, int64_t{1}});
  m.constants.push_back(Constant{4, AggregateConstant{{0, 5}}});
  m.functions[0].params = {4, 5, 77};
  m.functions[0].file = 3;
  m.functions[0].code = {0x04, 9, 0, 0, 0,  // Const #9
                         0x15, 1, 0, 0, 0,  // Call #1
                         0xA0, 5, 0, 0, 0, 0xFF, 0xEE, 0x17};
  m.functions[0].lines = {{7, 3}, {0, 1}};
  const std::string listing = disassemble(m);
  EXPECT_TRUE(contains(listing, "#4 list<list<list<")) << listing;
  EXPECT_TRUE(contains(listing, "#5 record#7?")) << listing;
  EXPECT_TRUE(contains(listing, "#0 #99? 1")) << listing;
  EXPECT_TRUE(contains(listing, "#1 list<list<")) << listing;
  EXPECT_TRUE(contains(listing, "[#0, #5]")) << listing;
  EXPECT_TRUE(contains(listing, "file#3?")) << listing;
  EXPECT_TRUE(contains(listing, "0000  Const #9 (#9?)")) << listing;
  EXPECT_TRUE(contains(listing, "0005  Call function#1?")) << listing;
  EXPECT_TRUE(contains(listing,
                       "0010  CallConnector op#5? [retry every backoff timeout bit4? bit5? "
                       "bit6? bit7?]"))
      << listing;
  EXPECT_TRUE(contains(listing, "0016  (2 bytes that are no instruction)")) << listing;
}

// `Measure m` names measures[m] of the workflow whose body holds it; outside a workflow's
// body, or past its measures, "?" says the name is unknown.
TEST(BytecodeDisasm, MeasureNamesItsMeasure) {
  const std::vector<uint8_t> measures = {static_cast<uint8_t>(Opcode::kMeasure), 0, 0, 0, 0,
                                         static_cast<uint8_t>(Opcode::kMeasure), 1, 0, 0, 0};
  Module m = sampleModule();
  const FunctionId body = m.workflows[0].body;
  m.functions[body].code.insert(m.functions[body].code.begin(), measures.begin(), measures.end());
  std::string listing = disassemble(m);
  EXPECT_TRUE(contains(listing, "0000  Measure #0 (units)\n")) << listing;
  EXPECT_TRUE(contains(listing, "0005  Measure #1 (?)\n")) << listing;

  Module one = oneFunctionModule();
  one.functions[0].code.insert(one.functions[0].code.begin(), measures.begin(), measures.end());
  listing = disassemble(one);
  EXPECT_TRUE(contains(listing, "0000  Measure #0 (?)")) << listing;
}

}  // namespace
}  // namespace rflow::bytecode
