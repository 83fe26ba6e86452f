#include "web-gateway/http_wire.h"

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "gtest/gtest.h"

namespace tocsin::gateway {
namespace {

namespace http = boost::beast::http;

std::string Wire(const HttpResponse& r, bool keep_alive, unsigned version,
                 bool head) {
  WireResponse w = SerializeResponse(r, keep_alive, version, head);
  return w.head + w.body;
}

// Reads `wire` back with Beast's parser: the answer must be one whole,
// well-formed message and nothing more.
http::response<http::string_body> ParseBack(const std::string& wire,
                                            bool head = false) {
  http::response_parser<http::string_body> p;
  p.eager(true);
  if (head) p.skip(true);
  boost::beast::error_code ec;
  size_t used = p.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_done());
  EXPECT_EQ(used, wire.size());
  return p.release();
}

TEST(HttpWireTest, AnswerWithHeadersAndBody) {
  HttpResponse r;
  r.status = 429;
  r.content_type = "application/json";
  r.body = R"({"error":"slow down"})";
  r.headers = {{"Retry-After", "1"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
  std::string wire = Wire(r, true, 11, false);
  EXPECT_EQ(wire.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u);
  auto m = ParseBack(wire);
  EXPECT_EQ(m.result_int(), 429);
  EXPECT_EQ(m[http::field::server], "tocsin");
  EXPECT_EQ(m[http::field::content_type], "application/json");
  EXPECT_EQ(m[http::field::retry_after], "1");
  EXPECT_EQ(m.count(http::field::set_cookie), 2u);
  EXPECT_EQ(m[http::field::content_length], "21");
  EXPECT_EQ(m.body(), r.body);
  EXPECT_TRUE(m.keep_alive());
}

TEST(HttpWireTest, ConnectionHeaderFollowsTheVersion) {
  HttpResponse r;
  r.body = "OK";
  auto close11 = ParseBack(Wire(r, false, 11, false));
  EXPECT_FALSE(close11.keep_alive());
  EXPECT_EQ(close11[http::field::connection], "close");
  auto keep11 = ParseBack(Wire(r, true, 11, false));
  EXPECT_EQ(keep11.count(http::field::connection), 0u);
  auto keep10 = ParseBack(Wire(r, true, 10, false));
  EXPECT_EQ(keep10.version(), 10u);
  EXPECT_TRUE(keep10.keep_alive());
  auto close10 = ParseBack(Wire(r, false, 10, false));
  EXPECT_FALSE(close10.keep_alive());
  EXPECT_EQ(close10.count(http::field::connection), 0u);
}

TEST(HttpWireTest, HeadKeepsTheLengthAndSendsNoBody) {
  HttpResponse r;
  r.body = "0123456789";
  std::string wire = Wire(r, true, 11, true);
  EXPECT_EQ(wire.find("0123456789"), std::string::npos);
  auto m = ParseBack(wire, /*head=*/true);
  EXPECT_EQ(m[http::field::content_length], "10");
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}

TEST(HttpWireTest, NoLengthNorBodyWhereTheStatusForbidsOne) {
  for (int status : {204, 304}) {
    HttpResponse r;
    r.status = status;
    r.body = "ignored";
    std::string wire = Wire(r, true, 11, false);
    EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << status;
    EXPECT_EQ(wire.find("ignored"), std::string::npos) << status;
    EXPECT_EQ(ParseBack(wire).result_int(), status);
  }
}

TEST(HttpWireTest, LineBreaksInAValueCannotStartAnotherHeader) {
  HttpResponse r;
  r.headers = {{"Location", "/x\r\nSet-Cookie: evil=1"}};
  auto m = ParseBack(Wire(r, true, 11, false));
  EXPECT_EQ(m.count(http::field::set_cookie), 0u);
  EXPECT_EQ(m[http::field::location], "/x  Set-Cookie: evil=1");
}

TEST(HttpWireTest, ALargeBodyIsMovedNotCopied) {
  HttpResponse r;
  r.body.assign(1 << 20, 'x');
  const char* bytes = r.body.data();
  WireResponse w = SerializeResponse(std::move(r), true, 11, false);
  EXPECT_EQ(w.body.data(), bytes);
  EXPECT_NE(w.head.find("Content-Length: 1048576\r\n"), std::string::npos);
  EXPECT_LT(w.head.size(), 200u);
}

TEST(HttpWireTest, UnknownStatusStillHasAReasonLine) {
  HttpResponse r;
  r.status = 599;
  std::string wire = Wire(r, true, 11, false);
  EXPECT_EQ(ParseBack(wire).result_int(), 599);
}

}  // namespace
}  // namespace tocsin::gateway
