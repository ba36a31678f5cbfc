// The global deployment log: its entry codec and its appends (deployment_log.h).
#include "cluster/deployment_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "base/varint.h"
#include "cluster/publish_pacing.h"

namespace rflow::cluster {
namespace {

constexpr std::string_view kVersionHeader = "Rflow-Version";

using Clock = std::chrono::steady_clock;

Status corruptDeployment(std::string_view what) {
  return Status::failure(ErrorKind::kCorrupt, fmt::format("deployment log entry: {}", what));
}

void putBytes(std::string& out, std::string_view bytes) {
  base::appendVarint(out, bytes.size());
  out.append(bytes);
}

}  // namespace

std::string encodeDeployment(const DeploymentEntry& entry) {
  std::string out;
  out.reserve(entry.module.size() + entry.version.size() + entry.by.size() + 32);
  out.push_back(static_cast<char>(kDeploymentFormat));
  putBytes(out, entry.version);
  putBytes(out, entry.by);
  base::appendVarint(out, static_cast<uint64_t>(std::max<int64_t>(entry.at_ms, 0)));
  putBytes(out, entry.module);
  base::appendVarint(out, entry.docs.size());
  for (const auto& [name, text] : entry.docs) {
    putBytes(out, name);
    putBytes(out, text);
  }
  return out;
}

Status decodeDeployment(std::string_view body, DeploymentEntry& entry) {
  if (body.empty()) return corruptDeployment("empty");
  const auto format = static_cast<uint8_t>(body[0]);
  if (format != 1 && format != kDeploymentFormat)
    return corruptDeployment(fmt::format(
        "format {} is not one this rflow reads (it reads formats 1 to {}): was it written by a "
        "newer rflow? Upgrade this node before it joins the cluster",
        format, kDeploymentFormat));
  body.remove_prefix(1);
  uint64_t at = 0;
  if (!base::takeBytes(body, entry.version)) return corruptDeployment("the version is cut off");
  if (entry.version.empty()) return corruptDeployment("no version");
  if (!base::takeBytes(body, entry.by)) return corruptDeployment("who deployed it is cut off");
  if (!base::takeVarint(body, at) || at > static_cast<uint64_t>(INT64_MAX))
    return corruptDeployment("the time is cut off");
  entry.at_ms = static_cast<int64_t>(at);
  if (!base::takeBytes(body, entry.module)) return corruptDeployment("the module is cut off");
  entry.docs.clear();
  if (format >= 2) {
    uint64_t count = 0;
    if (!base::takeVarint(body, count)) return corruptDeployment("the doc comments are cut off");
    // Each takes at least two bytes: a count beyond that is no count this writer made.
    if (count > body.size() / 2)
      return corruptDeployment(fmt::format("{} doc comments in {} bytes", count, body.size()));
    for (uint64_t i = 0; i < count; ++i) {
      std::string name, text;
      if (!base::takeBytes(body, name) || !base::takeBytes(body, text))
        return corruptDeployment(fmt::format("doc comment {} of {} is cut off", i + 1, count));
      if (!entry.docs.empty() && name <= entry.docs.rbegin()->first)
        return corruptDeployment(
            fmt::format("doc comment {} (`{}`) is out of order or repeated", i + 1, name));
      entry.docs.emplace_hint(entry.docs.end(), std::move(name), std::move(text));
    }
  }
  if (!body.empty()) return corruptDeployment(fmt::format("{} bytes after the entry", body.size()));
  return {};
}

Result<std::unique_ptr<DeploymentLog>> DeploymentLog::open(std::shared_ptr<NatsClient> client,
                                                           DeploymentLogOptions options) {
  StreamSpec spec;
  spec.name = std::string(kStream);
  spec.subjects = {"rf.deploy.>"};
  spec.replicas = options.replicas;
  if (Status s = client->ensureStream(spec); !s.ok()) return s;
  return std::unique_ptr<DeploymentLog>(new DeploymentLog(std::move(client), options));
}

Result<Seq> DeploymentLog::tail() {
  auto info = client_->streamInfo(std::string(kStream));
  if (!info.ok()) return info.status();
  return info.value().last_seq;
}

Result<DeploymentEntry> DeploymentLog::at(Seq seq) {
  auto msg = client_->getMsg(std::string(kStream), seq);
  if (!msg.ok()) return msg.status();
  DeploymentEntry entry;
  if (Status s = decodeDeployment(msg.value().data, entry); !s.ok())
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("{}: stream {} at {}: {}", client_->where(), kStream, seq, s.message()));
  if (const std::string_view header = msg.value().header(kVersionHeader);
      !header.empty() && header != entry.version)
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("{}: stream {} at {}: its {} header ({}) is not its body's version ({})",
                    client_->where(), kStream, seq, kVersionHeader, header, entry.version));
  entry.seq = seq;
  return entry;
}

Result<std::optional<DeploymentEntry>> DeploymentLog::latest() {
  auto last = tail();
  if (!last.ok()) return last.status();
  if (last.value() == 0) return std::optional<DeploymentEntry>();
  auto entry = at(last.value());
  if (!entry.ok()) return entry.status();
  return std::optional<DeploymentEntry>(std::move(entry).value());
}

Result<Published> DeploymentLog::publish(const DeploymentEntry& entry) {
  return append(entry, false);
}

Result<Published> DeploymentLog::seed(const DeploymentEntry& entry) {
  return append(entry, true);
}

Result<Published> DeploymentLog::append(const DeploymentEntry& entry, bool only_when_empty) {
  const std::string body = encodeDeployment(entry);
  if (body.size() + kHeaderRoom > client_->maxPayload())
    return Status::failure(
        ErrorKind::kRefused,
        fmt::format("{}: the deployment is {} bytes, more than the {} bytes a message may hold "
                    "(the servers' max_payload): raise max_payload in the NATS servers' "
                    "configuration, or deploy a smaller project",
                    client_->where(), body.size(), client_->maxPayload()));
  const Header headers[] = {{std::string(kVersionHeader), entry.version}};
  const auto deadline = Clock::now() + options_.append_deadline;
  Status last_problem;
  for (int attempt = 0;; ++attempt) {
    auto latest = this->latest();
    if (latest.ok()) {
      const std::optional<DeploymentEntry>& there = latest.value();
      if (there && (only_when_empty || there->version == entry.version))
        return Published{there->seq, false};
      const Seq tail = there ? there->seq : 0;
      PublishOptions po;
      po.msg_id = fmt::format("deploy/{}/{}", entry.version, tail);
      if (tail == 0)
        po.expect_no_subject_msg = true;  // 2.9.10 ignores an expected last sequence of 0
      else
        po.expect_last_seq = tail;
      auto ack = client_->publish(kSubject, headers, body, po);
      if (ack.ok()) return Published{ack.value().seq, !ack.value().duplicate};
      // Another deployment landed after the tail we read: read it again.
      if (ack.status().kind() == ErrorKind::kWrongLastSequence) continue;
      if (ack.status().kind() != ErrorKind::kUnavailable) return ack.status();
      last_problem = ack.status();
    } else if (latest.status().kind() != ErrorKind::kUnavailable) {
      return latest.status();
    } else {
      last_problem = latest.status();
    }
    if (Clock::now() > deadline)
      return Status::failure(
          ErrorKind::kUnavailable,
          fmt::format("{}: the deployment could not be appended to stream {} within {} ms ({}); "
                      "send it again: the same project is one entry",
                      client_->where(), kStream, options_.append_deadline.count(),
                      last_problem.message()));
    std::this_thread::sleep_for(publishBackoff(attempt));
  }
}

}  // namespace rflow::cluster
