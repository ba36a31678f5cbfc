// Server: the message loop, lifecycle and the handler of each LSP method.
#include "lsp/server.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "lsp/protocol.h"
#include "lsp/transport.h"

namespace rflow::lsp {

namespace {

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;
constexpr int kRequestFailed = -32803;
constexpr int kRequestCancelled = -32800;

struct RpcError {
  int code;
  std::string message;
};


}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Transport transport;
  // Reader thread -> main thread.
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> queue;
  bool input_ended = false;
  std::set<std::string> cancelled;  // request ids (as JSON text) cancelled before they ran

  std::unique_ptr<service::LanguageService> service;
  bool initialized = false;
  bool shutdown = false;
  bool diagnostics_dirty = false;
  std::map<std::string, json> published;  // uri -> last diagnostics sent

  Impl(std::FILE* in, std::FILE* out) : transport(in, out) {}

  void send(const json& message) {
    transport.write(message.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  void respond(const json& id, json result) {
    send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
  }
  void fail(const json& id, int code, const std::string& message) {
    send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void notify(const std::string& method, json params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }

  void readLoop() {
    std::string body;
    while (true) {
      const Transport::Status status = transport.read(body);
      std::lock_guard lock(mutex);
      if (status == Transport::Status::kEnd) {
        input_ended = true;
        ready.notify_one();
        return;
      }
      if (status == Transport::Status::kBadHeader) {
        queue.push_back({});  // answered with a parse error
      } else {
        // Cancellations act on the queue at once; everything else waits its turn.
        const json j = parseMessage(body, kMaxJsonDepth);
        if (j.is_object() && j.contains("method") && j["method"] == "$/cancelRequest" &&
            j.contains("params") && j["params"].is_object() && j["params"].contains("id")) {
          cancelled.insert(j["params"]["id"].dump());
          continue;
        }
        queue.push_back(std::move(body));
      }
      ready.notify_one();
    }
  }

  // ---- documents ----------------------------------------------------------------------

  std::string path(const json& params) {
    return uriToPath(params.at("textDocument").at("uri").get<std::string>());
  }
  const std::string& text(const std::string& p) {
    const std::string* t = service->text(p);
    if (t == nullptr) throw RpcError{kInvalidParams, "unknown document " + p};
    return *t;
  }
  uint32_t offset(const json& params, const std::string& p) {
    return service::offsetAt(text(p), toPosition(params.at("position")));
  }

  void publishDiagnostics() {
    diagnostics_dirty = false;
    for (const auto& [p, diags] : service->diagnostics()) {
      const std::string uri = pathToUri(p);
      json list = json::array();
      for (const auto& d : diags)
        list.push_back(toJson(d, uri));
      auto it = published.find(uri);
      if (it != published.end() && it->second == list) continue;
      published[uri] = list;
      notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", list}});
    }
    // Files that left the project: clear what was shown for them.
    const auto paths = service->paths();
    for (auto it = published.begin(); it != published.end();) {
      const std::string p = uriToPath(it->first);
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) {
        notify("textDocument/publishDiagnostics",
               {{"uri", it->first}, {"diagnostics", json::array()}});
        it = published.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ---- dispatch -----------------------------------------------------------------------

  json initialize(const json& params) {
    std::string root;
    if (params.contains("rootUri") && params["rootUri"].is_string()) {
      root = uriToPath(params["rootUri"].get<std::string>());
    } else if (params.contains("rootPath") && params["rootPath"].is_string()) {
      root = params["rootPath"].get<std::string>();
    } else if (params.contains("workspaceFolders") && params["workspaceFolders"].is_array() &&
               !params["workspaceFolders"].empty()) {
      root = uriToPath(params["workspaceFolders"][0].at("uri").get<std::string>());
    }
    service = std::make_unique<service::LanguageService>(root);
    initialized = true;
    diagnostics_dirty = !root.empty();
    return {{"capabilities", serverCapabilities()},
            {"serverInfo", {{"name", "rflow"}, {"version", "0.1.0"}}}};
  }

  void didChange(const json& params) {
    const std::string p = path(params);
    std::string t = text(p);
    for (const json& change : params.at("contentChanges")) {
      if (change.contains("range")) {
        const service::Range r = toRange(change.at("range"));
        const uint32_t b = service::offsetAt(t, r.start);
        const uint32_t e = std::max(b, service::offsetAt(t, r.end));
        t.replace(b, e - b, change.at("text").get<std::string>());
      } else {
        t = change.at("text").get<std::string>();
      }
    }
    service->change(p, std::move(t));
    diagnostics_dirty = true;
  }

  json request(const std::string& method, const json& params) {
    using namespace service;
    if (method == "textDocument/hover") {
      const std::string p = path(params);
      auto h = service->hover(p, offset(params, p));
      if (!h) return nullptr;
      return {{"contents", {{"kind", "markdown"}, {"value", h->markdown}}},
              {"range", toJson(h->range)}};
    }
    if (method == "textDocument/definition") {
      const std::string p = path(params);
      json out = json::array();
      for (const auto& l : service->definition(p, offset(params, p)))
        out.push_back(toJson(l));
      return out;
    }
    if (method == "textDocument/references") {
      const std::string p = path(params);
      const bool decl =
          params.contains("context") && params["context"].value("includeDeclaration", false);
      json out = json::array();
      for (const auto& l : service->references(p, offset(params, p), decl))
        out.push_back(toJson(l));
      return out;
    }
    if (method == "textDocument/prepareRename") {
      const std::string p = path(params);
      auto r = service->prepareRename(p, offset(params, p));
      if (!r) return nullptr;
      return toJson(*r);
    }
    if (method == "textDocument/rename") {
      const std::string p = path(params);
      auto r = service->rename(p, offset(params, p), params.at("newName").get<std::string>());
      if (auto* why = std::get_if<std::string>(&r)) throw RpcError{kRequestFailed, *why};
      return toJson(std::get<WorkspaceEdit>(r));
    }
    if (method == "textDocument/completion") {
      const std::string p = path(params);
      json items = json::array();
      for (const auto& item : service->completion(p, offset(params, p)))
        items.push_back(toJson(item));
      return {{"isIncomplete", false}, {"items", items}};
    }
    if (method == "textDocument/signatureHelp") {
      const std::string p = path(params);
      auto h = service->signatureHelp(p, offset(params, p));
      if (!h) return nullptr;
      return toJson(*h);
    }
    if (method == "textDocument/documentSymbol") {
      json out = json::array();
      for (const auto& s : service->documentSymbols(path(params)))
        out.push_back(toJson(s));
      return out;
    }
    if (method == "workspace/symbol") {
      json out = json::array();
      for (const auto& s : service->workspaceSymbols(params.value("query", "")))
        out.push_back(toJson(s));
      return out;
    }
    if (method == "textDocument/semanticTokens/full") {
      return encodeSemanticTokens(service->semanticTokens(path(params)));
    }
    if (method == "textDocument/formatting") {
      const std::string p = path(params);
      const std::string& before = text(p);
      auto r = service->format(p);
      if (r.index() == 1) throw RpcError{kRequestFailed, std::get<1>(r)};
      const std::string& after = std::get<0>(r);
      if (after == before) return json::array();
      // One edit replacing the whole document: simple and always correct.
      const source::SourceFile file(p, before);
      const service::Range whole{{0, 0},
                                 service::positionAt(file, static_cast<uint32_t>(before.size()))};
      return json::array({{{"range", toJson(whole)}, {"newText", after}}});
    }
    if (method == "textDocument/foldingRange") {
      json out = json::array();
      for (const auto& f : service->foldingRanges(path(params)))
        out.push_back(toJson(f));
      return out;
    }
    if (method == "textDocument/codeAction") {
      const std::string p = path(params);
      json out = json::array();
      const json diags = params.contains("context")
                             ? params["context"].value("diagnostics", json::array())
                             : json::array();
      for (const auto& a : service->codeActions(p, toRange(params.at("range")))) {
        json matching = json::array();
        for (const json& d : diags)
          if (d.is_object() && d.value("code", json()) == a.code) matching.push_back(d);
        out.push_back(toJson(a, matching));
      }
      return out;
    }
    throw RpcError{kMethodNotFound, "method not found: " + method};
  }

  void notification(const std::string& method, const json& params) {
    if (method == "textDocument/didOpen") {
      const json& doc = params.at("textDocument");
      service->open(uriToPath(doc.at("uri").get<std::string>()), doc.at("text").get<std::string>());
      diagnostics_dirty = true;
    } else if (method == "textDocument/didChange") {
      didChange(params);
    } else if (method == "textDocument/didClose") {
      service->close(path(params));
      diagnostics_dirty = true;
    } else if (method == "workspace/didChangeWatchedFiles") {
      for (const json& change : params.at("changes")) {
        const std::string p = uriToPath(change.at("uri").get<std::string>());
        if (p.ends_with(".rflow")) service->changedOnDisk(p);
      }
      diagnostics_dirty = true;
    }
    // Everything else (initialized, didSave, $/setTrace, …) needs nothing from us.
  }

  // Handles one message; returns false on `exit`.
  bool handle(const std::string& body) {
    if (body.empty()) {
      fail(nullptr, kParseError, "bad message header: no Content-Length");
      return true;
    }
    const json message = parseMessage(body, kMaxJsonDepth);
    if (message.is_discarded()) {
      fail(nullptr, kParseError,
           "the message is not valid JSON, or nests deeper than " + std::to_string(kMaxJsonDepth) +
               " levels");
      return true;
    }
    if (!message.is_object() || !message.contains("method") || !message["method"].is_string()) {
      // A response to something we never asked has nothing to answer; anything else is
      // not a request.
      if (message.is_object() && message.contains("id") &&
          (message.contains("result") || message.contains("error")))
        return true;
      fail(message.is_object() && message.contains("id") ? message["id"] : json(nullptr),
           kInvalidRequest, "not a JSON-RPC request");
      return true;
    }
    const std::string method = message["method"].get<std::string>();
    const bool is_request = message.contains("id");
    const json id = is_request ? message["id"] : json(nullptr);
    if (is_request && !(id.is_number_integer() || id.is_string())) {
      fail(nullptr, kInvalidRequest, "a request id must be a number or a string");
      return true;
    }
    const json params = message.contains("params") ? message["params"] : json::object();

    if (method == "exit") return false;
    if (is_request) {
      {
        std::lock_guard lock(mutex);
        if (cancelled.erase(id.dump()) > 0) {
          fail(id, kRequestCancelled, "cancelled");
          return true;
        }
      }
      if (shutdown) {
        fail(id, kInvalidRequest, "the server is shutting down");
        return true;
      }
      if (method == "initialize") {
        if (initialized) {
          fail(id, kInvalidRequest, "initialize was already called");
          return true;
        }
        try {
          respond(id, initialize(params.is_object() ? params : json::object()));
        } catch (const std::exception& e) {
          fail(id, kInvalidParams, std::string("bad initialize parameters: ") + e.what());
        }
        return true;
      }
      if (!initialized) {
        fail(id, kServerNotInitialized, "initialize first");
        return true;
      }
      if (method == "shutdown") {
        shutdown = true;
        respond(id, nullptr);
        return true;
      }
      try {
        if (!params.is_object()) throw RpcError{kInvalidParams, "params must be an object"};
        respond(id, request(method, params));
      } catch (const RpcError& e) {
        fail(id, e.code, e.message);
      } catch (const json::exception& e) {
        fail(id, kInvalidParams, std::string("invalid parameters: ") + e.what());
      } catch (const std::exception& e) {
        fail(id, kInternalError, e.what());
      }
      return true;
    }
    if (!initialized || shutdown) return true;  // notifications are dropped then
    try {
      if (params.is_object()) notification(method, params);
    } catch (const RpcError&) {
      // A notification has no response to carry an error; a bad one changes nothing (an
      // edit of a document that is not open, say).
    } catch (const std::exception&) {
    }
    return true;
  }

  int run() {
    // The reader keeps the state alive: it may still be blocked on input after run().
    std::thread reader([self = shared_from_this()] { self->readLoop(); });
    int code = 1;
    while (true) {
      std::string body;
      {
        std::unique_lock lock(mutex);
        if (queue.empty() && diagnostics_dirty && service) {
          lock.unlock();
          publishDiagnostics();
          lock.lock();
        }
        ready.wait(lock, [&] { return !queue.empty() || input_ended; });
        if (queue.empty()) break;  // input ended
        body = std::move(queue.front());
        queue.pop_front();
      }
      if (!handle(body)) {
        code = shutdown ? 0 : 1;
        break;
      }
    }
    // The reader may be blocked on input that never comes; it ends with the process.
    reader.detach();
    return code;
  }
};

Server::Server(std::FILE* in, std::FILE* out) : impl_(std::make_shared<Impl>(in, out)) {}
Server::~Server() = default;
int Server::run() {
  return impl_->run();
}

}  // namespace rflow::lsp
