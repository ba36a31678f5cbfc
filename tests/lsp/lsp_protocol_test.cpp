// `rflow lsp` over its pipes: every feature of runtime.md §8 on a small two-file
// project, on documents with syntax and type errors, incremental edits with UTF-16
// positions, malformed messages, cancellation and the shutdown/exit lifecycle.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lsp_client.h"

namespace rflow::lsp::test {
namespace {

namespace fs = std::filesystem;

const std::string kCommon = R"(module shop.common

/// A store in the chain.
record Store {
  /// The store's id, e.g. "S0042".
  id: string
  region: string
}

/// How urgent a refill is.
enum Priority { Low, High }

role Manager "Store manager"

/// The warehouse.
connector wms {
  /// Units on hand.
  fn stock(sku: string) -> int
  fn reserve(sku: string, qty: int) -> int
}
)";

const std::string kFlow = R"(module shop.flow

import shop.common

/// Units to reorder.
fn reorder(daily: int, days: int) -> int = daily * days

workflow Restock(s: common.Store, sku: string) -> int {
  owner "ops"
  let units = common.wms.stock(sku) timeout 5s
  let need = reorder(units, 3)
  if s.region == "north" {
    return need
  }
  return 0
}
)";

// Position of the `nth` occurrence of `needle` in `text` (plus `delta` characters), as
// LSP counts (ASCII text here, so bytes are UTF-16 units).
json pos(const std::string& text, const std::string& needle, int delta = 0, int nth = 0) {
  size_t at = text.find(needle);
  for (int i = 0; i < nth; ++i)
    at = text.find(needle, at + 1);
  if (at == std::string::npos) throw std::runtime_error("no " + needle);
  at += static_cast<size_t>(delta);
  const size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
  const size_t line =
      static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  const size_t col = line_start == std::string::npos ? at : at - line_start - 1;
  return {{"line", line}, {"character", col}};
}

class Lsp : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("rflow-lsp-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    std::ofstream(root_ / "common.rflow") << kCommon;
    std::ofstream(root_ / "flow.rflow") << kFlow;
    common_ = "file://" + (root_ / "common.rflow").string();
    flow_ = "file://" + (root_ / "flow.rflow").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  json initialize() {
    return client_.result("initialize", {{"processId", nullptr},
                                         {"rootUri", "file://" + root_.string()},
                                         {"capabilities", json::object()}});
  }
  void open(const std::string& uri, const std::string& text) {
    client_.notify("textDocument/didOpen",
                   {{"textDocument",
                     {{"uri", uri}, {"languageId", "rflow"}, {"version", 1}, {"text", text}}}});
  }
  json at(const std::string& method, const std::string& uri, json position,
          json extra = json::object()) {
    json params = {{"textDocument", {{"uri", uri}}}, {"position", position}};
    params.update(extra);
    return client_.result(method, params);
  }
  void start() {
    initialize();
    client_.notify("initialized", json::object());
    open(flow_, kFlow);
  }
  static std::vector<std::string> labels(const json& completion) {
    std::vector<std::string> out;
    for (const json& item : completion["items"])
      out.push_back(item["label"]);
    return out;
  }
  static bool has(const std::vector<std::string>& xs, const std::string& x) {
    return std::find(xs.begin(), xs.end(), x) != xs.end();
  }

  fs::path root_;
  std::string common_, flow_;
  LspClient client_;
};

TEST_F(Lsp, InitializeAnnouncesWhatItDoes) {
  const json r = initialize();
  const json& caps = r["capabilities"];
  EXPECT_EQ(caps["textDocumentSync"]["change"], 2);  // incremental
  EXPECT_EQ(caps["positionEncoding"], "utf-16");
  for (const char* c :
       {"hoverProvider", "definitionProvider", "referencesProvider", "renameProvider",
        "completionProvider", "signatureHelpProvider", "documentSymbolProvider",
        "workspaceSymbolProvider", "semanticTokensProvider", "documentFormattingProvider",
        "foldingRangeProvider", "codeActionProvider"})
    EXPECT_TRUE(caps.contains(c)) << c;
  EXPECT_EQ(r["serverInfo"]["name"], "rflow");
}

