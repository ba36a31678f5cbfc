#include "engine/figures.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_text.h"
#include "engine/instances.h"
#include "engine/parts.h"
#include "engine/record_codec.h"
#include "engine/step.h"
#include "vm/print.h"

namespace rflow::engine {

namespace keys {

std::string figures(std::string_view instance) {
  return store::joinKey("figures", instance);
}

}  // namespace keys

std::string MeasureValue::text() const {
  switch (kind) {
    case bytecode::TypeTag::kMoney:
      return fmt::format("{} {}", amount, currency);
    case bytecode::TypeTag::kDuration: {
      int64_t millis = 0;
      try {
        millis = std::stoll(amount);
      } catch (const std::exception&) {
        return amount;
      }
      return base::formatDuration(millis);
    }
    default:
      return amount;
  }
}

std::string InstanceFigures::encode() const {
  RecordWriter w;
  w.u8(kFiguresFormat);
  w.varint(tracked.size());
  for (const auto& [name, value] : tracked) {
    w.text(name);
    w.text(value);
  }
  w.varint(measures.size());
  for (const MeasureValue& m : measures) {
    w.text(m.name);
    w.u8(static_cast<uint8_t>(m.kind));
    w.text(m.amount);
    w.text(m.currency);
  }
  return w.take();
}

std::optional<InstanceFigures> InstanceFigures::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (r.u8() != kFiguresFormat || !r.ok()) return std::nullopt;
  InstanceFigures f;
  const uint64_t tracked = r.varint();
  for (uint64_t i = 0; r.ok() && i < tracked; ++i) {
    std::string name = r.text();
    std::string value = r.text();
    f.tracked.emplace_back(std::move(name), std::move(value));
  }
  const uint64_t measures = r.varint();
  for (uint64_t i = 0; r.ok() && i < measures; ++i) {
    MeasureValue m;
    m.name = r.text();
    const uint8_t kind = r.u8();
    if (kind != static_cast<uint8_t>(bytecode::TypeTag::kInt) &&
        kind != static_cast<uint8_t>(bytecode::TypeTag::kDecimal) &&
        kind != static_cast<uint8_t>(bytecode::TypeTag::kDuration) &&
        kind != static_cast<uint8_t>(bytecode::TypeTag::kMoney))
      r.fail();
    m.kind = static_cast<bytecode::TypeTag>(kind);
    m.amount = r.text();
    m.currency = r.text();
    f.measures.push_back(std::move(m));
  }
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return f;
}

namespace {

MeasureValue measureOf(const bytecode::Module& m, const bytecode::Figure& figure,
                       const vm::Value& v) {
  MeasureValue out;
  out.name = m.strings[figure.name];
  out.kind = m.types[figure.type].tag;
  switch (v.tag()) {
    case vm::Tag::kDecimal:
      out.amount = v.asDecimal().toString();
      break;
    case vm::Tag::kMoney:
      out.amount = v.asMoney().amount().toString();
      out.currency = std::string(v.asMoney().currency().text());
      break;
    default:
      out.amount = std::to_string(v.asInt());
  }
  return out;
}

}  // namespace

