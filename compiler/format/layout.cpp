// The layout engine: decides the space between each pair of tokens (format.h lists the
// rules). Works line by line: a line's indentation comes from the brackets open at its
// start and whether the previous line ended mid-expression.
#include "format/layout.h"

#include <algorithm>
#include <array>

namespace rflow::format {

using parse::Token;
using parse::TokenClass;

namespace {

constexpr std::string_view kIndent = "  ";

bool isComment(const Token& t) {
  return t.cls == TokenClass::kComment || t.cls == TokenClass::kDocComment;
}
bool isOpener(std::string_view s) {
  return s == "(" || s == "[" || s == "{";
}
bool isCloser(std::string_view s) {
  return s == ")" || s == "]" || s == "}";
}

// Tokens after which a line break continues the construct on the next line (the
// lexer's continuation tokens, less the brackets and `,`, which indent by nesting).
bool continuesLine(std::string_view s) {
  static constexpr std::array<std::string_view, 21> kTokens = {
      "+",  "-",   "*",  "/",   "%",  "==", "!=", "<",  ">",    "<=",  ">=",
      "in", "and", "or", "not", "??", "=",  "=>", "->", "then", "else"};
  return std::find(kTokens.begin(), kTokens.end(), s) != kTokens.end();
}

// Whether a token ends an operand, so that a following `-` is binary and a following
// `(` or `[` is a call or an index.
bool endsOperand(const Token& t, std::string_view s) {
  switch (t.cls) {
    case TokenClass::kIdent:
    case TokenClass::kNumber:
    case TokenClass::kString:
    case TokenClass::kContextual:
      return true;
    case TokenClass::kKeyword:
      return s == "true" || s == "false" || s == "none";
    default:
      return s == ")" || s == "]" || s == "}";
  }
}

// Per-token facts the spacing rules need from the tokens before it.
struct Role {
  bool generic_open = false;   // `<` of list<…>, map<…>, Run<…>
  bool generic_close = false;  // its `>`
  bool map_literal = false;    // `{` or `}` of a map literal: `map{"a": 1}`, `map<int>{}`
  bool unary = false;          // a prefix `-`
  bool tight = false;          // `-` or `:` in a calendar's `open`/`closed` line: `08:00-20:00`
};

std::vector<Role> roles(std::string_view text, const std::vector<Token>& tokens,
                        const std::vector<bool>& starts_line) {
  std::vector<Role> out(tokens.size());
  int generic_depth = 0;
  // Whether the generic that closes last began a map literal (`map<int>{…}` in an
  // expression, not `-> map<int> {` before a body); one entry per open generic.
  std::vector<bool> generic_literal;
  std::vector<bool> braces;  // per open `{`: a map literal's
  const Token* prev = nullptr;
  std::string_view prev_text;
  std::string_view prev_prev_text;
  bool after_map_literal_head = false;  // `map` or its closing `>` just before
  // A `calendar Name {` block: the number of open braces inside it (0: not in one), and
  // the first word of the current clause.
  bool calendar_head = false;
  size_t calendar_braces = 0;
  std::string_view line_first;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (isComment(t)) continue;
    const std::string_view s = text.substr(t.span.begin, t.span.size());
    // A clause starts a line or follows `;` (`open sat 09:00-18:00; closed 2026-12-24`).
    if (starts_line[i] || prev == nullptr || prev_text == ";") line_first = s;
    if (s == "calendar" && line_first == s && calendar_braces == 0) calendar_head = true;
    if (calendar_braces > 0 && (s == "-" || s == ":") &&
        (line_first == "open" || line_first == "closed"))
      out[i].tight = true;
    // `map{` is always a literal; `map<T>{` too, except where a result type ends and a
    // body begins (`-> map<int> {`). In other types no `{` follows the `>`.
    const bool map_in_expression =
        prev_text == "map" && prev_prev_text != "->" && prev_prev_text != "<";
    bool next_after_map_literal_head = false;
    if (s == "<" && (prev_text == "list" || prev_text == "map" || prev_text == "Run")) {
      out[i].generic_open = true;
      ++generic_depth;
      generic_literal.push_back(map_in_expression);
    } else if (s == ">" && generic_depth > 0) {
      out[i].generic_close = true;
      --generic_depth;
      if (!generic_literal.empty()) {
        next_after_map_literal_head = generic_literal.back();
        generic_literal.pop_back();
      }
    } else if (s == "{") {
      out[i].map_literal = map_in_expression || after_map_literal_head;
      braces.push_back(out[i].map_literal);
      if (calendar_braces > 0 || calendar_head) ++calendar_braces;
      calendar_head = false;
    } else if (s == "}") {
      if (calendar_braces > 0) --calendar_braces;
      if (!braces.empty()) {
        out[i].map_literal = braces.back();
        braces.pop_back();
      }
    } else if (s == "-" && !out[i].tight) {
      // A contextual keyword that starts a line is a clause keyword (`amount -x`).
      const bool prev_is_clause = prev != nullptr && prev->cls == TokenClass::kContextual &&
                                  starts_line[static_cast<size_t>(prev - tokens.data())];
      out[i].unary =
          prev == nullptr || !endsOperand(*prev, prev_text) || prev_is_clause || starts_line[i];
    }
    if (!isOpener(s) && !isCloser(s) && s != "," && s != "?" && s != "." &&
        t.cls != TokenClass::kIdent && t.cls != TokenClass::kKeyword &&
        t.cls != TokenClass::kContextual && !out[i].generic_open && !out[i].generic_close) {
      generic_depth = 0;  // anything else cannot be inside a type
      generic_literal.clear();
    }
    after_map_literal_head = next_after_map_literal_head;
    prev = &t;
    prev_prev_text = prev_text;
    prev_text = s;
  }
  return out;
}

// Whether one space separates `a` and `b` on the same line.
bool spaceBetween(const Token& a, std::string_view as, const Role& ar, const Token& b,
                  std::string_view bs, const Role& br) {
  if (isComment(a) || isComment(b)) return true;
  if (ar.tight || br.tight) return false;
  if (bs == ")" || bs == "]" || bs == "," || bs == ";" || bs == ":" || bs == "." || bs == "?.")
    return false;
  if (bs == "?") return as == "?";  // `T?`; never glue two `?` into `??`
  if (bs == "}") return as != "{" && !br.map_literal;
  if (as == "(" || as == "[" || as == "." || as == "?.") return false;
  if (as == "{" && ar.map_literal) return false;
  if (ar.unary) return bs == "-";  // `- -x` stays two tokens either way, but reads better
  if (ar.generic_open || br.generic_open || br.generic_close) return false;
  if (bs == "(" || bs == "[") {
    if (as == "approval" || as == "task") return false;  // `on approval(a)`
    return !endsOperand(a, as);
  }
  if (bs == "{") return !br.map_literal;
  return true;
}

}  // namespace