TEST_F(Lsp, PublishesDiagnosticsForOpenAndUnopenedFiles) {
  // A type error on disk in a file nobody opened, a lint warning in the open one.
  std::ofstream(root_ / "bad.rflow") << "module shop.bad\nconst X: int = \"text\"\n";
  start();
  const std::string bad = "file://" + (root_ / "bad.rflow").string();
  auto d = client_.diagnosticsFor(bad, [](const json& ds) { return !ds.empty(); });
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)[0]["severity"], 1);
  EXPECT_EQ((*d)[0]["source"], "rflow");
  EXPECT_TRUE((*d)[0]["code"].get<std::string>().starts_with("E"));
  EXPECT_EQ((*d)[0]["range"]["start"]["line"], 1);

  // Same code and message as `rflow check`.
  auto flow = client_.diagnosticsFor(flow_);
  ASSERT_TRUE(flow.has_value());
  for (const json& w : *flow)
    EXPECT_EQ(w["severity"], 2) << w.dump();

  // Fixing the file clears its diagnostics.
  open(bad, "module shop.bad\nconst X: int = 1\n");
  EXPECT_TRUE(client_.diagnosticsFor(bad, [](const json& ds) { return ds.empty(); }).has_value());
}

TEST_F(Lsp, PicksUpFilesChangedOnDisk) {
  start();
  ASSERT_TRUE(client_.diagnosticsFor(flow_).has_value());
  std::ofstream(root_ / "late.rflow") << "module shop.late\nconst X: int = \"text\"\n";
  const std::string late = "file://" + (root_ / "late.rflow").string();
  client_.notify("workspace/didChangeWatchedFiles", {{"changes", {{{"uri", late}, {"type", 1}}}}});
  EXPECT_TRUE(
      client_.diagnosticsFor(late, [](const json& ds) { return ds.size() == 1; }).has_value());
  fs::remove(root_ / "late.rflow");
  client_.notify("workspace/didChangeWatchedFiles", {{"changes", {{{"uri", late}, {"type", 3}}}}});
  EXPECT_TRUE(client_.diagnosticsFor(late, [](const json& ds) { return ds.empty(); }).has_value());
}

TEST_F(Lsp, HoverShowsTypeSignatureAndDocComment) {
  start();
  json h = at("textDocument/hover", flow_, pos(kFlow, "reorder(units", 2));
  const std::string md = h["contents"]["value"];
  EXPECT_NE(md.find("fn reorder(daily: int, days: int) -> int"), std::string::npos) << md;
  EXPECT_NE(md.find("Units to reorder."), std::string::npos) << md;

  h = at("textDocument/hover", flow_, pos(kFlow, "units, 3"));
  EXPECT_NE(h["contents"]["value"].get<std::string>().find("units: int"), std::string::npos)
      << h.dump();

  h = at("textDocument/hover", flow_, pos(kFlow, "region ==", 1));
  EXPECT_NE(h["contents"]["value"].get<std::string>().find("Store.region: string"),
            std::string::npos);

  // Where no name is, the type of the expression under the cursor.
  h = at("textDocument/hover", flow_, pos(kFlow, "\"north\"", 1));
  EXPECT_EQ(h["contents"]["value"], "```rflow\nstring\n```");
  h = at("textDocument/hover", flow_, pos(kFlow, "== \"north\""));
  EXPECT_EQ(h["contents"]["value"], "```rflow\nbool\n```");

  h = at("textDocument/hover", flow_, pos(kFlow, "stock(sku)", 1));
  EXPECT_NE(h["contents"]["value"].get<std::string>().find("Units on hand."), std::string::npos);
}

