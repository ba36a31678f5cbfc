// The rflow lexer (language.md §2).
//
// The rules below are context free. Everything that depends on context lives in
// RFlowLexerBase::nextToken (lexer_base.cpp), which post-processes this token stream:
//   - NEWLINE runs collapse to one token; NEWLINEs vanish inside ( and [ and count again
//     inside {; a statement or declaration keyword at the start of a line closes any
//     ( or [ left open on earlier lines, so one missing `)` cannot swallow a file;
//   - strings switch to mode STR and interpolations back to DEFAULT_MODE, tracked on a
//     bracket stack (no mode commands appear here);
//   - the `{` that ends the head of `if`, `while`, `for`, `match` or `when` becomes
//     HEAD_LBRACE, so `Name {` there is a block, never a record literal;
//   - lexical mistakes (a stray character, an unclosed string or comment) are recorded as
//     problems for the diagnostics engine instead of being printed.
lexer grammar RFlowLexer;

options { superClass = RFlowLexerBase; }

channels { COMMENTS }

// Produced only by RFlowLexerBase::nextToken.
tokens { HEAD_LBRACE, STR_UNTERMINATED }

@lexer::header {
#include "lexer_base.h"
}

@lexer::members {
 protected:
  const rflow::grammar::LexerTokenTypes& tokenTypes() const override {
    static const rflow::grammar::LexerTokenTypes kTypes = [] {
      rflow::grammar::LexerTokenTypes t;
      t.newline = NEWLINE; t.semi = SEMI; t.comma = COMMA;
      t.lparen = LPAREN; t.rparen = RPAREN; t.lbrack = LBRACK; t.rbrack = RBRACK;
      t.lbrace = LBRACE; t.rbrace = RBRACE; t.head_lbrace = HEAD_LBRACE;
      t.str_open = STR_OPEN; t.str_close = STR_CLOSE; t.interp_open = INTERP_OPEN;
      t.str_newline = STR_NEWLINE; t.str_unterminated = STR_UNTERMINATED;
      t.block_comment = BLOCK_COMMENT; t.unterminated_comment = UNTERMINATED_COMMENT;
      t.error_char = ERROR_CHAR; t.str_mode = STR;
      t.kw_if = KW_IF; t.kw_while = KW_WHILE; t.kw_for = KW_FOR; t.kw_match = KW_MATCH;
      t.kw_when = KW_WHEN; t.kw_then = KW_THEN; t.fat_arrow = FAT_ARROW;
      t.line_start_keywords = {
          KW_MODULE, KW_IMPORT, KW_RECORD, KW_ENUM, KW_CONST, KW_ROLE, KW_SIGNAL,
          KW_CONNECTOR, KW_FN, KW_DECISION, KW_POLICY, KW_WORKFLOW, KW_TEST, KW_ON,
          KW_LET, KW_VAR, KW_RETURN, KW_FAIL, KW_FOR, KW_WHILE, KW_MATCH, KW_TRY,
          KW_PARALLEL, KW_SLEEP};
      t.continuation_tokens = {
          PLUS, MINUS, STAR, SLASH, PERCENT, EQ, NE, LT, LE, GT, GE, KW_IN, KW_AND, KW_OR,
          KW_NOT, QQ, COMMA, ASSIGN, FAT_ARROW, ARROW, KW_THEN, KW_ELSE, LBRACE};
      return t;
    }();
    return kTypes;
  }
 public:
}

// ---------------------------------------------------------------------------------------
// Reserved words: never identifiers, except after `.` and in module names.
KW_MODULE: 'module';
KW_IMPORT: 'import';
KW_AS: 'as';
KW_RECORD: 'record';
KW_ENUM: 'enum';
KW_CONST: 'const';
KW_ROLE: 'role';
KW_SIGNAL: 'signal';
KW_CONNECTOR: 'connector';
KW_FN: 'fn';
KW_DECISION: 'decision';
KW_POLICY: 'policy';
KW_WORKFLOW: 'workflow';
KW_ON: 'on';
KW_START: 'start';
KW_SPAWN: 'spawn';
KW_TEST: 'test';
KW_LET: 'let';
KW_VAR: 'var';
KW_IF: 'if';
KW_THEN: 'then';
KW_ELSE: 'else';
KW_MATCH: 'match';
KW_FOR: 'for';
KW_IN: 'in';
KW_WHILE: 'while';
KW_RETURN: 'return';
KW_FAIL: 'fail';
KW_TRY: 'try';
KW_CATCH: 'catch';
KW_PARALLEL: 'parallel';
KW_AWAIT: 'await';
KW_SLEEP: 'sleep';
KW_APPROVAL: 'approval';
KW_TASK: 'task';
KW_WHEN: 'when';
KW_REQUIRE: 'require';
KW_AND: 'and';
KW_OR: 'or';
KW_NOT: 'not';
KW_TRUE: 'true';
KW_FALSE: 'false';
KW_NONE: 'none';
KW_LIST: 'list';
KW_MAP: 'map';

