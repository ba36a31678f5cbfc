// The protocol-neutral language service on its own: re-checking after an edit reuses
// the syntax trees of unchanged files, positions convert between UTF-16 and bytes,
// recheckSources gives what a fresh check gives, and what the service says about the
// standard library is stdlib/functions.def's.
#include "lsp/service/language_service.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "driver/check.h"
#include "lsp/service/stdlib_docs.h"
#include "stdlib/functions.h"

namespace rflow::lsp::service {
namespace {

TEST(LanguageService, AnEditReparsesOnlyTheEditedFile) {
  LanguageService s;
  s.open("/p/a.rflow", "module a\nconst X: int = 1\n");
  s.open("/p/b.rflow", "module b\nimport a\nconst Y: int = a.X\n");
  s.open("/p/c.rflow", "module c\nconst Z: int = 3\n");
  (void)s.diagnostics();
  const size_t first = s.parses();
  EXPECT_EQ(first, 4u);  // the prelude and three files
  s.change("/p/c.rflow", "module c\nconst Z: int = 4\n");
  const auto d = s.diagnostics();
  EXPECT_EQ(s.parses(), first + 1);
  EXPECT_EQ(s.analyses(), 2u);
  for (const auto& [path, list] : d)
    EXPECT_TRUE(list.empty()) << path;
  // An edit that breaks a file is reported from the reused trees of the others.
  s.change("/p/a.rflow", "module a\nconst X: int = \"no\"\n");
  const auto broken = s.diagnostics();
  EXPECT_EQ(broken.at("/p/a.rflow").size(), 1u);
  EXPECT_EQ(s.parses(), first + 2);
}

TEST(LanguageService, RecheckMatchesAFreshCheck) {
  source::SourceSet one, two;
  one.add("a.rflow", "module a\nfn f(x: int) -> int = x + 1\n");
  one.add("b.rflow", "module b\nimport a\nconst Y: string = a.f(1)\n");
  two.add("a.rflow", "module a\nfn f(x: int) -> int = x + 1\n");
  two.add("b.rflow", "module b\nimport a\nconst Y: int = a.f(\"s\")\n");
  compiler::CheckResult first = compiler::checkSources(one);
  const compiler::CheckResult fresh = compiler::checkSources(two);
  const compiler::CheckResult again = compiler::recheckSources(two, std::move(first));
  EXPECT_EQ(again.parsed_files, 1u);
  ASSERT_EQ(again.diagnostics.size(), fresh.diagnostics.size());
  for (size_t i = 0; i < fresh.diagnostics.size(); ++i) {
    EXPECT_EQ(again.diagnostics[i].message, fresh.diagnostics[i].message);
    EXPECT_EQ(again.diagnostics[i].location, fresh.diagnostics[i].location);
  }
}

TEST(LanguageService, Utf16Positions) {
  const std::string text = "a\n\xC3\xA9\xF0\x9F\x93\xA6x\n";  // é (1 unit) and 📦 (2 units)
  EXPECT_EQ(offsetAt(text, {1, 0}), 2u);
  EXPECT_EQ(offsetAt(text, {1, 1}), 4u);
  EXPECT_EQ(offsetAt(text, {1, 3}), 8u);
  EXPECT_EQ(offsetAt(text, {1, 99}), 9u);  // clamped to the line's end
  EXPECT_EQ(offsetAt(text, {9, 0}), text.size());
  const source::SourceFile file("f", text);
  EXPECT_EQ(positionAt(file, 8), (Position{1, 3}));
}

// A workflow that calls every overload of the table once, each call on its own line.
struct EveryOverload {
  std::string text;
  std::vector<std::pair<const stdlib::Overload*, uint32_t>> calls;  // overload, callee offset
};

EveryOverload everyOverload() {
  // An argument of each type a signature names (T is an int, or a list's element).
  const auto argument = [](std::string_view type) -> std::string {
    if (type == "string") return "s";
    if (type == "int" || type == "T") return "n";
    if (type == "decimal") return "d";
    if (type == "money") return "p";
    if (type == "duration") return "t";
    if (type == "time") return "tm";
    if (type == "list<T>" || type == "list<int>") return "xs";
    if (type == "list<decimal>") return "ds";
    if (type == "list<money>") return "ps";
    if (type == "list<string>") return "ss";
    if (type == "map<T>") return "m";
    if (type == "Calendar") return "cal";
    ADD_FAILURE() << "no argument of type " << type;
    return "";
  };
  EveryOverload out;
  out.text =
      "module demo\n"
      "workflow W(s: string, n: int, d: decimal, p: money, t: duration, tm: time, "
      "xs: list<int>, ds: list<decimal>, ps: list<money>, ss: list<string>, m: map<int>, "
      "cal: Calendar) {\n"
      "  owner \"ops\"\n";
  for (const stdlib::Overload& o : stdlib::kOverloads) {
    std::string args;
    for (const stdlib::Param& p : stdlib::signatureOf(o).parameters())
      args += (args.empty() ? "" : ", ") + argument(p.type);
    out.text += "  let v" + std::to_string(out.calls.size()) + " = ";
    out.calls.emplace_back(&o, static_cast<uint32_t>(out.text.size()));
    out.text += std::string(o.function) + "(" + args + ")\n";
  }
  out.text += "}\n";
  return out;
}

TEST(LanguageService, CompletionOffersEveryStdlibFunctionWithItsDoc) {
  LanguageService s;
  const std::string text = "module demo\nfn f() -> int {\n  \n  return 0\n}\n";
  s.open("/p/a.rflow", text);
  const auto items = s.completion("/p/a.rflow", static_cast<uint32_t>(text.find("  \n") + 2));
  for (const stdlib::Function& f : stdlib::kFunctions) {
    const auto item = std::find_if(items.begin(), items.end(), [&](const CompletionItem& i) {
      return i.label == f.name && i.kind == CompletionKind::kFunction;
    });
    ASSERT_NE(item, items.end()) << f.name;
    EXPECT_FALSE(f.doc.empty()) << f.name;
    EXPECT_EQ(item->documentation, f.doc);
    EXPECT_EQ(item->detail, stdlibSignature(f).text());
    // Every overload's types are in the one signature shown.
    for (const stdlib::Overload& o : stdlib::overloadsOf(f.name)) {
      EXPECT_NE(item->detail.find(stdlib::signatureOf(o).result), std::string::npos) << o.signature;
      for (const stdlib::Param& p : stdlib::signatureOf(o).parameters())
        EXPECT_NE(item->detail.find(p.type), std::string::npos) << o.signature;
    }
  }
  EXPECT_EQ(stdlibSignature(*stdlib::findFunction("len")).text(),
            "fn len(value: string | list<T> | map<T>) -> int");
}

TEST(LanguageService, HoverOverAStdlibCallShowsItsOverloadAndDoc) {
  const EveryOverload program = everyOverload();
  LanguageService s;
  s.open("/p/a.rflow", program.text);
  for (const auto& [path, list] : s.diagnostics())
    for (const Diagnostic& d : list)
      EXPECT_NE(d.severity, diagnostics::Severity::kError) << d.message;
  for (const auto& [overload, offset] : program.calls) {
    const auto h = s.hover("/p/a.rflow", offset + 1);
    ASSERT_TRUE(h) << overload->signature;
    const std::string doc(stdlib::findFunction(overload->function)->doc);
    EXPECT_EQ(h->markdown,
              "```rflow\n" + stdlibSignature(*overload).text() + "\n```\n\n---\n\n" + doc);
    EXPECT_EQ(h->range.start.character + overload->function.size(), h->range.end.character);
  }
  EXPECT_EQ(stdlibSignature(stdlib::overloadsOf("contains")[2]).text(),
            "fn contains(value: map<T>, key: string) -> bool");
}

TEST(LanguageService, HoverOverAStdlibCallThatFitsNoOverloadShowsThemAll) {
  LanguageService s;
  const std::string text = "module demo\nfn f(b: bool) -> int = len(b)\n";
  s.open("/p/a.rflow", text);
  const auto h = s.hover("/p/a.rflow", static_cast<uint32_t>(text.find("len")));
  ASSERT_TRUE(h);
  EXPECT_NE(h->markdown.find("fn len(value: string | list<T> | map<T>) -> int"), std::string::npos);
  EXPECT_NE(h->markdown.find(stdlib::findFunction("len")->doc), std::string::npos);
}

TEST(LanguageService, SignatureHelpOfAStdlibFunction) {
  LanguageService s;
  const std::string text = "module demo\nfn f(x: decimal) -> decimal = round(x, \n";
  s.open("/p/a.rflow", text);
  const auto h = s.signatureHelp("/p/a.rflow", static_cast<uint32_t>(text.size() - 1));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->label, "round(value: decimal | money, places: int) -> decimal | money");
  EXPECT_EQ(h->active_parameter, 1u);
  EXPECT_EQ(h->documentation, stdlib::findFunction("round")->doc);
}

// A project with two classifiers (one with its own threshold, one with the default),
// a workflow that classifies and learns, and a second workflow that must not be offered
// where only a classifier can follow.
const std::string kTriage = R"(module triage

enum IssueCategory { Equipment, Refrigeration, Pricing }
role Support "Support"

/// What a store's request is about, read from its text.
classifier IssueKind -> IssueCategory {
  threshold 0.75
}
classifier Urgency -> IssueCategory

workflow Triage(text: string) -> IssueCategory {
  owner "ops"
  let guess = classify IssueKind(text)
  if guess.label != none {
    return guess.label ?? IssueCategory.Pricing
  }
  let t = task "Categorize: {text}" {
    assign Support
    due 2h
    escalate after 1h to Support
    form { category: IssueCategory }
  }
  learn IssueKind(text, t.category)
  return t.category
}

workflow Inspect(text: string) -> string {
  owner "ops"
  return text
}
)";

