// The rflow parser (language.md §1–§6).
//
// Conventions that keep this grammar context free and error recovery predictable:
//   - Separators are grammatical: lists are written `item (sep+ item)*` with sep a NEWLINE,
//     `;` or `,` as the construct allows, and a NEWLINE may follow binary operators, `,`,
//     `=`, `=>`, `->`, `then`, `else` and `{` (hence the NEWLINE* after them).
//   - Top-level declarations are the one lenient list: `record A {} record B {}` parses,
//     and the syntax tree builder reports the missing line break. This lets the parser
//     close a body whose `}` is missing at the next declaration keyword.
//   - Contextual keywords are tokens of their own; `name` accepts all of them, and
//     `memberName` additionally every reserved word (after `.` and in module names).
//   - HEAD_LBRACE is the `{` that ends an `if`/`while`/`for`/`match`/`when` head (see
//     lexer_base.h); record literals take only LBRACE, so `Name {` there is a block.
//   - Mistakes with a specific explanation (an unknown approval clause, a header clause
//     after a statement, a chained comparison) parse, and the builder diagnoses them.
//   - enterNesting()/checkNesting() guard every recursive path (expr, block, matchStmt,
//     type) so that hostile input cannot overflow the C++ stack (see parser_base.h).
parser grammar RFlowParser;

options {
  tokenVocab = RFlowLexer;
  superClass = RFlowParserBase;
}

@parser::header {
#include "parser_base.h"
}

@parser::members {
  // See fieldDecl: a declaration keyword names a field only when `:` follows it.
  bool fieldNameFits() {
    switch (_input->LA(1)) {
      case KW_MODULE: case KW_IMPORT: case KW_RECORD: case KW_ENUM: case KW_CONST: case KW_ROLE:
      case KW_SIGNAL: case KW_CONNECTOR: case KW_FN: case KW_DECISION: case KW_POLICY:
      case KW_WORKFLOW: case KW_TEST: case KW_ON: case KW_CLASSIFIER: case KW_CALENDAR:
        return _input->LA(2) == COLON;
      default:
        return true;
    }
  }
}

// =======================================================================================
// Files

// module retail.common
// import retail.stores as st
// record Store { … }
file
    : (NEWLINE | SEMI | topLevel)* EOF
    ;

topLevel
    : moduleDecl
    | importDecl
    | recordDecl
    | enumDecl
    | constDecl
    | roleDecl
    | signalDecl
    | connectorDecl
    | classifierDecl
    | calendarDecl
    | fnDecl
    | decisionDecl
    | policyDecl
    | triggerDecl
    | workflowDecl
    | testDecl
    ;

moduleDecl
    : KW_MODULE moduleName
    ;

importDecl
    : KW_IMPORT moduleName (KW_AS name)?
    ;

// Segments may be reserved words: `module perf.decision`.
moduleName
    : memberName (DOT memberName)*
    ;

// =======================================================================================
// Declarations

// record Store { id: string, pilot: bool = false }
recordDecl
    : KW_RECORD name LBRACE fieldList RBRACE
    ;

fieldList
    : (NEWLINE | COMMA)* (fieldDecl ((NEWLINE | COMMA)+ fieldDecl)*)? (NEWLINE | COMMA)*
    ;

// Field names may be reserved words (`workflow: string`), but a declaration keyword
// only when a `:` follows it: otherwise `workflow W() {` after a record whose `}` is
// missing would be read as a field. The predicate is visible to prediction.
fieldDecl
    : {fieldNameFits()}? memberName COLON type (ASSIGN NEWLINE* expr)?
    ;

// enum Category { Equipment, Pricing }
enumDecl
    : KW_ENUM name LBRACE (NEWLINE | COMMA)* (enumMember ((NEWLINE | COMMA)+ enumMember)*)?
      (NEWLINE | COMMA)* RBRACE
    ;

enumMember
    : name
    ;

// const LIMIT: int = 500
constDecl
    : KW_CONST name (COLON type)? ASSIGN NEWLINE* expr
    ;

// role StoreManager "Store manager"
roleDecl
    : KW_ROLE name stringLit?
    ;

// signal PriceCorrection { sku: string, new_price: money }
signalDecl
    : KW_SIGNAL name (LBRACE fieldList RBRACE)?
    ;

