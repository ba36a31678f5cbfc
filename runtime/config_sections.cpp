// rflow.toml's [classifiers.NAME], [engine], [service] and [backup].
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

#include "runtime/config_reader.h"
#include "runtime/duration_text.h"

namespace rflow::runtime::config_read {

void Reader::readClassifiers(const toml::table& classifiers, Config& config) {
  forEachNamedTable(classifiers, "classifiers", "classifier", "model = \"models/….ftz\"",
                    "`IssueKind` or `\"retail.triage.IssueKind\"`",
                    [&](const toml::table& t, const toml::key& k, const std::string& name,
                        const std::string& path) {
                      if (auto c = readClassifier(t, k, name, path))
                        config.classifiers.push_back(std::move(*c));
                    });
}

std::optional<ClassifierConfig> Reader::readClassifier(const toml::table& t,
                                                       const toml::key& name_key,
                                                       const std::string& name,
                                                       const std::string& path) {
  static constexpr std::string_view kKeys[] = {"model"};
  const size_t errors_before = errors_.size();
  std::optional<fs::path> model;
  bool has_model = false;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string key_path = joinKey(path, key);
    if (key == "model") {
      has_model = true;
      if (const auto* s = expectString(v, k, key_path, "\"models/issue_kind.ftz\"")) {
        if (s->empty()) {
          error(posOf(k.source()), key_path,
                "the model path is empty: write a fastText model's path, like "
                "\"models/issue_kind.ftz\" (made by `rflow train`)");
        } else {
          fs::path p(*s);
          if (p.is_relative()) p = dir_ / p;
          model = p.lexically_normal();
        }
      }
    } else if (v.is_table()) {
      // [classifiers.retail.triage.IssueKind]: a qualified name needs quotes in TOML.
      std::string qualified = name + "." + key;
      for (const toml::table* inner = v.as_table();
           inner && inner->size() == 1 && inner->begin()->second.is_table();
           inner = inner->begin()->second.as_table()) {
        qualified += "." + std::string(inner->begin()->first.str());
      }
      error(posOf(k.source()), key_path,
            fmt::format("unknown setting `{}`: a classifier's setting is model; to name a "
                        "classifier by its qualified name, quote it: [classifiers.\"{}\"]",
                        key, qualified));
    } else {
      unknownKey(k, path, kKeys, "a classifier's setting is model");
    }
  }
  if (!has_model && errors_.size() == errors_before)
    error(posOf(name_key.source()), path,
          fmt::format("classifier `{}` has no `model`: add model = \"models/….ftz\" (a model "
                      "made by `rflow train`), or remove the table to run without one",
                      name));
  if (errors_.size() != errors_before || !model) return std::nullopt;
  return ClassifierConfig{name, std::move(*model), posOf(name_key.source())};
}

void Reader::readEngine(const toml::table& t, EngineConfig& engine) {
  static constexpr std::string_view kKeys[] = {"durability", "workers", "max_queued",
                                               "commit_nice"};
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string key_path = joinKey("engine", key);
    if (key == "durability") {
      if (const auto* s = expectString(v, k, key_path, "\"sync\" or \"async\"")) {
        if (*s == "sync")
          engine.durability = Durability::kSync;
        else if (*s == "async")
          engine.durability = Durability::kAsync;
        else
          error(
              posOf(k.source()), key_path,
              fmt::format("expected \"sync\" (every step is on disk before it is acknowledged) or "
                          "\"async\", found {}",
                          found(v)));
      }
    } else if (key == "workers") {
      const auto* i = v.as_integer();
      if (!i || i->get() < 1 || i->get() > kMaxWorkers) {
        error(posOf(k.source()), key_path,
              fmt::format("expected a number of worker threads from 1 to {}, found {}", kMaxWorkers,
                          found(v)));
      } else {
        engine.workers = static_cast<uint32_t>(i->get());
      }
    } else if (key == "max_queued") {
      const auto* i = v.as_integer();
      if (!i || i->get() < 1 || static_cast<uint64_t>(i->get()) > kMaxQueuedLimit) {
        error(posOf(k.source()), key_path,
              fmt::format("expected the backlog (steps queued, calls unanswered) past which new "
                          "work is answered 429, from 1 to {}, found {}",
                          kMaxQueuedLimit, found(v)));
      } else {
        engine.max_queued = static_cast<size_t>(i->get());
      }
    } else if (key == "commit_nice") {
      const auto* i = v.as_integer();
      if (!i || i->get() < -20 || i->get() > 0) {
        error(posOf(k.source()), key_path,
              fmt::format("expected the commit thread's nice value, from -20 (most favoured) to "
                          "0 (the process's own priority), found {}",
                          found(v)));
      } else {
        engine.commit_nice = static_cast<int>(i->get());
      }
    } else {
      unknownKey(k, "engine", kKeys,
                 "the engine's settings are durability, workers, max_queued and commit_nice");
    }
  }
}

