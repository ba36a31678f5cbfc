// The loader: header, content hash, sections (their entry encodings are documented in
// write.cpp), then verifyModule(). Decoding is flat: no entry contains another entry,
// so nothing here recurses on the input.
#include "bytecode/read.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <string_view>

#include "bytecode/hash.h"
#include "bytecode/verify.h"

namespace rflow::bytecode {
namespace {

constexpr size_t kSectionKinds = 19;  // SectionKind values are 1 … 18

// Reads the bytes [offset, end) of the file. The first problem is kept and every later
// read returns zero, so the decoding code checks failed() only where it loops.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, size_t offset, size_t end, std::string_view region)
      : bytes_(bytes), offset_(offset), end_(end), region_(region) {}

  // Prefixed to every message: "section `functions` entry 3: ".
  void setContext(std::string context) { context_ = std::move(context); }

  // Moves forward to `to` (<= the end), past a section read by another cursor.
  void skipTo(size_t to) { offset_ = std::clamp(to, offset_, end_); }

  bool failed() const { return error_.has_value(); }
  const std::optional<LoadError>& error() const { return error_; }
  size_t offset() const { return offset_; }
  size_t remaining() const { return end_ - offset_; }

  void fail(size_t at, std::string message) {
    if (!error_) error_ = LoadError{at, context_ + message};
  }

  uint8_t u8(std::string_view what) {
    if (failed()) return 0;
    if (remaining() < 1) {
      pastEnd(what);
      return 0;
    }
    return bytes_[offset_++];
  }

  uint64_t varint(std::string_view what) {
    if (failed()) return 0;
    const size_t start = offset_;
    uint64_t value = 0;
    for (int i = 0; i < 10; ++i) {
      if (remaining() < 1) {
        pastEnd(what);
        return 0;
      }
      const uint8_t b = bytes_[offset_++];
      // The tenth byte holds bit 63 only.
      if (i == 9 && b > 1) {
        fail(start, fmt::format("{} is too large for a 64-bit number", what));
        return 0;
      }
      value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        // A final zero byte after others adds nothing: the writer never emits one, and
        // accepting it would give one value several encodings (and hashes).
        if (b == 0 && i > 0) {
          fail(start, fmt::format("{} is a number written with redundant bytes", what));
          return 0;
        }
        return value;
      }
    }
    fail(start, fmt::format("{} is not a valid number (more than 10 bytes)", what));
    return 0;
  }

  // A varint that must fit 32 bits: an index or a small count.
  uint32_t ref(std::string_view what) {
    const size_t start = offset_;
    const uint64_t v = varint(what);
    if (v > std::numeric_limits<uint32_t>::max()) {
      fail(start, fmt::format("{} is {}, more than 32 bits can hold", what, v));
      return 0;
    }
    return static_cast<uint32_t>(v);
  }

  int64_t svarint(std::string_view what) {
    const uint64_t u = varint(what);
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }

  // A count of entries that take at least `min_bytes` each: checked against the bytes
  // left, so that reserving `count` entries can never exceed the file's size.
  uint32_t count(std::string_view what, size_t min_bytes) {
    const size_t start = offset_;
    const uint32_t n = ref(what);
    if (failed()) return 0;
    if (n > remaining() / min_bytes) {
      fail(start, fmt::format("{} is {}, more than the {} bytes left in the {} can hold", what, n,
                              remaining(), region_));
      return 0;
    }
    return n;
  }

  bool flag(std::string_view what) {
    const size_t start = offset_;
    const uint8_t b = u8(what);
    if (b > 1) fail(start, fmt::format("{} must be 0 or 1, not {}", what, b));
    return b == 1;
  }

  // A u8 enum whose known values are 0 … max.
  template <typename E>
  E enumByte(std::string_view what, uint8_t max) {
    const size_t start = offset_;
    const uint8_t b = u8(what);
    if (b > max) fail(start, fmt::format("{} {} is not known to this rflow", what, b));
    return static_cast<E>(failed() ? 0 : b);
  }

  std::span<const uint8_t> blob(std::string_view what) {
    const size_t n = ref(what);
    if (failed()) return {};
    if (n > remaining()) {
      pastEnd(what);
      return {};
    }
    const std::span<const uint8_t> out = bytes_.subspan(offset_, n);
    offset_ += n;
    return out;
  }

  std::string string(std::string_view what) {
    const std::span<const uint8_t> b = blob(what);
    return std::string(b.begin(), b.end());
  }

