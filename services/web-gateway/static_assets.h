#ifndef TOCSIN_GATEWAY_STATIC_ASSETS_H_
#define TOCSIN_GATEWAY_STATIC_ASSETS_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tocsin::gateway {

// The static files the gateway's image carries (web/static in the source
// tree). At start the gateway exports them into the directory nginx serves
// /static/ from (a volume shared with the edge; the seed's collectstatic),
// each under its own name and under a fingerprinted one with a content hash
// ("app.css" -> "app.5d41402abc4b.css"), which nginx may let browsers cache
// for a year: a changed file gets a new name.
class StaticAssets {
 public:
  // Every regular file under `dir` (hidden files skipped), by path relative
  // to it with '/' separators.
  static absl::StatusOr<StaticAssets> Load(const std::filesystem::path& dir);

  // Writes every asset under both names, plus manifest.json (name ->
  // fingerprinted name), each file atomically; files already identical are
  // left alone, so replicas starting together do not disturb each other.
  // Files of earlier versions stay (pages still open may ask for them).
  absl::Status Export(const std::filesystem::path& dest) const;

  // "/static/<fingerprinted name>" for a known asset, else "/static/<name>".
  std::string Url(std::string_view name) const;

  size_t size() const { return files_.size(); }

  // "favicon.svg" + content -> "favicon.<12 hex of SHA-256>.svg".
  static std::string Fingerprinted(std::string_view name,
                                   std::string_view content);

 private:
  struct File {
    std::string content;
    std::string fingerprinted;
  };
  std::map<std::string, File> files_;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_STATIC_ASSETS_H_
