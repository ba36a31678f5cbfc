// rflow.toml's [connectors.NAME]: endpoints, stubs, timeouts, headers with ${ENV} values.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

#include "runtime/config_reader.h"
#include "runtime/duration_text.h"

namespace rflow::runtime::config_read {

void Reader::readConnectors(const toml::table& connectors, Config& config) {
  forEachNamedTable(connectors, "connectors", "connector", "`url` or `stub`",
                    "`wms` or `\"retail.systems.wms\"`",
                    [&](const toml::table& t, const toml::key& k, const std::string& name,
                        const std::string& path) {
                      if (auto c = readConnector(t, k, name, path))
                        config.connectors.push_back(std::move(*c));
                    });
}

std::optional<ConnectorConfig> Reader::readConnector(const toml::table& t,
                                                     const toml::key& name_key,
                                                     const std::string& name,
                                                     const std::string& path) {
  static constexpr std::string_view kKeys[] = {"url", "stub", "timeout", "headers", "safe_to_call"};
  const size_t errors_before = errors_.size();
  std::optional<HttpTarget> http;
  std::optional<StubTarget> stub;
  const toml::key* url_key = nullptr;
  const toml::key* stub_key = nullptr;
  const toml::key* timeout_key = nullptr;
  const toml::key* headers_key = nullptr;
  std::optional<int64_t> timeout;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> safe_to_call;
  bool has_nested_table = false;

  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string key_path = joinKey(path, key);
    if (key == "url") {
      url_key = &k;
      if (const auto* s = expectString(v, k, key_path, "\"http://127.0.0.1:9100/wms\"")) {
        auto parsed = parseHttpUrl(*s);
        if (auto* problem = std::get_if<std::string>(&parsed)) {
          error(posOf(k.source()), key_path, *problem);
        } else {
          http = HttpTarget{
              *s, std::get<HttpEndpoint>(std::move(parsed)), kDefaultConnectorTimeoutMs, {}};
        }
      }
    } else if (key == "stub") {
      stub_key = &k;
      if (const auto* s = expectString(v, k, key_path, "\"stubs/erp.json\"")) {
        if (auto p = stubPath(*s, k, key_path)) stub = StubTarget{std::move(*p)};
      }
    } else if (key == "timeout") {
      timeout_key = &k;
      timeout = readTimeout(v, k, key_path);
    } else if (key == "headers") {
      headers_key = &k;
      readHeaders(v, k, key_path, headers);
    } else if (key == "safe_to_call") {
      const auto* ops = v.as_array();
      if (!ops) {
        error(posOf(k.source()), key_path,
              fmt::format("expected a list of operation names like [\"availability\"], found {}",
                          found(v)));
        continue;
      }
      for (size_t i = 0; i < ops->size(); ++i) {
        const toml::node& op = (*ops)[i];
        const auto* op_name = op.as_string();
        if (!op_name || !isDottedName(op_name->get()) ||
            op_name->get().find('.') != std::string::npos) {
          error(posOf(op.source()), fmt::format("{}[{}]", key_path, i),
                fmt::format("expected an operation's name like \"availability\", found {}",
                            found(op)));
          continue;
        }
        safe_to_call.push_back(op_name->get());
      }
    } else if (v.is_table()) {
      // [connectors.retail.systems.wms] makes nested tables; the user meant a qualified
      // name, which TOML needs quoted. Follow the chain of single tables to name it.
      has_nested_table = true;
      std::string qualified = name + "." + key;
      for (const toml::table* inner = v.as_table();
           inner && inner->size() == 1 && inner->begin()->second.is_table();
           inner = inner->begin()->second.as_table()) {
        qualified += "." + std::string(inner->begin()->first.str());
      }
      error(posOf(k.source()), key_path,
            fmt::format("unknown setting `{}`: a connector's settings are url, stub, timeout, "
                        "headers and safe_to_call; to name a connector by its qualified name, "
                        "quote it: "
                        "[connectors.\"{}\"]",
                        key, qualified));
    } else {
      unknownKey(k, path, kKeys,
                 "a connector's settings are url, stub, timeout, headers and safe_to_call");
    }
  }

  if (url_key && stub_key) {
    error(posOf(stub_key->source()), joinKey(path, "stub"),
          "a connector has either `url` (a real system) or `stub` (a file of canned results), "
          "not both: remove one");
    return std::nullopt;
  }
  if (!url_key && !stub_key) {
    // A nested table already has its own message, which says what was meant.
    if (has_nested_table) return std::nullopt;
    error(posOf(name_key.source()), path,
          fmt::format("connector `{}` has neither `url` nor `stub`: add url = \"http://…\" for a "
                      "real system, or stub = \"stubs/{}.json\" for canned results",
                      name, name));
    return std::nullopt;
  }
  if (stub_key) {
    if (timeout_key)
      error(posOf(timeout_key->source()), joinKey(path, "timeout"),
            "`timeout` applies to HTTP connectors (`url`) only: a stub answers at once; remove it");
    if (headers_key)
      error(posOf(headers_key->source()), joinKey(path, "headers"),
            "`headers` apply to HTTP connectors (`url`) only: a stub sends nothing; remove them");
  }
  if (errors_.size() != errors_before) return std::nullopt;
  ConnectorConfig c{name, StubTarget{}, posOf(name_key.source()), std::move(safe_to_call)};
  if (http) {
    if (timeout) http->timeout_ms = *timeout;
    http->headers = std::move(headers);
    c.target = std::move(*http);
  } else if (stub) {
    c.target = std::move(*stub);
  } else {
    return std::nullopt;
  }
  return c;
}