  std::vector<uint32_t> refs(std::string_view count_what, std::string_view what) {
    std::vector<uint32_t> out(count(count_what, 1));
    for (uint32_t& v : out)
      v = ref(what);
    return out;
  }

  std::vector<Param> params(std::string_view what) {
    std::vector<Param> out(count(fmt::format("{} count", what), 2));
    for (Param& p : out) {
      p.name = ref(fmt::format("{} name", what));
      p.type = ref(fmt::format("{} type", what));
    }
    return out;
  }

 private:
  void pastEnd(std::string_view what) {
    fail(offset_, fmt::format("{} runs past the end of the {}", what, region_));
  }

  std::span<const uint8_t> bytes_;
  size_t offset_;
  size_t end_;
  std::string_view region_;
  std::string context_;
  std::optional<LoadError> error_;
};

Type readType(Cursor& c) {
  Type t;
  t.tag = c.enumByte<TypeTag>("type tag", static_cast<uint8_t>(TypeTag::kNone));
  switch (t.tag) {
    case TypeTag::kList:
    case TypeTag::kMap:
    case TypeTag::kOptional:
    case TypeTag::kRun:
      t.element = c.ref("element type");
      break;
    case TypeTag::kRecord:
      t.decl = c.ref("record");
      break;
    case TypeTag::kEnum:
      t.decl = c.ref("enum");
      break;
    default:
      break;
  }
  return t;
}

Record readRecord(Cursor& c) {
  Record r;
  r.name = c.ref("name");
  r.kind = c.enumByte<RecordKind>("record kind", static_cast<uint8_t>(RecordKind::kClassification));
  r.fields.resize(c.count("field count", 3));
  for (Field& f : r.fields) {
    f.name = c.ref("field name");
    f.type = c.ref("field type");
    if (c.flag("field default marker")) f.default_value = c.ref("field default");
  }
  return r;
}

Constant readConstant(Cursor& c) {
  Constant k;
  k.type = c.ref("type");
  const auto kind =
      c.enumByte<ConstantKind>("constant kind", static_cast<uint8_t>(ConstantKind::kAggregate));
  switch (kind) {
    case ConstantKind::kNone:
      k.value = std::monostate{};
      break;
    case ConstantKind::kBool:
      k.value = c.flag("bool value");
      break;
    case ConstantKind::kInt:
      k.value = c.svarint("int value");
      break;
    case ConstantKind::kDecimal:
      k.value = DecimalConstant{c.string("decimal digits")};
      break;
    case ConstantKind::kMoney: {
      MoneyConstant m;
      m.amount = c.string("money amount");
      for (char& ch : m.currency)
        ch = static_cast<char>(c.u8("currency"));
      k.value = std::move(m);
      break;
    }
    case ConstantKind::kString:
      k.value = StringId{c.ref("string")};
      break;
    case ConstantKind::kEnum: {
      EnumConstant e;
      e.enum_index = c.ref("enum");
      e.member = c.ref("enum member");
      k.value = e;
      break;
    }
    case ConstantKind::kRole:
      k.value = RoleConstant{c.ref("role")};
      break;
    case ConstantKind::kAggregate:
      k.value = AggregateConstant{c.refs("element count", "element")};
      break;
  }
  return k;
}

Function readFunction(Cursor& c, size_t& code_offset) {
  Function f;
  f.name = c.ref("name");
  f.kind = c.enumByte<FunctionKind>("function kind", static_cast<uint8_t>(FunctionKind::kMock));
  f.params = c.refs("parameter count", "parameter type");
  f.result = c.ref("result type");
  f.locals = c.refs("local count", "local type");
  f.max_stack = c.ref("max_stack");
  const std::span<const uint8_t> code = c.blob("code");
  code_offset = c.offset() - code.size();
  f.code.assign(code.begin(), code.end());
  f.file = c.ref("file");
  f.lines.resize(c.count("line table size", 2));
  for (LineEntry& l : f.lines) {
    l.pc = c.ref("line table pc");
    l.line = c.ref("line number");
  }
  return f;
}

Workflow readWorkflow(Cursor& c, uint16_t version) {
  Workflow w;
  w.name = c.ref("name");
  w.params = c.params("parameter");
  w.result = c.ref("result type");
  w.body = c.ref("body");
  const size_t at = c.offset();
  const uint8_t present = c.u8("present parts");
  // Bit 16 (the sla calendar) came with format version 4.
  if (present > (version >= 4 ? 0x1F : 0xF))
    c.fail(at, fmt::format("present parts {:#04x} has unknown bits", present));
  if (present & 1) w.owner = c.ref("owner");
  if (present & 2) w.key = c.ref("key function");
  if (present & 4) w.sla = c.ref("sla function");
  if (present & 8) w.breach = c.ref("breach function");
  if (present & 16) w.sla_calendar = c.ref("sla calendar");
  return w;
}

