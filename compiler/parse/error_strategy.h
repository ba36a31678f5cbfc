// SyntaxErrorStrategy: how the generated parser reports and recovers from syntax errors.
//
// ANTLR's DefaultErrorStrategy gives the mechanics (single-token insertion and deletion,
// "recovery mode" that silences follow-up errors until a token matches); this subclass
// changes three things:
//  - Reporting goes through syntax_errors.h, in plain words, never ANTLR's messages.
//  - Recovery skips to a *sync point* instead of ANTLR's follow sets: a line break or `;`
//    (the end of a statement), a `,` inside brackets, a closing bracket that belongs to
//    something already open, a declaration keyword at the start of a line, or the end of
//    the file. Brackets opened while skipping are skipped whole. So one broken statement
//    costs one diagnostic, and a broken declaration never hides the next one.
//  - In a list (statements, fields, clauses, arms …) a token that cannot start the next
//    item is reported once and skipped to the next sync point, and the list goes on.
#pragma once

#include "antlr4-runtime.h"
#include "parse/session.h"

namespace rflow::parse {

class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit SyntaxErrorStrategy(ParseSession& session) : session_(session) {}

  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override;
  void recover(antlr4::Parser* parser, std::exception_ptr e) override;
  antlr4::Token* recoverInline(antlr4::Parser* parser) override;
  void sync(antlr4::Parser* parser) override;

 protected:
  void reportUnwantedToken(antlr4::Parser* parser) override;
  void reportMissingToken(antlr4::Parser* parser) override;

 private:
  // Consumes tokens up to the next sync point (see above). `acceptable`, when given,
  // adds the tokens the current list could continue with.
  void skipToSyncPoint(antlr4::Parser* parser, const antlr4::misc::IntervalSet* acceptable);

  ParseSession& session_;
};

}  // namespace rflow::parse
