// Pass 2: the types of declarations — record and signal fields, connector operations,
// function, decision and workflow signatures, event parameters — and the values of
// constants and field defaults (language.md §4).
#include <fmt/format.h>

#include <unordered_set>

#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {}  // namespace

TypeId Checker::resolveType(const syntax::TypeRef& type, uint32_t module) {
  TypeTable& t = types();
  switch (type.kind) {
    case syntax::TypeRef::Kind::kError:
      return t.error();
    case syntax::TypeRef::Kind::kList:
      return type.args.empty() ? t.error() : t.list(resolveType(type.args[0], module));
    case syntax::TypeRef::Kind::kMap:
      return type.args.empty() ? t.error() : t.map(resolveType(type.args[0], module));
    case syntax::TypeRef::Kind::kOptional:
      return type.args.empty() ? t.error() : t.optional(resolveType(type.args[0], module));
    case syntax::TypeRef::Kind::kNamed:
      break;
  }
  const std::string name = joinPath(type.path);
  const Location where = at(type.span);
  // Run<T>: the one generic type users may write (in tests).
  if (type.path.size() == 1 && type.path[0].text == "Run") {
    if (type.args.size() != 1) {
      emitter_.emit(where, diag::TypeMismatch, "`Run<T>` with one type argument", name);
      return t.error();
    }
    return t.run(resolveType(type.args[0], module));
  }
  TypeId result = t.error();
  if (type.path.size() == 1) {
    const NameTarget target = lookup(type.path[0].text, nullptr, module);
    if (target.kind == NameTarget::Kind::kBuiltinType) result = target.type;
  }
  if (t.isError(result)) {
    const auto found = lookupPath(type.path, module);
    if (!found || found->second != type.path.size()) {
      if (type.path.size() == 1) {
        reportUnknownName(name, where, module, nullptr, diag::UnknownType);
      } else {
        emitter_.emit(where, diag::UnknownType, name);
      }
      return t.error();
    }
    const Symbol symbol = found->first;
    if (symbol.kind == SymbolKind::kRecord) {
      result = t.record(symbol.index);
    } else if (symbol.kind == SymbolKind::kClassifier) {
      result = t.record(program_.classifiers[symbol.index].record);
    } else if (symbol.kind == SymbolKind::kEnum) {
      result = t.enumType(symbol.index);
    } else {
      emitter_.emit(where, diag::NotAType, name, describe(symbol));
      return t.error();
    }
  }
  if (!type.args.empty()) {
    emitter_.emit(where, diag::TypeMismatch, fmt::format("`{}` without type arguments", name),
                  name);
  }
  return result;
}

std::vector<ParamInfo> Checker::resolveParams(const std::vector<syntax::Param>& params,
                                              uint32_t module) {
  std::vector<ParamInfo> out;
  std::unordered_set<std::string> seen;
  for (const syntax::Param& p : params) {
    if (!seen.insert(p.name.text).second) {
      emitter_.emit(at(p.name.span), diag::DuplicateBinding, p.name.text, lineOf(at(p.name.span)));
    }
    out.push_back({p.name.text, resolveType(p.type, module), at(p.name.span)});
  }
  return out;
}

