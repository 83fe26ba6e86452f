#include "web-gateway/api.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "checkjson/check_json.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "web-gateway/badges.h"
#include "web-gateway/check_request.h"
#include "web-gateway/health_document.h"
#include "web-gateway/ping_path.h"
#include "web-gateway/prometheus.h"
#include "web-gateway/status_mapping.h"

namespace tocsin::gateway {
namespace {

using nlohmann::ordered_json;

HttpResponse Json(int status, const ordered_json& j) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  // The Management API may be called from browsers on any origin.
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

// The message a client sees for an error: its own mistakes verbatim, our
// failures as a generic line (the detail goes to the log).
std::string ClientMessage(const absl::Status& s, std::string_view what) {
  if (!IsServerError(s.code())) return std::string(s.message());
  log::Error("request failed", {{"endpoint", what}, {"error", s.ToString()}});
  if (s.code() == absl::StatusCode::kUnavailable ||
      s.code() == absl::StatusCode::kDeadlineExceeded) {
    return "service temporarily unavailable";
  }
  return "internal error";
}

HttpResponse TextNotFound() {
  HttpResponse r;
  r.status = 404;
  r.body = "not found";
  return r;
}

// Sets a header, replacing one of the same name.
void SetHeader(HttpResponse& r, std::string name, std::string value) {
  for (auto& [k, v] : r.headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  r.headers.emplace_back(std::move(name), std::move(value));
}

HttpResponse JsonError(const absl::Status& s, std::string_view what) {
  HttpResponse r = Json(HttpStatusFor(s.code()),
                        ordered_json{{"error", ClientMessage(s, what)}});
  if (r.status == 503 || r.status == 429)
    r.headers.emplace_back("Retry-After", "1");
  return r;
}

// Pinging API answers are plain text, readable from any origin.
HttpResponse PingText(int status, std::string body, int body_limit) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  r.headers.emplace_back("Ping-Body-Limit", absl::StrCat(body_limit));
  if (status == 503 || status == 429)
    r.headers.emplace_back("Retry-After", "1");
  return r;
}

// 1, 2 or 3, from a Management API path ("/api/v2/checks/...").
int ApiVersion(const HttpRequest& req) {
  if (req.path.rfind("/api/v1/", 0) == 0) return 1;
  if (req.path.rfind("/api/v2/", 0) == 0) return 2;
  return 3;
}

// API v1 and v2 take no slug: it follows the name.
void ApplyVersionRules(int version, v1::CheckSpec& spec) {
  if (version >= 3) return;
  spec.clear_slug();
  if (spec.has_name()) spec.set_slug(Slugify(spec.name()));
}

// The API key from the X-Api-Key header or, for POST, the body's `api_key`.
std::optional<std::string> ApiKey(const HttpRequest& req,
                                  const std::optional<std::string>& body_key) {
  const std::string& h = req.Header("x-api-key");
  if (!h.empty()) return h;
  if (body_key && !body_key->empty()) return body_key;
  return std::nullopt;
}

// Keys travel as gRPC metadata, which holds printable ASCII only; a key with
// anything else cannot be one of ours.
bool PlausibleKey(const std::string& key) {
  return key.size() <= 128 && std::all_of(key.begin(), key.end(), [](char c) {
           return c >= 0x21 && c <= 0x7e;
         });
}

// 401 for a missing or impossible key; nullopt when the key may be checked.
std::optional<HttpResponse> RejectKey(const std::optional<std::string>& key) {
  if (!key) return Json(401, ordered_json{{"error", "missing api key"}});
  if (!PlausibleKey(*key)) {
    return Json(401, ordered_json{{"error", "wrong api key"}});
  }
  return std::nullopt;
}

}  // namespace

Api::Api(const GatewayConfig& config, DataClient& data)
    : config_(config),
      data_(data),
      pings_(data, {.max_batch = config.ping_batch_max,
                    .max_calls = config.ping_calls_max,
                    .overlap_after = config.ping_overlap_after,
                    .max_pending = config.pings_pending_max,
                    .max_pending_bytes = config.ping_bytes_pending_max,
                    .deadline = config.rpc_deadline}) {
  if (config.rate_limits) {
    ping_limiter_ = std::make_unique<RateLimiter>(config.ping_rate_per_minute,
                                                  config.ping_burst);
    api_limiter_ = std::make_unique<RateLimiter>(config.api_rate_per_minute,
                                                 config.api_burst);
  }
}

bool Api::Throttled(RateLimiter* limiter, std::string_view key,
                    const Respond& respond) {
  absl::Duration wait;
  if (limiter == nullptr || key.empty() ||
      limiter->Allow(key, absl::Now(), &wait)) {
    return false;
  }
  HttpResponse r = Json(429, ordered_json{{"error", "rate limit exceeded"}});
  SetHeader(r, "Retry-After",
            absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(wait))));
  respond(std::move(r));
  return true;
}

