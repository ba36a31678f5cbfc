#include "lsp/service/stdlib_docs.h"

#include <fmt/format.h>

#include <algorithm>

namespace rflow::lsp::service {

namespace {

std::string joined(const std::vector<std::string_view>& parts, std::string_view separator) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

void addOnce(std::vector<std::string_view>& types, std::string_view type) {
  if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
}

}  // namespace

std::string StdlibSignature::text() const {
  std::string list;
  for (const std::string& p : params)
    list += (list.empty() ? "" : ", ") + p;
  return fmt::format("fn {}({}) -> {}", name, list, result);
}

StdlibSignature stdlibSignature(const stdlib::Overload& overload) {
  const stdlib::Signature& s = stdlib::signatureOf(overload);
  StdlibSignature out{std::string(overload.function), {}, std::string(s.result)};
  for (const stdlib::Param& p : s.parameters())
    out.params.push_back(fmt::format("{}: {}", p.name, p.type));
  return out;
}

StdlibSignature stdlibSignature(const stdlib::Function& function) {
  const auto overloads = stdlib::overloadsOf(function.name);
  const stdlib::Signature& first = stdlib::signatureOf(overloads[0]);
  std::vector<std::vector<std::string_view>> types(first.arity);
  std::vector<std::string_view> results;
  for (const stdlib::Overload& o : overloads) {
    const stdlib::Signature& s = stdlib::signatureOf(o);
    for (size_t i = 0; i < s.arity; ++i)
      addOnce(types[i], s.params[i].type);
    addOnce(results, s.result);
  }
  StdlibSignature out{std::string(function.name), {}, joined(results, " | ")};
  for (size_t i = 0; i < first.arity; ++i)
    out.params.push_back(fmt::format("{}: {}", first.params[i].name, joined(types[i], " | ")));
  return out;
}

}  // namespace rflow::lsp::service
