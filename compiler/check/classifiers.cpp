// Classifiers (intelligence.md §1): the `classifier` declaration — its labels enum, the
// record type of its result and its threshold — and the two effects that use one,
// `classify C(text)` and `learn C(text, label)`.
#include <fmt/format.h>

#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

// What a classification holds, in this order (the VM builds the record in it; engine and
// test runner read fields by these positions, see vm/request.h).
constexpr std::string_view kLabel = "label", kBest = "best", kConfidence = "confidence",
                           kRunnerUp = "runner_up", kRunnerUpConfidence = "runner_up_confidence",
                           kModel = "model";

}  // namespace

void Checker::resolveClassifier(uint32_t index) {
  ClassifierInfo& c = program_.classifiers[index];
  const auto* decl = c.header.decl->as<syntax::ClassifierDecl>();
  module_ = c.header.module;
  file_ = program_.modules[module_].file;
  TypeTable& t = types();
  TypeId labels = t.error();
  if (!c.header.decl->has_syntax_error) {
    const TypeId found = resolveType(decl->labels, module_);
    if (t.kind(found) == TypeKind::kEnum) {
      labels = found;
      c.labels = t.get(found).decl;
    } else if (!t.isError(found)) {
      emitter_
          .build(at(decl->labels.span), diag::ClassifierLabelsNotEnum, c.header.short_name,
                 typeName(found))
          .note(std::nullopt,
                "declare the categories as an enum, like `enum IssueCategory { Equipment, "
                "Pricing }`, and write `classifier " +
                    c.header.short_name + " -> IssueCategory`")
          .emit();
    }
  }
  const TypeId label = t.isError(labels) ? labels : t.optional(labels);
  const Location where = c.header.location;
  program_.records[c.record].fields = {
      {std::string(kLabel), label, std::nullopt,
       "The label when the best confidence reaches the threshold; none otherwise.", where},
      {std::string(kBest), label, std::nullopt,
       "The most likely label, whatever its confidence; none without a model.", where},
      {std::string(kConfidence), t.decimalType(), std::nullopt,
       "The confidence of `best`, 0 to 1, rounded half-even to 4 places.", where},
      {std::string(kRunnerUp), label, std::nullopt, "The second most likely label.", where},
      {std::string(kRunnerUpConfidence), t.decimalType(), std::nullopt,
       "The confidence of `runner_up`.", where},
      {std::string(kModel), t.stringType(), std::nullopt,
       "The model's content hash (12 hex digits); \"\" when no model was loaded.", where},
  };
  if (c.header.decl->has_syntax_error || !decl->threshold) return;
  Scope scope;
  context_ = Context{};
  context_.what = fmt::format("the threshold of classifier `{}`", c.header.short_name);
  const size_t errors_before = emitter_.errorCount();
  const TypeId found = checkExprAs(*decl->threshold, scope, t.decimalType(), "a decimal");
  if (emitter_.errorCount() != errors_before || t.isError(found)) return;
  const auto value = fold(*decl->threshold, module_, context_.what);
  if (!value) return;
  std::optional<base::Decimal> threshold;
  if (const auto* d = std::get_if<base::Decimal>(&value->value)) threshold = *d;
  if (const auto* i = std::get_if<int64_t>(&value->value)) threshold = base::Decimal::fromInt(*i);
  if (!threshold) return;
  if (compare(*threshold, base::Decimal::fromInt(0)) <= 0 ||
      compare(*threshold, base::Decimal::fromInt(1)) >= 0) {
    emitter_.emit(at(decl->threshold->span), diag::ThresholdOutOfRange, c.header.short_name,
                  threshold->toString());
    return;
  }
  c.threshold = *threshold;
}

