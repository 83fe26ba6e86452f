#include "web-gateway/router.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace tocsin::gateway {
namespace {

std::vector<std::string> Split(const std::string& path) {
  // Keeps empty segments so "/a/" and "/a" differ.
  return absl::StrSplit(path, '/');
}

bool Match(const std::vector<std::string>& pattern,
           const std::vector<std::string>& path, PathParams* params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) return false;
      (*params)[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(std::vector<std::string> methods, std::string pattern,
                 Handler handler) {
  auto segments = Split(pattern);
  routes_.push_back(
      {std::move(methods), std::move(pattern), std::move(segments), std::move(handler)});
}

void Router::Dispatch(HttpRequest& req, Respond respond) const {
  auto segments = Split(req.path);
  std::vector<std::string> allowed;
  for (const auto& r : routes_) {
    PathParams params;
    if (!Match(r.segments, segments, &params)) continue;
    if (std::find(r.methods.begin(), r.methods.end(), req.method) !=
        r.methods.end()) {
      r.handler(req, params, std::move(respond));
      return;
    }
    allowed.insert(allowed.end(), r.methods.begin(), r.methods.end());
  }
  HttpResponse resp;
  if (allowed.empty()) {
    resp.status = 404;
    resp.body = "not found";
  } else {
    resp.status = 405;
    resp.body = "method not allowed";
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    resp.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
  }
  respond(std::move(resp));
}

}  // namespace tocsin::gateway
