// Statements (language.md §5): bindings and assignment, control flow with return-path
// analysis, exhaustive `match`, `parallel`, and the test statements of §6.
#include <fmt/format.h>

#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

uint32_t Checker::addSlot(TypeId type) {
  CodeUnit& unit = program_.units[context_.unit];
  unit.slots.push_back(type);
  return static_cast<uint32_t>(unit.slots.size() - 1);
}

Binding* Checker::bind(Scope& scope, const syntax::Ident& name, TypeId type, bool is_var,
                       const void* node) {
  if (const Binding* b = scope.find(name.text)) {
    emitter_.emit(at(name.span), diag::DuplicateBinding, name.text, lineOf(b->location));
    return nullptr;
  }
  Binding binding{name.text, addSlot(type), type, is_var, false, at(name.span)};
  if (node != nullptr) program_.facts[file_].slots[node] = binding.slot;
  scope.index.emplace(name.text, scope.bindings.size());
  scope.bindings.push_back(std::move(binding));
  return &scope.bindings.back();
}

bool Checker::checkBlock(const syntax::Block& block, Scope& parent) {
  Scope scope;
  scope.parent = &parent;
  // Reserve so that Binding pointers handed out stay valid while the block is checked.
  scope.bindings.reserve(block.stmts.size() + 4);
  bool terminates = false;
  for (const syntax::Stmt& stmt : block.stmts) {
    if (checkStmt(stmt, scope)) terminates = true;
  }
  return terminates;
}

