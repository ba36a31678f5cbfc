// How commands report: check, build and disasm a project's diagnostics (text on stderr
// with a summary line, or one JSON document on stdout for tools), and any command the
// problem that stops it.
#pragma once

#include <string>
#include <string_view>

#include "driver/check.h"

namespace rflow::cli {

// Prints `result`'s diagnostics and the summary "<verb> N files: …" (text), or the JSON
// document (json). Returns the exit code: 0 without errors, 1 with.
int reportDiagnostics(const compiler::CheckResult& result, std::string_view format,
                      std::string_view verb);

// Prints "rflow <command>: <message>" on stderr; returns the exit code 1.
int commandFailed(std::string_view command, std::string_view message);

// The admin token for a command that talks to a running service: the first line of
// `token_file` (--token-file), else $RFLOW_TOKEN (never an argument, which every user of
// the machine could read in the process list). Empty with `problem` saying what to do.
std::string adminToken(const std::string& token_file, std::string& problem);

}  // namespace rflow::cli