void Reader::readService(const toml::table& t, ServiceConfig& service) {
  static constexpr std::string_view kKeys[] = {"listen", "metrics_open", "shutdown_grace",
                                               "tls_cert", "tls_key"};
  std::optional<SourcePos> cert_pos;
  std::optional<SourcePos> key_pos;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string key_path = joinKey("service", key);
    if (key == "listen") {
      if (const auto* s = expectString(v, k, key_path, "\"127.0.0.1:8080\"")) {
        if (!parseListen(*s, service))
          error(
              posOf(k.source()), key_path,
              fmt::format("expected an address and port like \"127.0.0.1:8080\" or \"[::1]:8080\", "
                          "found {}",
                          found(v)));
      }
    } else if (key == "metrics_open") {
      if (const auto* b = v.as_boolean())
        service.metrics_open = b->get();
      else
        error(posOf(k.source()), key_path,
              fmt::format("expected true (serve /metrics without a token) or false, found {}",
                          found(v)));
    } else if (key == "shutdown_grace") {
      const auto* s = v.as_string();
      const auto parsed = s ? parseDurationText(s->get())
                            : std::variant<int64_t, std::string>(std::string("not a string"));
      const int64_t* ms = std::get_if<int64_t>(&parsed);
      if (ms == nullptr || *ms <= 0 || *ms > kMaxShutdownGraceMs)
        error(posOf(k.source()), key_path,
              fmt::format("expected a duration from \"1s\" to \"1h\" like \"30s\", found {}",
                          found(v)));
      else
        service.shutdown_grace_ms = *ms;
    } else if (key == "tls_cert" || key == "tls_key") {
      const bool cert = key == "tls_cert";
      (cert ? cert_pos : key_pos) = posOf(k.source());
      if (const auto* s =
              expectString(v, k, key_path, cert ? "\"tls/cert.pem\"" : "\"tls/key.pem\"")) {
        if (s->empty()) {
          error(posOf(k.source()), key_path,
                fmt::format("the path is empty: write the PEM file of the {}, or remove both "
                            "tls_cert and tls_key to serve plain HTTP",
                            cert ? "certificate (chain)" : "private key"));
        } else {
          fs::path p(*s);
          if (p.is_relative()) p = dir_ / p;
          (cert ? service.tls_cert : service.tls_key) = p.lexically_normal();
        }
      }
    } else {
      unknownKey(k, "service", kKeys,
                 "the service's settings are listen, metrics_open, shutdown_grace, tls_cert "
                 "and tls_key");
    }
  }
  // One without the other would serve plain HTTP while the file says HTTPS.
  if (cert_pos && !key_pos)
    error(*cert_pos, "service.tls_cert",
          "tls_cert is set without tls_key: add tls_key = \"….pem\" (the certificate's "
          "private key), or remove tls_cert to serve plain HTTP");
  if (key_pos && !cert_pos)
    error(*key_pos, "service.tls_key",
          "tls_key is set without tls_cert: add tls_cert = \"….pem\" (the certificate, with "
          "its chain), or remove tls_key to serve plain HTTP");
  if (service.tls_cert.empty() || service.tls_key.empty()) {
    service.tls_cert.clear();
    service.tls_key.clear();
  }
}

void Reader::readBackup(const toml::table& t, BackupConfig& backup) {
  static constexpr std::string_view kKeys[] = {"dir", "every", "keep"};
  std::optional<SourcePos> every_pos, keep_pos;
  bool has_dir = false;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string key_path = joinKey("backup", key);
    if (key == "dir") {
      has_dir = true;
      if (const auto* s = expectString(v, k, key_path, "\"/var/lib/rflow/backups\"")) {
        if (s->empty()) {
          error(posOf(k.source()), key_path,
                "the backup directory is empty: write where backups go, like "
                "\"/var/lib/rflow/backups\"");
        } else {
          fs::path p(*s);
          if (p.is_relative()) p = dir_ / p;
          backup.dir = p.lexically_normal();
        }
      }
    } else if (key == "every") {
      every_pos = posOf(k.source());
      const auto* s = v.as_string();
      const auto parsed = s ? parseDurationText(s->get())
                            : std::variant<int64_t, std::string>(std::string("not a string"));
      const int64_t* ms = std::get_if<int64_t>(&parsed);
      if (ms == nullptr || *ms < kMinBackupEveryMs || *ms > kMaxBackupEveryMs)
        error(posOf(k.source()), key_path,
              fmt::format("expected a duration from \"1m\" to \"30d\" like \"6h\", found {}",
                          found(v)));
      else
        backup.every_ms = *ms;
    } else if (key == "keep") {
      keep_pos = posOf(k.source());
      const auto* i = v.as_integer();
      if (!i || i->get() < 1 || i->get() > kMaxBackupKeep)
        error(posOf(k.source()), key_path,
              fmt::format("expected how many backups to keep, from 1 to {}, found {}",
                          kMaxBackupKeep, found(v)));
      else
        backup.keep = static_cast<uint32_t>(i->get());
    } else {
      unknownKey(k, "backup", kKeys, "the backup settings are dir, every and keep");
    }
  }
  if (!has_dir && (every_pos || keep_pos))
    error(every_pos ? *every_pos : *keep_pos, "backup.dir",
          "backups need a directory: add dir = \"/var/lib/rflow/backups\" (the service writes "
          "its backups there)");
}

bool Reader::parseListen(const std::string& text, ServiceConfig& service) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return false;  // an IPv6 address needs brackets
  }
  if (port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int port = std::stoi(port_text);
  if (port > 65535) return false;
  if (std::any_of(host.begin(), host.end(), [](char c) { return c == ' ' || c == '/'; }))
    return false;
  service.listen = text;
  service.host = std::move(host);
  service.port = static_cast<uint16_t>(port);
  return true;
}

}  // namespace rflow::runtime::config_read