// connector wms { fn availability(sku: string) -> Availability }
connectorDecl
    : KW_CONNECTOR name LBRACE sep* (connectorOp (sep+ connectorOp)*)? sep* RBRACE
    ;

connectorOp
    : KW_FN memberName paramList (ARROW NEWLINE* type)?
    ;

// classifier IssueKind -> IssueCategory { threshold 0.75 }
classifierDecl
    : KW_CLASSIFIER name ARROW NEWLINE* type
      (LBRACE sep* (classifierClause (sep+ classifierClause)*)? sep* RBRACE)?
    ;

classifierClause
    : KW_THRESHOLD expr
    | IDENT (~(NEWLINE | SEMI | LBRACE | RBRACE))*  // an unknown clause, up to its end
    ;

// calendar StoreHours { zone "Europe/Berlin"; open mon-fri 08:00-20:00; closed 2026-12-24 }
// A clause is a word and the tokens up to its end; the builder reads `open` and `closed`
// lines from their source text (day names, clock times and dates are not tokens).
calendarDecl
    : KW_CALENDAR name LBRACE sep* (calendarClause (sep+ calendarClause)*)? sep* RBRACE
    ;

calendarClause
    : IDENT (~(NEWLINE | SEMI | LBRACE | RBRACE))*
    ;

// `4h in StoreHours`: a waiting duration counted in a calendar's open time. After `due`,
// `escalate after`, `sla` and `sleep` the duration is a full expression, which reads
// `4h in StoreHours` as the membership test `in`; the builder turns that into the
// calendar form there. After `await … timeout` (a unary expression) it is this rule.
inCalendar
    : KW_IN qualifiedName
    ;

// fn reorder_qty(daily: int, days: int) -> int = daily * days
fnDecl
    : KW_FN name paramList (ARROW NEWLINE* type)? (block | ASSIGN NEWLINE* expr)
    ;

paramList
    : LPAREN (param (COMMA param)* COMMA?)? RPAREN
    ;

param
    : name COLON type
    ;

// decision approver_for(amount: money) -> Role { when amount <= 1_000.00 USD => Clerk … }
decisionDecl
    : KW_DECISION name paramList ARROW NEWLINE* type LBRACE sep*
      (decisionRule (sep+ decisionRule)*)? sep* RBRACE
    ;

decisionRule
    : KW_WHEN expr FAT_ARROW NEWLINE* expr
    | KW_ELSE FAT_ARROW NEWLINE* expr
    ;

// policy dual_control on approval(a) when a.amount > 10_000.00 USD { require … }
policyDecl
    : KW_POLICY name KW_ON policyKind LPAREN name RPAREN (KW_WHEN expr)? block
    ;

policyKind
    : KW_APPROVAL
    | KW_TASK
    ;

// on event StockoutDetected(r: StockoutReport) start Replenish(r)
// on schedule "0 6 * * *" start DailyReconciliation()
triggerDecl
    : KW_ON KW_EVENT name paramList? KW_START qualifiedName argList
    | KW_ON KW_SCHEDULE stringLit KW_START qualifiedName argList
    ;

// workflow Replenish(r: StockoutReport) -> Outcome { owner "…" … }
// Header clauses are statements here; the builder moves the leading ones into the
// workflow and reports any that come after a statement.
workflowDecl
    : KW_WORKFLOW name paramList (ARROW NEWLINE* type)? block
    ;

// test "allocates from the DC" { … }
testDecl
    : KW_TEST stringLit block
    ;

// =======================================================================================
// Types

// int, Store, common.Store, list<Line>, map<int>, Run<Outcome>, Store?
type
    @init { enterNesting(); }
    : { checkNesting(); } typeAtom QUESTION?
    ;
    finally { exitNesting(); }

typeAtom
    : KW_LIST LT type GT
    | KW_MAP LT type GT
    | qualifiedName (LT type (COMMA type)* GT)?
    ;

// =======================================================================================
// Statements

block
    @init { enterNesting(); }
    : { checkNesting(); } (LBRACE | HEAD_LBRACE) stmtList RBRACE
    ;
    finally { exitNesting(); }

stmtList
    : sep* (stmt (sep+ stmt)*)? sep*
    ;

sep
    : NEWLINE
    | SEMI
    ;