TEST_F(Lsp, DefinitionAcrossFiles) {
  start();
  json d = at("textDocument/definition", flow_, pos(kFlow, "Store, sku"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["uri"], common_);
  EXPECT_EQ(d[0]["range"]["start"], pos(kCommon, "Store {"));

  d = at("textDocument/definition", flow_, pos(kFlow, "need\n  }"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["range"]["start"], pos(kFlow, "need ="));
}

TEST_F(Lsp, ReferencesAndRename) {
  start();
  json refs = at("textDocument/references", flow_, pos(kFlow, "units ="),
                 {{"context", {{"includeDeclaration", true}}}});
  EXPECT_EQ(refs.size(), 2u);
  refs = at("textDocument/references", flow_, pos(kFlow, "units ="),
            {{"context", {{"includeDeclaration", false}}}});
  EXPECT_EQ(refs.size(), 1u);

  // Renaming a record renames its uses in other files too.
  json edit = at("textDocument/rename", flow_, pos(kFlow, "Store, sku"), {{"newName", "Shop"}});
  EXPECT_EQ(edit["changes"][common_].size(), 1u);
  EXPECT_EQ(edit["changes"][flow_].size(), 1u);
  EXPECT_EQ(edit["changes"][flow_][0]["newText"], "Shop");

  json prep = at("textDocument/prepareRename", flow_, pos(kFlow, "need ="));
  EXPECT_EQ(prep["start"], pos(kFlow, "need ="));

  // A name already taken beside it is refused too.
  json taken = client_.call("textDocument/rename", {{"textDocument", {{"uri", flow_}}},
                                                    {"position", pos(kFlow, "reorder(units", 2)},
                                                    {"newName", "Restock"}});
  ASSERT_TRUE(taken.contains("error"));
  EXPECT_NE(taken["error"]["message"].get<std::string>().find("already declared"),
            std::string::npos);

  for (const char* bad : {"let", "9lives", "two words", ""}) {
    json params = {
        {"textDocument", {{"uri", flow_}}}, {"position", pos(kFlow, "need =")}, {"newName", bad}};
    json r = client_.call("textDocument/rename", params);
    ASSERT_TRUE(r.contains("error")) << bad;
    EXPECT_NE(r["error"]["message"].get<std::string>().find(bad), std::string::npos);
  }
}

TEST_F(Lsp, CompletionOfFieldsMembersOpsScopeKeywordsAndSnippets) {
  start();
  // Fields after `.` in code that checks: the cursor sits just after `s.`.
  auto l = labels(at("textDocument/completion", flow_, pos(kFlow, "region ==")));
  EXPECT_TRUE(has(l, "id") && has(l, "region")) << json(l).dump();

  // Declarations in scope, keywords, snippets at the start of a statement.
  l = labels(at("textDocument/completion", flow_, pos(kFlow, "return 0")));
  for (const char* x : {"units", "need", "s", "sku", "reorder", "Restock", "common", "len", "let",
                        "approval", "task", "workflow", "test"})
    EXPECT_TRUE(has(l, x)) << x;

  // While typing: the line being typed does not parse yet.
  const auto typing = [&](const std::string& line, const std::string& before_cursor) {
    std::string text = kFlow;
    text.insert(text.find("  return 0"), line);
    client_.notify("textDocument/didChange", {{"textDocument", {{"uri", flow_}, {"version", 2}}},
                                              {"contentChanges", {{{"text", text}}}}});
    return labels(at("textDocument/completion", flow_,
                     pos(text, before_cursor, static_cast<int>(before_cursor.size()))));
  };
  l = typing("  let p = common.Priority.\n", "common.Priority.");
  EXPECT_TRUE(has(l, "Low") && has(l, "High")) << json(l).dump();
  l = typing("  let q = common.wms.\n", "common.wms.");
  EXPECT_TRUE(has(l, "stock") && has(l, "reserve")) << json(l).dump();
  l = typing("  let r = s.\n", "= s.");
  EXPECT_TRUE(has(l, "region") && has(l, "id")) << json(l).dump();
  l = typing("  let r = s.reg\n", "= s.reg");
  EXPECT_TRUE(has(l, "region")) << json(l).dump();

  // A snippet is a snippet.
  json items = at("textDocument/completion", flow_, pos(kFlow, "return 0"))["items"];
  for (const json& item : items)
    if (item["label"] == "approval" && item["kind"] == 15) {
      EXPECT_EQ(item["insertTextFormat"], 2);
    }
}

TEST_F(Lsp, SignatureHelp) {
  start();
  json h = at("textDocument/signatureHelp", flow_, pos(kFlow, "3)"));
  EXPECT_EQ(h["signatures"][0]["label"], "reorder(daily: int, days: int) -> int");
  EXPECT_EQ(h["activeParameter"], 1);
  h = at("textDocument/signatureHelp", flow_, pos(kFlow, "sku) timeout"));
  EXPECT_EQ(h["signatures"][0]["label"], "wms.stock(sku: string) -> int");
}

TEST_F(Lsp, DocumentAndWorkspaceSymbols) {
  start();
  open(common_, kCommon);
  json syms = client_.result("textDocument/documentSymbol", {{"textDocument", {{"uri", common_}}}});
  std::vector<std::string> names;
  for (const json& s : syms)
    names.push_back(s["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Store", "Priority", "Manager", "wms"}));
  EXPECT_EQ(syms[0]["children"].size(), 2u);
  json ws = client_.result("workspace/symbol", {{"query", "rest"}});
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0]["name"], "Restock");
  EXPECT_EQ(ws[0]["location"]["uri"], flow_);
}

