// StubConnector: canned results from a JSON file, so `rflow run` and `rflow serve` work
// without the real systems (runtime.md §6: `stub = "stubs/erp.json"`).
//
//   {
//     "availability": {"units": 2400, "case_pack": 12},        one result, every call
//     "publish": [{"batch": "PB-1"}, {"batch": "PB-2"}],       results in order
//     "weekly_skus": [["SKU-1", "SKU-2"]],                     one result that is a list
//     "post_invoice": [{"$error": "ERP down", "$retryable": true}, {"document": "51"}]
//   }
//
// Rules (each chosen so a stub behaves like a well-behaved real system):
// - An op's value is its result; a JSON array is a sequence of results. A result that is
//   itself a list is therefore written as a one-element sequence ([[…]]): the rule does
//   not depend on the op's declared type, and checkAgainst() reports a stub whose
//   results do not fit it.
// - Sequences are per instance: each instance sees r1, r2, … from its first call of
//   the op, so what one instance gets never depends on what others did concurrently.
//   After the last, the last result repeats (as Mockito's thenReturn does), so a stub
//   keeps serving a long-running `rflow serve`.
// - A call whose Idempotency-Key already succeeded gets that same result again without
//   advancing the sequence: after a crash the engine re-sends the pending call with its
//   key, and a real system that honours the key answers the same.
// - {"$error": "message"} is a failed attempt: Permanent, or Retryable with
//   "$retryable": true (to try the call site's `retry … every …` locally). Failed
//   attempts are not remembered by key, so a retry moves on to the next result.
// - The op's arguments are ignored.
// State is bounded: the sequences of at most kMaxStubInstances instances are kept, the
// oldest forgotten first (a forgotten instance starts its sequences again).
#pragma once

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "runtime/connector.h"

namespace rflow::runtime {

inline constexpr size_t kMaxStubInstances = 10'000;

class StubConnector final : public Connector {
 public:
  // Reads `path` (at most kMaxJsonBytes). The problem names the file.
  static std::variant<std::unique_ptr<StubConnector>, std::string> load(
      std::string name, const std::filesystem::path& path);
  // From a parsed document; `file` is what messages call it.
  static std::variant<std::unique_ptr<StubConnector>, std::string> fromJson(
      std::string name, std::string file, const nlohmann::json& doc);

  CallResult call(const CallRequest& request) const override;
  std::vector<std::string> checkAgainst(const bytecode::Module& module,
                                        uint32_t connector) const override;

  struct Entry {
    enum class Kind { kResult, kPermanent, kRetryable };
    Kind kind = Kind::kResult;
    nlohmann::json result;  // kResult
    std::string message;    // the errors
  };

  // Public for make_unique; use load() or fromJson().
  StubConnector(std::string name, std::string file, std::map<std::string, std::vector<Entry>> ops);

 private:
  struct InstanceState {
    std::map<std::string, size_t, std::less<>> next;      // op -> index of its next result
    std::map<std::string, size_t, std::less<>> answered;  // idempotency key -> result index given
  };

  std::string name_;
  std::string file_;
  std::map<std::string, std::vector<Entry>, std::less<>> ops_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, InstanceState, std::less<>> instances_;
  mutable std::deque<std::string> instance_order_;  // oldest first, for forgetting
};

}  // namespace rflow::runtime
