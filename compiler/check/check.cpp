#include "check/check.h"

#include "check/checker.h"

namespace rflow::check {

Program checkProgram(const source::SourceSet& sources, const std::vector<syntax::File>& files,
                     diagnostics::DiagnosticConsumer& consumer, const CheckOptions& options) {
  Checker checker(sources, files, consumer, options);
  return checker.run();
}

}  // namespace rflow::check