void Api::Register(Router& r) {
  auto bind = [this](auto method) {
    return [this, method](HttpRequest& req, const PathParams& p, Respond cb) {
      (this->*method)(req, p, std::move(cb));
    };
  };
  // Management API calls count against their key's limit first (the key in
  // the header, or in a JSON body); keyless calls are refused by the handler.
  auto api = [this, bind](auto method) {
    return [this, handler = bind(method)](HttpRequest& req, const PathParams& p,
                                          Respond cb) {
      std::string key = req.Header("x-api-key");
      if (key.empty() && !req.body.empty()) {
        key = ApiKeyFromBody(req.body).value_or("");
      }
      // Keyless calls are refused (401) by the handler, not counted.
      if (!key.empty() && Throttled(api_limiter_.get(), Sha256(key), cb))
        return;
      handler(req, p, std::move(cb));
    };
  };
  const std::vector<std::string> kPingMethods = {"HEAD", "GET", "POST"};
  r.Add(kPingMethods, "/ping/{a}", bind(&Api::Ping));
  r.Add(kPingMethods, "/ping/{a}/{b}", bind(&Api::Ping));
  r.Add(kPingMethods, "/ping/{a}/{b}/{c}", bind(&Api::Ping));
  // Management API v3.
  // Management API: v3, and v1/v2 with their older shapes.
  for (std::string v : {"/api/v1", "/api/v2", "/api/v3"}) {
    r.Add({"GET"}, v + "/checks/", api(&Api::ListChecks));
    r.Add({"POST"}, v + "/checks/", api(&Api::CreateCheck));
    r.Add({"GET"}, v + "/checks/{id}", api(&Api::GetCheck));
    r.Add({"POST"}, v + "/checks/{id}", api(&Api::UpdateCheck));
    r.Add({"DELETE"}, v + "/checks/{id}", api(&Api::DeleteCheck));
    r.Add({"POST"}, v + "/checks/{id}/pause", api(&Api::PauseCheck));
    r.Add({"POST"}, v + "/checks/{id}/resume", api(&Api::ResumeCheck));
    r.Add({"GET"}, v + "/checks/{id}/pings/", api(&Api::ListPings));
    r.Add({"GET"}, v + "/checks/{id}/pings/{n}/body", api(&Api::GetPingBody));
    r.Add({"GET"}, v + "/checks/{id}/flips/", api(&Api::ListFlips));
    r.Add({"GET"}, v + "/channels/", api(&Api::ListChannels));
    r.Add({"POST"}, v + "/channels/", api(&Api::CreateChannel));
    r.Add({"POST"}, v + "/channels/{id}", api(&Api::UpdateChannel));
    r.Add({"DELETE"}, v + "/channels/{id}", api(&Api::DeleteChannel));
    r.Add({"GET"}, v + "/channels/{id}/notifications/",
          api(&Api::ListNotifications));
    r.Add({"GET"}, v + "/checks/{id}/notifications/",
          api(&Api::ListNotifications));
    r.Add({"GET"}, v + "/badges/", api(&Api::ListBadges));
  }
  // Badges: public, unguessable URLs.
  r.Add({"GET", "HEAD"}, "/badge/{key}/{signature}/{file}",
        bind(&Api::ProjectBadge));
  r.Add({"GET", "HEAD"}, "/badge/{key}/{file}", bind(&Api::ProjectBadge));
  r.Add({"GET", "HEAD"}, "/b/{states}/{file}", bind(&Api::CheckBadge));
  r.Add({"GET"}, "/api/v3/status/", bind(&Api::Status));
  // Prometheus: the read-only key in the path, or as a Bearer token.
  r.Add({"GET"}, "/projects/{project}/metrics/{key}", bind(&Api::Metrics));
  r.Add({"GET"}, "/projects/{project}/metrics/", bind(&Api::Metrics));
  // Browsers ask first: every API path answers the CORS preflight.
  for (const auto& route : std::vector<Router::Route>(r.routes())) {
    if (route.pattern.rfind("/api/", 0) == 0 &&
        route.methods.front() != "OPTIONS") {
      r.Add({"OPTIONS"}, route.pattern, bind(&Api::CorsPreflight));
    }
  }
  r.Add({"GET", "HEAD"}, "/healthz", bind(&Api::Healthz));
  r.Add({"GET"}, "/health", bind(&Api::Health));
  r.Add({"GET", "HEAD"}, "/readyz", bind(&Api::Readyz));
}