TEST_F(Lsp, ClassifiersInHoverCompletionAndOutline) {
  const std::string triage = R"(module shop.triage

enum Kind { Equipment, Pricing }

/// What an issue is about.
classifier IssueKind -> Kind {
  threshold 0.75
}

workflow Triage(text: string) -> Kind {
  owner "ops"
  let g = classify IssueKind(text)
  return g.label ?? Kind.Equipment
}
)";
  std::ofstream(root_ / "triage.rflow") << triage;
  const std::string uri = "file://" + (root_ / "triage.rflow").string();
  start();
  open(uri, triage);
  const json h = at("textDocument/hover", uri, pos(triage, "IssueKind(text)", 3));
  EXPECT_EQ(h["contents"]["kind"], "markdown");
  const std::string md = h["contents"]["value"];
  EXPECT_NE(md.find("classifier IssueKind -> Kind { threshold 0.75 }\n// labels: Equipment, "
                    "Pricing"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("What an issue is about."), std::string::npos) << md;

  // Right after `classify `: the classifier, and not the workflow or the enum.
  const json items = at("textDocument/completion", uri, pos(triage, "IssueKind(text)"))["items"];
  ASSERT_EQ(items.size(), 1u) << items.dump();
  EXPECT_EQ(items[0]["label"], "IssueKind");
  EXPECT_EQ(items[0]["kind"], 7);  // Class

  const json syms =
      client_.result("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}});
  std::vector<std::pair<std::string, int>> outline;
  for (const json& sym : syms)
    outline.emplace_back(sym["name"], sym["kind"]);
  EXPECT_EQ(outline, (std::vector<std::pair<std::string, int>>{
                         {"Kind", 10}, {"IssueKind", 5}, {"Triage", 5}}));
}

TEST_F(Lsp, SemanticTokensAndFolding) {
  start();
  json t = client_.result("textDocument/semanticTokens/full", {{"textDocument", {{"uri", flow_}}}});
  const json& data = t["data"];
  ASSERT_EQ(data.size() % 5, 0u);
  ASSERT_GT(data.size(), 50u);
  // The first token is the keyword `module` at 0:0.
  EXPECT_EQ(data[0], 0);
  EXPECT_EQ(data[1], 0);
  EXPECT_EQ(data[2], 6);
  EXPECT_EQ(data[3], 0);  // keyword
  json f = client_.result("textDocument/foldingRange", {{"textDocument", {{"uri", flow_}}}});
  ASSERT_FALSE(f.empty());
  bool workflow_body = false;
  for (const json& r : f)
    workflow_body |= r["startLine"] == pos(kFlow, "workflow")["line"];
  EXPECT_TRUE(workflow_body) << f.dump();
}

TEST_F(Lsp, FormattingUsesTheFormatterAndRefusesBrokenCode) {
  start();
  const std::string messy = "module shop.messy\nconst   X : int=1+2\n";
  const std::string uri = "file://" + (root_ / "messy.rflow").string();
  open(uri, messy);
  json edits = client_.result(
      "textDocument/formatting",
      {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}});
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0]["newText"], "module shop.messy\nconst X: int = 1 + 2\n");
  open(uri, "module shop.messy\nconst X: int = (1 +\n");
  json r = client_.call("textDocument/formatting",
                        {{"textDocument", {{"uri", uri}}}, {"options", json::object()}});
  EXPECT_TRUE(r.contains("error"));
}