stmt
    : letStmt
    | ifStmt
    | matchStmt
    | forStmt
    | whileStmt
    | returnStmt
    | failStmt
    | tryStmt
    | parallelStmt
    | sleepStmt
    | requireStmt
    | noteStmt
    | notifyStmt
    | learnStmt
    | mockStmt
    | advanceStmt
    | decideStmt
    | sendStmt
    | expectStmt
    | headerClause
    | assignStmt
    | exprStmt
    ;

// let x: int = 1 / var total = 0.00 USD
letStmt
    : (KW_LET | KW_VAR) name (COLON type)? ASSIGN NEWLINE* expr
    ;

// total = total + line.amount
assignStmt
    : postfixExpr ASSIGN NEWLINE* expr
    ;

// if c { } else if c { } else { } — `else` may start the next line. A loop rather than
// `else ifStmt`, so that a long else-if chain does not recurse.
ifStmt
    : KW_IF expr block (NEWLINE* KW_ELSE KW_IF expr block)* (NEWLINE* KW_ELSE block)?
    ;

// match category { Category.Equipment, Category.Staffing => … ; _ => … }
matchStmt
    @init { enterNesting(); }
    : { checkNesting(); }
      KW_MATCH expr (HEAD_LBRACE | LBRACE) armSep* (matchArm (armSep+ matchArm)*)? armSep*
      RBRACE
    ;
    finally { exitNesting(); }

armSep
    : NEWLINE
    | SEMI
    | COMMA
    ;

matchArm
    : pattern (COMMA pattern)* FAT_ARROW NEWLINE* (block | stmt)
    ;

pattern
    : MINUS? INT
    | stringLit
    | qualifiedName
    ;

forStmt
    : KW_FOR name KW_IN expr block
    ;

whileStmt
    : KW_WHILE expr block
    ;

returnStmt
    : KW_RETURN expr?
    ;

failStmt
    : KW_FAIL expr
    ;

// try { … } catch err { … } — `catch` may start the next line.
tryStmt
    : KW_TRY block NEWLINE* KW_CATCH name block
    ;

// parallel { a = e1; b: int = e2 }
parallelStmt
    : KW_PARALLEL LBRACE sep* (parallelBranch (sep+ parallelBranch)*)? sep* RBRACE
    ;

parallelBranch
    : name (COLON type)? ASSIGN NEWLINE* expr
    ;

sleepStmt
    : KW_SLEEP KW_UNTIL expr
    | KW_SLEEP expr
    ;

// require a.decided_by != a.requested_by else "approver must not be the requester"
requireStmt
    : KW_REQUIRE expr (KW_ELSE expr)?
    ;

noteStmt
    : KW_NOTE expr
    ;

// notify RegionalOps "Replenishment of {r.sku} is past its SLA"
notifyStmt
    : KW_NOTIFY postfixExpr expr
    ;

// learn IssueKind(issue.text, t.category)
learnStmt
    : KW_LEARN qualifiedName argList
    ;

// owner "inventory-planning" / key r.store + "/" + r.sku / sla 8h on breach { … }
// track region = inv.region, supplier = inv.supplier / measure value = inv.total
// A `measure` after the header (or in a nested block) is the measure statement; the
// builder tells them apart by where they stand.
headerClause
    : KW_OWNER expr
    | KW_KEY expr
    | KW_SLA expr (KW_ON KW_BREACH block)?
    | KW_TRACK namedValue (COMMA NEWLINE* namedValue)*
    | KW_MEASURE namedValue
    ;

namedValue
    : name ASSIGN NEWLINE* expr
    ;

exprStmt
    : expr
    ;

// ---------------------------------------------------------------------------------------
// Test statements (language.md §6)

// mock wms.availability(sku) => Availability { units: 1_000 }
// mock erp.create_purchase_order(sku, qty) fails "ERP down"
// mock classify IssueKind(text) => IssueCategory.Equipment confidence 0.93
mockStmt
    : KW_MOCK KW_CLASSIFY qualifiedName LPAREN (name (COMMA name)* COMMA?)? RPAREN
      FAT_ARROW NEWLINE* expr KW_CONFIDENCE expr
    | KW_MOCK qualifiedName LPAREN (name (COMMA name)* COMMA?)? RPAREN
      (FAT_ARROW NEWLINE* expr | KW_FAILS expr)
    ;

