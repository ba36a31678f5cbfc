// The test statements of language.md §6: mocks, the virtual clock, decisions on tasks,
// signals and expectations.
#include <fmt/format.h>

#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

std::string_view statementName(const syntax::Stmt& stmt) {
  switch (stmt.kind()) {
    case syntax::StmtKind::kMock:
      return stmt.as<syntax::MockStmt>()->classify ? "mock classify" : "mock";
    case syntax::StmtKind::kAdvance:
      return "advance";
    case syntax::StmtKind::kDecide: {
      const auto* d = stmt.as<syntax::DecideStmt>();
      return d->expect_refused ? "expect refused" : syntax::spelling(d->decision);
    }
    case syntax::StmtKind::kSend:
      return "send";
    case syntax::StmtKind::kExpectCalled:
      return stmt.as<syntax::ExpectCalledStmt>()->learned ? "expect learned" : "expect called";
    default:
      return "expect";
  }
}

}  // namespace

uint32_t Checker::openMockUnit(const syntax::MockStmt& mock, std::string_view mocked, TypeId result,
                               const std::vector<TypeId>& params, Scope& scope, Scope& body) {
  // The mock's body is a function of its own: captured test values, then what the mocked
  // thing is called with.
  const uint32_t unit =
      newUnit(UnitKind::kMock,
              fmt::format("{}.mock{}", program_.units[context_.unit].name, program_.units.size()),
              result, nullptr);
  CodeUnit& u = program_.units[unit];
  u.expr = mock.result.get();
  u.parent = context_.unit;
  u.file = file_;
  u.param_count = static_cast<uint32_t>(mock.binders.size());
  program_.facts[file_].slots[mock.result.get()] = unit;
  context_ = Context{};
  context_.unit_kind = UnitKind::kMock;
  context_.unit = unit;
  context_.what = fmt::format("the mock of `{}`", mocked);
  context_.return_type = result;
  body.parent = &scope;
  body.boundary = true;
  body.bindings.reserve(mock.binders.size());
  for (size_t i = 0; i < mock.binders.size() && i < params.size(); ++i) {
    if (Binding* b = bind(body, mock.binders[i], params[i], false, &mock.binders[i]))
      b->is_param = true;
  }
  return unit;
}

bool Checker::checkTestStmt(const syntax::Stmt& stmt, Scope& scope) {
  TypeTable& t = types();
  if (!context_.test_statements) {
    emitter_.emit(at(stmt.span), diag::TestStatementOutsideTest, statementName(stmt));
    return false;
  }
  // Finds `conn.op` or `module.conn.op`; reports and returns nullopt when it is none.
  const auto findOp = [&](const syntax::Path& path) -> std::optional<uint32_t> {
    std::string name = joinPath(path);
    const source::Span span = path.empty() ? stmt.span : path.front().span.to(path.back().span);
    if (path.size() >= 2) {
      syntax::Path owner(path.begin(), path.end() - 1);
      const auto found = lookupPath(owner, module_);
      if (found && found->second == owner.size() && found->first.kind == SymbolKind::kConnector) {
        const ConnectorInfo& c = program_.connectors[found->first.index];
        for (uint32_t i = 0; i < c.op_count; ++i) {
          if (program_.ops[c.first_op + i].name == path.back().text) return c.first_op + i;
        }
        emitter_.emit(at(path.back().span), diag::UnknownOperation, c.header.short_name,
                      path.back().text);
        return std::nullopt;
      }
    }
    emitter_.emit(at(span), diag::TypeMismatch, "a connector operation like `wms.allocate`", name);
    return std::nullopt;
  };

  return std::visit(
      syntax::Overloaded{
          [&](const syntax::MockStmt& s) {
            if (s.classify) {
              mockClassify(stmt, s, scope);
              return false;
            }
            const auto op = findOp(s.op);
            if (s.fails) {
              checkExprAs(*s.fails, scope, t.stringType(), "a `string` reason");
              if (op) program_.facts[file_].slots[&s] = *op;
              return false;
            }
            if (!op) return false;
            program_.facts[file_].slots[&s] = *op;
            const ConnectorOpInfo& info = program_.ops[*op];
            if (s.binders.size() != info.params.size()) {
              emitter_.emit(at(stmt.span), diag::MockArity, info.name, info.params.size(),
                            s.binders.size());
              return false;
            }
            const Context saved = context_;
            std::vector<TypeId> params;
            for (const ParamInfo& p : info.params)
              params.push_back(p.type);
            Scope body;
            const uint32_t unit = openMockUnit(s, info.name, info.result, params, scope, body);
            program_.units[unit].mock_op = *op;
            if (t.kind(info.result) == TypeKind::kVoid) {
              checkExpr(*s.result, body);
            } else {
              checkExprAs(*s.result, body, info.result);
            }
            context_ = saved;
            return false;
          },
          [&](const syntax::AdvanceStmt& s) {
            checkExprAs(*s.duration, scope, t.durationType());
            return false;
          },
          [&](const syntax::DecideStmt& s) {
            checkExprAs(*s.target, scope, t.record(program_.builtins.task),
                        "an open approval or task, like `run.task`");
            checkExprAs(*s.by, scope, t.userType(), "a `User`, like `user(\"ana\")`");
            if (s.comment) checkExprAs(*s.comment, scope, t.stringType());
            if (s.decision == syntax::DecisionKind::kComplete) {
              // The form's fields are known only when the test runs; check the values.
              RecordInfo with;
              with.header.name = fmt::format("{}:{}.with", program_.units[context_.unit].name,
                                             lineOf(at(stmt.span)));
              with.header.short_name = "with";
              with.header.module = module_;
              with.kind = RecordKind::kData;
              for (const syntax::FieldInit& init : s.with) {
                const TypeId v = checkExpr(*init.value, scope);
                with.fields.push_back({init.name.text, v, std::nullopt, {}, at(init.name.span)});
              }
              program_.records.push_back(std::move(with));
              program_.facts[file_].slots[&s] = static_cast<uint32_t>(program_.records.size() - 1);
            }
            return false;
          },
          [&](const syntax::SendStmt& s) {
            const TypeId run = checkExpr(*s.run, scope);
            if (t.kind(run) != TypeKind::kRun && !t.isError(run)) {
              emitter_.emit(at(s.run->span), diag::TypeMismatch, "a run, from `let run = start …`",
                            typeName(run));
            }
            const TypeId signal = checkExpr(*s.signal, scope);
            if (!t.isError(signal) &&
                (t.kind(signal) != TypeKind::kRecord ||
                 program_.records[t.get(signal).decl].kind != RecordKind::kSignal)) {
              emitter_.emit(at(s.signal->span), diag::ExpectedSignal, "Signal", typeName(signal));
            }
            return false;
          },
          [&](const syntax::ExpectStmt& s) {
            checkCondition(*s.cond, scope);
            if (s.message) checkExprAs(*s.message, scope, t.stringType());
            return false;
          },
          [&](const syntax::ExpectCalledStmt& s) {
            if (s.learned) {
              if (const auto c = findClassifier(s.op)) program_.facts[file_].slots[&s] = *c;
            } else if (const auto op = findOp(s.op)) {
              program_.facts[file_].slots[&s] = *op;
            }
            checkExprAs(*s.times, scope, t.intType(), "an `int` count");
            return false;
          },
          [&](const auto&) { return false; },
      },
      stmt.data);
}

}  // namespace rflow::check