uint32_t offsetOf(const std::string& text, std::string_view needle, size_t delta = 0) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return static_cast<uint32_t>(at + delta);
}

std::vector<std::string> labelsOf(const std::vector<CompletionItem>& items) {
  std::vector<std::string> out;
  for (const CompletionItem& i : items)
    out.push_back(i.label);
  return out;
}

TEST(LanguageService, HoverOverAClassifierShowsItsLabelsAndThreshold) {
  LanguageService s;
  s.open("/p/triage.rflow", kTriage);
  for (const auto& [path, list] : s.diagnostics())
    for (const Diagnostic& d : list)
      EXPECT_NE(d.severity, diagnostics::Severity::kError) << d.message;
  const std::string expected =
      "```rflow\nclassifier IssueKind -> IssueCategory { threshold 0.75 }\n"
      "// labels: Equipment, Refrigeration, Pricing\n```";
  // On its declaration, in `classify` and in `learn`: the same classifier.
  for (const std::string_view at :
       {"IssueKind -> ", "IssueKind(text)", "IssueKind(text, t.category)"}) {
    const auto h = s.hover("/p/triage.rflow", offsetOf(kTriage, at, 2));
    ASSERT_TRUE(h) << at;
    EXPECT_TRUE(h->markdown.starts_with(expected)) << at << "\n" << h->markdown;
    EXPECT_NE(h->markdown.find("What a store's request is about"), std::string::npos)
        << h->markdown;
    EXPECT_EQ(h->range.end.character - h->range.start.character, 9u) << at;
  }
  // A classifier without a threshold labels from the default, 0.5.
  const auto h = s.hover("/p/triage.rflow", offsetOf(kTriage, "Urgency"));
  ASSERT_TRUE(h);
  EXPECT_NE(h->markdown.find("classifier Urgency -> IssueCategory { threshold 0.5 }"),
            std::string::npos)
      << h->markdown;
}

