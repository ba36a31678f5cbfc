// POST and GET /v1/admin/backups (service.h): the request's checks and the answer's shape;
// the backups themselves are service/backups.h.
#include <fmt/format.h>

#include <filesystem>

#include "base/time_text.h"
#include "service/backups.h"
#include "service/service.h"

namespace rflow::service {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json backupJson(const store::BackupInfo& info) {
  return {{"id", info.id},
          {"time", base::formatTime(info.time_ms)},
          {"bytes", info.bytes},
          {"files", info.files},
          {"label", info.label}};
}

ApiError notConfigured() {
  return {ApiError::Code::kConflict,
          "this service has no [backup] dir in rflow.toml, so it makes no backups: add [backup] "
          "dir = \"…\" and restart it (or stop it and run `rflow backup --data DIR --to DIR`)"};
}

bool sameDirectory(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  const fs::path ca = fs::weakly_canonical(a, ec);
  if (ec) return false;
  const fs::path cb = fs::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

}  // namespace

Outcome Service::backup(const json& body) {
  if (!body.is_null() && !body.is_object())
    return ApiError{ApiError::Code::kBadRequest,
                    "the body: expected an object like {\"label\": \"before the upgrade\"}, or "
                    "none"};
  std::string label;
  std::optional<std::string> dir, data;
  if (body.is_object()) {
    for (const auto& [name, value] : body.items()) {
      if (name == "label" || name == "dir" || name == "data") {
        if (!value.is_string())
          return ApiError{ApiError::Code::kBadRequest,
                          fmt::format("`{}`: expected a string", name)};
        if (name == "label") {
          label = value.get<std::string>();
          if (label.size() > store::kMaxBackupLabelBytes)
            return ApiError{ApiError::Code::kBadRequest,
                            fmt::format("`label`: at most {} bytes, found {}",
                                        store::kMaxBackupLabelBytes, label.size())};
        } else {
          (name == "dir" ? dir : data) = value.get<std::string>();
        }
      } else {
        return ApiError{ApiError::Code::kBadRequest,
                        fmt::format("`{}`: unknown field; a backup request has label, dir and "
                                    "data, all optional",
                                    name)};
      }
    }
  }
  if (backups_ == nullptr || !backups_->configured()) return notConfigured();
  const fs::path& configured = backups_->config().dir;
  // The service writes only where its operator said (rflow.toml); a caller that expects
  // another directory learns so before anything is written.
  if (dir && !sameDirectory(*dir, configured))
    return ApiError{ApiError::Code::kConflict,
                    fmt::format("this service backs up only into its [backup] dir `{}`, not "
                                "`{}`; use that directory, or change rflow.toml and restart",
                                configured.string(), *dir)};
  // `rflow backup --data DIR --url …` says which data directory it means, so a --url of
  // another service is refused rather than backed up in its place.
  if (data && !sameDirectory(*data, backups_->dataDirectory()))
    return ApiError{ApiError::Code::kConflict,
                    fmt::format("this service serves the data directory `{}`, not `{}`; give the "
                                "address of the service that serves `{}`",
                                backups_->dataDirectory(), *data, *data)};
  auto made = backups_->make(label);
  if (!made.ok()) return ApiError{ApiError::Code::kUnavailable, made.status().message()};
  json out = backupJson(made.value());
  out["dir"] = configured.string();
  return out;
}

Outcome Service::backups() const {
  if (backups_ == nullptr || !backups_->configured()) return notConfigured();
  auto listed = backups_->list();
  // A directory with no backup yet is not an error here: the service made none so far.
  json items = json::array();
  if (listed.ok()) {
    for (const store::BackupInfo& info : listed.value())
      items.push_back(backupJson(info));
  } else if (fs::exists(backups_->config().dir / "meta")) {
    return ApiError{ApiError::Code::kUnavailable, listed.status().message()};
  }
  return json{{"dir", backups_->config().dir.string()},
              {"every", backups_->config().every_ms > 0
                            ? json(base::formatDuration(backups_->config().every_ms))
                            : json(nullptr)},
              {"keep", backups_->config().keep},
              {"items", items}};
}

}  // namespace rflow::service
