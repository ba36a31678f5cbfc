// Diagnostics as values.
//
// A Diagnostic is what the compiler found wrong or questionable: a kind from
// diagnostic_kinds.def (which fixes its stable code and default severity), an optional
// location (absent only for problems with no file, like an unreadable path), the
// formatted message, notes that point elsewhere, and at most one suggested fix (text
// edits an editor can apply). Nothing here throws; emitting never stops compilation.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "source/span.h"

namespace rflow::diagnostics {

using source::Location;

enum class Severity : uint8_t { kError, kWarning };

enum class DiagnosticKind : uint16_t {
#define RFLOW_DIAGNOSTIC(Name, Code, Severity, Format, ...) Name,
#include "diagnostics/diagnostic_kinds.def"
#undef RFLOW_DIAGNOSTIC
};

struct DiagnosticKindInfo {
  std::string_view name;
  std::string_view code;  // "E0120", "W0003"
  Severity severity;
  std::string_view format;
};
const DiagnosticKindInfo& kindInfo(DiagnosticKind kind);
std::span<const DiagnosticKindInfo> allKinds();

struct Note {
  std::optional<Location> location;
  std::string message;
};

// One replacement of the text at `location.span`.
struct Edit {
  Location location;
  std::string replacement;
};

struct Fix {
  std::string description;  // "replace `3days` with `3d`"
  std::vector<Edit> edits;
};

struct Diagnostic {
  DiagnosticKind kind;
  Severity severity;
  std::optional<Location> location;
  std::string message;
  std::vector<Note> notes;
  std::optional<Fix> fix;

  std::string_view code() const { return kindInfo(kind).code; }
};

// A kind together with the argument types its format expects, so that a mismatch
// between the two is a compile error (fmt checks the format string at compile time).
template <typename... Args>
struct DiagnosticDescriptor {
  DiagnosticKind kind;
  fmt::format_string<Args...> format;
};

// diag::UnclosedBrace and friends: one descriptor per line of the .def.
namespace diag {
#define RFLOW_DIAGNOSTIC(Name, Code, Severity, Format, ...) \
  inline constexpr DiagnosticDescriptor<__VA_ARGS__> Name{DiagnosticKind::Name, Format};
#include "diagnostics/diagnostic_kinds.def"
#undef RFLOW_DIAGNOSTIC
}  // namespace diag

// Receives finished diagnostics: collects, prints, counts or forwards them.
class DiagnosticConsumer {
 public:
  virtual ~DiagnosticConsumer() = default;
  virtual void consume(Diagnostic diagnostic) = 0;
};

// Keeps every diagnostic, in the order emitted.
class DiagnosticCollector : public DiagnosticConsumer {
 public:
  void consume(Diagnostic diagnostic) override;
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic> take() { return std::move(diagnostics_); }
  size_t errorCount() const;
  size_t warningCount() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

class DiagnosticEmitter;

// Adds notes and a fix to a diagnostic before emit() hands it to the consumer.
class [[nodiscard]] DiagnosticBuilder {
 public:
  DiagnosticBuilder& note(std::optional<Location> location, std::string message);
  DiagnosticBuilder& fix(std::string description, std::vector<Edit> edits);
  // A muted builder's emit() delivers nothing (for callers that cap how much they say).
  DiagnosticBuilder&& mute(bool muted) && {
    muted_ = muted;
    return std::move(*this);
  }
  void emit();

 private:
  friend class DiagnosticEmitter;
  DiagnosticBuilder(DiagnosticEmitter& emitter, Diagnostic diagnostic)
      : emitter_(&emitter), diagnostic_(std::move(diagnostic)) {}
  DiagnosticEmitter* emitter_;
  Diagnostic diagnostic_;
  bool muted_ = false;
};

// Formats diagnostics and passes them to a consumer.
class DiagnosticEmitter {
 public:
  explicit DiagnosticEmitter(DiagnosticConsumer& consumer) : consumer_(&consumer) {}

  template <typename... Args>
  DiagnosticBuilder build(std::optional<Location> location,
                          const DiagnosticDescriptor<Args...>& descriptor,
                          std::type_identity_t<Args>... args) {
    return DiagnosticBuilder(*this, Diagnostic{descriptor.kind,
                                               kindInfo(descriptor.kind).severity,
                                               location,
                                               fmt::vformat(fmt::string_view(descriptor.format),
                                                            fmt::make_format_args(args...)),
                                               {},
                                               std::nullopt});
  }

  template <typename... Args>
  void emit(std::optional<Location> location, const DiagnosticDescriptor<Args...>& descriptor,
            std::type_identity_t<Args>... args) {
    build(location, descriptor, args...).emit();
  }

  size_t errorCount() const { return errors_; }

 private:
  friend class DiagnosticBuilder;
  void deliver(Diagnostic diagnostic);

  DiagnosticConsumer* consumer_;
  size_t errors_ = 0;
};

}  // namespace rflow::diagnostics