// The fields of a classifier's result record are declared by no text of their own: a
// use of one is about that field, never about the classifier.
TEST(LanguageService, AClassificationsFieldsAreNotTheClassifier) {
  LanguageService s;
  s.open("/p/triage.rflow", kTriage);
  const auto h = s.hover("/p/triage.rflow", offsetOf(kTriage, "label != none", 1));
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->markdown.starts_with("```rflow\nIssueKind.label: IssueCategory?\n```"))
      << h->markdown;
  EXPECT_NE(h->markdown.find("none otherwise"), std::string::npos) << h->markdown;
  // Its definition is the classifier that declares it.
  const auto defined = s.definition("/p/triage.rflow", offsetOf(kTriage, "label != none", 1));
  ASSERT_EQ(defined.size(), 1u);
  EXPECT_EQ(defined[0].range.start, (Position{6, 11}));

  // References of the classifier: its declaration, `classify` and `learn`; no field.
  const uint32_t decl = offsetOf(kTriage, "IssueKind -> ");
  const auto refs = s.references("/p/triage.rflow", decl, /*include_declaration=*/true);
  std::vector<uint32_t> lines;
  for (const FileRange& r : refs)
    lines.push_back(r.range.start.line);
  EXPECT_EQ(lines, (std::vector<uint32_t>{6, 13, 23}));

  // Renaming it renames those three and leaves `guess.label` alone.
  const auto renamed = s.rename("/p/triage.rflow", decl, "IssueType");
  ASSERT_TRUE(std::holds_alternative<WorkspaceEdit>(renamed)) << std::get<std::string>(renamed);
  const auto& edits = std::get<WorkspaceEdit>(renamed).at("/p/triage.rflow");
  ASSERT_EQ(edits.size(), 3u);
  for (const TextEdit& e : edits) {
    EXPECT_EQ(e.text, "IssueType");
    EXPECT_EQ(e.range.end.character - e.range.start.character, 9u);
  }
}

