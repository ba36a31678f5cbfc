// `rflow migrate check OLD.rfc NEW.rfc [--workflow W]`: which places an instance of a
// workflow can wait at in the old module, and whether an instance waiting there would move
// to the new one (intelligence.md §4; the matching is bytecode/wait_map.h's, the same the
// service's POST /v1/migrations uses). Nothing is moved: it reads two module files.
//
// One table row per wait place: workflow, place, where it goes or why it cannot. Exit 0
// when every place maps, 1 when some place does not (a workflow missing in NEW counts as
// not mapping), 2 for misuse: a file that is not a module, a workflow OLD does not have,
// or OLD older than format 5 (it records no wait places).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/wait_map.h"
#include "cli/commands.h"
#include "cli/module_file.h"

namespace rflow::cli {

namespace {

struct Options {
  std::string old_path;
  std::string new_path;
  std::optional<std::string> workflow;
};

struct Row {
  std::string workflow;
  std::string place;
  std::string verdict;  // "moves to …" or "stays: why"
};

// Whether the qualified `qualified` is `name`, qualified or declared.
bool namedBy(std::string_view qualified, std::string_view name) {
  return qualified == name ||
         (qualified.size() > name.size() && qualified.ends_with(name) &&
          qualified[qualified.size() - name.size() - 1] == '.');
}

// Prints `rows` as aligned columns under a header.
void printTable(const std::vector<Row>& rows) {
  size_t w0 = std::string_view("WORKFLOW").size(), w1 = std::string_view("PLACE").size();
  for (const Row& r : rows) {
    w0 = std::max(w0, r.workflow.size());
    w1 = std::max(w1, r.place.size());
  }
  std::cout << fmt::format("{:<{}}  {:<{}}  {}\n", "WORKFLOW", w0, "PLACE", w1, "MIGRATION");
  for (const Row& r : rows)
    std::cout << fmt::format("{:<{}}  {:<{}}  {}\n", r.workflow, w0, r.place, w1, r.verdict);
}

int runMigrateCheck(const Options& o) {
  auto from = readModuleFile(o.old_path);
  if (auto* problem = std::get_if<std::string>(&from)) {
    std::cerr << "rflow migrate check: " << *problem << "\n";
    return 2;
  }
  auto to = readModuleFile(o.new_path);
  if (auto* problem = std::get_if<std::string>(&to)) {
    std::cerr << "rflow migrate check: " << *problem << "\n";
    return 2;
  }
  const bytecode::Module& fm = std::get<bytecode::Module>(from);
  const bytecode::Module& tm = std::get<bytecode::Module>(to);

  std::vector<std::string> workflows;
  if (o.workflow) {
    workflows.push_back(*o.workflow);
  } else {
    for (const bytecode::Workflow& w : fm.workflows) workflows.push_back(fm.strings[w.name]);
  }

  std::vector<Row> rows;
  size_t stays = 0;
  for (const std::string& name : workflows) {
    auto mapped = bytecode::mapWaits(fm, tm, name);
    if (auto* e = std::get_if<bytecode::WaitMapError>(&mapped)) {
      using C = bytecode::WaitMapError::Code;
      if (e->code != C::kNotInNewVersion) {
        std::cerr << fmt::format("rflow migrate check: {} (in `{}`)\n", e->message, o.old_path);
        return 2;
      }
      // Every place of a workflow the new version dropped stays where it is.
      for (const bytecode::WaitPlace& p : fm.waits) {
        const std::string& qualified = fm.strings[fm.workflows[p.workflow].name];
        if (!namedBy(qualified, name)) continue;
        rows.push_back({qualified, bytecode::placeText(fm, p), "stays: " + e->message});
        ++stays;
      }
      continue;
    }
    const auto& map = std::get<bytecode::WorkflowMap>(mapped);
    for (const bytecode::PlaceMap& pm : map.places) {
      Row row{map.workflow, bytecode::placeText(fm, fm.waits[pm.from_place]), {}};
      if (pm.to_place) {
        row.verdict = "moves to " + bytecode::placeText(tm, tm.waits[*pm.to_place]);
      } else {
        row.verdict = "stays: " + pm.reason;
        ++stays;
      }
      rows.push_back(std::move(row));
    }
  }
  printTable(rows);
  std::cout << fmt::format("{} wait places: {} move, {} stay on the old version\n", rows.size(),
                           rows.size() - stays, stays);
  return stays == 0 ? 0 : 1;
}

}  // namespace

void addMigrateCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* migrate =
      app.add_subcommand("migrate", "Moving waiting instances to a newer module version");
  migrate->require_subcommand(1);
  auto options = std::make_shared<Options>();
  CLI::App* check = migrate->add_subcommand(
      "check",
      "Show, for every place a workflow of OLD can wait at, whether a waiting instance would "
      "move to NEW (exit 0: all move, 1: some stay, 2: misuse)");
  check->add_option("old", options->old_path, "The module instances run on now (.rfc)")
      ->required();
  check->add_option("new", options->new_path, "The module to move them to (.rfc)")->required();
  check->add_option("--workflow", options->workflow,
                    "Only this workflow (qualified or declared name)");
  check->callback([options, &run] { run = [options] { return runMigrateCheck(*options); }; });
}

}  // namespace rflow::cli
