#ifndef TOCSIN_GATEWAY_API_H_
#define TOCSIN_GATEWAY_API_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "web-gateway/config.h"
#include "web-gateway/badges.h"
#include "web-gateway/data_client.h"
#include "web-gateway/ping_batcher.h"
#include "web-gateway/rate_limiter.h"
#include "web-gateway/router.h"

namespace tocsin::gateway {

// The gateway's HTTP endpoints: Pinging API, Management API, health.
// Register() is the route table; each handler translates HTTP to one gRPC
// call and the answer back.
class Api {
 public:
  Api(const GatewayConfig& config, DataClient& data);

  void Register(Router& router);

  // At shutdown, after the HTTP server stopped: see PingBatcher::Stop.
  bool StopPings(absl::Duration timeout) { return pings_.Stop(timeout); }

 private:
  void Ping(HttpRequest& req, const PathParams& params, Respond respond);
  void ListChecks(HttpRequest& req, const PathParams& params, Respond respond);
  void GetCheck(HttpRequest& req, const PathParams& params, Respond respond);
  void CreateCheck(HttpRequest& req, const PathParams& params, Respond respond);
  void UpdateCheck(HttpRequest& req, const PathParams& params, Respond respond);
  void PauseCheck(HttpRequest& req, const PathParams& params, Respond respond);
  void ResumeCheck(HttpRequest& req, const PathParams& params, Respond respond);
  void DeleteCheck(HttpRequest& req, const PathParams& params, Respond respond);
  void ListPings(HttpRequest& req, const PathParams& params, Respond respond);
  void GetPingBody(HttpRequest& req, const PathParams& params, Respond respond);
  void ListFlips(HttpRequest& req, const PathParams& params, Respond respond);
  void Status(HttpRequest& req, const PathParams& params, Respond respond);
  void Metrics(HttpRequest& req, const PathParams& params, Respond respond);
  void ListBadges(HttpRequest& req, const PathParams& params, Respond respond);
  void ProjectBadge(HttpRequest& req, const PathParams& params,
                    Respond respond);
  void CheckBadge(HttpRequest& req, const PathParams& params, Respond respond);
  void ServeBadge(v1::GetBadgeCountsRequest rpc, std::string label,
                  std::string format, bool three_state, Respond respond);
  void ListChannels(HttpRequest& req, const PathParams& params,
                    Respond respond);
  void CorsPreflight(HttpRequest& req, const PathParams& params,
                     Respond respond);
  void Healthz(HttpRequest& req, const PathParams& params, Respond respond);
  // Integrations (our extension of the Management API) and their deliveries.
  void CreateChannel(HttpRequest& req, const PathParams& params,
                     Respond respond);
  void UpdateChannel(HttpRequest& req, const PathParams& params,
                     Respond respond);
  void DeleteChannel(HttpRequest& req, const PathParams& params,
                     Respond respond);
  void ListNotifications(HttpRequest& req, const PathParams& params,
                         Respond respond);
  // The operator-facing health document.
  void Health(HttpRequest& req, const PathParams& params, Respond respond);
  void Readyz(HttpRequest& req, const PathParams& params, Respond respond);

  // 200 "OK" when the data service is SERVING, else 503 `not_ready`.
  void AnswerDataHealth(Respond respond, std::string not_ready);
  std::optional<std::string> WriteKey(const HttpRequest& req,
                                     const Respond& respond);

  // True (and answered 429) when `key` is over its limit.
  bool Throttled(RateLimiter* limiter, std::string_view key,
                 const Respond& respond);

  const GatewayConfig& config_;
  DataClient& data_;
  PingBatcher pings_;
  std::mutex health_mu_;
  std::optional<std::pair<absl::Time, HttpResponse>> health_cache_;
  std::unique_ptr<RateLimiter> ping_limiter_;  // Null when limits are off.
  std::unique_ptr<RateLimiter> api_limiter_;
  BadgeCache badge_cache_{absl::Seconds(10), 10000};
};

}  // namespace tocsin::gateway

#endif  // TOCSIN_GATEWAY_API_H_