TEST(LanguageService, CompletionAfterClassifyOrLearnOffersOnlyClassifiers) {
  for (const std::string keyword : {"classify", "learn"}) {
    // The statement being typed does not parse yet; the classifiers still come.
    std::string text = kTriage;
    const std::string typed = "  let other = " + keyword + " ";
    text.insert(offsetOf(text, "  return t.category"), typed + "\n");
    LanguageService s;
    s.open("/p/triage.rflow", text);
    const uint32_t after = offsetOf(text, typed, typed.size());
    const auto items = s.completion("/p/triage.rflow", after);
    EXPECT_EQ(labelsOf(items), (std::vector<std::string>{"IssueKind", "Urgency"})) << keyword;
    for (const CompletionItem& i : items) {
      EXPECT_EQ(i.kind, CompletionKind::kClass) << i.label;
      EXPECT_TRUE(i.detail.starts_with("classifier " + i.label + " -> IssueCategory")) << i.detail;
    }
    ASSERT_FALSE(items.empty());
    EXPECT_EQ(items[0].documentation, "What a store's request is about, read from its text.");

    // A prefix narrows them.
    text.insert(after, "Urg");
    s.change("/p/triage.rflow", text);
    EXPECT_EQ(labelsOf(s.completion("/p/triage.rflow", after + 3)),
              std::vector<std::string>{"Urgency"})
        << keyword;
  }
  // Elsewhere a classifier is no more special than a workflow.
  LanguageService s;
  s.open("/p/triage.rflow", kTriage);
  const auto items = s.completion("/p/triage.rflow", offsetOf(kTriage, "  return text") + 2);
  const auto labels = labelsOf(items);
  EXPECT_NE(std::find(labels.begin(), labels.end(), "Inspect"), labels.end());
}

// Business calendars (intelligence.md §3): hover shows a calendar's lines wherever it is
// named, and after `4h in` only calendars are offered.
const std::string kHours = R"(module hours

/// When the stores are open.
calendar StoreHours {
  zone "Europe/Berlin"
  open mon-fri 08:00-20:00
  open sat 09:00-18:00
  closed 2026-12-24
}
calendar HeadOffice {
  open mon-fri 09:00-17:00
}
role Clerk "Clerk"