TEST_F(Lsp, CodeActionsApplySuggestedFixes) {
  start();
  std::string typo = kFlow;
  typo.replace(typo.find("reorder(units"), 13, "reorder(unit");
  open(flow_, typo);
  auto d = client_.diagnosticsFor(flow_, [](const json& ds) {
    for (const json& x : ds)
      if (x["severity"] == 1) return true;
    return false;
  });
  ASSERT_TRUE(d.has_value());
  json err;
  for (const json& x : *d)
    if (x["severity"] == 1) err = x;
  json actions = client_.result("textDocument/codeAction", {{"textDocument", {{"uri", flow_}}},
                                                            {"range", err["range"]},
                                                            {"context", {{"diagnostics", {err}}}}});
  ASSERT_EQ(actions.size(), 1u) << actions.dump();
  EXPECT_EQ(actions[0]["kind"], "quickfix");
  EXPECT_EQ(actions[0]["edit"]["changes"][flow_][0]["newText"], "units");
  EXPECT_EQ(actions[0]["diagnostics"].size(), 1u);
}

TEST_F(Lsp, KeepsWorkingWithASyntaxErrorInAnotherDeclaration) {
  start();
  std::string broken = kFlow + "\nfn broken(x: int) -> int {\n  let y = (x +\n}\n";
  open(flow_, broken);
  auto d = client_.diagnosticsFor(flow_, [](const json& ds) {
    for (const json& x : ds)
      if (x["severity"] == 1) return true;
    return false;
  });
  ASSERT_TRUE(d.has_value());
  json h = at("textDocument/hover", flow_, pos(broken, "reorder(units", 2));
  EXPECT_NE(h["contents"]["value"].get<std::string>().find("fn reorder"), std::string::npos);
  json def = at("textDocument/definition", flow_, pos(broken, "need\n  }"));
  EXPECT_EQ(def.size(), 1u);
  auto l = labels(at("textDocument/completion", flow_, pos(broken, "region ==")));
  EXPECT_TRUE(has(l, "region"));
  // And inside the broken declaration, the parameter is still in scope.
  l = labels(at("textDocument/completion", flow_, pos(broken, "(x +", 1)));
  EXPECT_TRUE(has(l, "x"));
}

TEST_F(Lsp, TypeErrorsDoNotStopOtherFeatures) {
  start();
  std::string wrong = kFlow;
  wrong.replace(wrong.find("return 0"), 8, "return \"zero\"");
  open(flow_, wrong);
  ASSERT_TRUE(client_.diagnosticsFor(flow_, [](const json& ds) {
    for (const json& x : ds)
      if (x["severity"] == 1) return true;
    return false;
  }));
  json h = at("textDocument/hover", flow_, pos(wrong, "units, 3"));
  EXPECT_NE(h["contents"]["value"].get<std::string>().find("units: int"), std::string::npos);
}