advanceStmt
    : KW_ADVANCE expr
    ;

// approve run.task by user("bob") comment "ok"
// complete run.task by user("tech") with { fixed: true }
decideStmt
    : (KW_APPROVE | KW_REJECT) expr KW_BY expr (KW_COMMENT expr)?
    | KW_COMPLETE expr KW_BY expr KW_WITH recordBody
    ;

// send run PriceCorrection { sku: "A-1", new_price: 2.50 USD }
sendStmt
    : KW_SEND postfixExpr expr
    ;

// expect run.status == RunStatus.Completed else "should complete"
// expect called wms.allocate times 1
// expect refused approve run.task by user("ann")
// expect learned IssueKind times 1
expectStmt
    : KW_EXPECT (KW_CALLED | KW_LEARNED) qualifiedName KW_TIMES expr
    | KW_EXPECT KW_REFUSED decideStmt
    | KW_EXPECT expr (KW_ELSE expr)?
    ;

// =======================================================================================
// Expressions, loosest first: if-then-else, ??, or, and, not, comparisons, + -, * / %,
// unary -, postfix. Binary levels are loops; the builder folds them (right for `??`,
// left otherwise) and rejects chained comparisons.

expr
    @init { enterNesting(); }
    : { checkNesting(); }
    ( KW_IF expr NEWLINE* KW_THEN NEWLINE* expr NEWLINE* KW_ELSE NEWLINE* expr
    | coalesceExpr
    )
    ;
    finally { exitNesting(); }

coalesceExpr
    : orExpr (QQ NEWLINE* orExpr)*
    ;

orExpr
    : andExpr (KW_OR NEWLINE* andExpr)*
    ;

andExpr
    : notExpr (KW_AND NEWLINE* notExpr)*
    ;

notExpr
    : KW_NOT* cmpExpr
    ;

cmpExpr
    : addExpr (cmpOp NEWLINE* addExpr)*
    ;

cmpOp
    : EQ | NE | LT | LE | GT | GE | KW_IN
    ;

addExpr
    : mulExpr ((PLUS | MINUS) NEWLINE* mulExpr)*
    ;

mulExpr
    : unaryExpr ((STAR | SLASH | PERCENT) NEWLINE* unaryExpr)*
    ;

unaryExpr
    : MINUS* postfixExpr
    ;

postfixExpr
    : primary postfixOp*
    ;

postfixOp
    : DOT memberName
    | QDOT memberName
    | LBRACK expr RBRACK
    | argList callOptions?
    ;

argList
    : LPAREN (expr (COMMA expr)* COMMA?)? RPAREN
    ;

// wms.availability(sku) retry 3 every 2s backoff 2.0 timeout 10s
callOptions
    : retryOption timeoutOption?
    | timeoutOption
    ;

retryOption
    : KW_RETRY unaryExpr (KW_EVERY unaryExpr (KW_BACKOFF unaryExpr)?)?
    ;

timeoutOption
    : KW_TIMEOUT unaryExpr
    ;

primary
    : literal
    | stringLit
    | LPAREN expr RPAREN
    | listLiteral
    | mapLiteral
    | recordLiteral
    | approvalExpr
    | taskExpr
    | awaitExpr
    | startExpr
    | classifyExpr
    | name
    ;

literal
    : INT
    | DECIMAL
    | MONEY
    | DURATION
    | BAD_NUMBER
    | BAD_MONEY
    | SINGLE_QUOTED
    | KW_TRUE
    | KW_FALSE
    | KW_NONE
    ;

// "SKU {r.sku} short by {need}" — interpolations may hold any expression, strings too.
// A string cut short by a line break ends in STR_UNTERMINATED (the lexer has closed
// whatever was open inside it).
stringLit
    : STR_OPEN stringPart* (STR_CLOSE | STR_UNTERMINATED)
    ;

stringPart
    : STR_TEXT
    | STR_ESCAPE
    | STR_BAD_ESCAPE
    | INTERP_OPEN expr? RBRACE
    ;

listLiteral
    : LBRACK (expr (COMMA expr)* COMMA?)? RBRACK
    ;

