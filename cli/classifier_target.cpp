// The classifier commands' shared parts (classifier_target.h).
#include "cli/classifier_target.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "base/suggest.h"
#include "cli/report.h"
#include "driver/build.h"
#include "runtime/model_registry.h"
#include "vm/print.h"

namespace rflow::cli {

namespace fs = std::filesystem;

std::variant<ClassifierTarget, int> findClassifier(const std::string& path, const std::string& name,
                                                   std::string_view command) {
  const std::vector<std::string> paths{path};
  compiler::BuildResult built = compiler::buildPaths(paths);
  if (!built.module) {
    reportDiagnostics(built.check, "text", "checked");
    return 1;
  }
  const bytecode::Module& m = *built.module;
  std::vector<std::string_view> declared;
  const bytecode::Classifier* found = nullptr;
  size_t short_matches = 0;
  for (const bytecode::Classifier& c : m.classifiers) {
    const std::string& qualified = m.strings[c.name];
    declared.push_back(vm::declaredName(qualified));
    if (qualified == name) {
      found = &c;
      short_matches = 1;
      break;
    }
    if (vm::declaredName(qualified) == name) {
      found = &c;
      ++short_matches;
    }
  }
  if (!found) {
    std::string message =
        fmt::format("rflow {}: {} declares no classifier `{}`", command, path, name);
    if (auto close = base::closestMatch(name, declared))
      message += fmt::format("; did you mean `{}`?", *close);
    else if (declared.empty())
      message += "; declare one with `classifier Name -> Enum { threshold 0.75 }`";
    else
      message += fmt::format("; it declares {}", fmt::join(declared, ", "));
    std::cerr << message << "\n";
    return 1;
  }
  if (short_matches > 1) {
    std::cerr << fmt::format(
        "rflow {}: several classifiers of {} are called `{}`: give the qualified name\n", command,
        path, name);
    return 1;
  }
  ClassifierTarget t;
  t.qualified = m.strings[found->name];
  t.name = std::string(vm::declaredName(t.qualified));
  t.enum_name = found->labels < m.enums.size()
                    ? std::string(vm::declaredName(m.strings[m.enums[found->labels].name]))
                    : "";
  t.members = runtime::enumMembers(m, found->labels);
  t.threshold_text = found->threshold.digits;
  t.threshold = std::strtod(t.threshold_text.c_str(), nullptr);
  return t;
}

AtThreshold scoreAt(const classifier::Model& model, std::span<const classifier::Example> examples,
                    double threshold) {
  AtThreshold out;
  out.examples = examples.size();
  for (const classifier::Example& e : examples) {
    const auto top = model.predict(e.text, 1);
    if (top.empty() || top.front().confidence < threshold) continue;
    ++out.labelled;
    if (top.front().label == e.label) ++out.right;
  }
  return out;
}

std::optional<std::string> checkOutputPath(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return fmt::format("{} is a directory: -o names the model file to write, like {}/model.ftz",
                       path.string(), path.string());
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec))
    return fmt::format("there is no directory {} to write {} in: create it first", dir.string(),
                       path.string());
  return std::nullopt;
}

std::optional<std::string> writeFileAtomically(const fs::path& path, std::string_view bytes) {
  if (auto problem = checkOutputPath(path)) return problem;
  const fs::path temp = path.string() + fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return fmt::format("cannot write {}: the directory is not writable", path.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(temp, ec);
      return fmt::format("writing {} failed (is the disk full?)", path.string());
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return fmt::format("cannot write {}: {}", path.string(), ec.message());
  }
  return std::nullopt;
}

}  // namespace rflow::cli
