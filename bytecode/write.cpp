// The module writer. This comment is the format's reference for section payloads (the
// header is in module.h). Notation: `varint` unsigned LEB128 (at most 10 bytes, minimal:
// no redundant 0x80 continuation bytes), `svarint` zigzag LEB128, `u8`/`u16` fixed
// little endian, `string` a varint byte length then that many UTF-8 bytes, `ref` a varint
// index (< 2^32) into the table the field names, `opt<X>` a u8 that is 0 (absent) or 1
// (present, followed by X), `params` a varint count then per parameter `name: ref
// strings, type: ref types`. Every section payload is a varint entry count, then the
// entries:
//
//   1 strings     string
//   2 types       tag: u8 TypeTag, then only for list/map/optional/run `element: ref
//                 types`, for record `decl: ref records`, for enum `decl: ref enums`
//   3 records     name: ref strings, kind: u8 RecordKind, varint field count, per field
//                 `name: ref strings, type: ref types, default: opt<ref constants>`
//   4 enums       name: ref strings, varint member count, members: ref strings each
//   5 roles       name: ref strings, title: ref strings
//   6 constants   type: ref types, kind: u8 ConstantKind, then by kind:
//                 none -; bool u8 0|1; int svarint; decimal string (the digits);
//                 money string (amount) + 3 bytes currency; string ref strings;
//                 enum `enum: ref enums, member: varint`; role ref roles;
//                 aggregate varint count + that many ref constants
//   7 functions   name: ref strings, kind: u8 FunctionKind, params: varint count + ref
//                 types each, result: ref types, locals: varint count + ref types each,
//                 max_stack: varint, code: varint length + bytes, file: ref files,
//                 lines: varint count + per entry `pc: varint, line: varint`
//   8 workflows   name: ref strings, params, result: ref types, body: ref functions,
//                 present: u8 bit set (1 owner, 2 key, 4 sla, 8 breach, 16 sla
//                 calendar [format version 4]; other bits 0), then for each bit set, in
//                 that order, `owner: ref strings`, `key|sla|breach: ref functions`,
//                 `sla calendar: ref strings`
//   9 connectors  name: ref strings, first_op: varint, op_count: varint
//  10 ops         name: ref strings, params, result: ref types
//  11 policies    name: ref strings, kind: u8 PolicyKind, function: ref functions
//  12 triggers    kind: u8 TriggerKind, source: ref strings, params, workflow: ref
//                 workflows, function: ref functions
//  13 tests       title: ref strings, function: ref functions, file: ref files,
//                 line: varint
//  14 files       path: ref strings, module: ref strings
//  15 classifiers name: ref strings, labels: ref enums, record: ref records,
//                 threshold: string (canonical decimal text)   [format version 2]
//  16 figures     workflow: ref workflows, varint track count, per track `name: ref
//                 strings, type: ref types, function: ref functions`, varint measure
//                 count, per measure `name: ref strings, type: ref types, function:
//                 opt<ref functions>`                           [format version 3]
//  17 stages      data_type: ref types, name: ref strings       [format version 3]
//  18 waits       workflow: ref workflows, pc: varint, kind: u8 WaitPlaceKind, stage: ref
//                 strings, ordinal: varint, flags: varint, varint live count, per live
//                 variable `slot: varint, name: ref strings, type: ref types, default:
//                 opt<ref constants>`                          [format version 5],
//                 calendar: opt<ref strings>                    [format version 6]
//
// This writer emits all eighteen sections, even empty ones, in kind order; a loader
// takes a missing section as empty.
#include "bytecode/write.h"

#include <span>
#include <string_view>

#include "base/varint.h"
#include "bytecode/hash.h"

namespace rflow::bytecode {
namespace {

// The persisted ConstantKind values are the variant's alternative indices.
using ConstantValue = decltype(Constant::value);
static_assert(std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kNone), ConstantValue>,
                             std::monostate>);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kBool), ConstantValue>, bool>);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kInt), ConstantValue>, int64_t>);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kDecimal), ConstantValue>,
                   DecimalConstant>);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kMoney), ConstantValue>,
                   MoneyConstant>);
static_assert(std::is_same_v<
              std::variant_alternative_t<size_t(ConstantKind::kString), ConstantValue>, StringId>);
static_assert(std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kEnum), ConstantValue>,
                             EnumConstant>);
static_assert(std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kRole), ConstantValue>,
                             RoleConstant>);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(ConstantKind::kAggregate), ConstantValue>,
                   AggregateConstant>);
