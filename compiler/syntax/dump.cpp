#include "syntax/dump.h"

#include <fmt/format.h>

namespace rflow::syntax {

namespace {

std::string joinPath(const Path& path) {
  std::string out;
  for (const Ident& ident : path) {
    if (!out.empty()) out += '.';
    out += ident.text;
  }
  return out;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '{':
        out += "\\{";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string opt(const Box<Expr>& expr) {
  return expr ? dumpExpr(*expr) : "<missing>";
}

std::string exprList(const std::vector<Expr>& exprs, std::string_view separator = " ") {
  std::string out;
  for (const Expr& e : exprs) {
    if (!out.empty()) out += separator;
    out += dumpExpr(e);
  }
  return out;
}

std::string fieldInits(const std::vector<FieldInit>& fields) {
  std::string out;
  for (const FieldInit& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.name.text + ": " + opt(f.value);
  }
  return out;
}

std::string params(const std::vector<Param>& ps) {
  std::string out;
  for (const Param& p : ps) {
    if (!out.empty()) out += ", ";
    out += p.name.text + ": " + dumpType(p.type);
  }
  return out;
}

class Dumper {
 public:
  std::string take() { return std::move(out_); }

  void line(int depth, std::string_view text) {
    out_.append(static_cast<size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  void doc(int depth, const std::string& text) {
    if (text.empty()) return;
    size_t start = 0;
    while (start <= text.size()) {
      const size_t end = text.find('\n', start);
      const std::string_view piece = std::string_view(text).substr(start, end - start);
      line(depth, piece.empty() ? "///" : fmt::format("/// {}", piece));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }

  void fields(int depth, const std::vector<FieldDecl>& fs) {
    for (const FieldDecl& f : fs) {
      doc(depth, f.doc);
      line(depth, fmt::format("field {}: {}{}", f.name.text, dumpType(f.type),
                              f.default_value ? " = " + dumpExpr(*f.default_value) : ""));
    }
  }

  void block(int depth, const Block& b) {
    for (const Stmt& s : b.stmts)
      stmt(depth, s);
  }

  void clause(int depth, const Clause& c) {
    switch (c.kind) {
      case ClauseKind::kEscalate:
        line(depth, fmt::format("escalate after {} to {}", opt(c.value), opt(c.target)));
        break;
      case ClauseKind::kData:
        line(depth, fmt::format("data {{{}}}", fieldInits(c.data)));
        break;
      case ClauseKind::kForm:
        line(depth, "form");
        fields(depth + 1, c.form);
        break;
      default:
        line(depth, fmt::format("{} {}", spelling(c.kind), opt(c.value)));
    }
  }

  void stmt(int depth, const Stmt& s) {
    std::visit(
        Overloaded{
            [&](const LetStmt& x) {
              line(depth, fmt::format("{} {}{} = {}", x.is_var ? "var" : "let", x.name.text,
                                      x.type ? ": " + dumpType(*x.type) : "", opt(x.value)));
            },
            [&](const AssignStmt& x) {
              line(depth, fmt::format("{} = {}", opt(x.target), opt(x.value)));
            },
            [&](const IfStmt& x) { ifStmt(depth, x); },
            [&](const MatchStmt& x) {
              line(depth, "match " + opt(x.subject));
              for (const MatchArm& arm : x.arms) {
                std::string pats;
                for (const Pattern& p : arm.patterns) {
                  if (!pats.empty()) pats += ", ";
                  pats += pattern(p);
                }
                line(depth + 1, pats + " =>");
                block(depth + 2, arm.body);
              }
            },
            [&](const ForStmt& x) {
              line(depth, fmt::format("for {} in {}", x.var.text, opt(x.iterable)));
              block(depth + 1, x.body);
            },
            [&](const WhileStmt& x) {
              line(depth, "while " + opt(x.cond));
              block(depth + 1, x.body);
            },
            [&](const ReturnStmt& x) {
              line(depth, x.value ? "return " + dumpExpr(*x.value) : "return");
            },
            [&](const FailStmt& x) { line(depth, "fail " + opt(x.message)); },
            [&](const TryStmt& x) {
              line(depth, "try");
              block(depth + 1, x.body);
              line(depth, "catch " + x.error_name.text);
              block(depth + 1, x.handler);
            },
            [&](const ParallelStmt& x) {
              line(depth, "parallel");
              for (const ParallelBranch& b : x.branches) {
                line(depth + 1, fmt::format("{}{} = {}", b.name.text,
                                            b.type ? ": " + dumpType(*b.type) : "", opt(b.value)));
              }
            },
            [&](const SleepStmt& x) {
              line(depth, fmt::format("sleep {}{}", x.until ? "until " : "", opt(x.value)));
            },
            [&](const RequireStmt& x) {
              line(depth, fmt::format("require {}{}", opt(x.cond),
                                      x.message ? " else " + dumpExpr(*x.message) : ""));
            },
            [&](const NoteStmt& x) { line(depth, "note " + opt(x.text)); },
            [&](const NotifyStmt& x) {
              line(depth, fmt::format("notify {} {}", opt(x.target), opt(x.text)));
            },
            [&](const ExprStmt& x) { line(depth, opt(x.expr)); },
            [&](const MockStmt& x) {
              std::string binders;
              for (const Ident& b : x.binders) {
                if (!binders.empty()) binders += ", ";
                binders += b.text;
              }
              if (x.classify) {
                line(depth, fmt::format("mock classify {}({}) => {} confidence {}", joinPath(x.op),
                                        binders, opt(x.result), opt(x.confidence)));
                return;
              }
              line(depth,
                   fmt::format("mock {}({}) {}", joinPath(x.op), binders,
                               x.fails ? "fails " + dumpExpr(*x.fails) : "=> " + opt(x.result)));
            },
            [&](const AdvanceStmt& x) { line(depth, "advance " + opt(x.duration)); },
            [&](const DecideStmt& x) {
              std::string text =
                  fmt::format("{}{} {} by {}", x.expect_refused ? "expect refused " : "",
                              spelling(x.decision), opt(x.target), opt(x.by));
              if (x.comment) text += " comment " + dumpExpr(*x.comment);
              if (x.decision == DecisionKind::kComplete)
                text += " with {" + fieldInits(x.with) + "}";
              line(depth, text);
            },
            [&](const SendStmt& x) {
              line(depth, fmt::format("send {} {}", opt(x.run), opt(x.signal)));
            },
            [&](const ExpectStmt& x) {
              line(depth, fmt::format("expect {}{}", opt(x.cond),
                                      x.message ? " else " + dumpExpr(*x.message) : ""));
            },
            [&](const ExpectCalledStmt& x) {
              line(depth, fmt::format("expect {} {} times {}", x.learned ? "learned" : "called",
                                      joinPath(x.op), opt(x.times)));
            },
            [&](const LearnStmt& x) {
              line(depth, fmt::format("learn {}{}", joinPath(x.classifier),
                                      x.args.empty() ? "" : " " + exprList(x.args)));
            },
            [&](const MeasureStmt& x) {
              line(depth,
                   fmt::format("measure {} = {}", x.measure.name.text, opt(x.measure.value)));
            },
        },
        s.data);
  }

  void ifStmt(int depth, const IfStmt& x) {
    for (size_t i = 0; i < x.branches.size(); ++i) {
      line(depth, (i == 0 ? "if " : "else if ") + opt(x.branches[i].cond));
      block(depth + 1, x.branches[i].body);
    }
    if (!x.else_block) return;
    line(depth, "else");
    block(depth + 1, *x.else_block);
  }

  static std::string pattern(const Pattern& p) {
    switch (p.kind) {
      case Pattern::Kind::kInt:
        return std::to_string(p.int_value);
      case Pattern::Kind::kString:
        return quote(p.string_value);
      case Pattern::Kind::kEnumMember:
        return joinPath(p.path);
      case Pattern::Kind::kWildcard:
        return "_";
      case Pattern::Kind::kError:
        return "<error>";
    }
    return "<error>";
  }

  void decl(const Decl& d) {
    doc(0, d.doc);
    const std::string mark = d.has_syntax_error ? " !syntax-error" : "";
    std::visit(
        Overloaded{
            [&](const RecordDecl& x) {
              line(0, "record " + d.name.text + mark);
              fields(1, x.fields);
            },
            [&](const EnumDecl& x) {
              line(0, "enum " + d.name.text + mark);
              for (const EnumMember& m : x.members) {
                doc(1, m.doc);
                line(1, "member " + m.name.text);
              }
            },
            [&](const ConstDecl& x) {
              line(0, fmt::format("const {}{} = {}{}", d.name.text,
                                  x.type ? ": " + dumpType(*x.type) : "", opt(x.value), mark));
            },
            [&](const RoleDecl& x) {
              line(0, fmt::format("role {}{}{}", d.name.text,
                                  x.title ? " " + dumpExpr(*x.title) : "", mark));
            },
            [&](const SignalDecl& x) {
              line(0, "signal " + d.name.text + mark);
              fields(1, x.fields);
            },
            [&](const ConnectorDecl& x) {
              line(0, "connector " + d.name.text + mark);
              for (const ConnectorOp& op : x.ops) {
                doc(1, op.doc);
                line(1, fmt::format("fn {}({}){}", op.name.text, params(op.params),
                                    op.result ? " -> " + dumpType(*op.result) : ""));
              }
            },
            [&](const FnDecl& x) {
              std::string head = fmt::format("fn {}({}){}", d.name.text, params(x.params),
                                             x.result ? " -> " + dumpType(*x.result) : "");
              if (x.expr_body) {
                line(0, head + " = " + dumpExpr(*x.expr_body) + mark);
              } else {
                line(0, head + mark);
                if (x.body) block(1, *x.body);
              }
            },
            [&](const DecisionDecl& x) {
              line(0, fmt::format("decision {}({}) -> {}{}", d.name.text, params(x.params),
                                  dumpType(x.result), mark));
              for (const DecisionRule& r : x.rules) {
                line(1, r.cond ? fmt::format("when {} => {}", dumpExpr(*r.cond), opt(r.result))
                               : "else => " + opt(r.result));
              }
            },
            [&](const PolicyDecl& x) {
              line(0, fmt::format("policy {} on {}({}){}{}", d.name.text,
                                  x.kind == PolicyKind::kApproval ? "approval" : "task",
                                  x.param.text, x.when ? " when " + dumpExpr(*x.when) : "", mark));
              block(1, x.body);
            },
            [&](const TriggerDecl& x) {
              const std::string source =
                  x.schedule ? "schedule " + opt(x.cron)
                             : fmt::format("event {}({})", d.name.text, params(x.params));
              line(0, fmt::format("on {} start {}({}){}", source, joinPath(x.workflow),
                                  exprList(x.args, ", "), mark));
            },
            [&](const WorkflowDecl& x) {
              line(0, fmt::format("workflow {}({}){}{}", d.name.text, params(x.params),
                                  x.result ? " -> " + dumpType(*x.result) : "", mark));
              if (x.owner) line(1, "owner " + dumpExpr(*x.owner));
              if (x.key) line(1, "key " + dumpExpr(*x.key));
              if (x.sla) {
                line(1, "sla " + opt(x.sla->duration));
                if (x.sla->breach) {
                  line(2, "on breach");
                  block(3, *x.sla->breach);
                }
              }
              for (const NamedValue& t : x.tracks)
                line(1, fmt::format("track {} = {}", t.name.text, opt(t.value)));
              for (const NamedValue& m : x.measures)
                line(1, fmt::format("measure {} = {}", m.name.text, opt(m.value)));
              block(1, x.body);
            },
            [&](const TestDecl& x) {
              line(0, "test " + opt(x.title) + mark);
              block(1, x.body);
            },
            [&](const ClassifierDecl& x) {
              line(0, fmt::format("classifier {} -> {}{}", d.name.text, dumpType(x.labels), mark));
              if (x.threshold) line(1, "threshold " + opt(x.threshold));
            },
            [&](const CalendarDecl& x) {
              line(0, fmt::format("calendar {}{}", d.name.text, mark));
              if (x.zone) line(1, fmt::format("zone \"{}\"", *x.zone));
              for (const CalendarOpen& o : x.open)
                line(1, "open " + spelling(o));
              for (const CalendarClosed& c : x.closed)
                line(1, "closed " + spelling(c));
            },
        },
        d.data);
  }

 private:
  std::string out_;
};

std::string clauseList(const std::vector<Clause>& clauses) {
  std::string out;
  for (const Clause& c : clauses) {
    out += " (";
    switch (c.kind) {
      case ClauseKind::kEscalate:
        out += fmt::format("escalate {} {}", opt(c.value), opt(c.target));
        break;
      case ClauseKind::kData:
        out += "data " + fieldInits(c.data);
        break;
      case ClauseKind::kForm: {
        out += "form";
        for (const FieldDecl& f : c.form)
          out += fmt::format(" {}: {}", f.name.text, dumpType(f.type));
        break;
      }
      default:
        out += fmt::format("{} {}", spelling(c.kind), opt(c.value));
    }
    out += ")";
  }
  return out;
}

}  // namespace

std::string formatDuration(int64_t millis) {
  if (millis == 0) return "0s";
  std::string out;
  uint64_t rest =
      millis < 0 ? static_cast<uint64_t>(-(millis + 1)) + 1 : static_cast<uint64_t>(millis);
  if (millis < 0) out += '-';
  static constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {604'800'000, "w"}, {86'400'000, "d"}, {3'600'000, "h"},
      {60'000, "m"},      {1'000, "s"},      {1, "ms"}};
  for (const auto& [size, unit] : kUnits) {
    if (rest >= size) {
      out += fmt::format("{}{}", rest / size, unit);
      rest %= size;
    }
  }
  return out;
}

std::string dumpType(const TypeRef& type) {
  switch (type.kind) {
    case TypeRef::Kind::kError:
      return "<error>";
    case TypeRef::Kind::kList:
      return "list<" + (type.args.empty() ? "<error>" : dumpType(type.args[0])) + ">";
    case TypeRef::Kind::kMap:
      return "map<" + (type.args.empty() ? "<error>" : dumpType(type.args[0])) + ">";
    case TypeRef::Kind::kOptional:
      return (type.args.empty() ? "<error>" : dumpType(type.args[0])) + "?";
    case TypeRef::Kind::kNamed: {
      std::string out = joinPath(type.path);
      if (!type.args.empty()) {
        out += '<';
        for (size_t i = 0; i < type.args.size(); ++i) {
          if (i) out += ", ";
          out += dumpType(type.args[i]);
        }
        out += '>';
      }
      return out;
    }
  }
  return "<error>";
}

std::string dumpExpr(const Expr& expr) {
  return std::visit(
      Overloaded{
          [](const ErrorExpr&) -> std::string { return "<error>"; },
          [](const IntExpr& x) { return std::to_string(x.value); },
          [](const DecimalExpr& x) { return x.digits; },
          [](const MoneyExpr& x) { return x.amount + " " + x.currency; },
          [](const DurationExpr& x) { return formatDuration(x.millis); },
          [](const BoolExpr& x) -> std::string { return x.value ? "true" : "false"; },
          [](const NoneExpr&) -> std::string { return "none"; },
          [](const StringExpr& x) {
            std::string out = "\"";
            for (const StringPart& p : x.parts) {
              if (p.expr) {
                out += "{" + dumpExpr(*p.expr) + "}";
              } else {
                const std::string q = quote(p.text);
                out += q.substr(1, q.size() - 2);
              }
            }
            return out + "\"";
          },
          [](const NameExpr& x) { return x.name; },
          [](const MemberExpr& x) {
            return opt(x.object) + (x.optional_chain ? "?." : ".") + x.member.text;
          },
          [](const IndexExpr& x) { return opt(x.object) + "[" + opt(x.index) + "]"; },
          [](const CallExpr& x) {
            std::string out = "(call " + opt(x.callee);
            if (!x.args.empty()) out += " " + exprList(x.args);
            out += ")";
            if (x.options) {
              if (x.options->retry) out += " retry " + dumpExpr(*x.options->retry);
              if (x.options->every) out += " every " + dumpExpr(*x.options->every);
              if (x.options->backoff) out += " backoff " + dumpExpr(*x.options->backoff);
              if (x.options->timeout) out += " timeout " + dumpExpr(*x.options->timeout);
            }
            return out;
          },
          [](const UnaryExpr& x) { return fmt::format("({} {})", spelling(x.op), opt(x.operand)); },
          [](const BinaryExpr& x) {
            return fmt::format("({} {} {})", spelling(x.op), opt(x.lhs), opt(x.rhs));
          },
          [](const ConditionalExpr& x) {
            return fmt::format("(if {} {} {})", opt(x.cond), opt(x.then_expr), opt(x.else_expr));
          },
          [](const ListExpr& x) { return "[" + exprList(x.elements, ", ") + "]"; },
          [](const MapExpr& x) {
            std::string out = "map";
            if (x.value_type) out += "<" + dumpType(*x.value_type) + ">";
            out += "{";
            for (size_t i = 0; i < x.entries.size(); ++i) {
              if (i) out += ", ";
              out += opt(x.entries[i].key) + ": " + opt(x.entries[i].value);
            }
            return out + "}";
          },
          [](const RecordExpr& x) { return joinPath(x.type) + "{" + fieldInits(x.fields) + "}"; },
          [](const ApprovalExpr& x) {
            return "(approval " + opt(x.title) + clauseList(x.clauses) + ")";
          },
          [](const TaskExpr& x) { return "(task " + opt(x.title) + clauseList(x.clauses) + ")"; },
          [](const AwaitExpr& x) {
            return "(await " + joinPath(x.signal) +
                   (x.timeout ? " timeout " + dumpExpr(*x.timeout) : "") + ")";
          },
          [](const StartExpr& x) {
            std::string out = std::string(x.spawn ? "(spawn " : "(start ") + joinPath(x.workflow);
            if (!x.args.empty()) out += " " + exprList(x.args);
            return out + ")";
          },
          [](const ClassifyExpr& x) {
            std::string out = "(classify " + joinPath(x.classifier);
            if (!x.args.empty()) out += " " + exprList(x.args);
            return out + ")";
          },
          [](const InCalendarExpr& x) {
            return "(in " + (x.duration ? dumpExpr(*x.duration) : std::string("<missing>")) + " " +
                   joinPath(x.calendar) + ")";
          },
      },
      expr.data);
}

std::string dumpFile(const File& file) {
  Dumper d;
  d.line(0, file.module.empty() ? "module <missing>" : "module " + joinPath(file.module));
  for (const ImportDecl& i : file.imports) {
    d.line(0, "import " + joinPath(i.path) + (i.alias ? " as " + i.alias->text : ""));
  }
  for (const Decl& decl : file.decls)
    d.decl(decl);
  return d.take();
}

}  // namespace rflow::syntax