std::optional<fs::path> Reader::stubPath(const std::string& text, const toml::key& k,
                                         const std::string& key_path) {
  if (text.empty()) {
    error(posOf(k.source()), key_path,
          "the stub path is empty: write a JSON file's path, like \"stubs/erp.json\"");
    return std::nullopt;
  }
  fs::path p(text);
  if (p.is_relative()) p = dir_ / p;
  p = p.lexically_normal();
  std::error_code ec;
  const auto status = fs::status(p, ec);
  if (ec || !fs::exists(status)) {
    error(posOf(k.source()), key_path,
          fmt::format("there is no stub file at {} (relative paths start at the directory of {})",
                      p.string(), file_));
    return std::nullopt;
  }
  if (!fs::is_regular_file(status)) {
    error(posOf(k.source()), key_path,
          fmt::format("{} is not a file: a stub is a JSON file", p.string()));
    return std::nullopt;
  }
  return p;
}

std::optional<int64_t> Reader::readTimeout(const toml::node& v, const toml::key& k,
                                           const std::string& key_path) {
  const auto* s = v.as_string();
  if (!s) {
    error(posOf(k.source()), key_path,
          fmt::format("expected a duration like \"5s\", found {}{}", found(v),
                      v.is_integer() ? " (write the unit: \"5s\", \"500ms\")" : ""));
    return std::nullopt;
  }
  auto parsed = parseDurationText(s->get());
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    error(posOf(k.source()), key_path,
          fmt::format("expected a duration like \"5s\": {}", *problem));
    return std::nullopt;
  }
  const int64_t ms = std::get<int64_t>(parsed);
  if (ms <= 0) {
    error(posOf(k.source()), key_path, "a timeout must be longer than zero, like \"5s\"");
    return std::nullopt;
  }
  if (ms > kMaxConnectorTimeoutMs) {
    error(posOf(k.source()), key_path,
          fmt::format("a timeout of {} is longer than the limit of 1h: an attempt holds a worker "
                      "while it waits; use `retry` at the call site for slow systems",
                      s->get()));
    return std::nullopt;
  }
  return ms;
}

void Reader::readHeaders(const toml::node& v, const toml::key& k, const std::string& key_path,
                         std::vector<std::pair<std::string, std::string>>& out) {
  const auto* t = v.as_table();
  if (!t) {
    error(posOf(k.source()), key_path,
          fmt::format("expected a table of header names and values, like "
                      "headers = {{ Authorization = \"Bearer ${{TOKEN}}\" }}, found {}",
                      found(v)));
    return;
  }
  // Set by the HTTP connector itself: a configured value would be overwritten or, worse,
  // contradict the body it sends.
  static constexpr std::string_view kReserved[] = {"Content-Type",      "Content-Length",
                                                   "Idempotency-Key",   "Host",
                                                   "Transfer-Encoding", "Connection"};
  for (auto&& [hk, hv] : *t) {
    const std::string name(hk.str());
    const std::string path = joinKey(key_path, name);
    if (name.empty() || !std::all_of(name.begin(), name.end(), isTokenChar)) {
      error(posOf(hk.source()), path,
            fmt::format(
                "`{}` is not a header name: use letters, digits and `-`, like `Authorization`",
                name));
      continue;
    }
    if (std::any_of(std::begin(kReserved), std::end(kReserved),
                    [&](std::string_view r) { return equalsIgnoreCase(r, name); })) {
      error(posOf(hk.source()), path,
            fmt::format("`{}` is set by rflow on every call and cannot be configured", name));
      continue;
    }
    const auto* s = hv.as_string();
    if (!s) {
      error(posOf(hk.source()), path,
            fmt::format("expected the header's value as a string, found {}", found(hv)));
      continue;
    }
    std::string value;
    std::string problem;
    if (!expand(s->get(), value, problem)) {
      error(posOf(hk.source()), path, std::move(problem));
      continue;
    }
    // A line break would let a variable's value inject headers; the value itself may be a
    // secret, so the message does not show it.
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      error(posOf(hk.source()), path,
            "the header's value (after expanding variables) contains a line break or a NUL byte, "
            "which HTTP does not allow");
      continue;
    }
    out.emplace_back(name, std::move(value));
  }
}

// `${NAME}` replaced by the variable's value; `$` before anything else is itself.
// False, with `problem` set, for a malformed reference or a variable that is not set.
bool Reader::expand(const std::string& text, std::string& out, std::string& problem) {
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      problem = "`${` is not closed: write ${NAME} to use an environment variable";
      return false;
    }
    const std::string name = text.substr(i + 2, close - i - 2);
    if (name.empty() || !isIdentStart(name[0]) ||
        !std::all_of(name.begin(), name.end(), isIdentChar)) {
      problem = fmt::format(
          "`${{{}}}` is not an environment variable's name: use letters, digits and `_`", name);
      return false;
    }
    const std::optional<std::string> value = env_ ? env_(name) : std::nullopt;
    if (!value) {
      problem = fmt::format(
          "environment variable `{}` is not set: set it before starting rflow, or remove it "
          "from the header",
          name);
      return false;
    }
    out += *value;
    i = close + 1;
  }
  return true;
}

}  // namespace rflow::runtime::config_read