// Decodes one section's entries into `module`; records where each entry starts.
struct SectionReader {
  Cursor& c;
  Module& m;
  std::vector<uint32_t>& entry_offsets;
  std::vector<uint32_t>& code_offsets;
  SectionKind kind;
  uint16_t version;

  // Reads the count, then `read(entry)` for each entry of `table`.
  template <typename T, typename Read>
  void entries(std::vector<T>& table, size_t min_bytes, Read read) {
    table.resize(c.count("entry count", min_bytes));
    entry_offsets.resize(table.size());
    for (size_t i = 0; i < table.size() && !c.failed(); ++i) {
      c.setContext(fmt::format("section `{}` entry {}: ", sectionName(kind), i));
      entry_offsets[i] = static_cast<uint32_t>(c.offset());
      table[i] = read(i);
    }
  }

  void run() {
    switch (kind) {
      case SectionKind::kStrings:
        entries(m.strings, 1, [&](size_t) { return c.string("string"); });
        break;
      case SectionKind::kTypes:
        entries(m.types, 1, [&](size_t) { return readType(c); });
        break;
      case SectionKind::kRecords:
        entries(m.records, 3, [&](size_t) { return readRecord(c); });
        break;
      case SectionKind::kEnums:
        entries(m.enums, 2, [&](size_t) {
          Enum e;
          e.name = c.ref("name");
          e.members = c.refs("member count", "member");
          return e;
        });
        break;
      case SectionKind::kRoles:
        entries(m.roles, 2, [&](size_t) {
          Role r;
          r.name = c.ref("name");
          r.title = c.ref("title");
          return r;
        });
        break;
      case SectionKind::kConstants:
        entries(m.constants, 2, [&](size_t) { return readConstant(c); });
        break;
      case SectionKind::kFunctions:
        entries(m.functions, 9, [&](size_t i) {
          // entries() has sized the table before the first read.
          if (i == 0) code_offsets.resize(m.functions.size());
          size_t code_offset = 0;
          Function f = readFunction(c, code_offset);
          code_offsets[i] = static_cast<uint32_t>(code_offset);
          return f;
        });
        break;
      case SectionKind::kWorkflows:
        entries(m.workflows, 5, [&](size_t) { return readWorkflow(c, version); });
        break;
      case SectionKind::kConnectors:
        entries(m.connectors, 3, [&](size_t) {
          Connector k;
          k.name = c.ref("name");
          k.first_op = c.ref("first op");
          k.op_count = c.ref("op count");
          return k;
        });
        break;
      case SectionKind::kOps:
        entries(m.ops, 3, [&](size_t) {
          ConnectorOp op;
          op.name = c.ref("name");
          op.params = c.params("parameter");
          op.result = c.ref("result type");
          return op;
        });
        break;
      case SectionKind::kPolicies:
        entries(m.policies, 3, [&](size_t) {
          Policy p;
          p.name = c.ref("name");
          p.kind = c.enumByte<PolicyKind>("policy kind", static_cast<uint8_t>(PolicyKind::kTask));
          p.function = c.ref("function");
          return p;
        });
        break;
      case SectionKind::kTriggers:
        entries(m.triggers, 5, [&](size_t) {
          Trigger t;
          t.kind =
              c.enumByte<TriggerKind>("trigger kind", static_cast<uint8_t>(TriggerKind::kSchedule));
          t.source = c.ref("source");
          t.params = c.params("parameter");
          t.workflow = c.ref("workflow");
          t.function = c.ref("function");
          return t;
        });
        break;
      case SectionKind::kTests:
        entries(m.tests, 4, [&](size_t) {
          Test t;
          t.title = c.ref("title");
          t.function = c.ref("function");
          t.file = c.ref("file");
          t.line = c.ref("line");
          return t;
        });
        break;
      case SectionKind::kFiles:
        entries(m.files, 2, [&](size_t) {
          SourceFile f;
          f.path = c.ref("path");
          f.module = c.ref("module");
          return f;
        });
        break;
      case SectionKind::kClassifiers:
        entries(m.classifiers, 4, [&](size_t) {
          Classifier k;
          k.name = c.ref("name");
          k.labels = c.ref("labels");
          k.record = c.ref("record");
          k.threshold.digits = c.string("threshold");
          return k;
        });
        break;
      case SectionKind::kFigures:
        entries(m.figures, 3, [&](size_t) {
          WorkflowFigures f;
          f.workflow = c.ref("workflow");
          f.tracks.resize(c.count("track count", 3));
          for (Figure& t : f.tracks) {
            t.name = c.ref("track name");
            t.type = c.ref("track type");
            t.function = c.ref("track function");
          }
          f.measures.resize(c.count("measure count", 3));
          for (Figure& measure : f.measures) {
            measure.name = c.ref("measure name");
            measure.type = c.ref("measure type");
            const size_t at = c.offset();
            const uint8_t present = c.u8("measure function present");
            if (present > 1) c.fail(at, fmt::format("present {} is neither 0 nor 1", present));
            if (present == 1) measure.function = c.ref("measure function");
          }
          return f;
        });
        break;
      case SectionKind::kStages:
        entries(m.stages, 2, [&](size_t) {
          Stage st;
          st.data_type = c.ref("data type");
          st.name = c.ref("name");
          return st;
        });
        break;
      case SectionKind::kWaits:
        entries(m.waits, 7, [&](size_t) {
          WaitPlace p;
          p.workflow = c.ref("workflow");
          p.pc = c.ref("pc");
          const size_t kind_at = c.offset();
          const uint8_t wait_kind = c.u8("kind");
          if (wait_kind >= kWaitPlaceKinds)
            c.fail(kind_at, fmt::format("wait kind {} is not known", wait_kind));
          p.kind = static_cast<WaitPlaceKind>(wait_kind);
          p.stage = c.ref("stage");
          p.ordinal = c.ref("ordinal");
          p.flags = c.ref("flags");
          p.live.resize(c.count("live count", 4));
          for (LiveLocal& l : p.live) {
            l.slot = c.ref("live slot");
            l.name = c.ref("live name");
            l.type = c.ref("live type");
            const size_t at = c.offset();
            const uint8_t present = c.u8("live default present");
            if (present > 1) c.fail(at, fmt::format("present {} is neither 0 nor 1", present));
            if (present == 1) l.default_value = c.ref("live default");
          }
          // A place's calendar came with format version 6.
          if (version >= 6) {
            const size_t at = c.offset();
            const uint8_t present = c.u8("calendar present");
            if (present > 1) c.fail(at, fmt::format("present {} is neither 0 nor 1", present));
            if (present == 1) p.calendar = c.ref("calendar");
          }
          return p;
        });
        break;
    }
  }
};