TEST_F(Lsp, IncrementalEditsCountUtf16) {
  start();
  // A line with characters outside the BMP (two UTF-16 units each) before a name.
  std::string text = kFlow;
  client_.notify(
      "textDocument/didChange",
      {{"textDocument", {{"uri", flow_}, {"version", 2}}},
       {"contentChanges",
        {{{"range", {{"start", pos(kFlow, "  return 0")}, {"end", pos(kFlow, "  return 0")}}},
          {"text", "  note \"\xF0\x9F\x93\xA6\xF0\x9F\x93\xA6 {sku}\"\n"}}}}});
  // `  note "📦📦 {sku}"`: `sku` starts at UTF-16 column 2 + 5 + 1 + 4 + 2 = 14.
  const int line = pos(kFlow, "  return 0")["line"];
  json h = at("textDocument/hover", flow_, {{"line", line}, {"character", 14}});
  ASSERT_TRUE(h.is_object()) << h.dump();
  EXPECT_NE(h["contents"]["value"].get<std::string>().find("sku: string"), std::string::npos)
      << h.dump();
  EXPECT_EQ(h["range"]["start"]["character"], 14);
  EXPECT_EQ(h["range"]["end"]["character"], 17);
  // A second edit replacing part of a line: rename `need` by typing.
  client_.notify("textDocument/didChange",
                 {{"textDocument", {{"uri", flow_}, {"version", 3}}},
                  {"contentChanges",
                   {{{"range", {{"start", pos(kFlow, "need =")}, {"end", pos(kFlow, "need =", 4)}}},
                     {"text", "wanted"}}}}});
  json refs = at("textDocument/references", flow_, pos(kFlow, "need ="),
                 {{"context", {{"includeDeclaration", true}}}});
  EXPECT_EQ(refs.size(), 1u);  // the use in `return need` no longer refers to it
}

TEST_F(Lsp, MalformedMessagesGetErrorsNotCrashes) {
  initialize();
  client_.sendBody("{this is not json");
  json r = client_.response(nullptr);
  EXPECT_EQ(r["error"]["code"], -32700);
  client_.sendRaw("X-Nonsense: 1\r\n\r\n");
  r = client_.response(nullptr);
  EXPECT_EQ(r["error"]["code"], -32700);
  client_.sendBody("[1, 2, 3]");
  r = client_.response(nullptr);
  EXPECT_EQ(r["error"]["code"], -32600);
  client_.send({{"jsonrpc", "2.0"},
                {"id", 77},
                {"method", "textDocument/hover"},
                {"params", {{"textDocument", 5}}}});
  r = client_.response(77);
  EXPECT_EQ(r["error"]["code"], -32602);
  r = client_.call("textDocument/hover", {{"textDocument", {{"uri", "file:///nowhere.rflow"}}},
                                          {"position", {{"line", 0}, {"character", 0}}}});
  EXPECT_TRUE(r.contains("error"));
  r = client_.call("no/such/method", json::object());
  EXPECT_EQ(r["error"]["code"], -32601);
  client_.send({{"jsonrpc", "2.0"}, {"id", {1, 2}}, {"method", "shutdown"}});
  r = client_.response(nullptr);
  EXPECT_EQ(r["error"]["code"], -32600);
  // Still serving.
  open(flow_, kFlow);
  EXPECT_TRUE(at("textDocument/hover", flow_, pos(kFlow, "reorder(units", 2)).is_object());
  EXPECT_TRUE(client_.alive());
}

