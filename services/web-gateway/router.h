#ifndef TOCSIN_GATEWAY_ROUTER_H_
#define TOCSIN_GATEWAY_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "web-gateway/http_types.h"

namespace tocsin::gateway {

// Values of a pattern's `{name}` segments.
using PathParams = std::map<std::string, std::string>;
using Handler =
    std::function<void(HttpRequest& req, const PathParams& params, Respond)>;

// The gateway's HTTP surface as a table: method(s) + path pattern -> handler.
// Patterns are '/'-separated literals and `{name}` segments (one non-empty
// segment each); a trailing slash is significant, as in Healthchecks' URLs.
class Router {
 public:
  void Add(std::vector<std::string> methods, std::string pattern,
           Handler handler);
  // Calls the matching handler; answers 404 when no pattern matches and 405
  // (with Allow) when a pattern matches but not the method.
  void Dispatch(HttpRequest& req, Respond respond) const;

  struct RouteMetrics;  // A pattern's metric children (router.cc).
  struct Route {
    std::vector<std::string> methods;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RouteMetrics* metrics;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_ROUTER_H_