void Api::Ping(HttpRequest& req, const PathParams& params, Respond respond) {
  const int limit = config_.ping_body_limit;
  std::vector<std::string> segments;
  for (const char* k : {"a", "b", "c"}) {
    auto it = params.find(k);
    if (it != params.end()) segments.push_back(it->second);
  }
  auto path = ParsePingPath(segments);
  if (!path.ok()) {
    return respond(PingText(HttpStatusFor(path.status().code()),
                            std::string(path.status().message()), limit));
  }
  v1::RecordPingRequest rpc;
  if (!path->uuid.empty()) {
    rpc.set_check_uuid(path->uuid);
  } else {
    rpc.mutable_slug()->set_ping_key(path->ping_key);
    rpc.mutable_slug()->set_slug(path->slug);
    const std::string* create = req.QueryValue("create");
    rpc.set_create(create && *create == "1");
  }
  rpc.set_kind(path->kind);
  if (path->exit_status) rpc.set_exit_status(*path->exit_status);
  if (const std::string* rid = req.QueryValue("rid")) {
    if (!IsCanonicalUuid(*rid)) {
      return respond(PingText(400, "invalid url format", limit));
    }
    rpc.set_rid(*rid);
  }
  // Store at most the limit; the rest of the body is accepted and dropped.
  // Per-check limit: a runaway sender must not flood the database.
  if (ping_limiter_) {
    std::string limit_key = path->uuid.empty()
                                ? absl::StrCat(path->ping_key, "/", path->slug)
                                : path->uuid;
    absl::Duration wait;
    if (!ping_limiter_->Allow(limit_key, absl::Now(), &wait)) {
      HttpResponse r = PingText(429, "rate limited", limit);
      SetHeader(r, "Retry-After",
                absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(wait))));
      return respond(std::move(r));
    }
  }
  if (req.body.size() > static_cast<size_t>(limit)) req.body.resize(limit);
  rpc.set_body(std::move(req.body));
  rpc.set_method(req.method);
  rpc.set_scheme(req.scheme);
  rpc.set_remote_addr(req.remote_addr);
  rpc.set_user_agent(ToStorableText(req.Header("user-agent"), 200));
  pings_.Record(
      std::move(rpc), [respond = std::move(respond),
                       limit](absl::StatusOr<v1::RecordPingResponse> r) {
        if (!r.ok()) {
          return respond(PingText(HttpStatusFor(r.status().code()),
                                  ClientMessage(r.status(), "ping"), limit));
        }
        if (r->created()) return respond(PingText(201, "Created", limit));
        respond(PingText(200, "OK", limit));
      });
}

void Api::ListChecks(HttpRequest& req, const PathParams&, Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::ListChecksRequest rpc;
  auto range = req.query.equal_range("tag");
  for (auto it = range.first; it != range.second; ++it)
    rpc.add_tags(it->second);
  // An empty slug filter is no filter, as in Healthchecks.
  const std::string* slug = req.QueryValue("slug");
  if (slug && !slug->empty()) rpc.set_slug(*slug);
  data_.ListChecks(
      *key, std::move(rpc),
      [this, version = ApiVersion(req),
       respond = std::move(respond)](absl::StatusOr<v1::ListChecksResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "list checks"));
        ordered_json checks = ordered_json::array();
        for (const auto& c : r->checks()) {
          checks.push_back(CheckToJson(c, config_.urls, version));
        }
        respond(Json(200, ordered_json{{"checks", std::move(checks)}}));
      });
}

