// The `calendar` declaration (intelligence.md §3). Its lines are read from their source
// text rather than from tokens: `08:00`, `mon-fri` and `2026-12-24` are not tokens of the
// language, and a line is short, so a small reader here is simpler than teaching the lexer
// a mode. The grammar guarantees each clause is a word and whatever follows it up to the
// end of its line (or `;`); a malformed line is reported here and left out of the tree.
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <optional>

#include "base/suggest.h"
#include "base/time_text.h"
#include "parse/tree_builder.h"

namespace rflow::parse {

namespace diag = diagnostics::diag;
using namespace rflow::syntax;

namespace {

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 3> kClauses = {"zone", "open", "closed"};

// One piece of a calendar line.
struct Piece {
  enum class Kind { kEnd, kWord, kClock, kDate, kString, kDash, kComma, kOther } kind;
  std::string_view text;
  uint32_t begin = 0;  // file offset
};

// Splits a line's text (which starts at file offset `base`) into pieces.
class LineReader {
 public:
  LineReader(std::string_view text, uint32_t base) : text_(text), base_(base) {}

  Piece next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
    const size_t start = pos_;
    const auto piece = [&](Piece::Kind kind) {
      return Piece{kind, text_.substr(start, pos_ - start), base_ + static_cast<uint32_t>(start)};
    };
    if (pos_ >= text_.size()) return piece(Piece::Kind::kEnd);
    const char c = text_[pos_];
    if (c == '-' || c == ',') {
      ++pos_;
      return piece(c == '-' ? Piece::Kind::kDash : Piece::Kind::kComma);
    }
    if (c == '"') {
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n')
        ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '"') ++pos_;
      return piece(Piece::Kind::kString);
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      while (pos_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[pos_])))
        ++pos_;
      return piece(Piece::Kind::kWord);
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      // A clock time `08:00` or a date `2026-12-24`: digits with `:` or with `-` between
      // digit groups (a `-` after a clock time starts the span's end, so it is not taken).
      bool colon = false, dash = false;
      while (pos_ < text_.size()) {
        const char d = text_[pos_];
        if (std::isdigit(static_cast<unsigned char>(d))) {
          ++pos_;
        } else if (d == ':' && !dash) {
          colon = true;
          ++pos_;
        } else if (d == '-' && !colon && pos_ + 1 < text_.size() &&
                   std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])) && pos_ - start >= 4) {
          dash = true;
          ++pos_;
        } else {
          break;
        }
      }
      return piece(dash ? Piece::Kind::kDate : Piece::Kind::kClock);
    }
    ++pos_;
    return piece(Piece::Kind::kOther);
  }

 private:
  std::string_view text_;
  uint32_t base_;
  size_t pos_ = 0;
};

std::string found(const Piece& p) {
  return p.kind == Piece::Kind::kEnd ? std::string("the end of the line")
                                     : fmt::format("`{}`", p.text);
}

source::Span spanOf(const Piece& p) {
  return {p.begin, p.begin + static_cast<uint32_t>(std::max<size_t>(p.text.size(), 1))};
}

std::optional<int> dayIndex(std::string_view word) {
  for (size_t i = 0; i < kDays.size(); ++i) {
    if (kDays[i] == word) return static_cast<int>(i);
  }
  return std::nullopt;
}

// `08:00` -> minutes; `24:00` is the end of the day.
std::optional<int> clockMinutes(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3)
    return std::nullopt;
  int hours = 0, minutes = 0;
  for (char c : text.substr(0, colon)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hours = hours * 10 + (c - '0');
  }
  for (char c : text.substr(colon + 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    minutes = minutes * 10 + (c - '0');
  }
  if (minutes > 59 || hours * 60 + minutes > 24 * 60) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<int64_t> dateDays(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::string_view pieces[3] = {text.substr(0, 4), text.substr(5, 2), text.substr(8, 2)};
  for (int i = 0; i < 3; ++i) {
    for (char c : pieces[i]) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31) return std::nullopt;
  const int64_t days = base::daysFromCivil(parts[0], parts[1], parts[2]);
  const base::CivilDate back = base::civilFromDays(days);
  if (back.month != parts[1] || back.day != parts[2]) return std::nullopt;
  return days;
}

}  // namespace

