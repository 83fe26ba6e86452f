#include "web-gateway/router.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "metrics/metrics.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"

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

constexpr const char* kMethodNames[] = {"GET",     "POST", "HEAD", "DELETE",
                                        "OPTIONS", "PUT",  "other"};
constexpr int kMethods = std::size(kMethodNames);

int MethodIndex(const std::string& method) {
  for (int i = 0; i + 1 < kMethods; ++i) {
    if (method == kMethodNames[i]) return i;
  }
  return kMethods - 1;  // "other": label values stay bounded.
}

}  // namespace

// A route pattern's metric children, looked up once (the registry's rule
// for hot paths): its latency histogram, and its counter of 200 answers for
// each method, each filled on first use (so /metrics shows only routes that
// answered, as before). Other statuses are looked up per answer.
// One per pattern for the process (children never go away either), so an
// answer arriving late never outlives what it counts into.
struct Router::RouteMetrics {
  std::string pattern;
  std::atomic<metrics::Histogram*> seconds{nullptr};
  std::array<std::atomic<metrics::Counter*>, kMethods> ok{};
};

namespace {

using RouteMetrics = Router::RouteMetrics;

RouteMetrics* MetricsFor(const std::string& pattern) {
  static absl::Mutex mu;
  static auto* by_pattern =
      new std::map<std::string, std::unique_ptr<RouteMetrics>>;
  absl::MutexLock lock(&mu);
  auto& m = (*by_pattern)[pattern];
  if (!m) {
    m = std::make_unique<RouteMetrics>();
    m->pattern = pattern;
  }
  return m.get();
}

// The child kept in `slot`, looked up with `lookup` the first time. Two
// threads may both look it up at first; they find the same child.
template <class T, class Lookup>
T& Kept(std::atomic<T*>& slot, Lookup lookup) {
  T* child = slot.load(std::memory_order_acquire);
  if (child == nullptr) {
    child = &lookup();
    slot.store(child, std::memory_order_release);
  }
  return *child;
}

// Counts the answer under the route's pattern (never the raw path: keys and
// UUIDs in paths would make a label per request).
Respond Counted(RouteMetrics* m, const std::string& method, Respond respond) {
  return [m, method = MethodIndex(method), start = absl::Now(),
          respond = std::move(respond)](HttpResponse r) mutable {
    const char* name = kMethodNames[method];
    if (r.status == 200) {
      Kept(m->ok[method], [&]() -> metrics::Counter& {
        return Metrics().requests.With({m->pattern, name, "200"});
      }).Inc();
    } else {
      Metrics().requests.With({m->pattern, name, absl::StrCat(r.status)}).Inc();
    }
    Kept(m->seconds, [&]() -> metrics::Histogram& {
      return Metrics().seconds.With({m->pattern});
    }).Observe(absl::ToDoubleSeconds(absl::Now() - start));
    respond(std::move(r));
  };
}

}  // namespace

void Router::Add(std::vector<std::string> methods, std::string pattern,
                 Handler handler) {
  auto segments = Split(pattern);
  RouteMetrics* metrics = MetricsFor(pattern);
  routes_.push_back({std::move(methods), std::move(pattern), std::move(segments),
                     std::move(handler), metrics});
}

void Router::Dispatch(HttpRequest& req, Respond respond) const {
  auto segments = Split(req.path);
  std::vector<std::string> allowed;
  for (const auto& r : routes_) {
    PathParams params;
    if (!Match(r.segments, segments, &params)) continue;
    if (std::find(r.methods.begin(), r.methods.end(), req.method) !=
        r.methods.end()) {
      r.handler(req, params, Counted(r.metrics, req.method, std::move(respond)));
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
  static RouteMetrics* const unmatched = MetricsFor("unmatched");
  static RouteMetrics* const not_allowed = MetricsFor("method-not-allowed");
  Counted(allowed.empty() ? unmatched : not_allowed, req.method,
          std::move(respond))(std::move(resp));
}

}  // namespace tocsin::gateway