std::string bytesText(size_t n) {
  return fmt::format("{} byte{}", n, n == 1 ? "" : "s");
}

std::string sectionLabel(uint64_t kind) {
  if (kind >= 1 && kind < kSectionKinds)
    return fmt::format("`{}`", sectionName(static_cast<SectionKind>(kind)));
  return fmt::format("of kind {}", kind);
}

std::optional<LoadError> readHeader(std::span<const uint8_t> bytes, const LoadOptions& options) {
  if (bytes.empty()) return LoadError{0, "the file is empty, not an rflow module"};
  const size_t magic_bytes = std::min(bytes.size(), kMagic.size());
  if (!std::equal(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(magic_bytes),
                  kMagic.begin())) {
    return LoadError{0, "the file is not an rflow module (wrong magic bytes)"};
  }
  if (bytes.size() < kHeaderBytes) {
    return LoadError{bytes.size(),
                     fmt::format("the module is truncated: it ends inside its header ({} of {} "
                                 "bytes)",
                                 bytes.size(), kHeaderBytes)};
  }
  if (bytes.size() > kMaxModuleBytes) {
    return LoadError{0, fmt::format("the module is too large ({} bytes; at most {})", bytes.size(),
                                    kMaxModuleBytes)};
  }
  const uint16_t version = static_cast<uint16_t>(bytes[8] | (bytes[9] << 8));
  if (version < kMinFormatVersion || version > kMaxFormatVersion) {
    return LoadError{8, fmt::format("the module was built by {} rflow (format version {}; this "
                                    "rflow reads {} to {})",
                                    version > kMaxFormatVersion ? "a newer" : "an older", version,
                                    kMinFormatVersion, kMaxFormatVersion)};
  }
  const uint16_t flags = static_cast<uint16_t>(bytes[10] | (bytes[11] << 8));
  if (flags != 0) {
    return LoadError{10, fmt::format("the module uses features this rflow does not know (header "
                                     "flags {:#06x})",
                                     flags)};
  }
  if (options.check_hash) {
    const Sha256 actual = sha256(bytes.subspan(kHeaderBytes));
    if (!std::equal(actual.begin(), actual.end(), bytes.begin() + 12)) {
      return LoadError{12,
                       "the module is corrupt: its content hash does not match (it was changed "
                       "or cut short after it was built)"};
    }
  }
  return std::nullopt;
}

}  // namespace

