// The embedded dashboard assets and their replies.
#include "service/dashboard.h"

namespace rflow::service {

namespace {

#include "dashboard_assets.inc"

// True when an If-None-Match header ("\"a\", W/\"b\"" or "*") names `etag`.
bool matches(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::span<const Asset> dashboardAssets() {
  return kAssets;
}

const Asset* findAsset(std::string_view path) {
  if (path == "/index.html") path = "/";
  for (const Asset& asset : kAssets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

HttpReply assetReply(const Asset& asset, std::string_view if_none_match) {
  HttpReply reply;
  reply.content_type = std::string(asset.content_type);
  reply.headers = {
      {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
      {"Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache"},
      {"ETag", std::string(asset.etag)},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  if (!if_none_match.empty() && matches(if_none_match, asset.etag)) {
    reply.status = 304;
    return reply;
  }
  reply.body = std::string(asset.body);
  return reply;
}

}  // namespace rflow::service
