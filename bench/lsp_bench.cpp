// bench_lsp: how fast the language service answers on a generated 5,000-line project
// (bench/project_generator.h), measured in-process on the protocol-neutral service
// (lsp/service), which is where the time goes; JSON framing adds microseconds.
//
//   diagnostics after an edit: change one file (a keystroke in a string), then ask for
//     the diagnostics of the whole project (what the server publishes). The edit
//     re-parses that file only and re-checks the project. Goal: p95 < 50 ms.
//   hover, completion: on a current analysis, at names throughout one file; completion
//     after `.` in member accesses and at the start of statements. Goal: p95 < 10 ms.
//     Also the first hover after an edit (which builds the symbol index) and completion
//     after `.` on a line that does not parse yet (a re-check with a placeholder).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "lsp/service/language_service.h"
#include "project_generator.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double p50, p95, max;
};

Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  return {at(0.50), at(0.95), ms.back()};
}

template <typename F>
double timeMs(F&& f) {
  const auto start = Clock::now();
  f();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t lines = argc > 1 ? std::stoul(argv[1]) : 5000;
  const int edits = argc > 2 ? std::stoi(argv[2]) : 40;
  auto project = rflow::bench::generateProject(lines);
  size_t total_lines = 0;
  for (const auto& [path, text] : project)
    total_lines += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));

  rflow::lsp::service::LanguageService service;
  for (const auto& [path, text] : project)
    service.open("/bench/" + path, text);
  const double first = timeMs([&] { (void)service.diagnostics(); });

  // Edits: alternate between files, each a one-character change inside a string.
  std::vector<double> diag_ms;
  const size_t target = project.size() / 2;
  std::string text = project[target].second;
  const std::string path = "/bench/" + project[target].first;
  const size_t quote = text.find("owner \"") + 7;
  for (int i = 0; i < edits; ++i) {
    text.insert(quote, 1, static_cast<char>('a' + i % 26));
    service.change(path, text);
    diag_ms.push_back(timeMs([&] { (void)service.diagnostics(); }));
  }

  // The same, with nothing to re-parse: what name resolution and type checking cost.
  std::vector<double> check_ms;
  for (int i = 0; i < edits / 2; ++i) {
    service.change(path, text);
    check_ms.push_back(timeMs([&] { (void)service.diagnostics(); }));
  }

  // The first question after an edit also builds the symbol index.
  std::vector<double> first_hover_ms;
  for (int i = 0; i < edits / 2; ++i) {
    text.insert(quote, 1, 'x');
    service.change(path, text);
    (void)service.diagnostics();
    first_hover_ms.push_back(timeMs(
        [&] { (void)service.hover(path, static_cast<uint32_t>(text.find("review.outcome"))); }));
  }
  // Hover at every identifier start of the edited file (sampled), on a fresh analysis.
  (void)service.diagnostics();
  std::vector<uint32_t> names;
  for (size_t i = 1; i < text.size(); ++i)
    if ((std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_') &&
        !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_'))
      names.push_back(static_cast<uint32_t>(i));
  std::vector<double> hover_ms;
  size_t hovers_with_answer = 0;
  for (size_t k = 0; k < names.size(); k += std::max<size_t>(1, names.size() / 400)) {
    hover_ms.push_back(
        timeMs([&] { hovers_with_answer += service.hover(path, names[k]).has_value(); }));
  }

  std::vector<double> member_ms, scope_ms;
  size_t items = 0;
  for (size_t at = text.find("r."); at != std::string::npos && member_ms.size() < 200;
       at = text.find("r.", at + 1)) {
    if (at > 0 && std::isalnum(static_cast<unsigned char>(text[at - 1]))) continue;
    member_ms.push_back(
        timeMs([&] { items += service.completion(path, static_cast<uint32_t>(at + 2)).size(); }));
  }
  for (size_t at = text.find("\n  let "); at != std::string::npos && scope_ms.size() < 200;
       at = text.find("\n  let ", at + 1))
    scope_ms.push_back(
        timeMs([&] { items += service.completion(path, static_cast<uint32_t>(at + 3)).size(); }));

  // Completion after `.` on a line that does not parse yet: the service re-checks the
  // text with a placeholder member (reusing every other file's syntax tree).
  std::vector<double> typing_ms;
  const size_t stmt = text.find("\n  return ");
  for (int i = 0; i < 10 && stmt != std::string::npos; ++i) {
    std::string typing = text;
    typing.insert(stmt + 1, "  let zz = r.\n");
    service.change(path, typing);
    (void)service.diagnostics();
    const auto at = static_cast<uint32_t>(stmt + 1 + std::string("  let zz = r.").size());
    typing_ms.push_back(timeMs([&] { items += service.completion(path, at).size(); }));
  }

  const auto row = [](const char* what, const std::vector<double>& ms, const char* goal) {
    const Stats s = stats(ms);
    fmt::print("{:<34} {:>6} {:>9.2f} {:>9.2f} {:>9.2f}   {}\n", what, ms.size(), s.p50, s.p95,
               s.max, goal);
  };
  fmt::print("bench_lsp: {} files, {} lines; first full check {:.1f} ms\n\n", project.size(),
             total_lines, first);
  fmt::print("{:<34} {:>6} {:>9} {:>9} {:>9}   {}\n", "request", "n", "p50 ms", "p95 ms", "max ms",
             "goal (p95)");
  row("diagnostics after an edit", diag_ms, "< 50 ms");
  row("  of which re-checking (no parse)", check_ms, "");
  row("first hover after an edit (+index)", first_hover_ms, "");
  row("hover", hover_ms, "< 10 ms");
  row("completion after `.`", member_ms, "< 10 ms");
  row("completion in scope", scope_ms, "< 10 ms");
  row("completion after `.`, line broken", typing_ms, "< 10 ms");
  // Every analysis after the first re-parses at most the one edited file.
  fmt::print("\nfiles parsed: {} in {} analyses ({} at the first); {} of {} hovers answered\n",
             service.parses(), service.analyses(), project.size() + 1, hovers_with_answer,
             hover_ms.size());
  return 0;
}