void Api::GetCheck(HttpRequest& req, const PathParams& params,
                   Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::GetCheckRequest rpc;
  rpc.set_id(params.at("id"));
  data_.GetCheck(
      *key, std::move(rpc),
      [this, version = ApiVersion(req),
       respond = std::move(respond)](absl::StatusOr<v1::GetCheckResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "get check"));
        respond(Json(200, CheckToJson(r->check(), config_.urls, version)));
      });
}

void Api::CreateCheck(HttpRequest& req, const PathParams&, Respond respond) {
  // As Healthchecks: a body that is no JSON object is refused first, then
  // the key is checked, then the fields.
  if (auto s = CheckJsonObject(req.body); !s.ok()) {
    return respond(JsonError(s, "create check"));
  }
  auto key = ApiKey(req, ApiKeyFromBody(req.body));
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  auto body = ParseCheckRequestBody(req.body);
  if (!body.ok()) return respond(JsonError(body.status(), "create check"));
  v1::CreateCheckRequest rpc;
  ApplyVersionRules(ApiVersion(req), body->spec);
  *rpc.mutable_spec() = std::move(body->spec);
  for (auto& u : body->unique) rpc.add_unique(std::move(u));
  data_.CreateCheck(
      *key, std::move(rpc),
      [this, version = ApiVersion(req), respond = std::move(respond)](
          absl::StatusOr<v1::CreateCheckResponse> r) {
        if (!r.ok()) {
          return respond(JsonError(r.status(), "create check"));
        }
        respond(Json(r->created() ? 201 : 200,
                     CheckToJson(r->check(), config_.urls, version)));
      });
}

// Reads the key of a write call (header, or `api_key` in a JSON body) after
// Healthchecks' body checks; answers the error itself and returns nullopt
// when the call cannot go on.
std::optional<std::string> Api::WriteKey(const HttpRequest& req,
                                         const Respond& respond) {
  if (auto s = CheckJsonObject(req.body); !s.ok()) {
    respond(JsonError(s, "api"));
    return std::nullopt;
  }
  auto key = ApiKey(req, ApiKeyFromBody(req.body));
  if (auto rejected = RejectKey(key)) {
    respond(std::move(*rejected));
    return std::nullopt;
  }
  return key;
}

// Answers a call that returns one check.
template <typename Resp>
Callback<Resp> CheckAnswer(const UrlConfig& urls, int version, Respond respond,
                           std::string_view what) {
  return [&urls, version, respond = std::move(respond),
          what](absl::StatusOr<Resp> r) {
    if (!r.ok()) return respond(JsonError(r.status(), what));
    respond(Json(200, CheckToJson(r->check(), urls, version)));
  };
}

void Api::UpdateCheck(HttpRequest& req, const PathParams& params,
                      Respond respond) {
  auto key = WriteKey(req, respond);
  if (!key) return;
  auto body = ParseCheckRequestBody(req.body);
  if (!body.ok()) return respond(JsonError(body.status(), "update check"));
  v1::UpdateCheckRequest rpc;
  rpc.set_id(params.at("id"));
  ApplyVersionRules(ApiVersion(req), body->spec);
  *rpc.mutable_spec() = std::move(body->spec);
  data_.UpdateCheck(
      *key, std::move(rpc),
      CheckAnswer<v1::UpdateCheckResponse>(config_.urls, ApiVersion(req),
                                           std::move(respond), "update check"));
}

void Api::PauseCheck(HttpRequest& req, const PathParams& params,
                     Respond respond) {
  auto key = WriteKey(req, respond);
  if (!key) return;
  v1::PauseCheckRequest rpc;
  rpc.set_id(params.at("id"));
  data_.PauseCheck(
      *key, std::move(rpc),
      CheckAnswer<v1::PauseCheckResponse>(config_.urls, ApiVersion(req),
                                          std::move(respond), "pause check"));
}

void Api::ResumeCheck(HttpRequest& req, const PathParams& params,
                      Respond respond) {
  auto key = WriteKey(req, respond);
  if (!key) return;
  v1::ResumeCheckRequest rpc;
  rpc.set_id(params.at("id"));
  data_.ResumeCheck(
      *key, std::move(rpc),
      CheckAnswer<v1::ResumeCheckResponse>(config_.urls, ApiVersion(req),
                                           std::move(respond), "resume check"));
}