// map{"a": 1}, map<int>{}
mapLiteral
    : KW_MAP (LT type GT)? (LBRACE | HEAD_LBRACE) (NEWLINE | COMMA)*
      (mapEntry ((NEWLINE | COMMA)+ mapEntry)*)? (NEWLINE | COMMA)* RBRACE
    ;

mapEntry
    : expr COLON NEWLINE* expr
    ;

// Store { id: "S1", region: "north" }
recordLiteral
    : qualifiedName LBRACE fieldInits RBRACE
    ;

// The bare `{ k: v }` after `data` and `with`.
recordBody
    : LBRACE fieldInits RBRACE
    ;

fieldInits
    : (NEWLINE | COMMA)* (fieldInit ((NEWLINE | COMMA)+ fieldInit)*)? (NEWLINE | COMMA)*
    ;

fieldInit
    : {fieldNameFits()}? memberName COLON NEWLINE* expr
    ;

// approval "Replenish {r.sku}" { assign Planner; due 4h; escalate after 2h to Manager }
approvalExpr
    : KW_APPROVAL stringLit clauseBlock
    ;

taskExpr
    : KW_TASK stringLit clauseBlock
    ;

clauseBlock
    : LBRACE sep* (clause (sep+ clause)*)? sep* RBRACE
    ;

clause
    : KW_ASSIGN expr
    | KW_REQUESTED_BY expr
    | KW_AMOUNT expr
    | KW_APPROVERS expr
    | KW_DUE expr
    | KW_ESCALATE KW_AFTER expr KW_TO expr
    | KW_DATA recordBody
    | KW_FORM LBRACE fieldList RBRACE
    | KW_STAGE expr
    | IDENT (~(NEWLINE | SEMI | LBRACE | RBRACE))*  // an unknown clause, up to its end
    ;

// await PriceCorrection timeout 2d
awaitExpr
    : KW_AWAIT qualifiedName (KW_TIMEOUT unaryExpr inCalendar?)?
    ;

// start Child(args) / spawn Child(args)
startExpr
    : (KW_START | KW_SPAWN) qualifiedName argList
    ;

// classify IssueKind(issue.text)
classifyExpr
    : KW_CLASSIFY qualifiedName argList
    ;

// =======================================================================================
// Names

qualifiedName
    : name (DOT memberName)*
    ;

name
    : IDENT
    | KW_EVENT | KW_SCHEDULE | KW_ASSIGN | KW_REQUESTED_BY | KW_AMOUNT | KW_APPROVERS | KW_DUE
    | KW_ESCALATE | KW_AFTER | KW_TO | KW_DATA | KW_FORM | KW_OWNER | KW_KEY | KW_SLA
    | KW_BREACH | KW_RETRY | KW_EVERY | KW_BACKOFF | KW_TIMEOUT | KW_UNTIL | KW_NOTIFY
    | KW_NOTE | KW_MOCK | KW_ADVANCE | KW_EXPECT | KW_APPROVE | KW_REJECT | KW_COMPLETE
    | KW_BY | KW_WITH | KW_COMMENT | KW_SEND | KW_FAILS | KW_CALLED | KW_TIMES | KW_REFUSED
    | KW_CLASSIFIER | KW_CLASSIFY | KW_LEARN | KW_LEARNED | KW_THRESHOLD | KW_CONFIDENCE
    | KW_TRACK | KW_MEASURE | KW_STAGE | KW_CALENDAR
    ;

memberName
    : name
    | reservedWord
    ;

reservedWord
    : KW_MODULE | KW_IMPORT | KW_AS | KW_RECORD | KW_ENUM | KW_CONST | KW_ROLE | KW_SIGNAL
    | KW_CONNECTOR | KW_FN | KW_DECISION | KW_POLICY | KW_WORKFLOW | KW_ON | KW_START
    | KW_SPAWN | KW_TEST | KW_LET | KW_VAR | KW_IF | KW_THEN | KW_ELSE | KW_MATCH | KW_FOR
    | KW_IN | KW_WHILE | KW_RETURN | KW_FAIL | KW_TRY | KW_CATCH | KW_PARALLEL | KW_AWAIT
    | KW_SLEEP | KW_APPROVAL | KW_TASK | KW_WHEN | KW_REQUIRE | KW_AND | KW_OR | KW_NOT
    | KW_TRUE | KW_FALSE | KW_NONE | KW_LIST | KW_MAP
    ;