workflow Fix() {
  owner "ops"
  let t = task "Fix it" {
    assign Clerk
    due 4h in StoreHours
    escalate after 2h in StoreHours to Clerk
  }
  let open_now = is_open(now(), HeadOffice)
}
)";

TEST(LanguageService, HoverOverACalendarShowsItsLines) {
  LanguageService s;
  s.open("/p/hours.rflow", kHours);
  for (const auto& [path, list] : s.diagnostics())
    for (const Diagnostic& d : list)
      EXPECT_NE(d.severity, diagnostics::Severity::kError) << d.message;
  const std::string expected =
      "```rflow\ncalendar StoreHours {\n  zone \"Europe/Berlin\"\n  open mon-fri 08:00-20:00\n"
      "  open sat 09:00-18:00\n  closed 2026-12-24\n}\n```";
  for (const std::string_view at : {"StoreHours {", "StoreHours\n", "StoreHours to"}) {
    const auto h = s.hover("/p/hours.rflow", offsetOf(kHours, at, 2));
    ASSERT_TRUE(h) << at;
    EXPECT_TRUE(h->markdown.starts_with(expected)) << at << "\n" << h->markdown;
    EXPECT_NE(h->markdown.find("When the stores are open."), std::string::npos) << h->markdown;
  }
  // Without a zone, UTC; as a native's argument, the same calendar.
  const auto h = s.hover("/p/hours.rflow", offsetOf(kHours, "HeadOffice)", 2));
  ASSERT_TRUE(h);
  EXPECT_NE(h->markdown.find("calendar HeadOffice {\n  zone \"UTC\"\n  open mon-fri 09:00-17:00"),
            std::string::npos)
      << h->markdown;
  const auto defined = s.definition("/p/hours.rflow", offsetOf(kHours, "StoreHours to", 2));
  ASSERT_EQ(defined.size(), 1u);
  EXPECT_EQ(defined[0].range.start, (Position{3, 9}));
}

TEST(LanguageService, CompletionAfterADurationAndInOffersOnlyCalendars) {
  std::string text = kHours;
  const std::string typed = "  sleep 8h in ";
  text.insert(offsetOf(text, "  let open_now"), typed + "\n");
  LanguageService s;
  s.open("/p/hours.rflow", text);
  const uint32_t after = offsetOf(text, typed, typed.size());
  const auto items = s.completion("/p/hours.rflow", after);
  EXPECT_EQ(labelsOf(items), (std::vector<std::string>{"HeadOffice", "StoreHours"}));
  for (const CompletionItem& i : items)
    EXPECT_TRUE(i.detail.starts_with("calendar " + i.label)) << i.detail;
  // `for x in` is not a waiting duration: everything is offered there.
  std::string loop = kHours;
  const std::string for_typed = "  for x in ";
  loop.insert(offsetOf(loop, "  let open_now"), for_typed + "\n");
  s.change("/p/hours.rflow", loop);
  const auto labels =
      labelsOf(s.completion("/p/hours.rflow", offsetOf(loop, for_typed, for_typed.size())));
  EXPECT_NE(std::find(labels.begin(), labels.end(), "Fix"), labels.end());
}

// Another module's classifier is written through its import, `triage.IssueKind`; one of a
// module the file does not import cannot be named at all.
TEST(LanguageService, CompletionAfterClassifyNamesOtherModulesClassifiersThroughTheirImport) {
  LanguageService s;
  s.open("/p/triage.rflow", kTriage);
  s.open("/p/mood.rflow", "module mood\nenum Mood { Happy, Sad }\nclassifier MoodOf -> Mood\n");
  const std::string text =
      "module store\nimport triage\n\nworkflow Route(text: string) -> string {\n"
      "  owner \"ops\"\n  let g = classify \n  return text\n}\n";
  s.open("/p/store.rflow", text);
  const auto items = s.completion("/p/store.rflow", offsetOf(text, "classify ", 9));
  EXPECT_EQ(labelsOf(items), (std::vector<std::string>{"triage.IssueKind", "triage.Urgency"}));
  // What is offered is what the checker accepts.
  std::string completed = text;
  completed.insert(offsetOf(text, "classify ", 9), "triage.IssueKind(text)");
  s.change("/p/store.rflow", completed);
  // Held by name: a range-for over .at() of the returned map would outlive the map.
  const auto published = s.diagnostics();
  for (const Diagnostic& d : published.at("/p/store.rflow"))
    EXPECT_NE(d.severity, diagnostics::Severity::kError) << d.message;
}