void Api::DeleteCheck(HttpRequest& req, const PathParams& params,
                      Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::DeleteCheckRequest rpc;
  rpc.set_id(params.at("id"));
  data_.DeleteCheck(
      *key, std::move(rpc),
      CheckAnswer<v1::DeleteCheckResponse>(config_.urls, ApiVersion(req),
                                           std::move(respond), "delete check"));
}

void Api::ListPings(HttpRequest& req, const PathParams& params,
                    Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::ListPingsRequest rpc;
  rpc.set_id(params.at("id"));
  std::string uuid = absl::AsciiStrToLower(params.at("id"));
  data_.ListPings(
      *key, std::move(rpc),
      [this, uuid, version = ApiVersion(req),
       respond = std::move(respond)](absl::StatusOr<v1::ListPingsResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "list pings"));
        ordered_json pings = ordered_json::array();
        for (const auto& p : r->pings()) {
          pings.push_back(PingToJson(p, uuid, config_.urls, version));
        }
        respond(Json(200, ordered_json{{"pings", std::move(pings)}}));
      });
}

void Api::GetPingBody(HttpRequest& req, const PathParams& params,
                      Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  int64_t n = 0;
  if (!absl::SimpleAtoi(params.at("n"), &n) || n < 1) {
    return respond(Json(404, ordered_json{{"error", "not found"}}));
  }
  v1::GetPingBodyRequest rpc;
  rpc.set_id(params.at("id"));
  rpc.set_n(n);
  data_.GetPingBody(
      *key, std::move(rpc),
      [respond =
           std::move(respond)](absl::StatusOr<v1::GetPingBodyResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "ping body"));
        HttpResponse out;
        out.content_type = "text/plain";
        out.body = std::move(*r->mutable_body());
        out.headers.emplace_back("Access-Control-Allow-Origin", "*");
        respond(std::move(out));
      });
}

void Api::ListFlips(HttpRequest& req, const PathParams& params,
                    Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::ListFlipsRequest rpc;
  rpc.set_id(params.at("id"));
  // seconds, start and end are whole numbers (UNIX timestamps for the last
  // two); anything else is a 400, as Healthchecks answers.
  for (const char* name : {"seconds", "start", "end"}) {
    const std::string* v = req.QueryValue(name);
    if (!v) continue;
    int64_t n = 0;
    if (!absl::SimpleAtoi(*v, &n) || n < 0 || n > 253402300799) {
      return respond(Json(
          400, ordered_json{
                   {"error", absl::StrCat("invalid query parameter ", name)}}));
    }
    if (std::string_view(name) == "seconds") rpc.set_seconds(n);
    if (std::string_view(name) == "start") {
      *rpc.mutable_start() = ToProto(absl::FromUnixSeconds(n));
    }
    if (std::string_view(name) == "end") {
      *rpc.mutable_end() = ToProto(absl::FromUnixSeconds(n));
    }
  }
  data_.ListFlips(
      *key, std::move(rpc),
      [respond = std::move(respond)](absl::StatusOr<v1::ListFlipsResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "list flips"));
        ordered_json flips = ordered_json::array();
        for (const auto& f : r->flips()) flips.push_back(FlipToJson(f));
        respond(Json(200, ordered_json{{"flips", std::move(flips)}}));
      });
}

void Api::ListChannels(HttpRequest& req, const PathParams&, Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  data_.ListChannels(
      *key, {},
      [respond =
           std::move(respond)](absl::StatusOr<v1::ListChannelsResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "list channels"));
        ordered_json channels = ordered_json::array();
        for (const auto& c : r->channels()) {
          channels.push_back(ordered_json{
              {"id", c.id()}, {"name", c.name()}, {"kind", c.kind()}});
        }
        respond(Json(200, ordered_json{{"channels", std::move(channels)}}));
      });
}

namespace {

ordered_json ChannelToJson(const v1::Channel& c) {
  return ordered_json{{"id", c.id()}, {"name", c.name()}, {"kind", c.kind()}};
}

// A channel body's settings: every top-level field except the ones the API
// itself reads.
std::string SettingsOf(const nlohmann::json& body) {
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [k, v] : body.items()) {
    if (k != "name" && k != "kind" && k != "api_key") settings[k] = v;
  }
  return settings.dump();
}

// The channel body as JSON (already known to be an object).
absl::StatusOr<nlohmann::json> ChannelBody(const std::string& text) {
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return absl::InvalidArgumentError("json validation error: not an object");
  }
  for (const char* field : {"name", "kind"}) {
    if (body.contains(field) && !body[field].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("json validation error: ", field, " is not a string"));
    }
  }
  return body;
}

