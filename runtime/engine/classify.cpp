#include "engine/classify.h"

#include <fmt/format.h>

#include <cmath>

#include "engine/effect_results.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_codec.h"

namespace rflow::engine {

namespace {

constexpr uint8_t kClassifiedFormat = 1;  // of both records below

std::string classifiedKey(std::string_view instance, std::string_view classifier) {
  return store::joinKey("classified", store::joinKey(instance, classifier));
}
std::string examplePrefix(std::string_view classifier) {
  return store::joinKey("example", classifier) + '\0';
}

// What the instance's last classification said: the best label ("" without a model) and
// the model's hash.
struct LastClassification {
  std::string best;
  std::string model;
};

std::string encode(const LastClassification& c) {
  RecordWriter w;
  w.u8(kClassifiedFormat);
  w.text(c.best);
  w.text(c.model);
  return w.take();
}

std::optional<LastClassification> decodeLast(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (r.u8() != kClassifiedFormat) return std::nullopt;
  LastClassification c{r.text(), r.text()};
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return c;
}

std::string encode(const LearnedExample& e) {
  RecordWriter w;
  w.u8(kClassifiedFormat);
  w.text(e.text);
  w.text(e.label);
  w.text(e.user);
  w.svarint(e.at);
  w.optionalText(e.model_best);
  w.text(e.model);
  return w.take();
}

std::optional<LearnedExample> decodeExample(std::string_view key, std::string_view bytes,
                                            std::string_view classifier) {
  RecordReader r(bytes, nullptr);
  if (r.u8() != kClassifiedFormat) return std::nullopt;
  LearnedExample e;
  e.classifier = std::string(classifier);
  e.text = r.text();
  e.label = r.text();
  e.user = r.text();
  e.at = r.svarint();
  e.model_best = r.optionalText();
  e.model = r.text();
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  e.instance = std::string(keys::instanceOf(key.substr(examplePrefix(classifier).size())));
  return e;
}

// The member of `labels` called `name`, if any.
std::optional<uint32_t> memberNamed(const bytecode::Module& m, uint32_t labels,
                                    std::string_view name) {
  const auto& members = m.enums[labels].members;
  for (uint32_t i = 0; i < members.size(); ++i)
    if (m.strings[members[i]] == name) return i;
  return std::nullopt;
}

}  // namespace

base::Decimal confidenceDecimal(double confidence) {
  if (!std::isfinite(confidence) || confidence <= 0) return base::Decimal::fromInt(0);
  if (confidence >= 1) return base::Decimal::fromInt(1);
  // Rounded once, from the double itself, exactly as `rflow classify` prints it: rounding
  // to six places first and then to four disagreed with it for values like 0.5007496.
  const auto four = base::Decimal::parse(fmt::format("{:.4f}", confidence));
  return four ? *four : base::Decimal::fromInt(0);
}

Answer classify(EngineParts& parts, Step& step, uint64_t request_id,
                const vm::effect::Classify& request) {
  const bytecode::Module& m = step.program->module();
  const bytecode::Classifier& c = m.classifiers[request.classifier];
  const std::string& name = m.strings[c.name];
  std::optional<ModelAnswer> answer;
  if (parts.options.classifiers != nullptr)
    answer = parts.options.classifiers->classify(name, request.text);
  // Guesses the module's enum does not have (a model checked against an older version)
  // are passed over: a label must be a member.
  std::vector<std::pair<uint32_t, base::Decimal>> top;
  if (answer) {
    for (const ModelGuess& g : answer->top) {
      if (top.size() == 2) break;
      if (auto member = memberNamed(m, c.labels, g.label))
        top.emplace_back(*member, confidenceDecimal(g.confidence));
    }
  }
  const auto threshold = base::Decimal::parse(c.threshold.digits);
  const bool has_model = answer.has_value();
  const bool labelled = !top.empty() && threshold && compare(top[0].second, *threshold) >= 0;
  const auto member = [&](size_t i) {
    return i < top.size() ? vm::Value::enumMember(c.labels, top[i].first) : vm::Value();
  };
  const auto confidence = [&](size_t i) {
    return vm::Value::decimal(i < top.size() ? top[i].second : base::Decimal::fromInt(0));
  };
  const std::string model = has_model ? answer->model.substr(0, 12) : "";
  std::vector<vm::Value> fields = {labelled ? member(0) : vm::Value(),
                                   member(0),
                                   confidence(0),
                                   member(1),
                                   confidence(1),
                                   vm::Value::string(model)};
  const std::string best = top.empty() ? "" : m.strings[m.enums[c.labels].members[top[0].first]];
  const std::string outcome = !has_model ? "no_model" : labelled ? "labelled" : "below_threshold";
  step.audit(AuditKind::kClassified, name, {},
             !has_model
                 ? "no model"
                 : fmt::format("model {} · best {} {} · {}", model, best.empty() ? "none" : best,
                               top.empty() ? "0" : top[0].second.toString(),
                               labelled ? "label " + best : std::string("below threshold")));
  step.metrics.classified(name, model, outcome, best);
  step.batch.put(store::Column::kMeta, classifiedKey(step.rec.id, name),
                 encode(LastClassification{best, model}));
  vm::Value record = vm::Value::record(c.record, std::move(fields));
  // The whole answer stays with the instance for replays (`rflow whatif`), by the text.
  EffectResult kept;
  kept.kind = EffectKind::kClassify;
  kept.name = name;
  kept.digest = effectDigest(request.text);
  kept.value = encodeValue(record);
  step.batch.put(store::Column::kMeta, effectResultKey(step.rec.id, request_id), kept.encode());
  return record;
}

Answer learn(EngineParts& parts, Step& step, uint64_t request_id,
             const vm::effect::Learn& request) {
  const bytecode::Module& m = step.program->module();
  const bytecode::Classifier& c = m.classifiers[request.classifier];
  const std::string& name = m.strings[c.name];
  LearnedExample e;
  e.classifier = name;
  e.text = request.text;
  e.label = m.strings[m.enums[c.labels].members[request.label]];
  e.instance = step.rec.id;
  e.user = step.decided_by;
  e.at = step.now;
  auto last = parts.store.get(store::Column::kMeta, classifiedKey(step.rec.id, name));
  if (!last.ok()) return last.status();
  std::optional<bool> agreed;
  if (const std::optional<std::string>& bytes = last.value()) {
    if (auto decoded = decodeLast(*bytes)) {
      e.model_best = decoded->best;
      e.model = decoded->model;
      if (!decoded->model.empty()) agreed = decoded->best == e.label;
    }
  }
  step.batch.put(store::Column::kMeta,
                 examplePrefix(name) + keys::perInstance(step.rec.id, request_id), encode(e));
  step.metrics.learned(name, e.model, e.label, agreed);
  step.audit(AuditKind::kLearned, name, e.user,
             fmt::format("label {}{}", e.label,
                         !agreed   ? ""
                         : *agreed ? " (the model agreed)"
                                   : " (the model said " + *e.model_best + ")"));
  return vm::Value();
}

Found<std::vector<LearnedExample>> learnedExamples(const store::Store& store,
                                                   std::string_view classifier) {
  std::vector<LearnedExample> out;
  const std::string prefix = examplePrefix(classifier);
  store::Status scanned =
      store.scan(store::Column::kMeta, prefix, [&](std::string_view key, std::string_view value) {
        if (auto e = decodeExample(key, value, classifier)) out.push_back(std::move(*e));
        return true;
      });
  if (!scanned.ok()) return storageError(scanned);
  return out;
}

}  // namespace rflow::engine