// ---------------------------------------------------------------------------------------
// Contextual keywords: keywords where a clause or test statement expects them, names
// everywhere else (the parser's `name` rule accepts all of them).
KW_EVENT: 'event';
KW_SCHEDULE: 'schedule';
KW_ASSIGN: 'assign';
KW_REQUESTED_BY: 'requested_by';
KW_AMOUNT: 'amount';
KW_APPROVERS: 'approvers';
KW_DUE: 'due';
KW_ESCALATE: 'escalate';
KW_AFTER: 'after';
KW_TO: 'to';
KW_DATA: 'data';
KW_FORM: 'form';
KW_OWNER: 'owner';
KW_KEY: 'key';
KW_SLA: 'sla';
KW_BREACH: 'breach';
KW_RETRY: 'retry';
KW_EVERY: 'every';
KW_BACKOFF: 'backoff';
KW_TIMEOUT: 'timeout';
KW_UNTIL: 'until';
KW_NOTIFY: 'notify';
KW_NOTE: 'note';
KW_MOCK: 'mock';
KW_ADVANCE: 'advance';
KW_EXPECT: 'expect';
KW_APPROVE: 'approve';
KW_REJECT: 'reject';
KW_COMPLETE: 'complete';
KW_BY: 'by';
KW_WITH: 'with';
KW_COMMENT: 'comment';
KW_SEND: 'send';
KW_FAILS: 'fails';
KW_CALLED: 'called';
KW_TIMES: 'times';
KW_REFUSED: 'refused';
KW_CLASSIFIER: 'classifier';
KW_CLASSIFY: 'classify';
KW_LEARN: 'learn';
KW_LEARNED: 'learned';
KW_THRESHOLD: 'threshold';
KW_CONFIDENCE: 'confidence';
KW_TRACK: 'track';
KW_MEASURE: 'measure';
KW_STAGE: 'stage';
KW_CALENDAR: 'calendar';
// The last contextual keyword: compiler/parse treats KW_EVENT..KW_CALENDAR as one range.

// ---------------------------------------------------------------------------------------
// Literals. Longest match decides between them; on equal length the earlier rule wins.

// `1_000.00 USD`: one token; a sign is never part of it. The predicate keeps `10 USDX`
// from lexing as money (it becomes BAD_MONEY instead).
MONEY: (DECIMAL_BODY | INT_BODY) [ \t]+ [A-Z] [A-Z] [A-Z] {!isIdentChar(_input->LA(1))}?;

// `500ms` beats `500m` by length; the predicate makes `3days` a BAD_NUMBER.
DURATION: INT_BODY ('ms' | [smhdw]) {!isIdentChar(_input->LA(1))}?;

DECIMAL: DECIMAL_BODY;
INT: INT_BODY;

// Mistakes that get their own explanation from the syntax tree builder: a number glued
// to a word (`3days`, `1.5h`, `10USD`) and an amount followed by something that is not a
// currency code (`10 USDX`, `10 Usd`). A number followed by a capitalized word on the
// same line is never valid rflow, so the second rule cannot hide a correct program.
BAD_NUMBER: (DECIMAL_BODY | INT_BODY) [A-Za-z_] [A-Za-z0-9_]*;
BAD_MONEY: (DECIMAL_BODY | INT_BODY) [ \t]+ [A-Z] [A-Za-z0-9_]*;

fragment INT_BODY: [0-9] ('_'? [0-9])*;
fragment DECIMAL_BODY: INT_BODY '.' INT_BODY;

STR_OPEN: '"';

// 'text': a string in another language's quotes, lexed only to explain the fix.
SINGLE_QUOTED: '\'' ~['\r\n]* '\'';

IDENT: [A-Za-z_] [A-Za-z0-9_]*;

// ---------------------------------------------------------------------------------------
// Punctuation. There is deliberately no `>>` token, so `list<list<int>>` lexes.
LPAREN: '(';
RPAREN: ')';
LBRACK: '[';
RBRACK: ']';
LBRACE: '{';
RBRACE: '}';
COMMA: ',';
SEMI: ';';
COLON: ':';
QDOT: '?.';
QQ: '??';
QUESTION: '?';
DOT: '.';
ARROW: '->';
FAT_ARROW: '=>';
EQ: '==';
NE: '!=';
LE: '<=';
GE: '>=';
LT: '<';
GT: '>';
ASSIGN: '=';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';
PERCENT: '%';

// Operators from other languages, lexed only so that the error can name the rflow
// spelling (`and`, `or`, `not`, `x = x + 1`).
AMP_AMP: '&&';
PIPE_PIPE: '||';
BANG: '!';
COMPOUND_ASSIGN: [+\-*/%] '=';

// ---------------------------------------------------------------------------------------
// Layout and comments.
NEWLINE: '\r'? '\n';
WS: [ \t\r\f]+ -> skip;

// `///` starts a doc comment, `////` does not (it is a plain comment).
DOC_COMMENT: '///' (~[/\r\n] ~[\r\n]*)? -> channel(COMMENTS);
LINE_COMMENT: '//' ~[\r\n]* -> channel(COMMENTS);
BLOCK_COMMENT: '/*' .*? '*/' -> channel(COMMENTS);
// A `/*` that is never closed: its body cannot contain `*/`, so it never outlengths a
// closed comment.
UNTERMINATED_COMMENT: '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(COMMENTS);

// Anything else is recorded as a problem by RFlowLexerBase and dropped.
ERROR_CHAR: .;

// ---------------------------------------------------------------------------------------
// Inside a string literal. `{` opens an interpolation (back to DEFAULT_MODE until its
// `}`); a line break ends the string with an error.
mode STR;

STR_TEXT: ~["\\{\r\n]+;
STR_ESCAPE: '\\' [nt\\"{];
STR_BAD_ESCAPE: '\\' ~[\r\n]?;
INTERP_OPEN: '{';
STR_CLOSE: '"';
STR_NEWLINE: '\r'? '\n' | '\r';
