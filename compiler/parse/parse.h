// Parsing: source text to syntax tree. The only public header of the parser edge;
// ANTLR's types stay behind it (in the .cpp files of this folder and grammar/).
//
// parseFile never fails: every problem becomes a diagnostic, the broken parts become
// error nodes, and the declarations around them are still built (see syntax/ast.h).
#pragma once

#include "diagnostics/diagnostic.h"
#include "source/source_set.h"
#include "syntax/ast.h"

namespace rflow::parse {

syntax::File parseFile(const source::SourceSet& sources, source::FileId file,
                       diagnostics::DiagnosticConsumer& consumer);

}  // namespace rflow::parse
