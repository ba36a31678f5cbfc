#include "cli/report.h"

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

}  // namespace rflow::cli
