// StubConnector: reading and checking a stub file, and answering calls from it.
#include "runtime/stub_connector.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "base/suggest.h"
#include "bytecode/names.h"
#include "runtime/wire.h"
#include "vm/print.h"

namespace rflow::runtime {
namespace {

using nlohmann::json;

// One result of a stub file: a value, or {"$error": "…"} with an optional "$retryable".
std::variant<StubConnector::Entry, std::string> readEntry(const json& j) {
  using Entry = StubConnector::Entry;
  if (j.is_object() && j.contains("$error")) {
    const json& message = *j.find("$error");
    if (!message.is_string() || message.get_ref<const std::string&>().empty())
      return std::string(
          "`$error` needs the failure's message as a string, like {\"$error\": \"ERP down\"}");
    bool retryable = false;
    for (const auto& [k, v] : j.items()) {
      if (k == "$error") continue;
      if (k == "$retryable" && v.is_boolean()) {
        retryable = v.get<bool>();
        continue;
      }
      return fmt::format(
          "a failure is {{\"$error\": \"message\"}} with an optional \"$retryable\": true, "
          "not `{}`",
          k);
    }
    return Entry{retryable ? Entry::Kind::kRetryable : Entry::Kind::kPermanent, nullptr,
                 message.get<std::string>()};
  }
  return Entry{Entry::Kind::kResult, j, {}};
}

}  // namespace

StubConnector::StubConnector(std::string name, std::string file,
                             std::map<std::string, std::vector<Entry>> ops)
    : name_(std::move(name)), file_(std::move(file)) {
  for (auto& [op, entries] : ops)
    ops_.emplace(op, std::move(entries));
}

std::variant<std::unique_ptr<StubConnector>, std::string> StubConnector::load(
    std::string name, const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fmt::format("stub file {}: cannot read it: {}", file, ec.message());
  if (size > kMaxJsonBytes)
    return fmt::format("stub file {}: {} bytes is more than the limit of {}", file, size,
                       kMaxJsonBytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("stub file {}: cannot open it", file);
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parseJson(text.str());
  if (auto* problem = std::get_if<std::string>(&parsed))
    return fmt::format("stub file {}: {}", file, *problem);
  return fromJson(std::move(name), file, std::get<json>(parsed));
}

std::variant<std::unique_ptr<StubConnector>, std::string> StubConnector::fromJson(std::string name,
                                                                                  std::string file,
                                                                                  const json& doc) {
  if (!doc.is_object())
    return fmt::format(
        "stub file {}: expected an object mapping each operation to its result, like "
        "{{\"allocate\": {{\"id\": \"AL-1\", \"units\": 12}}}}",
        file);
  std::map<std::string, std::vector<Entry>> ops;
  for (const auto& [op, value] : doc.items()) {
    std::vector<Entry> entries;
    if (value.is_array()) {
      if (value.empty())
        return fmt::format(
            "stub file {}: `{}` is an empty list of results; for one result that is an "
            "empty list, write [[]]",
            file, op);
      for (size_t i = 0; i < value.size(); ++i) {
        auto entry = readEntry(value[i]);
        if (auto* problem = std::get_if<std::string>(&entry))
          return fmt::format("stub file {}: `{}` result {}: {}", file, op, i + 1, *problem);
        entries.push_back(std::get<Entry>(std::move(entry)));
      }
    } else {
      auto entry = readEntry(value);
      if (auto* problem = std::get_if<std::string>(&entry))
        return fmt::format("stub file {}: `{}`: {}", file, op, *problem);
      entries.push_back(std::get<Entry>(std::move(entry)));
    }
    ops.emplace(op, std::move(entries));
  }
  return std::make_unique<StubConnector>(std::move(name), std::move(file), std::move(ops));
}

CallResult StubConnector::call(const CallRequest& request) const {
  const auto op = ops_.find(request.op);
  if (op == ops_.end())
    return permanentFailure(
        request, fmt::format("the stub file {} has no result for `{}`", file_, request.op));
  const std::vector<Entry>& entries = op->second;

  size_t index = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = instances_.find(request.instance);
    if (it == instances_.end()) {
      if (instances_.size() >= kMaxStubInstances) {
        instances_.erase(instance_order_.front());
        instance_order_.pop_front();
      }
      it = instances_.emplace(request.instance, InstanceState{}).first;
      instance_order_.push_back(request.instance);
    }
    InstanceState& state = it->second;
    // The op is part of the key so that a key can never pick another op's result.
    const std::string memo_key = request.idempotency_key.empty()
                                     ? std::string()
                                     : request.op + '\n' + request.idempotency_key;
    if (auto answered = state.answered.find(memo_key);
        !memo_key.empty() && answered != state.answered.end()) {
      index = answered->second;
    } else {
      size_t& next = state.next[request.op];
      index = std::min(next, entries.size() - 1);
      if (next < entries.size()) ++next;
      if (!memo_key.empty() && entries[index].kind == Entry::Kind::kResult)
        state.answered.emplace(memo_key, index);
    }
  }

  const Entry& entry = entries[index];
  switch (entry.kind) {
    case Entry::Kind::kResult:
      return CallSuccess{entry.result};
    case Entry::Kind::kPermanent:
      return permanentFailure(request, fmt::format("{} (stub)", entry.message));
    case Entry::Kind::kRetryable:
      return retryableFailure(request, fmt::format("{} (stub)", entry.message));
  }
  return permanentFailure(request, "the stub entry is corrupt");
}

std::vector<std::string> StubConnector::checkAgainst(const bytecode::Module& module,
                                                     uint32_t connector) const {
  std::vector<std::string> problems;
  if (connector >= module.connectors.size()) return problems;
  const bytecode::Connector& c = module.connectors[connector];
  const std::string_view short_name = vm::declaredName(module.strings[c.name]);
  std::vector<std::string_view> op_names;
  for (uint32_t i = 0; i < c.op_count && c.first_op + i < module.ops.size(); ++i)
    op_names.push_back(module.strings[module.ops[c.first_op + i].name]);

  for (const auto& [op, entries] : ops_) {
    const auto found = std::find(op_names.begin(), op_names.end(), op);
    if (found == op_names.end()) {
      std::string hint;
      if (auto close = base::closestMatch(op, op_names))
        hint = fmt::format(" (did you mean `{}`?)", *close);
      problems.push_back(fmt::format("stub file {}: `{}` is not an operation of connector `{}`{}",
                                     file_, op, short_name, hint));
      continue;
    }
    const uint32_t op_index = c.first_op + static_cast<uint32_t>(found - op_names.begin());
    const bytecode::TypeId result = module.ops[op_index].result;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].kind != Entry::Kind::kResult) continue;
      auto decoded = decode(entries[i].result, result, module);
      if (auto* e = std::get_if<WireError>(&decoded)) {
        const std::string which = entries.size() == 1 ? "" : fmt::format(" result {}", i + 1);
        problems.push_back(fmt::format("stub file {}: `{}`{} does not fit `{}`: {}", file_, op,
                                       which, bytecode::typeName(module, result), e->text()));
      }
    }
  }
  return problems;
}

}  // namespace rflow::runtime