ordered_json NotificationToJson(const v1::Notification& n) {
  ordered_json j = {{"id", n.id()},
                    {"check", n.check()},
                    {"channel", n.channel()},
                    {"kind", n.channel_kind()},
                    {"status", n.status()},
                    {"flip", FormatApiTime(FromProto(n.flip_created()))},
                    {"state", n.state()},
                    {"attempts", n.attempts()}};
  if (n.has_next_attempt()) {
    j["next_attempt"] = FormatApiTime(FromProto(n.next_attempt()));
  }
  if (n.has_finished()) j["finished"] = FormatApiTime(FromProto(n.finished()));
  ordered_json log = ordered_json::array();
  for (const auto& a : n.attempt_log()) {
    log.push_back(ordered_json{
        {"attempt", a.attempt()},
        {"started", FormatApiTime(FromProto(a.started()))},
        {"finished", FormatApiTime(FromProto(a.finished()))},
        {"sender", a.sender()},
        {"outcome", a.outcome()},
        {"code", a.code()},
        {"detail", a.detail()}});
  }
  j["log"] = std::move(log);
  return j;
}

}  // namespace

void Api::CreateChannel(HttpRequest& req, const PathParams&, Respond respond) {
  auto key = WriteKey(req, respond);
  if (!key) return;
  auto body = ChannelBody(req.body);
  if (!body.ok()) return respond(JsonError(body.status(), "create channel"));
  if (!body->contains("kind")) {
    return respond(JsonError(absl::InvalidArgumentError("kind: required"),
                             "create channel"));
  }
  v1::CreateChannelRequest rpc;
  rpc.set_name(body->value("name", ""));
  rpc.set_kind((*body)["kind"].get<std::string>());
  rpc.set_settings_json(SettingsOf(*body));
  data_.CreateChannel(
      *key, std::move(rpc),
      [respond = std::move(respond)](
          absl::StatusOr<v1::CreateChannelResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "create channel"));
        respond(Json(201, ChannelToJson(r->channel())));
      });
}

void Api::UpdateChannel(HttpRequest& req, const PathParams& params,
                        Respond respond) {
  auto key = WriteKey(req, respond);
  if (!key) return;
  auto body = ChannelBody(req.body);
  if (!body.ok()) return respond(JsonError(body.status(), "update channel"));
  if (body->contains("kind")) {
    return respond(JsonError(
        absl::InvalidArgumentError("kind: cannot be changed; create a new "
                                   "integration instead"),
        "update channel"));
  }
  v1::UpdateChannelRequest rpc;
  rpc.set_id(params.at("id"));
  if (body->contains("name")) rpc.set_name((*body)["name"].get<std::string>());
  rpc.set_settings_json(SettingsOf(*body));
  data_.UpdateChannel(
      *key, std::move(rpc),
      [respond = std::move(respond)](
          absl::StatusOr<v1::UpdateChannelResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "update channel"));
        respond(Json(200, ChannelToJson(r->channel())));
      });
}

void Api::DeleteChannel(HttpRequest& req, const PathParams& params,
                        Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::DeleteChannelRequest rpc;
  rpc.set_id(params.at("id"));
  data_.DeleteChannel(
      *key, std::move(rpc),
      [respond = std::move(respond)](
          absl::StatusOr<v1::DeleteChannelResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "delete channel"));
        respond(Json(200, ChannelToJson(r->channel())));
      });
}

void Api::ListNotifications(HttpRequest& req, const PathParams& params,
                            Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  v1::ListNotificationsRequest rpc;
  if (req.path.find("/channels/") != std::string::npos) {
    rpc.set_channel(params.at("id"));
  } else {
    rpc.set_check(params.at("id"));
  }
  data_.ListNotifications(
      *key, std::move(rpc),
      [respond = std::move(respond)](
          absl::StatusOr<v1::ListNotificationsResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "notifications"));
        ordered_json list = ordered_json::array();
        for (const auto& n : r->notifications()) {
          list.push_back(NotificationToJson(n));
        }
        respond(Json(200, ordered_json{{"notifications", std::move(list)}}));
      });
}

