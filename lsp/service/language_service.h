// The language service: rflow's editor features over a workspace of documents, in
// rflow's terms and free of any protocol (the LSP server in lsp/ translates; clangd's
// ClangdServer/ClangdLSPServer split). Positions are byte offsets into the document's
// current text; results carry ranges as 0-based lines and UTF-16 columns (what every
// editor protocol counts), computed from the file they point into.
//
// Documents are the project's files (every *.rflow below the root, read from disk)
// overlaid with the open ones (their text as the editor has it). The whole project is
// analysed together, lazily: an edit marks it stale and the next question re-checks.
// A file whose text did not change keeps its syntax tree from the last analysis
// (compiler::checkParsed), so an edit re-parses one file.
//
// Not thread-safe: one caller at a time (the server's main loop).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "lsp/service/index.h"

namespace rflow::lsp::service {

struct Position {
  uint32_t line = 0;       // 0-based
  uint32_t character = 0;  // UTF-16 code units
  friend auto operator<=>(const Position&, const Position&) = default;
};
struct Range {
  Position start, end;
  friend auto operator<=>(const Range&, const Range&) = default;
};
struct FileRange {
  std::string path;
  Range range;
};
struct TextEdit {
  Range range;
  std::string text;
};
using WorkspaceEdit = std::map<std::string, std::vector<TextEdit>>;  // by path

// Byte offset of a position in `text` (clamped to the line's end and the text's end).
uint32_t offsetAt(std::string_view text, Position position);
Position positionAt(const source::SourceFile& file, uint32_t offset);

struct Diagnostic {
  Range range;
  diagnostics::Severity severity;
  std::string code;
  std::string message;
  std::vector<std::pair<std::optional<FileRange>, std::string>> notes;
  std::optional<diagnostics::Fix> fix;  // edits in byte spans of the same file
};

struct Hover {
  std::string markdown;
  Range range;
};

enum class CompletionKind : uint8_t {
  kKeyword,
  kSnippet,
  kField,
  kEnumMember,
  kVariable,
  kFunction,
  kMethod,  // a connector operation
  kModule,
  kType,  // record, signal, enum
  kConstant,
  kClass,  // workflow, role, connector
};
struct CompletionItem {
  std::string label;
  CompletionKind kind;
  std::string detail;
  std::string documentation;
  std::string insert_text;  // empty: the label
  bool snippet = false;     // insert_text uses $1 / ${1:name} placeholders
};

struct SignatureHelp {
  std::string label;
  std::vector<std::pair<uint32_t, uint32_t>> parameters;  // offsets into label
  uint32_t active_parameter = 0;
  std::string documentation;
};

struct DocumentSymbol {
  std::string name;
  std::string detail;
  SymbolKind kind;
  Range range;
  Range selection;
  std::vector<DocumentSymbol> children;
};
struct WorkspaceSymbol {
  std::string name;
  SymbolKind kind;
  std::string container;
  FileRange location;
};

enum class SemanticType : uint8_t {
  kKeyword,
  kVariable,
  kParameter,
  kProperty,
  kEnumMember,
  kFunction,
  kMethod,
  kType,
  kEnum,
  kNamespace,
  kString,
  kNumber,
  kComment,
  kOperator,
  kClass,
};
inline constexpr std::string_view kSemanticTypeNames[] = {
    "keyword", "variable",  "parameter", "property", "enumMember", "function", "method", "type",
    "enum",    "namespace", "string",    "number",   "comment",    "operator", "class"};
struct SemanticToken {
  uint32_t line, character, length;
  SemanticType type;
  bool declaration = false;
  bool documentation = false;
};

struct FoldingRange {
  uint32_t start_line, end_line;
  bool comment = false;
};

struct CodeAction {
  std::string title;
  std::string code;  // the diagnostic it fixes
  WorkspaceEdit edit;
};

class LanguageService {
 public:
  // `root`: the project directory ("" for none: only open documents).
  explicit LanguageService(std::string root = {});
  ~LanguageService();

  // ---- documents -------------------------------------------------------------------
  void open(const std::string& path, std::string text);
  void change(const std::string& path, std::string text);
  void close(const std::string& path);
  // A file changed, appeared or disappeared on disk; open documents keep the editor's text.
  void changedOnDisk(const std::string& path);
  const std::string* text(const std::string& path) const;
  // Every path the project has (open or on disk), sorted.
  std::vector<std::string> paths() const;

  // ---- features ---------------------------------------------------------------------
  // Diagnostics of every file of the project, by path (files without any map to empty).
  std::map<std::string, std::vector<Diagnostic>> diagnostics();
  std::optional<Hover> hover(const std::string& path, uint32_t offset);
  std::vector<FileRange> definition(const std::string& path, uint32_t offset);
  std::vector<FileRange> references(const std::string& path, uint32_t offset,
                                    bool include_declaration);
  // The edits, or why the rename is refused.
  std::variant<WorkspaceEdit, std::string> rename(const std::string& path, uint32_t offset,
                                                  const std::string& new_name);
  std::optional<Range> prepareRename(const std::string& path, uint32_t offset);
  std::vector<CompletionItem> completion(const std::string& path, uint32_t offset);
  std::optional<SignatureHelp> signatureHelp(const std::string& path, uint32_t offset);
  std::vector<DocumentSymbol> documentSymbols(const std::string& path);
  std::vector<WorkspaceSymbol> workspaceSymbols(const std::string& query);
  std::vector<SemanticToken> semanticTokens(const std::string& path);
  // The whole formatted text, or why not (syntax errors: the first one's message).
  std::variant<std::string, std::string> format(const std::string& path);
  std::vector<FoldingRange> foldingRanges(const std::string& path);
  std::vector<CodeAction> codeActions(const std::string& path, Range range);

  // How many times the project was analysed and how many files were re-parsed in total
  // (for tests and the benchmark: an edit to one file re-parses one file).
  size_t analyses() const;
  size_t parses() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rflow::lsp::service
