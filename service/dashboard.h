// The dashboard (runtime.md §7, GET /): a page and its scripts, styles and the charting
// library, all built into the binary (service/dashboard/embed_assets.cmake), served
// without a token (the page asks for one and calls the API with it).
//
// Invariants:
//   - The set of paths is fixed at build time; a request path is only ever compared
//     with it, never mapped to a file.
//   - Every asset reply carries a strict Content-Security-Policy (scripts, styles and
//     API calls from this origin only, nothing inline, no frames), nosniff and an ETag.
//     The page itself is revalidated on every load; the assets it names carry a content
//     hash in their URL and are cached for a year as immutable.
#pragma once

#include <span>
#include <string_view>

#include "service/router.h"

namespace rflow::service {

struct Asset {
  std::string_view path;  // "/" or "/assets/app.js"
  std::string_view content_type;
  std::string_view body;
  std::string_view etag;  // quoted, as sent: "\"3f2a…\""
  bool immutable;         // named with ?v=<hash> by the page
};

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

std::span<const Asset> dashboardAssets();

// The asset served at `path`, or null.
const Asset* findAsset(std::string_view path);

// The reply for GET (or HEAD) of `asset`: 304 when `if_none_match` names its ETag.
HttpReply assetReply(const Asset& asset, std::string_view if_none_match);

}  // namespace rflow::service
