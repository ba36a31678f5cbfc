// A test client for `rflow lsp`: starts the server as a child process and speaks
// JSON-RPC over its stdin/stdout, as an editor does.
//
// Every wait is bounded (a hung server fails the test instead of hanging ctest).
// Notifications that arrive while waiting for a response are kept in order, so tests
// can look for published diagnostics afterwards.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rflow::lsp::test {

using nlohmann::json;

class LspClient {
 public:
  LspClient() {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      execl(RFLOW_BINARY, RFLOW_BINARY, "lsp", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
    signal(SIGPIPE, SIG_IGN);
  }
  ~LspClient() {
    if (in_ >= 0) close(in_);
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  void sendRaw(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(in_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) throw std::runtime_error("write to server failed");
      done += static_cast<size_t>(n);
    }
  }
  void sendBody(const std::string& body) {
    sendRaw("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  void send(const json& message) { sendBody(message.dump()); }

  int request(const std::string& method, json params) {
    const int id = next_id_++;
    send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    return id;
  }
  void notify(const std::string& method, json params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }

  // The response to request `id` (a "result" or an "error" member).
  json response(const json& id, int timeout_ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      for (size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i].contains("id") && pending_[i]["id"] == id &&
            !pending_[i].contains("method")) {
          json r = pending_[i];
          pending_.erase(pending_.begin() + static_cast<long>(i));
          return r;
        }
      }
      auto m = readMessage(deadline);
      if (!m) throw std::runtime_error("no response to request " + id.dump());
      if (m->contains("method")) {
        notifications_.push_back(*m);
      } else {
        pending_.push_back(*m);
      }
    }
  }
  json call(const std::string& method, json params) {
    return response(request(method, std::move(params)));
  }
  json result(const std::string& method, json params) {
    json r = call(method, std::move(params));
    if (!r.contains("result")) throw std::runtime_error("error from " + method + ": " + r.dump());
    return r["result"];
  }

  // Waits until diagnostics for `uri` satisfying `pred` are published; returns them.
  template <typename Pred>
  std::optional<json> diagnosticsFor(const std::string& uri, Pred pred, int timeout_ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      for (auto it = notifications_.rbegin(); it != notifications_.rend(); ++it) {
        if ((*it)["method"] == "textDocument/publishDiagnostics" && (*it)["params"]["uri"] == uri) {
          if (pred((*it)["params"]["diagnostics"])) return (*it)["params"]["diagnostics"];
          break;  // only the latest counts
        }
      }
      auto m = readMessage(deadline);
      if (!m) return std::nullopt;
      if (m->contains("method")) {
        notifications_.push_back(*m);
      } else {
        pending_.push_back(*m);
      }
    }
  }
  std::optional<json> diagnosticsFor(const std::string& uri) {
    return diagnosticsFor(uri, [](const json&) { return true; });
  }

  // Closes the server's input and waits for it to end; its exit status.
  int waitExit(int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(10000);
    }
    return -2;
  }
  bool alive() {
    int status = 0;
    return waitpid(pid_, &status, WNOHANG) == 0;
  }

  const std::vector<json>& notifications() const { return notifications_; }

 private:
  std::optional<json> readMessage(std::chrono::steady_clock::time_point deadline) {
    while (true) {
      const size_t header_end = buffer_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const size_t cl = buffer_.find("Content-Length: ");
        const size_t length = std::stoul(buffer_.substr(cl + 16, header_end - cl - 16));
        if (buffer_.size() >= header_end + 4 + length) {
          json m = json::parse(buffer_.substr(header_end + 4, length));
          buffer_.erase(0, header_end + 4 + length);
          return m;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
      char buf[65536];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  bool exited_ = false;
  int next_id_ = 1;
  std::string buffer_;
  std::vector<json> pending_;
  std::vector<json> notifications_;
};

}  // namespace rflow::lsp::test