TEST_F(Lsp, SurvivesGarbageAndHostileRequests) {
  start();
  uint32_t seed = 12345;
  const auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  for (int i = 0; i < 50; ++i) {
    std::string body;
    const size_t n = next() % 64;
    for (size_t k = 0; k < n; ++k)
      body += static_cast<char>(next() >> 16);
    client_.sendBody(body);
  }
  // Well-formed JSON, wrong shapes: every request still gets one answer.
  const std::vector<json> params = {
      json::object(),
      {{"textDocument", {{"uri", flow_}}}, {"position", {{"line", -1}, {"character", 5}}}},
      {{"textDocument", {{"uri", flow_}}}, {"position", {{"line", 99999}, {"character", 99999}}}},
      {{"textDocument", {{"uri", flow_}}}, {"position", "here"}},
      {{"textDocument", {{"uri", 42}}}}};
  for (const char* method :
       {"textDocument/hover", "textDocument/definition", "textDocument/completion",
        "textDocument/rename", "textDocument/signatureHelp", "textDocument/references",
        "textDocument/codeAction"})
    for (const json& p : params)
      EXPECT_TRUE(client_.call(method, p).is_object()) << method << " " << p.dump();
  // An edit whose range ends before it starts, far past the end of the text.
  json change = {
      {"range",
       {{"start", {{"line", 500}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}}},
      {"text", "x"}};
  client_.notify("textDocument/didChange",
                 {{"textDocument", {{"uri", flow_}}}, {"contentChanges", json::array({change})}});
  EXPECT_TRUE(client_.result("workspace/symbol", {{"query", "Restock"}}).is_array());
  EXPECT_TRUE(client_.alive());
}

// Messages the fuzz target (tests/fuzz/lsp_fuzzer.cpp) found to end the server; each
// once did, and now gets its error while the server goes on.
TEST_F(Lsp, MessagesTheFuzzerFoundGetErrorsNotCrashes) {
  start();
  // A method that is not a string: the reader thread's check for cancellations threw.
  client_.sendBody(R"({"jsonrpc":"2.0","method":1})");
  EXPECT_EQ(client_.response(nullptr)["error"]["code"], -32600);
  client_.sendBody(R"({"jsonrpc":"2.0","id":91,"method":["x"]})");
  EXPECT_EQ(client_.response(91)["error"]["code"], -32600);
  // JSON nested 100,000 deep as an id and as params: copying and printing JSON recurse
  // once per level, and the stack ran out.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  client_.sendBody(R"({"jsonrpc":"2.0","id":)" + deep + "}");
  EXPECT_EQ(client_.response(nullptr)["error"]["code"], -32700);
  client_.sendBody(R"({"jsonrpc":"2.0","id":92,"method":"textDocument/hover","params":)" + deep +
                   "}");
  EXPECT_EQ(client_.response(nullptr)["error"]["code"], -32700);
  // An edit of a document that is not open: its error escaped the notification's handler.
  client_.notify("textDocument/didChange",
                 {{"textDocument", {{"uri", "file:///nowhere/x.rflow"}, {"version", 2}}},
                  {"contentChanges", json::array({{{"text", "module x\n"}}})}});
  // A position past uint32_t's range as a float (converting it was undefined behaviour).
  json far = client_.call(
      "textDocument/hover",
      {{"textDocument", {{"uri", flow_}}}, {"position", {{"line", 1e300}, {"character", 0}}}});
  EXPECT_EQ(far["error"]["code"], -32602) << far.dump();
  EXPECT_TRUE(at("textDocument/hover", flow_, pos(kFlow, "reorder(units", 2)).is_object());
  EXPECT_TRUE(client_.alive());
}

TEST_F(Lsp, RefusesRequestsBeforeInitialize) {
  json r = client_.call("textDocument/hover", {{"textDocument", {{"uri", flow_}}},
                                               {"position", {{"line", 0}, {"character", 0}}}});
  EXPECT_EQ(r["error"]["code"], -32002);
}

TEST_F(Lsp, CancelledRequestsAreAnsweredAsCancelled) {
  start();
  // The cancellation is read before the request runs (it is sent first here, so the
  // outcome does not depend on timing).
  client_.notify("$/cancelRequest", {{"id", 1000}});
  client_.send({{"jsonrpc", "2.0"},
                {"id", 1000},
                {"method", "textDocument/documentSymbol"},
                {"params", {{"textDocument", {{"uri", flow_}}}}}});
  json r = client_.response(1000);
  EXPECT_EQ(r["error"]["code"], -32800);
  // Cancelling something already answered is harmless.
  client_.notify("$/cancelRequest", {{"id", 1}});
  EXPECT_TRUE(client_.result("workspace/symbol", {{"query", ""}}).is_array());
}

TEST_F(Lsp, ShutdownThenExit) {
  start();
  json r = client_.call("shutdown", nullptr);
  EXPECT_TRUE(r.contains("result"));
  EXPECT_TRUE(r["result"].is_null());
  r = client_.call("textDocument/documentSymbol", {{"textDocument", {{"uri", flow_}}}});
  EXPECT_EQ(r["error"]["code"], -32600);
  client_.notify("exit", nullptr);
  EXPECT_EQ(client_.waitExit(), 0);
}

TEST_F(Lsp, ExitWithoutShutdownIsAnError) {
  start();
  client_.notify("exit", nullptr);
  EXPECT_EQ(client_.waitExit(), 1);
}

}  // namespace
}  // namespace rflow::lsp::test