TEST(LanguageService, OutlineListsClassifiers) {
  LanguageService s;
  s.open("/p/triage.rflow", kTriage);
  const auto symbols = s.documentSymbols("/p/triage.rflow");
  std::vector<std::pair<std::string, SymbolKind>> outline;
  for (const DocumentSymbol& d : symbols)
    outline.emplace_back(d.name, d.kind);
  EXPECT_EQ(outline,
            (std::vector<std::pair<std::string, SymbolKind>>{{"IssueCategory", SymbolKind::kEnum},
                                                             {"Support", SymbolKind::kRole},
                                                             {"IssueKind", SymbolKind::kClassifier},
                                                             {"Urgency", SymbolKind::kClassifier},
                                                             {"Triage", SymbolKind::kWorkflow},
                                                             {"Inspect", SymbolKind::kWorkflow}}));
  const DocumentSymbol& kind = symbols[2];
  EXPECT_EQ(kind.detail, "classifier IssueKind -> IssueCategory { threshold 0.75 }");
  EXPECT_EQ(kind.selection.start.line, 6u);
  EXPECT_EQ(kind.range.end.line, 8u);  // the whole declaration, its block included
  // And the workspace finds it by name.
  const auto found = s.workspaceSymbols("issuek");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, "IssueKind");
  EXPECT_EQ(found[0].kind, SymbolKind::kClassifier);
}

// A workflow that tracks a dimension, measures in its header and in statements (one
// measure first named by a statement), and names the stage of its approval.
const std::string kFigures = R"(module ap

enum Region { EU, US }
record Invoice { number: string, region: Region, total: money }
role Clerk "Clerk"

workflow Match(inv: Invoice) -> bool {
  owner "accounts-payable"
  track region = inv.region
  measure value = inv.total
  let review = approval "Review {inv.number}" {
    stage "ap review"
    assign Clerk
    due 1d
    escalate after 4h to Clerk
  }
  measure exception_cost = inv.total
  measure value = inv.total + inv.total
  measure exception_cost = 0.00 EUR
  return review.approved
}
)";

size_t nthOffset(const std::string& text, std::string_view needle, int n) {
  size_t at = text.find(needle);
  for (int i = 1; i < n && at != std::string::npos; ++i)
    at = text.find(needle, at + 1);
  EXPECT_NE(at, std::string::npos) << needle << " #" << n;
  return at;
}

