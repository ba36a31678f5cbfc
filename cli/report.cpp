#include "cli/report.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "diagnostics/render.h"

namespace rflow::cli {

int reportDiagnostics(const compiler::CheckResult& result, std::string_view format,
                      std::string_view verb) {
  const size_t files = result.sources.size() - compiler::CheckResult::kFirstUserFile;
  if (format == "json") {
    nlohmann::json out = diagnostics::toJson(result.diagnostics, result.sources);
    out["files"] = files;
    std::cout << out.dump(2) << "\n";
    return result.ok() ? 0 : 1;
  }
  for (const diagnostics::Diagnostic& d : result.diagnostics)
    std::cerr << diagnostics::renderText(d, result.sources);
  std::cerr << verb << " " << files << (files == 1 ? " file: " : " files: ")
            << diagnostics::renderSummary(result.errors, result.warnings) << "\n";
  return result.ok() ? 0 : 1;
}

int commandFailed(std::string_view command, std::string_view message) {
  std::cerr << "rflow " << command << ": " << message << "\n";
  return 1;
}

std::string adminToken(const std::string& token_file, std::string& problem) {
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty())
      problem = fmt::format("--token-file {}: cannot read a token from its first line", token_file);
    return token;
  }
  if (const char* env = std::getenv("RFLOW_TOKEN"); env != nullptr && *env != '\0') return env;
  problem =
      "no admin token: put one in the RFLOW_TOKEN environment variable or give "
      "--token-file FILE";
  return {};
}

}  // namespace rflow::cli