LoadResult loadModule(std::span<const uint8_t> bytes, const LoadOptions& options) {
  if (std::optional<LoadError> e = readHeader(bytes, options)) return std::move(*e);

  Module m;
  std::copy(bytes.begin() + 12, bytes.begin() + 12 + 32, m.content_hash.begin());
  std::array<std::vector<uint32_t>, kSectionKinds> entry_offsets;
  std::vector<uint32_t> code_offsets;

  Cursor file(bytes, kHeaderBytes, bytes.size(), "file");
  const uint64_t sections = file.varint("the section count");
  uint64_t previous = 0;
  for (uint64_t i = 0; i < sections && !file.failed(); ++i) {
    const size_t at = file.offset();
    const uint64_t kind = file.varint("a section kind");
    const uint64_t length =
        file.varint(fmt::format("the length of section {}", sectionLabel(kind)));
    if (file.failed()) break;
    if (length > file.remaining()) {
      file.fail(at, fmt::format("section {} runs past the end of the file ({} bytes long, {} "
                                "left)",
                                sectionLabel(kind), length, file.remaining()));
      break;
    }
    if (kind == 0) {
      file.fail(at, "section kind 0 is not known to this rflow (the module needs a newer rflow)");
      break;
    }
    if (kind == previous) {
      file.fail(at, fmt::format("section {} appears twice", sectionLabel(kind)));
      break;
    }
    if (kind < previous) {
      file.fail(at, fmt::format("section {} comes after section {}: sections must be in order",
                                sectionLabel(kind), sectionLabel(previous)));
      break;
    }
    previous = kind;
    const size_t begin = file.offset();
    const size_t end = begin + static_cast<size_t>(length);
    if (kind >= kFirstOptionalSection) {
      // Optional: written by a newer rflow for something this one can do without.
    } else if (kind >= kSectionKinds) {
      file.fail(at, fmt::format("section kind {} is not known to this rflow (the module needs a "
                                "newer rflow)",
                                kind));
      break;
    } else if (const uint16_t version = static_cast<uint16_t>(bytes[8] | (bytes[9] << 8));
               (version < 3 && (kind == static_cast<uint64_t>(SectionKind::kFigures) ||
                                kind == static_cast<uint64_t>(SectionKind::kStages))) ||
               (version < 5 && kind == static_cast<uint64_t>(SectionKind::kWaits))) {
      // A module of an older format cannot hold what came later: its header is wrong.
      file.fail(at, fmt::format("section {} is not part of format version {}", sectionLabel(kind),
                                version));
      break;
    } else {
      const auto section_kind = static_cast<SectionKind>(kind);
      Cursor c(bytes, begin, end, "section");
      c.setContext(fmt::format("section `{}`: ", sectionName(section_kind)));
      SectionReader{c,
                    m,
                    entry_offsets[kind],
                    code_offsets,
                    section_kind,
                    static_cast<uint16_t>(bytes[8] | (bytes[9] << 8))}
          .run();
      if (c.failed()) return *c.error();
      if (c.remaining() != 0) {
        return LoadError{c.offset(),
                         fmt::format("section `{}`: {} after its last entry",
                                     sectionName(section_kind), bytesText(c.remaining()))};
      }
    }
    file.skipTo(end);
  }
  if (file.failed()) return *file.error();
  if (file.remaining() != 0) {
    return LoadError{file.offset(),
                     fmt::format("{} after the last section", bytesText(file.remaining()))};
  }

  if (std::optional<VerifyError> e = verifyModule(m)) {
    const auto s = static_cast<size_t>(e->section);
    size_t offset = 0;
    if (s < kSectionKinds && e->entry < entry_offsets[s].size()) {
      offset = entry_offsets[s][e->entry];
      if (e->section == SectionKind::kFunctions && e->pc && e->entry < code_offsets.size())
        offset = code_offsets[e->entry] + *e->pc;
    }
    return LoadError{offset, std::move(e->message)};
  }
  return m;
}

}  // namespace rflow::bytecode