std::string_view tokenText(std::string_view text, const Token& token) {
  std::string_view s = text.substr(token.span.begin, token.span.size());
  if (isComment(token)) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
      s.remove_suffix(1);
  }
  return s;
}

namespace {

// One output line, with where its alignable parts start (byte offsets into `text`).
struct Line {
  std::string text;
  uint32_t indent = 0;
  size_t arrow = std::string::npos;    // the `=>` of a decision rule
  size_t comment = std::string::npos;  // a comment after code
};

size_t width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;  // code points, not bytes
  return n;
}

// Pads the marked parts of runs of consecutive lines (same indentation, no blank line
// between) so that they start in one column: one space after the longest.
void align(std::vector<Line>& lines, size_t Line::*part) {
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    while (j < lines.size() && lines[j].*part != std::string::npos &&
           lines[j].indent == lines[i].indent)
      ++j;
    if (j - i >= 2) {
      size_t column = 0;
      for (size_t k = i; k < j; ++k)
        column = std::max(column, width(std::string_view(lines[k].text).substr(0, lines[k].*part)));
      for (size_t k = i; k < j; ++k) {
        const size_t at = lines[k].*part;
        const size_t pad = column - width(std::string_view(lines[k].text).substr(0, at));
        lines[k].text.insert(at, pad, ' ');
        if (lines[k].comment != std::string::npos && lines[k].comment >= at)
          lines[k].comment += pad;
        if (lines[k].arrow != std::string::npos && lines[k].arrow >= at && part != &Line::arrow)
          lines[k].arrow += pad;
      }
    }
    i = j == i ? i + 1 : j;
  }
}

}  // namespace