std::optional<EngineError> startFigures(const std::shared_ptr<const vm::Program>& program,
                                        uint32_t workflow, const std::vector<vm::Value>& args,
                                        const vm::Options& options, InstanceFigures& out) {
  const bytecode::Module& m = program->module();
  const bytecode::WorkflowFigures* declared = bytecode::figuresOf(m, workflow);
  if (declared == nullptr) return std::nullopt;
  InstanceFigures figures;
  for (const bytecode::Figure& t : declared->tracks) {
    const std::string& name = m.strings[t.name];
    auto value = runPure(program, *t.function, args, options, "tracked value", name);
    if (auto* error = std::get_if<EngineError>(&value)) return std::move(*error);
    figures.tracked.emplace_back(name, vm::printed(std::get<vm::Value>(value), m, t.type));
  }
  for (const bytecode::Figure& f : declared->measures) {
    if (!f.function) continue;
    auto value = runPure(program, *f.function, args, options, "measure", m.strings[f.name]);
    if (auto* error = std::get_if<EngineError>(&value)) return std::move(*error);
    figures.measures.push_back(measureOf(m, f, std::get<vm::Value>(value)));
  }
  out = std::move(figures);
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> dimensionLabels(EngineParts& parts,
                                                                 std::string_view workflow,
                                                                 const InstanceFigures& figures) {
  std::vector<std::pair<std::string, std::string>> labels;
  labels.reserve(figures.tracked.size());
  for (const auto& [name, value] : figures.tracked)
    labels.emplace_back(name, parts.metrics.dimensionLabel(workflow, name, value));
  return labels;
}

std::optional<EngineError> openFigures(EngineParts& parts, Step& step,
                                       std::optional<InstanceFigures> cached,
                                       std::vector<std::pair<std::string, std::string>> labels) {
  if (!step.program || step.figures) return std::nullopt;
  const bytecode::WorkflowFigures* declared =
      bytecode::figuresOf(step.program->module(), step.rec.workflow);
  if (declared == nullptr || declared->tracks.empty()) return std::nullopt;
  if (cached && !labels.empty()) {
    // What the instance's last step decoded and labelled: the same as below would make,
    // as the record is unchanged since and a value's label never changes.
    step.figures = std::move(cached);
  } else {
    auto loaded = loadFigures(parts.store, step.rec);
    if (!loaded) return std::move(loaded).error();
    step.figures = std::move(*loaded);
    labels = dimensionLabels(parts, step.rec.workflow_name, *step.figures);
  }
  step.metrics.setDimensions(std::move(labels), step.rec.workflow_name, step.now);
  return std::nullopt;
}

void countMeasuresAtEnd(Step& step) {
  if (!step.figures || !step.metrics.hasDimensions()) return;
  for (const MeasureValue& m : step.figures->measures) {
    // A stored amount is canonical; one that does not scale (beyond ±92 trillion) is
    // left out of the sums rather than wrapping them.
    if (auto amount = scaledAmount(m.amount))
      step.metrics.measureAtEnd(step.rec.workflow_name, m.name, m.currency, *amount, step.now);
  }
}

std::optional<int64_t> scaledAmount(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return std::nullopt;
  constexpr int64_t kLimit = INT64_MAX / kMeasureScale - 1;
  int64_t units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    if (units > (kLimit - (c - '0')) / 10) return std::nullopt;
    units = units * 10 + (c - '0');
  }
  int64_t scaled = units * kMeasureScale;
  int64_t place = kMeasureScale / 10;
  for (size_t i = 0; i < fraction.size(); ++i) {
    const char c = fraction[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (place > 0) {
      scaled += (c - '0') * place;
      place /= 10;
    } else if (i == 4 && c >= '5') {
      ++scaled;  // the first digit past the scale rounds
    }
  }
  return negative ? -scaled : scaled;
}

Found<InstanceFigures> loadFigures(const store::Store& store, const InstanceRecord& rec) {
  return loadFigures(store, rec.id, rec.figures);
}

Found<InstanceFigures> loadFigures(const store::Store& store, std::string_view instance,
                                   std::string_view kept) {
  if (!kept.empty()) {
    auto decoded = InstanceFigures::decode(kept);
    if (!decoded)
      return EngineError{EngineError::Code::kStorage,
                         fmt::format("the figures of {} are not readable", instance)};
    return std::move(*decoded);
  }
  auto bytes = store.get(store::Column::kMeta, keys::figures(instance));
  if (!bytes.ok()) return storageError(bytes.status());
  if (!bytes.value()) return InstanceFigures{};
  auto decoded = InstanceFigures::decode(*bytes.value());
  if (!decoded)
    return EngineError{EngineError::Code::kStorage,
                       fmt::format("the figures of {} are not readable", instance)};
  return std::move(*decoded);
}

std::optional<std::string> setMeasure(EngineParts& parts, Step& step,
                                      const vm::effect::Measure& request) {
  const bytecode::Module& m = step.program->module();
  const bytecode::WorkflowFigures* declared = bytecode::figuresOf(m, step.rec.workflow);
  if (declared == nullptr || request.measure >= declared->measures.size())
    return "the module has no such measure";
  if (!step.figures) {
    auto loaded = loadFigures(parts.store, step.rec);
    if (!loaded) return loaded.error().message;
    step.figures = std::move(*loaded);
  }
  MeasureValue value = measureOf(m, declared->measures[request.measure], request.value);
  auto& measures = step.figures->measures;
  auto found = std::find_if(measures.begin(), measures.end(),
                            [&](const MeasureValue& x) { return x.name == value.name; });
  if (found != measures.end() && found->kind == bytecode::TypeTag::kMoney &&
      found->currency != value.currency) {
    // Sums per dimension value would add euros to dollars.
    return fmt::format("measure `{}` is kept in {}, so it cannot be set to {}", value.name,
                       found->currency, value.text());
  }
  step.audit(AuditKind::kMeasured, value.name, {}, value.text());
  if (found != measures.end()) {
    *found = std::move(value);
  } else {
    measures.push_back(std::move(value));
  }
  // An instance started before its record kept the figures moves them into it now.
  if (step.rec.figures.empty()) step.batch.remove(store::Column::kMeta, keys::figures(step.rec.id));
  step.rec.figures = step.figures->encode();
  return std::nullopt;
}

}  // namespace rflow::engine
