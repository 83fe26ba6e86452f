#include "web-gateway/router.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "metrics/metrics.h"
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

struct HttpMetrics {
  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Histogram>& seconds;
};

HttpMetrics& Metrics() {
  static HttpMetrics* m = [] {
    auto& r = metrics::DefaultRegistry();
    return new HttpMetrics{
        r.AddCounter("tocsin_http_requests_total",
                     "HTTP requests by route pattern, method and status.",
                     {"route", "method", "status"}),
        r.AddHistogram("tocsin_http_request_seconds",
                       "Time from routing to the answer, by route pattern.",
                       metrics::LatencyBuckets(), {"route"})};
  }();
  return *m;
}

// Counts the answer under the route's pattern (never the raw path: keys and
// UUIDs in paths would make a label per request).
Respond Counted(const std::string& route, const std::string& method,
                Respond respond) {
  return [route, method, start = absl::Now(),
          respond = std::move(respond)](HttpResponse r) mutable {
    const std::string& m =
        method == "GET" || method == "POST" || method == "HEAD" ||
                method == "DELETE" || method == "OPTIONS" || method == "PUT"
            ? method
            : std::string("other");
    Metrics().requests.With({route, m, absl::StrCat(r.status)}).Inc();
    Metrics().seconds.With({route}).Observe(
        absl::ToDoubleSeconds(absl::Now() - start));
    respond(std::move(r));
  };
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
      r.handler(req, params, Counted(r.pattern, req.method, std::move(respond)));
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
  Counted(allowed.empty() ? "unmatched" : "method-not-allowed", req.method,
          std::move(respond))(std::move(resp));
}

}  // namespace tocsin::gateway
