// `rflow audit verify --data DIR`: checks that every instance's audit trail in a data
// directory is exactly what the engine wrote (each entry seals the one before it; see
// runtime/engine/audit_verify.h). Prints the first problem of each instance whose trail
// is not whole; exit 0 when all are, 1 otherwise.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "engine/audit_verify.h"
#include "store/store.h"

namespace rflow::cli {

namespace {

int runAuditVerify(const std::string& data) {
  if (!std::filesystem::is_directory(data)) {
    std::cerr << fmt::format(
        "rflow audit verify: there is no data directory at `{}`; give the --data directory "
        "of the rflow serve or rflow run that wrote it\n",
        data);
    return 1;
  }
  auto opened = store::Store::open(data);
  if (auto* problem = std::get_if<std::string>(&opened)) {
    std::cerr << "rflow audit verify: " << *problem << "\n";
    return 1;
  }
  const engine::AuditCheck check =
      engine::verifyAudit(*std::get<std::unique_ptr<store::Store>>(opened));
  for (const engine::AuditProblem& p : check.problems)
    std::cout << fmt::format("{}: {}\n", p.instance.empty() ? data : p.instance, p.message);
  std::string summary =
      fmt::format("checked {} instances and {} audit entries", check.instances, check.entries);
  if (check.unsealed > 0)
    summary +=
        fmt::format(" ({} written before entries were sealed, not verifiable)", check.unsealed);
  if (check.problems.empty()) {
    std::cout << summary << ": every trail is whole\n";
    return 0;
  }
  std::cout << summary << fmt::format(": {} trails were tampered with\n", check.problems.size());
  return 1;
}

}  // namespace

void addAuditCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* audit = app.add_subcommand("audit", "Check the audit trails of a data directory");
  audit->require_subcommand(1);
  auto data = std::make_shared<std::string>();
  CLI::App* verify = audit->add_subcommand(
      "verify", "Recompute every audit entry's seal and name the first one that was altered");
  verify->add_option("--data", *data, "The data directory")->required();
  verify->callback([data, &run] { run = [data] { return runAuditVerify(*data); }; });
}

}  // namespace rflow::cli