std::string layoutTokens(std::string_view text, const std::vector<Token>& tokens) {
  std::string out;
  if (text.starts_with("\xEF\xBB\xBF")) out += "\xEF\xBB\xBF";
  if (tokens.empty()) return out;

  // Line breaks before each token, from the text between it and the previous one.
  std::vector<uint32_t> breaks(tokens.size(), 0);
  std::vector<bool> starts_line(tokens.size(), false);
  starts_line[0] = true;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string_view gap =
        text.substr(tokens[i - 1].span.end, tokens[i].span.begin - tokens[i - 1].span.end);
    breaks[i] = static_cast<uint32_t>(std::count(gap.begin(), gap.end(), '\n'));
    starts_line[i] = breaks[i] > 0;
  }
  const std::vector<Role> role = roles(text, tokens, starts_line);

  struct Open {
    uint32_t line_indent;  // the indentation of the line the bracket opened on
  };
  std::vector<Open> open;
  // The last non-comment token of the line so far, and of the line before: a line after
  // one ending in an operator continues it (a generic `>` is no operator).
  std::string_view last_code;
  std::string_view prev_line_last;
  std::string_view first_code;  // the line's first non-comment token
  size_t line_depth = 0;        // brackets open at the line's start
  // Lines that continue a `track a = x,` clause: the comma that ends its line separates
  // names of one clause (outside any bracket of its own), so the next name is indented
  // once like any continued line, not taken for a statement of its own.
  bool track_list = false;

  std::vector<Line> lines(1);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    const std::string_view s = tokenText(text, t);
    if (i > 0) {
      if (breaks[i] == 0) {
        const std::string_view ps = tokenText(text, tokens[i - 1]);
        if (spaceBetween(tokens[i - 1], ps, role[i - 1], t, s, role[i])) lines.back().text += ' ';
      } else {
        const std::string_view ps = tokenText(text, tokens[i - 1]);
        if (breaks[i] > 1 && !isOpener(ps) && !isCloser(s)) lines.emplace_back();  // one blank
        lines.emplace_back();
        if (!last_code.empty()) {
          track_list = last_code == "," && open.size() == line_depth &&
                       (track_list || first_code == "track");
          prev_line_last = last_code;
        }
        last_code = {};
        first_code = {};
        line_depth = open.size();
        const bool closes = isCloser(s) && !open.empty();
        uint32_t indent = open.empty() ? 0 : open.back().line_indent + (closes ? 0 : 1);
        if (!closes && (continuesLine(prev_line_last) || track_list) && !isComment(t)) ++indent;
        lines.back().indent = indent;
        for (uint32_t k = 0; k < indent; ++k)
          lines.back().text += kIndent;
      }
    }
    Line& line = lines.back();
    if (isComment(t)) {
      const bool trailing = !starts_line[i] && (i + 1 == tokens.size() || starts_line[i + 1]);
      if (trailing && !first_code.empty()) line.comment = line.text.size();
      line.text += s;
      continue;
    }
    if (s == "=>" && open.size() == line_depth && line.arrow == std::string::npos &&
        (first_code == "when" || first_code == "else"))
      line.arrow = line.text.size();
    line.text += s;
    if (first_code.empty()) first_code = s;
    last_code = role[i].generic_close ? std::string_view(")") : s;
    if (isOpener(s)) {
      open.push_back({line.indent});
    } else if (isCloser(s) && !open.empty()) {
      open.pop_back();
    }
  }

  // Decision tables read as tables; comments at the ends of neighbouring lines line up.
  align(lines, &Line::arrow);
  align(lines, &Line::comment);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i].text;
    out += '\n';
  }
  return out;
}

}  // namespace rflow::format
