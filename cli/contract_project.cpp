// Building a project for its contracts, and writing the documents.
#include "cli/contract_project.h"

#include <iostream>

#include "bytecode/hash.h"
#include "bytecode/write.h"
#include "cli/module_file.h"
#include "cli/report.h"
#include "driver/docs.h"

namespace rflow::cli {

std::optional<ContractProject> buildContractProject(const std::string& path) {
  const std::vector<std::string> paths{path.empty() ? std::string(".") : path};
  ContractProject out{compiler::buildPaths(paths), {}, {}};
  if (!out.built.module) {
    reportDiagnostics(out.built.check, "text", "built");
    return std::nullopt;
  }
  bytecode::writeModule(*out.built.module);  // fills the content hash: the version
  out.version = bytecode::hashHex(out.built.module->content_hash);
  out.docs = compiler::collectDocs(out.built.check.program);
  return out;
}

std::string writeDocument(const nlohmann::json& document, const std::string& output) {
  const std::string text =
      document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (output.empty() || output == "-") {
    std::cout << text;
    return std::cout ? std::string() : std::string("cannot write to stdout");
  }
  return writeFileAtomically(output, std::vector<uint8_t>(text.begin(), text.end()));
}

}  // namespace rflow::cli