TEST(LanguageService, HoverKnowsWhatAWorkflowTracksAndMeasures) {
  LanguageService s;
  s.open("/p/ap.rflow", kFigures);
  for (const auto& [path, list] : s.diagnostics())
    for (const Diagnostic& d : list)
      EXPECT_NE(d.severity, diagnostics::Severity::kError) << d.message;
  const auto hoverAt = [&](std::string_view needle, int n) {
    const auto h = s.hover("/p/ap.rflow", static_cast<uint32_t>(nthOffset(kFigures, needle, n)));
    EXPECT_TRUE(h) << needle << " #" << n;
    return h ? h->markdown : std::string();
  };
  const std::string region = hoverAt("region = inv", 1);
  EXPECT_TRUE(region.starts_with("```rflow\ntrack region: Region\n```")) << region;
  EXPECT_NE(region.find("in `Match`"), std::string::npos) << region;
  EXPECT_NE(region.find("GET /v1/instances?workflow=Match&region="), std::string::npos) << region;
  // The header's measure and the statement that replaces it: one measure.
  for (int n : {1, 2}) {
    const std::string value = hoverAt("value = inv.total", n);
    EXPECT_TRUE(value.starts_with("```rflow\nmeasure value: money\n```")) << n << value;
    EXPECT_NE(value.find("set at start"), std::string::npos) << value;
  }
  // A measure that only statements name: declared where it is first set.
  for (int n : {1, 2}) {
    const std::string cost = hoverAt("exception_cost =", n);
    EXPECT_TRUE(cost.starts_with("```rflow\nmeasure exception_cost: money\n```")) << n << cost;
  }
  const auto refs = s.references(
      "/p/ap.rflow", static_cast<uint32_t>(nthOffset(kFigures, "exception_cost =", 2)), true);
  std::vector<uint32_t> lines;
  for (const FileRange& r : refs)
    lines.push_back(r.range.start.line);
  EXPECT_EQ(lines, (std::vector<uint32_t>{16, 18}));
  const auto defined = s.definition(
      "/p/ap.rflow", static_cast<uint32_t>(nthOffset(kFigures, "value = inv.total", 2)));
  ASSERT_EQ(defined.size(), 1u);
  EXPECT_EQ(defined[0].range.start, (Position{9, 10}));
}

TEST(LanguageService, HoverOverAStageClauseSaysWhatItNames) {
  LanguageService s;
  s.open("/p/ap.rflow", kFigures);
  for (const std::string_view at : {"stage \"ap", "\"ap review\"", "review\"\n"}) {
    const auto h = s.hover("/p/ap.rflow", offsetOf(kFigures, at, 1));
    ASSERT_TRUE(h) << at;
    EXPECT_TRUE(h->markdown.starts_with("```rflow\nstage \"ap review\"\n```")) << h->markdown;
    EXPECT_NE(h->markdown.find("/v1/insights/stages"), std::string::npos) << h->markdown;
    // The whole clause.
    EXPECT_EQ(h->range.start, (Position{11, 4})) << at;
    EXPECT_EQ(h->range.end, (Position{11, 21})) << at;
  }
}

TEST(LanguageService, CompletionAfterMeasureOffersTheWorkflowsMeasures) {
  // The statement being typed does not parse yet; the measures still come.
  std::string text = kFigures;
  const std::string typed = "  measure ";
  text.insert(offsetOf(text, "  return review"), typed + "\n");
  LanguageService s;
  s.open("/p/ap.rflow", text);
  const uint32_t after = offsetOf(text, typed + "\n", typed.size());
  const auto items = s.completion("/p/ap.rflow", after);
  EXPECT_EQ(labelsOf(items), (std::vector<std::string>{"exception_cost", "value"}));
  for (const CompletionItem& i : items) {
    EXPECT_EQ(i.kind, CompletionKind::kField) << i.label;
    EXPECT_EQ(i.detail, "measure " + i.label + ": money");
  }
  text.insert(after, "ex");
  s.change("/p/ap.rflow", text);
  EXPECT_EQ(labelsOf(s.completion("/p/ap.rflow", after + 2)),
            std::vector<std::string>{"exception_cost"});

  // The clause words, where they go.
  const auto offers = [&](std::string_view before, std::string_view word) {
    std::string t = kFigures;
    const std::string line = "  " + std::string(word.substr(0, 3));
    const uint32_t at = offsetOf(t, before);
    t.insert(at, line + "\n");
    s.change("/p/ap.rflow", t);
    const auto labels = labelsOf(s.completion("/p/ap.rflow", at + static_cast<uint32_t>(line.size())));
    return std::find(labels.begin(), labels.end(), word) != labels.end();
  };
  EXPECT_TRUE(offers("  measure value = inv.total\n  let", "track"));
  EXPECT_TRUE(offers("  measure value = inv.total\n  let", "measure"));
  EXPECT_TRUE(offers("    assign Clerk", "stage"));
}

}  // namespace
}  // namespace rflow::lsp::service
