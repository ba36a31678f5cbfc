// Every ```rflow snippet of the language reference (docs/language.md) parses without
// errors: the reference and the parser cannot drift apart.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "diagnostics/render.h"
#include "driver/check.h"

namespace rflow {
namespace {

std::vector<std::pair<size_t, std::string>> snippets() {
  std::ifstream in(std::string(RFLOW_SOURCE_DIR) + "/docs/language.md");
  std::vector<std::pair<size_t, std::string>> out;
  std::string line;
  size_t number = 0;
  bool inside = false;
  while (std::getline(in, line)) {
    ++number;
    if (!inside && line.rfind("```rflow", 0) == 0) {
      inside = true;
      out.push_back({number, ""});
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
    } else if (inside) {
      out.back().second += line + "\n";
    }
  }
  return out;
}

TEST(SpecSnippets, EverySnippetParses) {
  const auto all = snippets();
  ASSERT_GE(all.size(), 5u) << "docs/language.md should hold the reference's rflow snippets";
  for (const auto& [line, text] : all) {
    source::SourceSet sources;
    // Snippets that show declarations without a module line get one.
    const bool has_module = text.find("module ") != std::string::npos;
    sources.add("language.md", has_module ? text : "module snippet\n" + text);
    const auto r = compiler::checkSources(std::move(sources), {.semantic = false});
    std::string rendered;
    for (const auto& d : r.diagnostics)
      rendered += diagnostics::renderText(d, r.sources);
    EXPECT_TRUE(r.ok()) << "snippet at docs/language.md:" << line << "\n" << rendered;
  }
}

}  // namespace
}  // namespace rflow
