// Fuzz target for the language server's message handling: any bytes, as the stream an
// editor writes to `rflow lsp`, must be served to their end (or to `exit`) without a
// crash, a hang or a leak, with one response per request (lsp_fuzz.h says how that is
// checked). The server runs in-process on FILE streams over memory: the input through
// fopencookie, the output into open_memstream.
//
// The server's reader thread outlives run() when `exit` ends it (server.h: it may still
// be blocked on input); it is detached, so the input stream may only be closed once that
// thread has ended. The input's read function, which runs on the reader thread, leaves
// a thread_local behind whose destructor says so when the thread exits.
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// lsp_fuzz_test (lsp_mutation_driver.cpp) in every build.
#include <stdio.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lsp/protocol.h"
#include "lsp/server.h"
#include "lsp/transport.h"
#include "lsp_fuzz.h"

namespace rflow::lsp::fuzzing {

namespace {

using nlohmann::json;

// Set when a reader thread has ended (and with it every use of the input stream).
struct ReaderEnded {
  std::mutex mutex;
  std::condition_variable cv;
  bool ended = false;

  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return ended; });
  }
};

// Lives in the reader thread's thread_local storage; its destructor runs when the
// thread exits, after the thread function (and the server state it held) is gone.
struct EndNotice {
  std::shared_ptr<ReaderEnded> target;
  ~EndNotice() {
    if (!target) return;
    std::lock_guard lock(target->mutex);
    target->ended = true;
    target->cv.notify_all();
  }
};

// An input stream over bytes in memory.
struct Input {
  std::string_view bytes;
  size_t position = 0;
  std::shared_ptr<ReaderEnded> ended;  // null: nobody waits for the reading thread
};

ssize_t readInput(void* cookie, char* buffer, size_t size) {
  auto* input = static_cast<Input*>(cookie);
  if (input->ended) {
    thread_local EndNotice notice;
    notice.target = input->ended;
  }
  const size_t n = std::min(size, input->bytes.size() - input->position);
  std::copy_n(input->bytes.data() + input->position, n, buffer);
  input->position += n;
  return static_cast<ssize_t>(n);
}

FILE* open(Input& input) {
  FILE* file = fopencookie(&input, "r", {readInput, nullptr, nullptr, nullptr});
  if (file == nullptr) std::abort();
  return file;
}

// As the server parses a message (lsp/protocol.h).
json parse(const std::string& body) {
  return parseMessage(body, kMaxJsonDepth);
}

// Every frame of `bytes`, as Transport reads them; a bad header is an empty body.
std::vector<std::string> frames(std::string_view bytes) {
  Input input{bytes, 0, nullptr};
  FILE* file = open(input);
  Transport transport(file, nullptr);
  std::vector<std::string> out;
  std::string body;
  for (Transport::Status s; (s = transport.read(body)) != Transport::Status::kEnd;)
    out.push_back(s == Transport::Status::kMessage ? body : std::string());
  std::fclose(file);
  return out;
}

// True when `root` (as initialize would take it) is empty or names nothing on disk.
bool harmlessRoot(const std::string& root) {
  std::error_code ec;
  return root.empty() || (!std::filesystem::exists(root, ec) && !ec);
}

// Every root an initialize request could take from `params` (server.cpp's initialize).
bool harmlessRoots(const json& params) {
  if (!params.is_object()) return true;
  try {
    if (params.contains("rootUri") && params["rootUri"].is_string() &&
        !harmlessRoot(uriToPath(params["rootUri"].get<std::string>())))
      return false;
  } catch (const std::exception&) {
    // A URI uriToPath cannot decode: initialize fails and opens nothing.
  }
  if (params.contains("rootPath") && params["rootPath"].is_string() &&
      !harmlessRoot(params["rootPath"].get<std::string>()))
    return false;
  if (params.contains("workspaceFolders") && params["workspaceFolders"].is_array() &&
      !params["workspaceFolders"].empty()) {
    const json& folder = params["workspaceFolders"][0];
    try {
      if (folder.is_object() && folder.contains("uri") && folder["uri"].is_string() &&
          !harmlessRoot(uriToPath(folder["uri"].get<std::string>())))
        return false;
    } catch (const std::exception&) {
    }
  }
  return true;
}

