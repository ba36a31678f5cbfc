// The business-calendar natives (intelligence.md §3): business_add, business_between and
// is_open. A Calendar value is the string of calendar::encode (codegen writes it as a
// constant), so the natives stay pure and know nothing of the module. A string that does
// not decode is a runtime error rather than a corrupt module: a `Calendar` parameter or
// field can also come from outside (a workflow's input, a signal) as text.
#include "calendar/business_time.h"
#include "calendar/calendar.h"
#include "vm/natives_impl.h"

namespace rflow::vm::natives {
namespace {

std::optional<calendar::Calendar> calendarOf(const Value& v) {
  if (v.tag() != Tag::kString) return std::nullopt;
  return calendar::decode(v.asString());
}

Status corrupt(std::string_view native) {
  return failure(native, "the calendar argument is not a calendar's text form");
}

}  // namespace

Status nativeBusinessAdd(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kInt)) return wrongArguments("business_add", args);
  const auto c = calendarOf(args[2]);
  if (!c) return corrupt("business_add");
  auto t = calendar::businessAdd(args[0].asInt(), args[1].asInt(), *c);
  if (auto* error = std::get_if<std::string>(&t)) return failure("business_add", *error);
  result = Value::integer(std::get<int64_t>(t));
  return {};
}

Status nativeBusinessBetween(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt, Tag::kInt)) return wrongArguments("business_between", args);
  const auto c = calendarOf(args[2]);
  if (!c) return corrupt("business_between");
  auto d = calendar::businessBetween(args[0].asInt(), args[1].asInt(), *c);
  if (auto* error = std::get_if<std::string>(&d)) return failure("business_between", *error);
  result = Value::integer(std::get<int64_t>(d));
  return {};
}

Status nativeIsOpen(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kInt)) return wrongArguments("is_open", args);
  const auto c = calendarOf(args[1]);
  if (!c) return corrupt("is_open");
  auto open = calendar::isOpen(args[0].asInt(), *c);
  if (auto* error = std::get_if<std::string>(&open)) return failure("is_open", *error);
  result = Value::boolean(std::get<bool>(open));
  return {};
}

}  // namespace rflow::vm::natives
