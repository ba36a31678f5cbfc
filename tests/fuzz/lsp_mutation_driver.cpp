// A bounded, deterministic fuzz run of the language server for the ordinary test suite:
// sessions an editor could send — initialize, didOpen of a window of an example or golden
// file, then random requests (hover, completion, definition, references, rename,
// formatting, symbols, semantic tokens, folding, code actions, signature help), edits
// with ranges, cancellations, closes, shutdown and exit — built with a fixed random seed
// for a fixed number of runs. Most runs then mutate the JSON of some messages (a value
// swapped for an awkward one, a member dropped, an id of another type, another method)
// and frame them correctly, so the mutants reach the handlers; some also break the
// framing or the raw bytes. Hand-made pathological streams run too (deep JSON, a method
// that is not a string, huge positions and lengths, endless headers). A crash, hang, bad
// exit code or a request without exactly one response fails the test; an input that ever
// failed is kept in tests/fuzz/lsp_regressions/ and replayed first, and the committed
// sessions in tests/fuzz/lsp_seeds/ (also libFuzzer's seeds) run as they are.
//
// RFLOW_FUZZ_RUNS overrides the number of sessions (default 2000, a few seconds).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

#include "lsp/server.h"
#include "lsp_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using rflow::lsp::fuzzing::frame;
using rflow::lsp::fuzzing::Outcome;
using rflow::lsp::fuzzing::runChecked;

Outcome run(const std::string& input) {
  // RFLOW_FUZZ_TRACE=FILE keeps the input being run in FILE, to catch one that hangs.
  if (const char* trace = std::getenv("RFLOW_FUZZ_TRACE"))
    std::ofstream(trace, std::ios::binary) << input;
  return runChecked(input);
}