bool Checker::checkStmt(const syntax::Stmt& stmt, Scope& scope) {
  TypeTable& t = types();
  return std::visit(
      syntax::Overloaded{
          [&](const syntax::LetStmt& s) {
            TypeId type = s.type ? resolveType(*s.type, module_) : 0;
            const TypeId value =
                s.type ? checkExprAs(*s.value, scope, type) : checkExpr(*s.value, scope);
            if (!s.type) {
              type = value;
              if (t.kind(value) == TypeKind::kVoid) {
                emitter_.emit(at(s.value->span), diag::VoidValue, "this");
                type = t.error();
              } else if (value == t.noneType()) {
                emitter_.emit(at(s.value->span), diag::UntypedNone);
                type = t.error();
              }
            }
            bind(scope, s.name, type, s.is_var, &s);
            return false;
          },
          [&](const syntax::AssignStmt& s) {
            const auto* name = s.target->as<syntax::NameExpr>();
            if (name == nullptr) {
              checkExpr(*s.value, scope);
              return false;  // the parser reported the target
            }
            const NameTarget target = lookup(name->name, &scope, module_);
            TypeId type = t.error();
            if (target.kind == NameTarget::Kind::kLocal && !target.captured) {
              Binding* b = target.local;
              type = b->type;
              if (b->is_param) {
                emitter_.emit(at(s.target->span), diag::AssignToNonVariable, name->name,
                              "a parameter");
              } else if (!b->is_var) {
                emitter_.emit(at(s.target->span), diag::AssignToLet, name->name);
              }
              ExprFact& f = fact(*s.target);
              f.ref = ExprRef::kLocal;
              f.a = b->slot;
              f.type = b->type;
              f.checked = true;
            } else if (target.kind == NameTarget::Kind::kSymbol) {
              emitter_.emit(at(s.target->span), diag::AssignToNonVariable, name->name,
                            describe(target.symbol));
            } else if (target.kind == NameTarget::Kind::kNotFound) {
              reportUnknownName(name->name, at(s.target->span), module_, &scope, diag::UnknownName);
            } else {
              emitter_.emit(at(s.target->span), diag::AssignToNonVariable, name->name,
                            "not a variable");
            }
            checkExprAs(*s.value, scope, type);
            return false;
          },
          [&](const syntax::IfStmt& s) {
            bool all = s.else_block.has_value();
            for (const syntax::IfBranch& branch : s.branches) {
              checkCondition(*branch.cond, scope);
              if (!checkBlock(branch.body, scope)) all = false;
            }
            if (s.else_block && !checkBlock(*s.else_block, scope)) all = false;
            return all;
          },
          [&](const syntax::MatchStmt& s) { return checkMatch(s, stmt, scope); },
          [&](const syntax::ForStmt& s) {
            const TypeId iterable = checkExpr(*s.iterable, scope);
            TypeId element = t.error();
            if (t.kind(iterable) == TypeKind::kList) {
              element = t.get(iterable).element;
            } else if (!t.isError(iterable)) {
              emitter_.emit(at(s.iterable->span), diag::NotIterable, typeName(iterable));
            }
            Scope loop;
            loop.parent = &scope;
            loop.bindings.reserve(1);
            bind(loop, s.var, element, false, &s);
            // Two hidden slots keep the list and the position while the loop runs.
            program_.facts[file_].slots[&s.body] = addSlot(iterable);
            addSlot(t.intType());
            checkBlock(s.body, loop);
            return false;
          },
          [&](const syntax::WhileStmt& s) {
            checkCondition(*s.cond, scope);
            checkBlock(s.body, scope);
            return false;
          },
          [&](const syntax::ReturnStmt& s) {
            const UnitKind k = context_.unit_kind;
            if (k == UnitKind::kTest || k == UnitKind::kPolicy || k == UnitKind::kBreachHandler) {
              emitter_.emit(
                  at(stmt.span), diag::ReturnInTest, context_.what,
                  k == UnitKind::kPolicy
                      ? "a policy refuses with `require … else \"why\"` and allows otherwise"
                      : "it ends when its last statement has run");
              if (s.value) checkExpr(*s.value, scope);
              return true;
            }
            const TypeId result = context_.return_type;
            if (t.kind(result) == TypeKind::kVoid) {
              if (s.value) {
                checkExpr(*s.value, scope);
                emitter_.emit(at(s.value->span), diag::ReturnValueFromVoid, context_.what);
              }
              return true;
            }
            if (!s.value) {
              emitter_.emit(at(stmt.span), diag::WrongReturnType, "nothing", context_.what,
                            typeName(result));
              return true;
            }
            const TypeId found = checkExpr(*s.value, scope, result);
            if (!assignable(found, result)) {
              if (t.kind(found) == TypeKind::kInt &&
                  t.kind(t.unwrap(result)) == TypeKind::kDecimal) {
                expectType(*s.value, found, result);
              } else if (!t.isError(found)) {
                emitter_.emit(at(s.value->span), diag::WrongReturnType, typeName(found),
                              context_.what, typeName(result));
              }
            }
            return true;
          },
          [&](const syntax::FailStmt& s) {
            if (context_.policy) {
              emitter_.emit(at(stmt.span), diag::ReturnInTest, context_.what,
                            "a policy refuses with `require … else \"why\"`");
            }
            checkExprAs(*s.message, scope, t.stringType(), "a `string` saying why");
            return true;
          },
          [&](const syntax::TryStmt& s) {
            const bool body = checkBlock(s.body, scope);
            Scope handler;
            handler.parent = &scope;
            handler.bindings.reserve(1);
            bind(handler, s.error_name, t.record(program_.builtins.error), false, &s);
            const bool caught = checkBlock(s.handler, handler);
            return body && caught;
          },
          [&](const syntax::ParallelStmt& s) {
            allowEffectAt(at(stmt.span), "`parallel`", true);
            std::vector<std::pair<const syntax::ParallelBranch*, TypeId>> branches;
            for (const syntax::ParallelBranch& branch : s.branches) {
              TypeId type = branch.type ? resolveType(*branch.type, module_) : 0;
              const TypeId value = branch.type ? checkExprAs(*branch.value, scope, type)
                                               : checkExpr(*branch.value, scope);
              if (!branch.type) type = value;
              if (t.kind(type) == TypeKind::kVoid) {
                emitter_.emit(at(branch.value->span), diag::VoidValue, "this");
                type = t.error();
              }
              branches.push_back({&branch, type});
            }
            for (const auto& [branch, type] : branches) {
              if (lookup(branch->name.text, &scope, module_).kind == NameTarget::Kind::kLocal) {
                emitter_.emit(at(branch->name.span), diag::ParallelRedeclares, branch->name.text);
                continue;
              }
              bind(scope, branch->name, type, false, branch);
            }
            return false;
          },
          [&](const syntax::SleepStmt& s) {
            allowEffectAt(at(stmt.span), "`sleep`", true);
            checkExprAs(*s.value, scope, s.until ? t.timeType() : t.durationType());
            return false;
          },
          [&](const syntax::RequireStmt& s) {
            if (!context_.policy) emitter_.emit(at(stmt.span), diag::RequireOutsidePolicy);
            checkCondition(*s.cond, scope);
            if (s.message) checkExprAs(*s.message, scope, t.stringType());
            return false;
          },
          [&](const syntax::LearnStmt& s) {
            checkLearn(stmt, s, scope);
            return false;
          },
          [&](const syntax::MeasureStmt& s) {
            checkMeasure(stmt, s, scope);
            return false;
          },
          [&](const syntax::NoteStmt& s) {
            allowEffectAt(at(stmt.span), "`note`", false);
            checkExprAs(*s.text, scope, t.stringType());
            return false;
          },
          [&](const syntax::NotifyStmt& s) {
            allowEffectAt(at(stmt.span), "`notify`", false);
            checkExprAs(*s.target, scope, t.assigneeType(), "a role or a user to notify");
            checkExprAs(*s.text, scope, t.stringType());
            return false;
          },
          [&](const syntax::ExprStmt& s) {
            checkExpr(*s.expr, scope);
            return false;
          },
          [&](const auto&) { return checkTestStmt(stmt, scope); },
      },
      stmt.data);
}

