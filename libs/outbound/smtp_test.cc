#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "outbound/outbound.h"
#include "outbound/test_servers.h"

namespace tocsin::outbound {
namespace {

using testing::ClosedPort;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SeenMail;
using testing::SmtpSink;
using testing::SmtpSinkOptions;

SmtpConfig Plain(int port) {
  SmtpConfig cfg;
  cfg.host = "127.0.0.1";
  cfg.port = port;
  cfg.use_tls = false;
  cfg.from = "Tocsin <alerts@tocsin.example>";
  cfg.timeout = absl::Seconds(5);
  return cfg;
}

Email Sample() {
  Email m;
  m.to = {"alice@example.com", "Bob <bob@example.net>"};
  m.subject = "Check \"backup\" is DOWN";
  m.text = "The check is down.\n.\nEnd.";
  m.html = "<p>The check is <b>down</b>.</p>";
  return m;
}

TEST(SendEmailTest, DeliversBothPartsToAllRecipients) {
  SmtpSink sink;
  Outcome o = SendEmail(Plain(sink.port()), Sample());
  EXPECT_TRUE(o.ok) << o.detail;
  EXPECT_FALSE(o.retryable);
  EXPECT_EQ(o.code, 250);
  EXPECT_THAT(o.detail, HasSubstr("queued as TEST123"));

  std::vector<SeenMail> mails = sink.WaitForMails(1);
  ASSERT_EQ(mails.size(), 1u);
  const SeenMail& m = mails[0];
  EXPECT_EQ(m.mail_from, "<alerts@tocsin.example>");
  EXPECT_THAT(m.rcpt_to,
              ElementsAre("<alice@example.com>", "<bob@example.net>"));
  EXPECT_THAT(m.data, HasSubstr("\r\nTo: alice@example.com,\r\n"
                                " Bob <bob@example.net>\r\n"));
  EXPECT_THAT(m.data, HasSubstr("Subject: Check \"backup\" is DOWN\r\n"));
  EXPECT_THAT(m.data, HasSubstr("Content-Type: text/plain; charset=utf-8"));
  EXPECT_THAT(m.data, HasSubstr("Content-Type: text/html; charset=utf-8"));
  EXPECT_THAT(m.data, HasSubstr("The check is down.\r\n=2E\r\nEnd."));
  EXPECT_THAT(m.data, HasSubstr("<p>The check is <b>down</b>.</p>"));
  // What arrived is exactly what BuildMime makes (apart from the random
  // Message-ID and boundary): compare the sizes as a cheap check.
  EXPECT_EQ(m.data.size(),
            BuildMime(Plain(0).from, Sample(), absl::Now()).size());
  // No login was attempted without a user.
  for (const std::string& cmd : m.commands) {
    EXPECT_FALSE(absl::StartsWith(cmd, "AUTH")) << cmd;
  }
}

TEST(SendEmailTest, PermanentRecipientFailureIsNotRetryable) {
  SmtpSinkOptions opt;
  opt.rcpt_reply = "550 5.1.1 <alice@example.com>: user unknown";
  SmtpSink sink(opt);
  Outcome o = SendEmail(Plain(sink.port()), Sample());
  EXPECT_FALSE(o.ok);
  EXPECT_FALSE(o.retryable);
  EXPECT_EQ(o.code, 550);
  EXPECT_THAT(o.detail, HasSubstr("550 5.1.1"));
  EXPECT_THAT(o.detail, HasSubstr("user unknown"));
  std::vector<SeenMail> mails = sink.WaitForMails(1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].data.empty());
}

TEST(SendEmailTest, TemporaryRecipientFailureIsRetryable) {
  SmtpSinkOptions opt;
  opt.rcpt_reply = "451 4.7.1 Greylisted, try again later";
  SmtpSink sink(opt);
  Outcome o = SendEmail(Plain(sink.port()), Sample());
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(o.retryable);
  EXPECT_EQ(o.code, 451);
  EXPECT_THAT(o.detail, HasSubstr("Greylisted"));
}

TEST(SendEmailTest, LogsInWhenUserIsSetAndNeverLeaksThePassword) {
  SmtpSinkOptions opt;
  opt.advertise_auth = true;
  opt.auth_reply = "535 5.7.8 Authentication failed";
  SmtpSink sink(opt);
  SmtpConfig cfg = Plain(sink.port());
  cfg.user = "mailer";
  cfg.password = "s3cr3t-pass";
  Outcome o = SendEmail(cfg, Sample());
  EXPECT_FALSE(o.ok);
  EXPECT_FALSE(o.retryable);
  EXPECT_EQ(o.code, 535);
  EXPECT_THAT(o.detail, Not(HasSubstr("s3cr3t")));
  std::string plain = std::string("\0mailer\0s3cr3t-pass", 19);
  EXPECT_THAT(o.detail, Not(HasSubstr(absl::Base64Escape(plain))));
  std::vector<SeenMail> mails = sink.WaitForMails(1);
  ASSERT_EQ(mails.size(), 1u);
  bool authed = false;
  for (const std::string& cmd : mails[0].commands) {
    authed |= absl::StartsWith(cmd, "AUTH PLAIN");
  }
  EXPECT_TRUE(authed);
}

TEST(SendEmailTest, SuccessfulLogin) {
  SmtpSinkOptions opt;
  opt.advertise_auth = true;
  SmtpSink sink(opt);
  SmtpConfig cfg = Plain(sink.port());
  cfg.user = "mailer";
  cfg.password = "pw";
  Outcome o = SendEmail(cfg, Sample());
  EXPECT_TRUE(o.ok) << o.detail;
}

TEST(SendEmailTest, RequiredStartTlsMissingFailsWithoutSending) {
  SmtpSink sink;  // offers no STARTTLS
  SmtpConfig cfg = Plain(sink.port());
  cfg.use_tls = true;
  Outcome o = SendEmail(cfg, Sample());
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(o.retryable);
  EXPECT_FALSE(o.detail.empty());
  std::vector<SeenMail> mails = sink.WaitForMails(1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].rcpt_to.empty());
  EXPECT_TRUE(mails[0].data.empty());
}

TEST(SendEmailTest, ConnectionRefusedIsRetryable) {
  Outcome o = SendEmail(Plain(ClosedPort()), Sample());
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(o.retryable);
  EXPECT_EQ(o.code, 0);
  EXPECT_THAT(o.detail, HasSubstr("onnect"));
}

TEST(SendEmailTest, InjectedRecipientIsRejectedBeforeConnecting) {
  SmtpSink sink;
  Email m = Sample();
  m.to = {"alice@example.com>\r\nDATA", "bob@example.net"};
  Outcome o = SendEmail(Plain(sink.port()), m);
  EXPECT_FALSE(o.ok);
  EXPECT_FALSE(o.retryable);
  EXPECT_THAT(o.detail, HasSubstr("invalid recipient"));
  EXPECT_EQ(sink.connections(), 0);

  m.to.clear();
  EXPECT_FALSE(SendEmail(Plain(sink.port()), m).ok);
  SmtpConfig no_from = Plain(sink.port());
  no_from.from = "";
  Outcome f = SendEmail(no_from, Sample());
  EXPECT_FALSE(f.ok);
  EXPECT_FALSE(f.retryable);
}

}  // namespace
}  // namespace tocsin::outbound