void Api::Health(HttpRequest&, const PathParams&, Respond respond) {
  // Unauthenticated and a few queries each: answered from a one-second
  // cache, so a flood costs the database nothing more.
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    if (health_cache_ && absl::Now() - health_cache_->first < absl::Seconds(1)) {
      return respond(health_cache_->second);
    }
  }
  data_.GetSystemHealth(
      [this, respond = std::move(respond)](
          absl::StatusOr<v1::GetSystemHealthResponse> r) {
        if (!r.ok()) ClientMessage(r.status(), "health");
        HealthDocument doc = BuildHealthDocument(
            r, absl::Now(), 3 * config_.heartbeat_every + absl::Seconds(1));
        HttpResponse out = Json(doc.http_status, doc.body);
        SetHeader(out, "Cache-Control", "no-store");
        {
          std::lock_guard<std::mutex> lock(health_mu_);
          health_cache_.emplace(absl::Now(), out);
        }
        respond(std::move(out));
      });
}

void Api::Metrics(HttpRequest& req, const PathParams& params, Respond respond) {
  auto text = [](int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  };
  std::string key;
  if (auto it = params.find("key"); it != params.end()) {
    key = it->second;
  } else {
    const std::string& auth = req.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.compare(0, kBearer.size(), kBearer) == 0) {
      key = auth.substr(kBearer.size());
    }
  }
  // The key alone selects the project (Healthchecks ignores the UUID in the
  // path). Unknown keys and read-write keys are refused with 403.
  if (!LooksLikeApiKey(key)) return respond(text(400, "invalid api key"));
  if (Throttled(api_limiter_.get(), Sha256(key), respond)) return;
  data_.ListChecks(
      key, {},
      [respond = std::move(respond),
       text](absl::StatusOr<v1::ListChecksResponse> r) {
        if (!r.ok()) {
          if (absl::IsUnauthenticated(r.status())) {
            return respond(text(403, "wrong api key"));
          }
          return respond(text(HttpStatusFor(r.status().code()),
                              ClientMessage(r.status(), "metrics")));
        }
        if (!r->caller_read_only()) {
          return respond(text(403, "use a read-only api key"));
        }
        HttpResponse out = text(200, PrometheusMetrics(r->checks()));
        out.content_type = "text/plain; version=0.0.4; charset=utf-8";
        respond(std::move(out));
      });
}

void Api::ListBadges(HttpRequest& req, const PathParams&, Respond respond) {
  auto key = ApiKey(req, std::nullopt);
  if (auto rejected = RejectKey(key)) return respond(std::move(*rejected));
  data_.ListBadgeTags(
      *key, {},
      [this, respond = std::move(respond)](
          absl::StatusOr<v1::ListBadgeTagsResponse> r) {
        if (!r.ok()) return respond(JsonError(r.status(), "list badges"));
        ordered_json badges = ordered_json::object();
        auto urls = [&](const std::string& tag) {
          return BadgeUrls(config_.urls.site_root, config_.secret_key,
                           r->badge_key(), tag);
        };
        for (const auto& tag : r->tags()) badges[tag] = urls(tag);
        badges["*"] = urls("*");
        respond(Json(200, ordered_json{{"badges", std::move(badges)}}));
      });
}

// Splits "name.format" (format svg, json or shields); false otherwise.
static bool SplitBadgeFile(const std::string& file, std::string* name,
                           std::string* format) {
  size_t dot = file.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  *name = file.substr(0, dot);
  *format = file.substr(dot + 1);
  return *format == "svg" || *format == "json" || *format == "shields";
}

void Api::ProjectBadge(HttpRequest&, const PathParams& params,
                       Respond respond) {
  std::string tag, format, signature;
  if (params.count("signature")) {
    // /badge/<key>/<signature>[-2]/<tag>.<format>
    signature = params.at("signature");
    if (!SplitBadgeFile(params.at("file"), &tag, &format)) {
      return respond(TextNotFound());
    }
  } else {
    // /badge/<key>/<signature>[-2].<format>: every check of the project.
    // (push_back, not = "*": GCC 12 warns falsely of an overlapping copy
    // for a one-character literal assigned to a string, PR 105329.)
    tag.push_back('*');
    if (!SplitBadgeFile(params.at("file"), &signature, &format)) {
      return respond(TextNotFound());
    }
  }
  // Signatures are 8 characters; "-2" after them asks for two states (a
  // signature may itself end in "-2", so the length decides).
  bool three_state = true;
  if (signature.size() == 10 && signature.substr(8) == "-2") {
    three_state = false;
    signature.resize(8);
  }
  if (!ConstantTimeEquals(signature, BadgeSignature(config_.secret_key,
                                                    params.at("key"), tag))) {
    return respond(TextNotFound());
  }
  v1::GetBadgeCountsRequest rpc;
  rpc.set_project_badge_key(params.at("key"));
  rpc.set_tag(tag);
  ServeBadge(std::move(rpc), tag == "*" ? "" : tag, format, three_state,
             std::move(respond));
}