// Every file below `root` with this extension (all but READMEs when empty), in order.
std::vector<std::string> readAll(const fs::path& root, std::string_view extension = "") {
  std::vector<fs::path> paths;
  if (!fs::exists(root)) return {};
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    if (!extension.empty() && e.path().extension() != extension) continue;
    paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const fs::path& p : paths) {
    std::ifstream in(p, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

constexpr const char* kUri = "file:///rflow-lsp-fuzz/shop/main.rflow";
constexpr const char* kOtherUri = "file:///rflow-lsp-fuzz/shop/other.rflow";

json message(const std::string& method, json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}
json request(int id, const std::string& method, json params) {
  json m = message(method, std::move(params));
  m["id"] = id;
  return m;
}

class SessionMaker {
 public:
  explicit SessionMaker(uint32_t seed) : rng_(seed) {}

  size_t pick(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }
  template <typename T, size_t N>
  const T& oneOf(const T (&items)[N]) {
    return items[pick(N)];
  }

  // A session over `text`: its messages, in order.
  std::vector<json> session(const std::string& text) {
    text_ = text;
    std::vector<json> out;
    json init = {{"processId", nullptr}, {"capabilities", json::object()}};
    switch (pick(6)) {
      case 0:
        init["rootUri"] = "file:///rflow-lsp-fuzz/shop";  // not on disk: no files to read
        break;
      case 1:
        init["workspaceFolders"] = {{{"uri", "file:///rflow-lsp-fuzz"}, {"name", "w"}}};
        break;
      case 2:
        init["rootUri"] = nullptr;
        break;
      default:
        break;
    }
    out.push_back(request(0, "initialize", init));
    out.push_back(message("initialized", json::object()));
    out.push_back(
        message("textDocument/didOpen",
                {{"textDocument",
                  {{"uri", kUri}, {"languageId", "rflow"}, {"version", 1}, {"text", text}}}}));
    if (pick(4) == 0) {
      out.push_back(message("textDocument/didOpen", {{"textDocument",
                                                      {{"uri", kOtherUri},
                                                       {"languageId", "rflow"},
                                                       {"version", 1},
                                                       {"text", "module other\n"}}}}));
    }
    int id = 1;
    for (size_t i = 0, n = 1 + pick(12); i < n; ++i)
      out.push_back(operation(id));
    if (pick(3) == 0) {
      out.push_back(request(id++, "shutdown", nullptr));
      if (pick(2) == 0) out.push_back(request(id++, "textDocument/hover", at(kUri)));
      out.push_back(message("exit", nullptr));
      if (pick(2) == 0) out.push_back(request(id++, "textDocument/hover", at(kUri)));
    }
    return out;
  }

  // Messages swapped for awkward ones here and there.
  void mutate(std::vector<json>& messages) {
    for (size_t i = 0, n = 1 + pick(3); i < n && !messages.empty(); ++i) {
      json& m = messages[pick(messages.size())];
      if (!m.is_object()) continue;  // swapped for a value before
      switch (pick(8)) {
        case 0:
          m["id"] = oneOfIds();
          break;
        case 1:
          m.erase("id");
          break;
        case 2:
          m["method"] = pick(4) == 0 ? json(pick(100)) : json(oneOf(kMethods));
          break;
        case 3:
          messages.insert(messages.begin() + static_cast<long>(pick(messages.size() + 1)), m);
          break;
        case 4:
          messages.erase(messages.begin() + static_cast<long>(pick(messages.size())));
          break;
        default:
          *node(m) = interesting();
      }
    }
  }

  // The stream: every message framed. In one session of four, one message has its JSON
  // cut or its framing broken (which usually spoils the frames after it: a fault
  // everywhere would leave nothing but bad headers); in one of eight, raw bytes change.
  std::string stream(const std::vector<json>& messages) {
    std::string out;
    const size_t broken = pick(4) == 0 ? pick(messages.size()) : messages.size();
    for (size_t i = 0; i < messages.size(); ++i) {
      std::string body = messages[i].dump(-1, ' ', false, json::error_handler_t::replace);
      const size_t fault = i == broken ? pick(6) : 6;
      if (fault == 5) body = body.substr(0, pick(body.size() + 1));  // cut JSON
      switch (fault) {
        case 0:  // a length that is off
          out += "Content-Length: " + std::to_string(body.size() + pick(5) - 2) + "\r\n\r\n" + body;
          break;
        case 1:  // other headers, other spellings
          out += "content-length:" + std::to_string(body.size()) +
                 "\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body;
          break;
        case 2:  // no length at all
          out += "Content-Type: x\r\n\r\n" + body;
          break;
        case 3:  // bare newlines
          out += "Content-Length: " + std::to_string(body.size()) + "\n\n" + body;
          break;
        case 4:
          out += "Content-Length: " + std::string(oneOf(kLengths)) + "\r\n\r\n" + body;
          break;
        default:
          out += frame(body);
      }
    }
    if (pick(8) == 0) out = raw(out);
    return out;
  }

 private:
  static constexpr const char* kMethods[] = {"initialize",
                                             "initialized",
                                             "shutdown",
                                             "exit",
                                             "textDocument/didOpen",
                                             "textDocument/didChange",
                                             "textDocument/didClose",
                                             "textDocument/didSave",
                                             "textDocument/hover",
                                             "textDocument/definition",
                                             "textDocument/references",
                                             "textDocument/prepareRename",
                                             "textDocument/rename",
                                             "textDocument/completion",
                                             "textDocument/signatureHelp",
                                             "textDocument/documentSymbol",
                                             "workspace/symbol",
                                             "textDocument/semanticTokens/full",
                                             "textDocument/formatting",
                                             "textDocument/foldingRange",
                                             "textDocument/codeAction",
                                             "workspace/didChangeWatchedFiles",
                                             "$/cancelRequest",
                                             "$/setTrace",
                                             "textDocument/unknown",
                                             ""};

  static constexpr const char* kLengths[] = {
      "0", "-1", "18446744073709551616", "67108865", "1e3", "", " 12", "12 "};

  static constexpr const char* kNames[] = {"x",     "renamed", "",      "1bad", "with space",
                                           "Order", "module",  "total", "é",    "a.b"};

  static constexpr const char* kFragments[] = {"{",
                                               "}",
                                               "(",
                                               ")",
                                               "\n",
                                               "\"",
                                               "\"{",
                                               "let x = ",
                                               "workflow W() {\n",
                                               "record R { a: int }\n",
                                               ".",
                                               "approval \"a\" {",
                                               "é",
                                               "𝄞",
                                               "\t",
                                               "\r\n",
                                               "//",
                                               "/*",
                                               "module m\n",
                                               "fn f() -> int = 1\n"};

  // A position in the document: mostly on a line and column that exist (by bytes: the
  // server counts UTF-16 units, close enough to land on words), sometimes far past.
  json position() {
    size_t lines = 1;
    for (char c : text_)
      lines += c == '\n' ? 1 : 0;
    if (pick(10) == 0) return {{"line", pick(100'000)}, {"character", pick(100'000)}};
    return {{"line", pick(lines + 1)}, {"character", pick(60)}};
  }
  json range() {
    json a = position(), b = position();
    if (pick(4) != 0 &&
        (a["line"] > b["line"] || (a["line"] == b["line"] && a["character"] > b["character"])))
      std::swap(a, b);
    return {{"start", a}, {"end", b}};
  }
  json at(const char* uri) { return {{"textDocument", {{"uri", uri}}}, {"position", position()}}; }
  json doc(const char* uri) { return {{"textDocument", {{"uri", uri}}}}; }
  const char* uri() { return pick(8) == 0 ? kOtherUri : kUri; }

  json operation(int& id) {
    switch (pick(20)) {
      case 0:
      case 1: {  // an edit of a range, or of the whole text
        json change = {{"text", pick(3) == 0 ? std::string() : std::string(oneOf(kFragments))}};
        if (pick(6) != 0)
          change["range"] = range();
        else
          change["text"] = text_.substr(0, pick(text_.size() + 1));
        return message("textDocument/didChange",
                       {{"textDocument", {{"uri", uri()}, {"version", 2}}},
                        {"contentChanges", json::array({change})}});
      }
      case 2:
        return request(id++, "textDocument/hover", at(uri()));
      case 3:
        return request(id++, "textDocument/completion", at(uri()));
      case 4:
        return request(id++, "textDocument/definition", at(uri()));
      case 5: {
        json p = at(uri());
        p["context"] = {{"includeDeclaration", pick(2) == 0}};
        return request(id++, "textDocument/references", p);
      }
      case 6: {
        json p = at(uri());
        p["newName"] = oneOf(kNames);
        return request(id++, "textDocument/rename", p);
      }
      case 7:
        return request(id++, "textDocument/prepareRename", at(uri()));
      case 8:
        return request(id++, "textDocument/signatureHelp", at(uri()));
      case 9: {
        json p = doc(uri());
        p["options"] = {{"tabSize", 2}, {"insertSpaces", true}};
        return request(id++, "textDocument/formatting", p);
      }
      case 10:
        return request(id++, "textDocument/documentSymbol", doc(uri()));
      case 11:
        return request(id++, "workspace/symbol", {{"query", pick(2) == 0 ? "" : oneOf(kNames)}});
      case 12:
        return request(id++, "textDocument/semanticTokens/full", doc(uri()));
      case 13:
        return request(id++, "textDocument/foldingRange", doc(uri()));
      case 14: {
        json diagnostic = {{"range", range()}, {"code", oneOf(kCodes)}, {"message", "m"}};
        json p = doc(uri());
        p["range"] = range();
        p["context"] = {{"diagnostics", json::array({diagnostic})}};
        return request(id++, "textDocument/codeAction", p);
      }
      case 15:  // cancel one already sent or still to come
        return message("$/cancelRequest",
                       {{"id", static_cast<int>(pick(static_cast<size_t>(id) + 3))}});
      case 16:
        return message("textDocument/didClose", doc(uri()));
      case 17:
        return message(
            "workspace/didChangeWatchedFiles",
            {{"changes", {{{"uri", "file:///rflow-lsp-fuzz/shop/gone.rflow"}, {"type", 3}}}}});
      case 18:
        return request(id++, pick(2) == 0 ? "initialize" : "textDocument/unknown", json::object());
      default:
        return message("textDocument/didSave", doc(uri()));
    }
  }

  static constexpr const char* kCodes[] = {"E0101", "E0201", "W0101", "W0102", "E0120", "X"};

  json oneOfIds() {
    switch (pick(7)) {
      case 0:
        return nullptr;
      case 1:
        return "a";
      case 2:
        return -1;
      case 3:
        return 1.5;
      case 4:
        return json::array({1});
      case 5:
        return 18446744073709551615ull;
      default:
        return pick(4);
    }
  }

  json interesting() {
    switch (pick(16)) {
      case 0:
        return nullptr;
      case 1:
        return true;
      case 2:
        return -1;
      case 3:
        return 4294967296ll;
      case 4:
        return 1e300;
      case 5:
        return 0.5;
      case 6:
        return "";
      case 7:
        return "file:///%zz%";
      case 8:
        return std::string(3000, 'x');
      case 9:
        return json::array();
      case 10:
        return json::object();
      case 11: {
        json deep = 1;
        for (size_t i = 0, n = 55 + pick(20); i < n; ++i)
          deep = json::array({deep});
        return deep;
      }
      case 12:
        return "é𝄞\x01";
      case 13:
        return -9223372036854775807ll - 1;
      default:
        return pick(10);
    }
  }

  // A random node of `j` (itself, or one below it).
  json* node(json& j) {
    json* here = &j;
    while ((here->is_object() || here->is_array()) && !here->empty() && pick(4) != 0) {
      auto it = here->begin();
      std::advance(it, static_cast<long>(pick(here->size())));
      // The document's text is mutated by edits; a value swapped in there is just text.
      if (it->is_string() && it->get_ref<const std::string&>().size() > 200) break;
      here = &*it;
    }
    return here;
  }

  std::string raw(std::string bytes) {
    for (size_t i = 0, n = 1 + pick(4); i < n; ++i) {
      const size_t at = pick(bytes.size() + 1);
      switch (pick(5)) {
        case 0:
          if (!bytes.empty()) bytes[pick(bytes.size())] = static_cast<char>(pick(256));
          break;
        case 1:
          bytes.insert(at, pick(2) == 0 ? "\r\n" : "Content-Length: 7\r\n\r\n");
          break;
        case 2:
          bytes.erase(at, pick(16));
          break;
        case 3: {
          const std::string piece = bytes.substr(at, pick(200));
          bytes.insert(pick(bytes.size() + 1), piece);
          break;
        }
        default:
          bytes.resize(at);
      }
    }
    return bytes;
  }

  std::mt19937 rng_;
  std::string text_;
};

// A window of whole lines from a source, so that each session stays small and fast.
std::string window(const std::string& text, std::mt19937& rng) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  const size_t first = std::uniform_int_distribution<size_t>(0, starts.size() - 1)(rng);
  const size_t lines = 1 + std::uniform_int_distribution<size_t>(0, 60)(rng);
  const size_t begin = first < 4 ? 0 : starts[first];  // often with the module line
  const size_t end = first + lines < starts.size() ? starts[first + lines] : text.size();
  return text.substr(begin, end - begin);
}

std::vector<std::string> sources() {
  std::vector<std::string> out = readAll(fs::path(RFLOW_SOURCE_DIR) / "examples", ".rflow");
  for (std::string& golden : readAll(fs::path(RFLOW_SOURCE_DIR) / "tests/golden", ".rflow"))
    out.push_back(std::move(golden));
  return out;
}

TEST(LspFuzz, RegressionInputs) {
  for (const std::string& input :
       readAll(fs::path(RFLOW_SOURCE_DIR) / "tests/fuzz/lsp_regressions"))
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(LspFuzz, SeedSessions) {
  const auto seeds = readAll(fs::path(RFLOW_SOURCE_DIR) / "tests/fuzz/lsp_seeds");
  ASSERT_GE(seeds.size(), 5u);
  for (const std::string& seed : seeds) {
    const Outcome o = run(seed);
    EXPECT_FALSE(o.skipped);
    EXPECT_GT(o.results, 3u) << seed.substr(0, 300);
  }
}

TEST(LspFuzz, PathologicalInputs) {
  const std::string init = frame(request(1, "initialize", json::object()).dump());
  const auto repeat = [](std::string_view s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
      out += s;
    return out;
  };
  const std::string deep = repeat("[", 200'000) + repeat("]", 200'000);
  // JSON nested 200,000 deep as an id, as params, as a cancellation's id (each of these
  // overflowed the stack: copying and printing JSON recurse per level).
  EXPECT_EQ(run(init + frame(R"({"jsonrpc":"2.0","id":)" + deep + "}")).errors, 1u);
  EXPECT_EQ(
      run(init + frame(R"({"jsonrpc":"2.0","id":2,"method":"x","params":)" + deep + "}")).errors,
      1u);
  EXPECT_EQ(run(init + frame(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":)" +
                             deep + "}}"))
                .errors,
            1u);
  // Nested exactly as deep as the limit (the message, its params, then arrays), and one
  // level more.
  const size_t arrays = rflow::lsp::kMaxJsonDepth - 2;
  const auto symbols = [&](size_t n) {
    return init + frame(R"({"jsonrpc":"2.0","id":2,"method":"workspace/symbol","params":{"a":)" +
                        repeat("[", n) + repeat("]", n) + "}}");
  };
  EXPECT_EQ(run(symbols(arrays)).results, 2u);
  EXPECT_EQ(run(symbols(arrays + 1)).errors, 1u);
  // A method that is not a string (the reader thread threw and the process ended).
  run(init + frame(R"({"jsonrpc":"2.0","method":1})") +
      frame(R"({"jsonrpc":"2.0","id":3,"method":["x"]})"));
  // Positions past every limit, fractional and negative.
  for (const char* p : {R"({"line":1e300,"character":0})", R"({"line":0,"character":-1e300})",
                        R"({"line":-1,"character":-1})", R"({"line":4294967296,"character":0.5})",
                        R"({"line":"1","character":null})"}) {
    const std::string open = frame(
        message("textDocument/didOpen",
                {{"textDocument", {{"uri", kUri}, {"text", "module m\nfn f() -> int = 1\n"}}}})
            .dump());
    const std::string hover =
        R"({"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":")" +
        std::string(kUri) + R"("},"position":)" + p + "}}";
    const std::string change =
        R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":")" +
        std::string(kUri) + R"("},"contentChanges":[{"range":{"start":)" + p + R"(,"end":)" + p +
        R"(},"text":"x"}]}})";
    run(init + open + frame(hover) + frame(change) + frame(hover));
  }
  // Framing: lengths past the limit or past the input, endless header lines, nothing.
  run(init + "Content-Length: 67108865\r\n\r\n{}");
  run(init + "Content-Length: 99999999999999999999999\r\n\r\n{}");
  run(init + "Content-Length: 1000\r\n\r\n{\"jsonrpc\":\"2.0\"");
  run(init + repeat("X-Header: y\r\n", 100'000) + "\r\n");
  run(init + std::string(1'000'000, 'h'));
  run(repeat("\r\n", 100'000));
  run("");
  // A thousand requests in one stream, and a document of 200,000 lines.
  std::string many = init;
  for (int i = 0; i < 1000; ++i)
    many += frame(request(10 + i, "workspace/symbol", {{"query", "x"}}).dump());
  EXPECT_EQ(run(many).results, 1001u);
  run(init +
      frame(message(
                "textDocument/didOpen",
                {{"textDocument", {{"uri", kUri}, {"text", "module m\n" + repeat("\n", 200'000)}}}})
                .dump()) +
      frame(request(2, "textDocument/semanticTokens/full", {{"textDocument", {{"uri", kUri}}}})
                .dump()));
}

TEST(LspFuzz, MutatedSessions) {
  const std::vector<std::string> texts = sources();
  ASSERT_FALSE(texts.empty());
  size_t runs = 2000;
  if (const char* env = std::getenv("RFLOW_FUZZ_RUNS")) runs = std::stoul(env);
  std::mt19937 rng(20261127);
  SessionMaker maker(20261127);
  size_t results = 0, errors = 0;
  for (size_t i = 0; i < runs; ++i) {
    std::vector<json> session = maker.session(window(texts[i % texts.size()], rng));
    if (maker.pick(4) != 0) maker.mutate(session);
    const Outcome o = run(maker.stream(session));
    EXPECT_FALSE(o.skipped);
    results += o.results;
    errors += o.errors;
  }
  // The requests must get past the protocol checks into the language service: besides
  // initialize's, more than one result per session on average.
  EXPECT_GT(results, 2 * runs);
  std::printf("%zu sessions: %zu results, %zu errors\n", runs, results, errors);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