bool Checker::checkMatch(const syntax::MatchStmt& match, const syntax::Stmt& stmt, Scope& scope) {
  TypeTable& t = types();
  const TypeId subject = checkExpr(*match.subject, scope);
  const TypeKind kind = t.kind(subject);
  const bool known = kind == TypeKind::kEnum || kind == TypeKind::kInt || kind == TypeKind::kString;
  if (!known && !t.isError(subject)) {
    emitter_.emit(at(match.subject->span), diag::MatchSubjectType, typeName(subject));
  }
  std::vector<int> covered;                            // enum members
  std::vector<std::pair<std::string, uint32_t>> seen;  // pattern text -> line
  bool wildcard = false;
  bool all_terminate = true;
  for (size_t a = 0; a < match.arms.size(); ++a) {
    const syntax::MatchArm& arm = match.arms[a];
    for (const syntax::Pattern& p : arm.patterns) {
      const Location where = at(p.span);
      if (wildcard) {
        emitter_.emit(where, diag::WildcardNotLast);
        continue;
      }
      std::string key;
      switch (p.kind) {
        case syntax::Pattern::Kind::kError:
          continue;
        case syntax::Pattern::Kind::kWildcard:
          wildcard = true;
          if (a + 1 != match.arms.size() || &p != &arm.patterns.back())
            emitter_.emit(where, diag::WildcardNotLast);
          continue;
        case syntax::Pattern::Kind::kInt:
          if (known && kind != TypeKind::kInt) {
            emitter_.emit(where, diag::PatternType, "an `int`", typeName(subject));
            continue;
          }
          key = std::to_string(p.int_value);
          break;
        case syntax::Pattern::Kind::kString:
          if (known && kind != TypeKind::kString) {
            emitter_.emit(where, diag::PatternType, "a `string`", typeName(subject));
            continue;
          }
          key = "\"" + p.string_value + "\"";
          break;
        case syntax::Pattern::Kind::kEnumMember: {
          if (kind != TypeKind::kEnum) {
            if (known) emitter_.emit(where, diag::PatternType, "an enum member", typeName(subject));
            continue;
          }
          const EnumInfo& e = program_.enums[t.get(subject).decl];
          // `Member`, `Enum.Member` or `module.Enum.Member`, naming this enum.
          const std::string& member = p.path.back().text;
          bool names_enum = p.path.size() == 1;
          if (p.path.size() >= 2) {
            syntax::Path enum_path(p.path.begin(), p.path.end() - 1);
            const auto found = lookupPath(enum_path, module_);
            names_enum = found && found->second == enum_path.size() &&
                         found->first.kind == SymbolKind::kEnum &&
                         found->first.index == t.get(subject).decl;
          }
          const int index = e.memberIndex(member);
          if (!names_enum || index < 0) {
            emitter_.emit(where, diag::UnknownMember, fmt::format("enum `{}`", e.header.short_name),
                          member);
            continue;
          }
          covered.push_back(index);
          key = member;
          break;
        }
      }
      for (const auto& [k, line] : seen) {
        if (k == key) emitter_.emit(where, diag::DuplicatePattern, line);
      }
      seen.push_back({key, lineOf(where)});
    }
    if (!checkBlock(arm.body, scope)) all_terminate = false;
  }
  // Exhaustiveness: every enum member, or `_`.
  if (!wildcard && known) {
    std::vector<std::string> missing;
    if (kind == TypeKind::kEnum) {
      const EnumInfo& e = program_.enums[t.get(subject).decl];
      for (size_t i = 0; i < e.members.size(); ++i) {
        if (std::find(covered.begin(), covered.end(), static_cast<int>(i)) == covered.end()) {
          missing.push_back("`" + e.header.short_name + "." + e.members[i].name + "`");
        }
      }
    } else {
      missing.push_back("the other values (add `_ => …`)");
    }
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size(); ++i)
        list += (i == 0 ? "" : ", ") + missing[i];
      // `match` and its subject.
      const source::Span head{stmt.span.begin, match.subject->span.end};
      emitter_.build(at(head), diag::NonExhaustiveMatch, typeName(subject))
          .note(std::nullopt, "missing: " + list)
          .emit();
    }
  }
  return all_terminate && !match.arms.empty();
}

}  // namespace rflow::check