void Checker::resolveSignatures(uint32_t m) {
  module_ = m;
  file_ = program_.modules[m].file;
  const auto fields = [&](RecordInfo& record, const std::vector<syntax::FieldDecl>& decls) {
    for (const syntax::FieldDecl& f : decls) {
      if (record.fieldIndex(f.name.text) >= 0) {
        emitter_.emit(at(f.name.span), diag::DuplicateMember, f.name.text,
                      fmt::format("a field of `{}`", record.header.short_name));

        continue;
      }
      record.fields.push_back(
          {f.name.text, resolveType(f.type, m), std::nullopt, f.doc, at(f.name.span)});
    }
  };
  for (RecordInfo& record : program_.records) {
    if (record.header.module != m || record.header.decl == nullptr) continue;
    if (const auto* r = record.header.decl->as<syntax::RecordDecl>()) fields(record, r->fields);
    if (const auto* s = record.header.decl->as<syntax::SignalDecl>()) fields(record, s->fields);
  }
  for (ConnectorInfo& connector : program_.connectors) {
    if (connector.header.module != m) continue;
    const auto* decl = connector.header.decl->as<syntax::ConnectorDecl>();
    for (uint32_t i = 0; i < connector.op_count; ++i) {
      ConnectorOpInfo& op = program_.ops[connector.first_op + i];
      for (const syntax::ConnectorOp& syntax_op : decl->ops) {
        if (syntax_op.name.text != op.name) continue;
        op.params = resolveParams(syntax_op.params, m);
        op.result = syntax_op.result ? resolveType(*syntax_op.result, m) : types().voidType();
        break;
      }
    }
  }
  for (FunctionInfo& function : program_.functions) {
    if (function.header.module != m) continue;
    if (const auto* fn = function.header.decl->as<syntax::FnDecl>()) {
      function.params = resolveParams(fn->params, m);
      function.result = fn->result ? resolveType(*fn->result, m) : types().voidType();
    } else if (const auto* d = function.header.decl->as<syntax::DecisionDecl>()) {
      function.params = resolveParams(d->params, m);
      function.result = resolveType(d->result, m);
    }
  }
  for (WorkflowInfo& workflow : program_.workflows) {
    if (workflow.header.module != m) continue;
    const auto* w = workflow.header.decl->as<syntax::WorkflowDecl>();
    workflow.params = resolveParams(w->params, m);
    workflow.result = w->result ? resolveType(*w->result, m) : types().voidType();
  }
  for (TriggerInfo& trigger : program_.triggers) {
    if (trigger.header.module != m) continue;
    trigger.params = resolveParams(trigger.header.decl->as<syntax::TriggerDecl>()->params, m);
  }
  for (ConstInfo& c : program_.consts) {
    if (c.header.module != m) continue;
    const auto* decl = c.header.decl->as<syntax::ConstDecl>();
    c.type = decl->type ? resolveType(*decl->type, m) : types().error();
  }
}

void Checker::resolveConst(uint32_t index) {
  ConstInfo& c = program_.consts[index];
  if (c.state == ResolveState::kDone) return;
  if (c.state == ResolveState::kResolving) {
    emitter_.emit(c.header.location, diag::ConstCycle, c.header.short_name);
    c.state = ResolveState::kDone;
    return;
  }
  c.state = ResolveState::kResolving;
  const uint32_t saved_module = module_;
  const source::FileId saved_file = file_;
  module_ = c.header.module;
  file_ = program_.modules[module_].file;
  const auto* decl = c.header.decl->as<syntax::ConstDecl>();
  if (!c.header.decl->has_syntax_error && decl->value) {
    const bool declared = decl->type.has_value();
    const TypeId expected = declared ? c.type : 0;
    Scope scope;
    const Context saved_context = context_;
    context_ = Context{};
    context_.what = fmt::format("const `{}`", c.header.short_name);
    const size_t errors_before = emitter_.errorCount();
    const TypeId found = checkExpr(*decl->value, scope, expected);
    // A value that already has an error is not worth folding: a second message
    // about the same expression ("not computable") would only repeat the first.
    const bool clean = emitter_.errorCount() == errors_before;
    context_ = saved_context;
    if (declared) {
      expectType(*decl->value, found, c.type);
    } else {
      c.type = found;
    }
    if (clean && !types().isError(found)) {
      c.value =
          fold(*decl->value, module_, fmt::format("the value of const `{}`", c.header.short_name));
    }
  }
  module_ = saved_module;
  file_ = saved_file;
  c.state = ResolveState::kDone;
}

void Checker::resolveRecordDefaults(uint32_t index) {
  RecordInfo& record = program_.records[index];
  if (record.header.decl == nullptr || record.header.decl->has_syntax_error) return;
  const std::vector<syntax::FieldDecl>* decls = nullptr;
  if (const auto* r = record.header.decl->as<syntax::RecordDecl>()) decls = &r->fields;
  if (const auto* s = record.header.decl->as<syntax::SignalDecl>()) decls = &s->fields;
  if (decls == nullptr) return;
  module_ = record.header.module;
  file_ = program_.modules[module_].file;
  for (const syntax::FieldDecl& f : *decls) {
    if (!f.default_value) continue;
    const int i = record.fieldIndex(f.name.text);
    if (i < 0) continue;
    FieldInfo& field = record.fields[static_cast<size_t>(i)];
    Scope scope;
    context_ = Context{};
    context_.what = fmt::format("the default of `{}`", f.name.text);
    const TypeId found = checkExpr(*f.default_value, scope, field.type);
    if (!expectType(*f.default_value, found, field.type) || types().isError(found)) continue;
    field.default_value =
        fold(*f.default_value, module_, fmt::format("the default of `{}`", f.name.text));
  }
}

}  // namespace rflow::check
