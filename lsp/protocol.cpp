#include "lsp/protocol.h"

#include <fmt/format.h>

namespace rflow::lsp {

using namespace service;

std::string uriToPath(const std::string& uri) {
  constexpr std::string_view kScheme = "file://";
  if (!uri.starts_with(kScheme)) return uri;
  std::string out;
  for (size_t i = kScheme.size(); i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      out += static_cast<char>(std::stoi(uri.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

std::string pathToUri(const std::string& path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

// A line or character number. get<uint32_t>() of a float outside uint32_t's range is
// undefined behaviour, so such a number is refused as a wrong type.
uint32_t index(const json& j) {
  if (j.is_number_float() && !(j.get<double>() >= 0 && j.get<double>() <= 4294967295.0))
    throw json::type_error::create(302, "a position must be a number from 0 to 4294967295", &j);
  return j.get<uint32_t>();
}

}  // namespace

Position toPosition(const json& j) {
  return {index(j.at("line")), index(j.at("character"))};
}
Range toRange(const json& j) {
  return {toPosition(j.at("start")), toPosition(j.at("end"))};
}
json toJson(const Position& p) {
  return {{"line", p.line}, {"character", p.character}};
}
json toJson(const Range& r) {
  return {{"start", toJson(r.start)}, {"end", toJson(r.end)}};
}
json toJson(const FileRange& l) {
  return {{"uri", pathToUri(l.path)}, {"range", toJson(l.range)}};
}

json toJson(const Diagnostic& d, const std::string& uri) {
  json out = {{"range", toJson(d.range)},
              {"severity", d.severity == diagnostics::Severity::kError ? 1 : 2},
              {"code", d.code},
              {"source", "rflow"},
              {"message", d.message}};
  json related = json::array();
  for (const auto& [where, message] : d.notes) {
    if (where) {
      related.push_back({{"location", toJson(*where)}, {"message", message}});
    } else {
      out["message"] = out["message"].get<std::string>() + "\n" + message;
    }
  }
  if (!related.empty()) out["relatedInformation"] = related;
  (void)uri;
  return out;
}

json toJson(const WorkspaceEdit& edit) {
  json changes = json::object();
  for (const auto& [path, edits] : edit) {
    json list = json::array();
    for (const TextEdit& e : edits)
      list.push_back({{"range", toJson(e.range)}, {"newText", e.text}});
    changes[pathToUri(path)] = list;
  }
  return {{"changes", changes}};
}

namespace {

int completionKind(CompletionKind k) {
  switch (k) {
    case CompletionKind::kKeyword:
      return 14;
    case CompletionKind::kSnippet:
      return 15;
    case CompletionKind::kField:
      return 5;
    case CompletionKind::kEnumMember:
      return 20;
    case CompletionKind::kVariable:
      return 6;
    case CompletionKind::kFunction:
      return 3;
    case CompletionKind::kMethod:
      return 2;
    case CompletionKind::kModule:
      return 9;
    case CompletionKind::kType:
      return 22;
    case CompletionKind::kConstant:
      return 21;
    case CompletionKind::kClass:
      return 7;
  }
  return 1;
}

int symbolKind(SymbolKind k) {
  switch (k) {
    case SymbolKind::kModule:
      return 2;
    case SymbolKind::kRecord:
      return 23;
    case SymbolKind::kSignal:
    case SymbolKind::kTrigger:
      return 24;
    case SymbolKind::kEnum:
      return 10;
    case SymbolKind::kEnumMember:
      return 22;
    case SymbolKind::kField:
      return 8;
    case SymbolKind::kConst:
      return 14;
    case SymbolKind::kConnector:
      return 11;
    case SymbolKind::kOperation:
      return 6;
    case SymbolKind::kFunction:
    case SymbolKind::kDecision:
    case SymbolKind::kTest:
      return 12;
    case SymbolKind::kParameter:
    case SymbolKind::kLocal:
      return 13;
    case SymbolKind::kRole:
    case SymbolKind::kPolicy:
    case SymbolKind::kWorkflow:
    case SymbolKind::kClassifier:
    case SymbolKind::kCalendar:
      return 5;
  }
  return 13;
}

}  // namespace

json toJson(const CompletionItem& item) {
  json out = {{"label", item.label}, {"kind", completionKind(item.kind)}};
  if (!item.detail.empty()) out["detail"] = item.detail;
  if (!item.documentation.empty())
    out["documentation"] = {{"kind", "markdown"}, {"value", item.documentation}};
  if (!item.insert_text.empty()) out["insertText"] = item.insert_text;
  if (item.snippet) out["insertTextFormat"] = 2;
  return out;
}

json toJson(const SignatureHelp& help) {
  json params = json::array();
  for (const auto& [b, e] : help.parameters)
    params.push_back({{"label", {b, e}}});
  json sig = {{"label", help.label}, {"parameters", params}};
  if (!help.documentation.empty())
    sig["documentation"] = {{"kind", "markdown"}, {"value", help.documentation}};
  return {
      {"signatures", {sig}}, {"activeSignature", 0}, {"activeParameter", help.active_parameter}};
}

json toJson(const DocumentSymbol& s) {
  json children = json::array();
  for (const auto& c : s.children)
    children.push_back(toJson(c));
  json out = {{"name", s.name},
              {"kind", symbolKind(s.kind)},
              {"range", toJson(s.range)},
              {"selectionRange", toJson(s.selection)},
              {"children", children}};
  if (!s.detail.empty()) out["detail"] = s.detail;
  return out;
}

json toJson(const WorkspaceSymbol& s) {
  json out = {{"name", s.name}, {"kind", symbolKind(s.kind)}, {"location", toJson(s.location)}};
  if (!s.container.empty()) out["containerName"] = s.container;
  return out;
}

json encodeSemanticTokens(const std::vector<SemanticToken>& tokens) {
  json data = json::array();
  uint32_t line = 0, character = 0;
  for (const SemanticToken& t : tokens) {
    const uint32_t dl = t.line - line;
    const uint32_t dc = dl == 0 ? t.character - character : t.character;
    data.push_back(dl);
    data.push_back(dc);
    data.push_back(t.length);
    data.push_back(static_cast<uint32_t>(t.type));
    data.push_back((t.declaration ? 1u : 0u) | (t.documentation ? 2u : 0u));
    line = t.line;
    character = t.character;
  }
  return {{"data", data}};
}

json toJson(const FoldingRange& f) {
  json out = {{"startLine", f.start_line}, {"endLine", f.end_line}};
  if (f.comment) out["kind"] = "comment";
  return out;
}

json toJson(const CodeAction& a, const json& diagnostics) {
  return {{"title", a.title},
          {"kind", "quickfix"},
          {"diagnostics", diagnostics},
          {"isPreferred", true},
          {"edit", toJson(a.edit)}};
}

json serverCapabilities() {
  json types = json::array();
  for (std::string_view t : kSemanticTypeNames)
    types.push_back(t);
  return {
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"completionProvider", {{"triggerCharacters", {"."}}, {"resolveProvider", false}}},
      {"signatureHelpProvider", {{"triggerCharacters", {"(", ","}}}},
      {"documentSymbolProvider", true},
      {"workspaceSymbolProvider", true},
      {"semanticTokensProvider",
       {{"legend", {{"tokenTypes", types}, {"tokenModifiers", {"declaration", "documentation"}}}},
        {"full", true}}},
      {"documentFormattingProvider", true},
      {"foldingRangeProvider", true},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
  };
}

json parseMessage(std::string_view body, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return json(json::value_t::discarded);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return json::parse(body, nullptr, false);
}

}  // namespace rflow::lsp
