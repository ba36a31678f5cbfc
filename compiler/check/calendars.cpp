// Business calendars (intelligence.md §3): the `calendar` declaration — its zone, open
// spans and closed dates, made into a calendar::Calendar — and `d in C` after a waiting
// duration.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "calendar/zones.h"
#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

constexpr std::array<std::string_view, 7> kDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// A span already open on one weekday, to find overlaps.
struct Taken {
  int start = 0, end = 0;
  std::string text;
  Location where;
};

}  // namespace

void Checker::resolveCalendar(uint32_t index) {
  CalendarInfo& c = program_.calendars[index];
  const auto* decl = c.header.decl->as<syntax::CalendarDecl>();
  module_ = c.header.module;
  file_ = program_.modules[module_].file;
  c.value.name = c.header.short_name;
  if (c.header.decl->has_syntax_error) return;
  bool ok = !decl->malformed;
  if (decl->zone) {
    if (calendar::zoneKnown(*decl->zone)) {
      c.value.zone = *decl->zone == "UTC" ? "" : *decl->zone;
    } else {
      const std::string closest = calendar::closestZone(*decl->zone);
      emitter_.build(at(decl->zone_span), diag::UnknownTimeZone, *decl->zone, closest)
          .note(std::nullopt,
                "a zone is an IANA time-zone name such as \"Europe/Berlin\" or "
                "\"America/New_York\"; without `zone` a calendar keeps UTC")
          .fix(fmt::format("replace it with \"{}\"", closest),
               {{at(decl->zone_span), fmt::format("\"{}\"", closest)}})
          .emit();
      ok = false;
    }
  }
  std::array<std::vector<Taken>, 7> taken;
  for (const syntax::CalendarOpen& open : decl->open) {
    for (const syntax::CalendarOpenSpan& span : open.spans) {
      const std::string text = syntax::spelling(span);
      if (span.end <= span.start) {
        emitter_.emit(at(span.span), diag::CalendarSpanBackwards, text);
        ok = false;
        continue;
      }
      bool overlaps = false;
      for (int day = 0; day < 7 && !overlaps; ++day) {
        if ((open.weekdays & (1u << day)) == 0) continue;
        for (const Taken& other : taken[day]) {
          if (span.start < other.end && other.start < span.end) {
            emitter_.emit(at(span.span), diag::CalendarSpansOverlap, text, kDayNames[day],
                          other.text, lineOf(other.where));
            overlaps = true;
            ok = false;
            break;
          }
        }
      }
      if (overlaps) continue;
      for (int day = 0; day < 7; ++day) {
        if ((open.weekdays & (1u << day)) == 0) continue;
        taken[day].push_back({span.start, span.end, text, at(span.span)});
        c.value.open.push_back({day + 1, span.start, span.end});
      }
    }
  }
  if (c.value.open.empty() && ok) {
    emitter_.emit(c.header.location, diag::CalendarNeverOpen, c.header.short_name);
    ok = false;
  }
  std::sort(c.value.open.begin(), c.value.open.end());
  for (const syntax::CalendarClosed& closed : decl->closed)
    c.value.closed.push_back(closed.day);
  std::sort(c.value.closed.begin(), c.value.closed.end());
  c.value.closed.erase(std::unique(c.value.closed.begin(), c.value.closed.end()),
                       c.value.closed.end());
  c.valid = ok;
}

std::optional<uint32_t> Checker::findCalendar(const syntax::Path& path) {
  if (path.empty()) return std::nullopt;
  const std::string name = joinPath(path);
  const source::Span span = path.front().span.to(path.back().span);
  const auto found = lookupPath(path, module_);
  if (found && found->second == path.size() && found->first.kind == SymbolKind::kCalendar)
    return found->first.index;
  std::vector<std::string_view> calendars;
  for (const CalendarInfo& c : program_.calendars)
    calendars.push_back(c.header.short_name);
  auto d = emitter_.build(at(span), diag::UnknownCalendar, name);
  if (found && found->second == path.size()) {
    d.note(std::nullopt,
           fmt::format("`{}` is {}; `in` takes a `calendar`", name, describe(found->first)));
  } else if (calendars.empty()) {
    d.note(std::nullopt,
           "declare one, like `calendar StoreHours { zone \"Europe/Berlin\"; open mon-sat "
           "09:00-20:00 }`");
  } else {
    suggestClosest(d, name, calendars, at(span));
  }
  d.emit();
  return std::nullopt;
}

TypeId Checker::checkInCalendar(const syntax::Expr& expr, const syntax::InCalendarExpr& in,
                                Scope& scope) {
  TypeTable& t = types();
  if (in.duration) checkExprAs(*in.duration, scope, t.durationType(), "a `duration`");
  const auto index = findCalendar(in.calendar);
  if (!index) return t.error();
  fact(expr).a = *index;
  return t.durationType();
}

}  // namespace rflow::check
