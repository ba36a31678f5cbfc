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
  // Never deletes the first token of a line: it starts the next construct far more often
  // than it is a typo, and deleting it turns one error into a cascade.
  antlr4::Token* singleTokenDeletion(antlr4::Parser* parser) override;
  void reportMissingToken(antlr4::Parser* parser) override;

 private:
  // Consumes tokens up to the next sync point (see above). `acceptable`, when given,
  // adds the tokens the current list could continue with.
  void skipToSyncPoint(antlr4::Parser* parser, const antlr4::misc::IntervalSet* acceptable);

  // In a list of line-separated items, when the current token is a separator, reports
  // and skips junk at the start of the next line. Returns whether sync() is done.
  bool syncAfterSeparators(antlr4::Parser* parser, size_t rule);
  // Whether skipping must stop at the current token (see skipToSyncPoint).
  bool atHardStop(antlr4::Parser* parser);

  ParseSession& session_;
  // recover() calls at one token index in a row. Unwinding nested rules legitimately
  // recovers many times at one token; a loop that fails without consuming would do so
  // forever, and this bounds it.
  size_t recoveries_here_ = 0;
};

}  // namespace rflow::parse