void Api::CheckBadge(HttpRequest&, const PathParams& params, Respond respond) {
  std::string key, format;
  const std::string& states = params.at("states");
  if ((states != "2" && states != "3") ||
      !SplitBadgeFile(params.at("file"), &key, &format)) {
    return respond(TextNotFound());
  }
  v1::GetBadgeCountsRequest rpc;
  rpc.set_check_badge_key(key);
  ServeBadge(std::move(rpc), "", format, states == "3", std::move(respond));
}

void Api::ServeBadge(v1::GetBadgeCountsRequest rpc, std::string label,
                     std::string format, bool three_state, Respond respond) {
  auto answer = [label, format, three_state, site_name = config_.site_name](
                    const v1::GetBadgeCountsResponse& counts) {
    // The label: the tag, the check's name, else SITE_NAME (as
    // Healthchecks labels its all-checks badge).
    std::string shown = !label.empty()                 ? label
                        : !counts.check_name().empty() ? counts.check_name()
                                                       : site_name;
    HttpResponse out;
    out.body = RenderBadge(format, shown, BadgeState(counts, three_state),
                           counts, &out.content_type);
    out.headers = {{"Access-Control-Allow-Origin", "*"},
                   {"Cache-Control", "no-cache"}};
    return out;
  };
  // Badges are public and may sit on busy pages: answers are reused for a
  // few seconds so viewers do not each cost a database query.
  std::string cache_key = rpc.SerializeAsString();
  if (auto cached = badge_cache_.Get(cache_key, absl::Now())) {
    if (cached->total() < 0) return respond(TextNotFound());
    return respond(answer(*cached));
  }
  data_.GetBadgeCounts(std::move(rpc),
                       [this, cache_key, answer, respond = std::move(respond)](
                           absl::StatusOr<v1::GetBadgeCountsResponse> r) {
                         if (!r.ok()) {
                           if (absl::IsNotFound(r.status())) {
                             // Remembered too: guessing keys must not cost a
                             // query each.
                             v1::GetBadgeCountsResponse missing;
                             missing.set_total(-1);
                             badge_cache_.Put(cache_key, missing, absl::Now());
                             return respond(TextNotFound());
                           }
                           return respond(JsonError(r.status(), "badge"));
                         }
                         badge_cache_.Put(cache_key, *r, absl::Now());
                         respond(answer(*r));
                       });
}

void Api::Status(HttpRequest&, const PathParams&, Respond respond) {
  // "OK" when the database answers, as Healthchecks' status endpoint (the
  // data service's health follows its database).
  AnswerDataHealth(std::move(respond), "database unavailable");
}

void Api::AnswerDataHealth(Respond respond, std::string not_ready) {
  data_.Health([respond = std::move(respond), not_ready = std::move(not_ready)](
                   absl::StatusOr<bool> serving) {
    HttpResponse r;
    if (serving.ok() && *serving) {
      r.body = "OK";
    } else {
      r.status = 503;
      r.body = not_ready;
      r.headers.emplace_back("Retry-After", "1");
    }
    respond(std::move(r));
  });
}

void Api::CorsPreflight(HttpRequest&, const PathParams&, Respond respond) {
  HttpResponse r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Origin", "*"},
               {"Access-Control-Allow-Headers", "X-Api-Key, Content-Type"},
               {"Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"},
               {"Access-Control-Max-Age", "600"}};
  respond(std::move(r));
}

void Api::Healthz(HttpRequest&, const PathParams&, Respond respond) {
  HttpResponse r;
  r.body = "OK";
  respond(std::move(r));
}

void Api::Readyz(HttpRequest&, const PathParams&, Respond respond) {
  AnswerDataHealth(std::move(respond), "data service not ready");
}

}  // namespace tocsin::gateway
