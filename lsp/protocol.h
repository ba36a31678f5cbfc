// LSP <-> language service: URIs, positions and the JSON shape of every result. The
// only place that knows both the protocol's JSON and the service's types (clangd's
// Protocol.h: only what rflow's features need, added as they are needed).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lsp/service/language_service.h"

namespace rflow::lsp {

using nlohmann::json;

// file:///a%20b/c.rflow <-> /a b/c.rflow; other schemes are returned unchanged.
// A message, or a discarded value when it is not JSON or nests deeper than `max_depth`
// (counted on the text, before anything deep is built).
json parseMessage(std::string_view body, size_t max_depth);

std::string uriToPath(const std::string& uri);
std::string pathToUri(const std::string& path);

service::Position toPosition(const json& j);
service::Range toRange(const json& j);
json toJson(const service::Position& p);
json toJson(const service::Range& r);
json toJson(const service::FileRange& l);
json toJson(const service::Diagnostic& d, const std::string& uri);
json toJson(const service::WorkspaceEdit& edit);
json toJson(const service::CompletionItem& item);
json toJson(const service::SignatureHelp& help);
json toJson(const service::DocumentSymbol& s);
json toJson(const service::WorkspaceSymbol& s);
json encodeSemanticTokens(const std::vector<service::SemanticToken>& tokens);
json toJson(const service::FoldingRange& f);
json toJson(const service::CodeAction& a, const json& diagnostics);

// What the server can do, as the `capabilities` of its initialize result.
json serverCapabilities();

}  // namespace rflow::lsp
