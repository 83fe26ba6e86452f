#include "web-gateway/router.h"

#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

struct Recorded {
  std::string route;
  PathParams params;
  HttpResponse response;
};

Recorded Call(const Router& r, std::string method, std::string path) {
  Recorded out;
  HttpRequest req;
  req.method = std::move(method);
  req.path = std::move(path);
  r.Dispatch(req, [&](HttpResponse resp) { out.response = std::move(resp); });
  return out;
}

Router Sample(std::string* hit, PathParams* seen) {
  Router r;
  r.Add({"GET"}, "/api/v3/checks/", [hit](HttpRequest&, const PathParams&, Respond cb) {
    *hit = "list";
    cb({});
  });
  r.Add({"GET"}, "/api/v3/checks/{id}",
        [hit, seen](HttpRequest&, const PathParams& p, Respond cb) {
          *hit = "get";
          *seen = p;
          cb({});
        });
  r.Add({"POST"}, "/api/v3/checks/", [hit](HttpRequest&, const PathParams&, Respond cb) {
    *hit = "create";
    cb({});
  });
  return r;
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  std::string hit;
  PathParams seen;
  Router r = Sample(&hit, &seen);
  Call(r, "GET", "/api/v3/checks/");
  EXPECT_EQ(hit, "list");
  Call(r, "GET", "/api/v3/checks/abc");
  EXPECT_EQ(hit, "get");
  EXPECT_EQ(seen["id"], "abc");
  Call(r, "POST", "/api/v3/checks/");
  EXPECT_EQ(hit, "create");
}

TEST(RouterTest, TrailingSlashIsSignificant) {
  std::string hit;
  PathParams seen;
  Router r = Sample(&hit, &seen);
  EXPECT_EQ(Call(r, "GET", "/api/v3/checks").response.status, 404);
  EXPECT_EQ(hit, "");
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  std::string hit;
  PathParams seen;
  Router r = Sample(&hit, &seen);
  auto out = Call(r, "DELETE", "/api/v3/checks/");
  EXPECT_EQ(out.response.status, 405);
  ASSERT_EQ(out.response.headers.size(), 1u);
  EXPECT_EQ(out.response.headers[0].first, "Allow");
  EXPECT_EQ(out.response.headers[0].second, "GET, POST");
}

TEST(RouterTest, EmptyParameterSegmentDoesNotMatch) {
  std::string hit;
  PathParams seen;
  Router r;
  r.Add({"GET"}, "/ping/{a}", [&](HttpRequest&, const PathParams&, Respond cb) {
    hit = "ping";
    cb({});
  });
  EXPECT_EQ(Call(r, "GET", "/ping/").response.status, 404);
  EXPECT_EQ(hit, "");
}

}  // namespace
}  // namespace tocsin::gateway
