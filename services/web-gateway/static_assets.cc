#include "web-gateway/static_assets.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/files.h"
#include "nlohmann/json.hpp"

namespace tocsin::gateway {
namespace fs = std::filesystem;

namespace {
// Static assets are icons, styles and scripts; anything this big is a
// mistake in the image, not an asset.
constexpr size_t kMaxAssetBytes = 16 << 20;

absl::Status WriteIfChanged(const fs::path& path, std::string_view content) {
  auto current = ReadWholeFile(path, kMaxAssetBytes);
  if (current.ok() && *current == content) return absl::OkStatus();
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(
        "cannot create ", path.parent_path().string(), ": ", ec.message()));
  }
  return WriteFileAtomically(path, content, 0644);
}
}  // namespace

std::string StaticAssets::Fingerprinted(std::string_view name,
                                        std::string_view content) {
  std::string hash = Sha256Hex(content).substr(0, 12);
  size_t slash = name.rfind('/');
  size_t dot = name.rfind('.');
  // No extension (or a dot only in a directory name, or a leading dot):
  // the hash goes at the end.
  if (dot == std::string_view::npos ||
      (slash != std::string_view::npos && dot < slash) ||
      dot == (slash == std::string_view::npos ? 0 : slash + 1)) {
    return std::string(name) + "." + hash;
  }
  return std::string(name.substr(0, dot)) + "." + hash +
         std::string(name.substr(dot));
}

absl::StatusOr<StaticAssets> StaticAssets::Load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat(dir.string(), " is not a directory"));
  }
  StaticAssets assets;
  auto it = fs::recursive_directory_iterator(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot read ", dir.string(), ": ", ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot read ", dir.string(), ": ", ec.message()));
    }
    std::string base = it->path().filename().string();
    if (!base.empty() && base[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), dir).generic_string();
    auto content = ReadWholeFile(it->path(), kMaxAssetBytes);
    if (!content.ok()) return content.status();
    File f;
    f.fingerprinted = Fingerprinted(rel, *content);
    f.content = *std::move(content);
    assets.files_.emplace(std::move(rel), std::move(f));
  }
  return assets;
}

absl::Status StaticAssets::Export(const fs::path& dest) const {
  nlohmann::json manifest = nlohmann::json::object();
  for (const auto& [name, file] : files_) {
    if (auto s = WriteIfChanged(dest / file.fingerprinted, file.content);
        !s.ok()) {
      return s;
    }
    if (auto s = WriteIfChanged(dest / name, file.content); !s.ok()) return s;
    manifest[name] = file.fingerprinted;
  }
  return WriteIfChanged(dest / "manifest.json", manifest.dump(2) + "\n");
}

std::string StaticAssets::Url(std::string_view name) const {
  auto it = files_.find(std::string(name));
  return "/static/" +
         (it == files_.end() ? std::string(name) : it->second.fingerprinted);
}

}  // namespace tocsin::gateway