// The ids (as JSON text) of the responses the server must write for `input`, sorted; or
// nothing when the input would open a workspace on disk.
std::optional<std::vector<std::string>> expectedResponses(std::string_view input) {
  std::vector<std::string> ids;
  const std::string null = "null";
  for (const std::string& body : frames(input)) {
    if (body.empty()) {  // a header block without a usable Content-Length
      ids.push_back(null);
      continue;
    }
    const json message = parse(body);
    const bool has_method =
        message.is_object() && message.contains("method") && message["method"].is_string();
    const std::string method = has_method ? message["method"].get<std::string>() : "";
    if (method == "$/cancelRequest" && message.contains("params") &&
        message["params"].is_object() && message["params"].contains("id"))
      continue;  // taken by the reader, never answered
    if (!has_method) {
      if (message.is_object() && message.contains("id") &&
          (message.contains("result") || message.contains("error")))
        continue;  // a response to nothing
      ids.push_back(message.is_object() && message.contains("id") ? message["id"].dump() : null);
      continue;
    }
    const bool is_request = message.contains("id");
    if (is_request && !(message["id"].is_number_integer() || message["id"].is_string())) {
      ids.push_back(null);
      continue;
    }
    if (method == "exit") break;
    if (method == "initialize" &&
        !harmlessRoots(message.contains("params") ? message["params"] : json::object()))
      return std::nullopt;
    if (is_request) ids.push_back(message["id"].dump());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

[[noreturn]] void fail(std::string_view input, const std::string& why, const std::string& output) {
  std::fprintf(stderr, "lsp fuzz: %s\n--- input (%zu bytes):\n%.*s\n--- output:\n%.*s\n",
               why.c_str(), input.size(), static_cast<int>(std::min<size_t>(input.size(), 4000)),
               input.data(), static_cast<int>(std::min<size_t>(output.size(), 4000)),
               output.data());
  std::abort();
}

}  // namespace

std::string frame(std::string_view body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

Outcome runChecked(std::string_view input) {
  Outcome outcome;
  const auto expected = expectedResponses(input);
  if (!expected) {
    outcome.skipped = true;
    return outcome;
  }

  Input in_bytes{input, 0, std::make_shared<ReaderEnded>()};
  FILE* in = open(in_bytes);
  char* out_buffer = nullptr;
  size_t out_size = 0;
  FILE* out = open_memstream(&out_buffer, &out_size);
  if (out == nullptr) std::abort();
  {
    Server server(in, out);
    outcome.exit_code = server.run();
  }
  in_bytes.ended->wait();
  std::fclose(in);
  std::fclose(out);
  const std::string output(out_buffer, out_size);
  std::free(out_buffer);

  if (outcome.exit_code != 0 && outcome.exit_code != 1)
    fail(input, "run() returned " + std::to_string(outcome.exit_code), output);
  std::vector<std::string> ids;
  for (const std::string& body : frames(output)) {
    const json message = json::parse(body, nullptr, false);
    if (!message.is_object() || message.value("jsonrpc", json()) != "2.0")
      fail(input, "the server wrote a message that is not JSON-RPC: " + body, output);
    if (message.contains("method")) continue;  // a notification (diagnostics)
    const bool result = message.contains("result"), error = message.contains("error");
    if (!message.contains("id") || result == error)
      fail(input, "a response needs an id and one of result and error: " + body, output);
    ids.push_back(message["id"].dump());
    ++(result ? outcome.results : outcome.errors);
  }
  std::sort(ids.begin(), ids.end());
  if (ids != *expected) {
    std::string why = "the responses' ids differ from the requests'; expected";
    for (const std::string& id : *expected)
      why += " " + id;
    why += ", got";
    for (const std::string& id : ids)
      why += " " + id;
    fail(input, why, output);
  }
  return outcome;
}

}  // namespace rflow::lsp::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Larger inputs only make each run slower, not the search better.
  if (size > 1024 * 1024) return -1;
  const auto outcome =
      rflow::lsp::fuzzing::runChecked(std::string_view(reinterpret_cast<const char*>(data), size));
  return outcome.skipped ? -1 : 0;
}