syntax::CalendarDecl TreeBuilder::calendar(P::CalendarDeclContext* ctx) {
  CalendarDecl cal;
  std::optional<uint32_t> zone_line;
  for (P::CalendarClauseContext* clause : ctx->calendarClause()) {
    const source::Span keyword = session_.span(clause->getStart());
    const source::Span whole = span(clause);
    const std::string word = text(keyword);
    LineReader reader(session_.file().text({keyword.end, whole.end}), keyword.end);
    Piece p = reader.next();
    // Reports the line as malformed at `at` and leaves it out.
    const auto malformed = [&](std::string_view expected, const Piece& at) {
      session_.error(spanOf(at), diag::CalendarLineMalformed, expected, word, found(at)).emit();
      cal.malformed = true;
    };
    if (word == "zone") {
      if (zone_line) {
        session_.error(keyword, diag::DuplicateClause, "a calendar", "zone", *zone_line).emit();
        cal.malformed = true;
        continue;
      }
      const bool quoted =
          p.kind == Piece::Kind::kString && p.text.size() >= 2 && p.text.back() == '"';
      const Piece after = quoted ? reader.next() : p;
      if (!quoted || p.text.find_first_of("{}\\") != std::string_view::npos ||
          after.kind != Piece::Kind::kEnd) {
        malformed("the zone's name in quotes, like `\"Europe/Berlin\"`,", quoted ? after : p);
        continue;
      }
      zone_line = session_.file().line(keyword.begin);
      cal.zone = std::string(p.text.substr(1, p.text.size() - 2));
      cal.zone_span = spanOf(p);
    } else if (word == "open") {
      CalendarOpen open;
      open.span = whole;
      bool ok = true;
      // Days: `mon`, `mon-fri`, `sat,sun`; a range may wrap (`fri-mon`).
      for (;;) {
        const auto first = p.kind == Piece::Kind::kWord ? dayIndex(p.text) : std::nullopt;
        if (!first) {
          malformed("a day such as `mon`, a range such as `mon-fri` or a list such as `sat,sun`",
                    p);
          ok = false;
          break;
        }
        std::string days(p.text);
        int last = *first;
        p = reader.next();
        if (p.kind == Piece::Kind::kDash) {
          p = reader.next();
          const auto to = p.kind == Piece::Kind::kWord ? dayIndex(p.text) : std::nullopt;
          if (!to) {
            malformed("the last day of the range, like `fri`,", p);
            ok = false;
            break;
          }
          days += "-" + std::string(p.text);
          last = *to;
          p = reader.next();
        }
        for (int d = *first;; d = (d + 1) % 7) {
          open.weekdays = static_cast<uint8_t>(open.weekdays | (1u << d));
          if (d == last) break;
        }
        open.days.push_back(std::move(days));
        if (p.kind != Piece::Kind::kComma) break;
        p = reader.next();
      }
      if (!ok) continue;
      // Spans: `08:00-12:00, 13:00-18:00`.
      for (;;) {
        const Piece from = p;
        if (from.kind != Piece::Kind::kClock) {
          malformed("a span of opening hours, like `08:00-20:00`,", from);
          ok = false;
          break;
        }
        const Piece dash = reader.next();
        const Piece to = dash.kind == Piece::Kind::kDash ? reader.next() : dash;
        if (dash.kind != Piece::Kind::kDash || to.kind != Piece::Kind::kClock) {
          malformed("a span of opening hours, like `08:00-20:00`,", to);
          ok = false;
          break;
        }
        const auto start = clockMinutes(from.text), end = clockMinutes(to.text);
        if (!start || !end) {
          const Piece& bad = start ? to : from;
          session_.error(spanOf(bad), diag::CalendarClockInvalid, bad.text).emit();
          cal.malformed = true;
          ok = false;
          break;
        }
        open.spans.push_back(
            {*start, *end, {from.begin, to.begin + static_cast<uint32_t>(to.text.size())}});
        p = reader.next();
        if (p.kind != Piece::Kind::kComma) break;
        p = reader.next();
      }
      if (!ok) continue;
      if (p.kind != Piece::Kind::kEnd) {
        malformed("the end of the line or `,` and another span", p);
        continue;
      }
      cal.open.push_back(std::move(open));
    } else if (word == "closed") {
      std::vector<CalendarClosed> dates;
      bool ok = true;
      for (;;) {
        if (p.kind != Piece::Kind::kDate && p.kind != Piece::Kind::kClock) {
          malformed("a date, like `2026-12-24`,", p);
          ok = false;
          break;
        }
        const auto days = dateDays(p.text);
        if (!days) {
          session_.error(spanOf(p), diag::CalendarDateInvalid, p.text).emit();
          cal.malformed = true;
          ok = false;
          break;
        }
        dates.push_back({*days, spanOf(p)});
        p = reader.next();
        if (p.kind != Piece::Kind::kComma) break;
        p = reader.next();
      }
      if (!ok) continue;
      if (p.kind != Piece::Kind::kEnd) {
        malformed("the end of the line or `,` and another date", p);
        continue;
      }
      for (CalendarClosed& d : dates)
        cal.closed.push_back(d);
    } else {
      auto d = session_.error(keyword, diag::UnknownClause, word, "a calendar");
      d.note(std::nullopt, "a calendar takes `zone`, `open` and `closed` lines");
      if (auto suggestion = base::closestMatch(word, kClauses)) {
        d.fix(fmt::format("replace `{}` with `{}`", word, *suggestion),
              {{session_.location(keyword), *suggestion}});
      }
      d.emit();
      cal.malformed = true;
    }
  }
  return cal;
}

}  // namespace rflow::parse