std::optional<uint32_t> Checker::findClassifier(const syntax::Path& path) {
  if (path.empty()) return std::nullopt;
  const std::string name = joinPath(path);
  const source::Span span = path.front().span.to(path.back().span);
  const auto found = lookupPath(path, module_);
  if (found && found->second == path.size() && found->first.kind == SymbolKind::kClassifier)
    return found->first.index;
  if (found && found->second == path.size()) {
    emitter_.emit(at(span), diag::NotCallable, fmt::format("`{}`", name), "used to classify",
                  describe(found->first) + "; only a `classifier` can");
    return std::nullopt;
  }
  std::vector<std::string_view> classifiers;
  for (const ClassifierInfo& c : program_.classifiers)
    classifiers.push_back(c.header.short_name);
  auto d = emitter_.build(at(span), diag::UnknownClassifier, name);
  if (classifiers.empty()) {
    d.note(std::nullopt,
           "declare one, like `classifier IssueKind -> IssueCategory { threshold 0.75 }`");
  } else {
    suggestClosest(d, name, classifiers, at(span));
  }
  d.emit();
  return std::nullopt;
}

TypeId Checker::checkClassify(const syntax::Expr& expr, const syntax::ClassifyExpr& classify,
                              Scope& scope) {
  TypeTable& t = types();
  if (context_.unit_kind != UnitKind::kWorkflow) {
    emitter_.emit(at(expr.span), diag::ClassifierEffectOutsideWorkflow, "`classify`",
                  context_.what);
  }
  const auto index = findClassifier(classify.classifier);
  if (!index) {
    for (const syntax::Expr& arg : classify.args)
      checkExpr(arg, scope);
    return t.error();
  }
  const ClassifierInfo& c = program_.classifiers[*index];
  checkArguments(at(expr.span), c.header.short_name, classify.args,
                 {{"text", t.stringType(), c.header.location}}, scope);
  ExprFact& f = fact(expr);
  f.a = *index;
  return t.record(c.record);
}

void Checker::checkLearn(const syntax::Stmt& stmt, const syntax::LearnStmt& learn, Scope& scope) {
  TypeTable& t = types();
  if (context_.unit_kind != UnitKind::kWorkflow) {
    emitter_.emit(at(stmt.span), diag::ClassifierEffectOutsideWorkflow, "`learn`", context_.what);
  }
  const auto index = findClassifier(learn.classifier);
  if (!index) {
    for (const syntax::Expr& arg : learn.args)
      checkExpr(arg, scope);
    return;
  }
  program_.facts[file_].slots[&learn] = *index;
  const ClassifierInfo& c = program_.classifiers[*index];
  const TypeId label = c.labels ? t.enumType(*c.labels) : t.error();
  checkArguments(at(stmt.span), c.header.short_name, learn.args,
                 {{"text", t.stringType(), c.header.location}, {"label", label, c.header.location}},
                 scope);
}

void Checker::mockClassify(const syntax::Stmt& stmt, const syntax::MockStmt& mock, Scope& scope) {
  TypeTable& t = types();
  const auto index = findClassifier(mock.op);
  if (!index) return;
  const ClassifierInfo& c = program_.classifiers[*index];
  if (mock.binders.size() != 1) {
    emitter_.emit(at(stmt.span), diag::MockArity, c.header.short_name, size_t{1},
                  mock.binders.size());
    return;
  }
  // The body is a function of the text classified.
  const Context saved = context_;
  Scope body;
  const uint32_t unit =
      openMockUnit(mock, c.header.short_name, t.record(c.record), {t.stringType()}, scope, body);
  program_.units[unit].confidence = mock.confidence.get();
  program_.units[unit].mock_classifier = *index;
  program_.facts[file_].slots[&mock] = *index;
  checkExprAs(*mock.result, body, c.labels ? t.enumType(*c.labels) : t.error(),
              "a member of the classifier's enum");
  checkExprAs(*mock.confidence, body, t.decimalType(), "a confidence from 0 to 1, like `0.93`");
  context_ = saved;
}

}  // namespace rflow::check
