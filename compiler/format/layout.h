// The formatter's layout engine: tokens in, canonical text out (rules in format.h).
// Internal to compiler/format; format.cpp decides whether a file may be formatted and
// verifies the result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parse/tokens.h"

namespace rflow::format {

// Lays out `tokens` (lexTokens of `text`) canonically. Pure; no checks.
std::string layoutTokens(std::string_view text, const std::vector<parse::Token>& tokens);

// A token's text as the formatter writes it: comments lose trailing blanks.
std::string_view tokenText(std::string_view text, const parse::Token& token);

}  // namespace rflow::format