static_assert(std::variant_size_v<ConstantValue> == 9);

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v));
    out_.push_back(static_cast<uint8_t>(v >> 8));
  }
  void varint(uint64_t v) { base::appendVarint(out_, v); }
  void svarint(int64_t v) { varint(base::zigzag(v)); }
  void bytes(std::span<const uint8_t> b) {
    varint(b.size());
    out_.insert(out_.end(), b.begin(), b.end());
  }
  void string(std::string_view s) {
    varint(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  template <typename T>
  void optional(const std::optional<T>& v) {
    u8(v ? 1 : 0);
    if (v) varint(*v);
  }
  void refs(const std::vector<uint32_t>& ids) {
    varint(ids.size());
    for (uint32_t id : ids)
      varint(id);
  }
  void params(const std::vector<Param>& params) {
    varint(params.size());
    for (const Param& p : params) {
      varint(p.name);
      varint(p.type);
    }
  }
  void append(const std::vector<uint8_t>& b) { out_.insert(out_.end(), b.begin(), b.end()); }

  std::vector<uint8_t>& out() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

void writeType(ByteWriter& w, const Type& t) {
  w.u8(static_cast<uint8_t>(t.tag));
  if (hasElement(t.tag)) w.varint(t.element);
  if (t.tag == TypeTag::kRecord || t.tag == TypeTag::kEnum) w.varint(t.decl);
}

void writeConstant(ByteWriter& w, const Constant& c) {
  w.varint(c.type);
  w.u8(static_cast<uint8_t>(c.value.index()));
  switch (static_cast<ConstantKind>(c.value.index())) {
    case ConstantKind::kNone:
      break;
    case ConstantKind::kBool:
      w.u8(std::get<bool>(c.value) ? 1 : 0);
      break;
    case ConstantKind::kInt:
      w.svarint(std::get<int64_t>(c.value));
      break;
    case ConstantKind::kDecimal:
      w.string(std::get<DecimalConstant>(c.value).digits);
      break;
    case ConstantKind::kMoney: {
      const auto& m = std::get<MoneyConstant>(c.value);
      w.string(m.amount);
      for (char ch : m.currency)
        w.u8(static_cast<uint8_t>(ch));
      break;
    }
    case ConstantKind::kString:
      w.varint(std::get<StringId>(c.value));
      break;
    case ConstantKind::kEnum: {
      const auto& e = std::get<EnumConstant>(c.value);
      w.varint(e.enum_index);
      w.varint(e.member);
      break;
    }
    case ConstantKind::kRole:
      w.varint(std::get<RoleConstant>(c.value).role);
      break;
    case ConstantKind::kAggregate:
      w.refs(std::get<AggregateConstant>(c.value).elements);
      break;
  }
}

void writeFunction(ByteWriter& w, const Function& f) {
  w.varint(f.name);
  w.u8(static_cast<uint8_t>(f.kind));
  w.refs(f.params);
  w.varint(f.result);
  w.refs(f.locals);
  w.varint(f.max_stack);
  w.bytes(f.code);
  w.varint(f.file);
  w.varint(f.lines.size());
  for (const LineEntry& l : f.lines) {
    w.varint(l.pc);
    w.varint(l.line);
  }
}

void writeWorkflow(ByteWriter& w, const Workflow& wf) {
  w.varint(wf.name);
  w.params(wf.params);
  w.varint(wf.result);
  w.varint(wf.body);
  w.u8(static_cast<uint8_t>((wf.owner ? 1 : 0) | (wf.key ? 2 : 0) | (wf.sla ? 4 : 0) |
                            (wf.breach ? 8 : 0) | (wf.sla_calendar ? 16 : 0)));
  if (wf.owner) w.varint(*wf.owner);
  if (wf.key) w.varint(*wf.key);
  if (wf.sla) w.varint(*wf.sla);
  if (wf.breach) w.varint(*wf.breach);
  if (wf.sla_calendar) w.varint(*wf.sla_calendar);
}

// Writes one section: kind, payload length, payload (a count, then `each` per entry).
template <typename T, typename Each>
void section(ByteWriter& w, SectionKind kind, const std::vector<T>& entries, Each each) {
  ByteWriter payload;
  payload.varint(entries.size());
  for (const T& e : entries)
    each(payload, e);
  w.varint(static_cast<uint32_t>(kind));
  w.varint(payload.out().size());
  w.append(payload.out());
}

}  // namespace

std::vector<uint8_t> writeModule(Module& m) {
  ByteWriter body;
  body.varint(18);
  section(body, SectionKind::kStrings, m.strings,
          [](ByteWriter& w, const std::string& s) { w.string(s); });
  section(body, SectionKind::kTypes, m.types, writeType);
  section(body, SectionKind::kRecords, m.records, [](ByteWriter& w, const Record& r) {
    w.varint(r.name);
    w.u8(static_cast<uint8_t>(r.kind));
    w.varint(r.fields.size());
    for (const Field& f : r.fields) {
      w.varint(f.name);
      w.varint(f.type);
      w.optional(f.default_value);
    }
  });
  section(body, SectionKind::kEnums, m.enums, [](ByteWriter& w, const Enum& e) {
    w.varint(e.name);
    w.refs(e.members);
  });
  section(body, SectionKind::kRoles, m.roles, [](ByteWriter& w, const Role& r) {
    w.varint(r.name);
    w.varint(r.title);
  });
  section(body, SectionKind::kConstants, m.constants, writeConstant);
  section(body, SectionKind::kFunctions, m.functions, writeFunction);
  section(body, SectionKind::kWorkflows, m.workflows, writeWorkflow);
  section(body, SectionKind::kConnectors, m.connectors, [](ByteWriter& w, const Connector& c) {
    w.varint(c.name);
    w.varint(c.first_op);
    w.varint(c.op_count);
  });
  section(body, SectionKind::kOps, m.ops, [](ByteWriter& w, const ConnectorOp& op) {
    w.varint(op.name);
    w.params(op.params);
    w.varint(op.result);
  });
  section(body, SectionKind::kPolicies, m.policies, [](ByteWriter& w, const Policy& p) {
    w.varint(p.name);
    w.u8(static_cast<uint8_t>(p.kind));
    w.varint(p.function);
  });
  section(body, SectionKind::kTriggers, m.triggers, [](ByteWriter& w, const Trigger& t) {
    w.u8(static_cast<uint8_t>(t.kind));
    w.varint(t.source);
    w.params(t.params);
    w.varint(t.workflow);
    w.varint(t.function);
  });
  section(body, SectionKind::kTests, m.tests, [](ByteWriter& w, const Test& t) {
    w.varint(t.title);
    w.varint(t.function);
    w.varint(t.file);
    w.varint(t.line);
  });
  section(body, SectionKind::kFiles, m.files, [](ByteWriter& w, const SourceFile& f) {
    w.varint(f.path);
    w.varint(f.module);
  });
  section(body, SectionKind::kClassifiers, m.classifiers, [](ByteWriter& w, const Classifier& k) {
    w.varint(k.name);
    w.varint(k.labels);
    w.varint(k.record);
    w.string(k.threshold.digits);
  });
  section(body, SectionKind::kFigures, m.figures, [](ByteWriter& w, const WorkflowFigures& f) {
    w.varint(f.workflow);
    w.varint(f.tracks.size());
    for (const Figure& t : f.tracks) {
      w.varint(t.name);
      w.varint(t.type);
      w.varint(t.function.value_or(0));
    }
    w.varint(f.measures.size());
    for (const Figure& measure : f.measures) {
      w.varint(measure.name);
      w.varint(measure.type);
      w.u8(measure.function ? 1 : 0);
      if (measure.function) w.varint(*measure.function);
    }
  });
  section(body, SectionKind::kStages, m.stages, [](ByteWriter& w, const Stage& s) {
    w.varint(s.data_type);
    w.varint(s.name);
  });
  section(body, SectionKind::kWaits, m.waits, [](ByteWriter& w, const WaitPlace& p) {
    w.varint(p.workflow);
    w.varint(p.pc);
    w.u8(static_cast<uint8_t>(p.kind));
    w.varint(p.stage);
    w.varint(p.ordinal);
    w.varint(p.flags);
    w.varint(p.live.size());
    for (const LiveLocal& l : p.live) {
      w.varint(l.slot);
      w.varint(l.name);
      w.varint(l.type);
      w.u8(l.default_value ? 1 : 0);
      if (l.default_value) w.varint(*l.default_value);
    }
    w.u8(p.calendar ? 1 : 0);
    if (p.calendar) w.varint(*p.calendar);
  });

  m.content_hash = sha256(body.out());
  ByteWriter out;
  for (uint8_t b : kMagic)
    out.u8(b);
  out.u16(kFormatVersion);
  out.u16(0);  // flags
  for (uint8_t b : m.content_hash)
    out.u8(b);
  out.append(body.out());
  return std::move(out.out());
}

}  // namespace rflow::bytecode
