// tocsinctl: the operator's command line (like Django's manage.py), over gRPC.
#include <arpa/inet.h>
#include <termios.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_util.h"
#include "common/time_format.h"
#include "cron/cron.h"
#include "dumpstream/dump_stream.h"
#include "schedule/schedule.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "google/protobuf/util/json_util.h"
#include "tocsin/v1/account_service.grpc.pb.h"
#include "tocsin/v1/admin_service.grpc.pb.h"
#include "tocsin/v1/backup_service.grpc.pb.h"
#include "tocsin/v1/database_backup_service.grpc.pb.h"
#include "tocsinctl/deploy_check.h"
#include "tocsin/v1/channel_service.grpc.pb.h"
#include "tocsin/v1/check_service.grpc.pb.h"
#include "tocsin/v1/project_service.grpc.pb.h"
#include "tocsin/v1/scheduler_service.grpc.pb.h"

namespace tocsin::ctl {
namespace {

constexpr int kUsageError = 2;

constexpr char kUsage[] = R"(usage: tocsinctl COMMAND ...

Commands:
  project create NAME       create a project; prints its keys as JSON
  project reports off|hourly|daily [--project UUID]
                            email a report of down checks to the project's
                            email integrations every hour or day
  channel list [--project UUID]
  channel create --kind KIND [--name NAME] [--settings-file FILE|-]
                 [--project UUID]
                            create an integration; settings (a JSON object,
                            see docs/api.md) are read from a file or stdin,
                            never from the command line: they hold secrets
  channel update ID [--name NAME] [--settings-file FILE|-] [--project UUID]
  channel delete ID [--project UUID]
  channel notifications (ID | --check UUID) [--project UUID]
                            deliveries with every attempt, as JSON
  migrate                   apply pending database migrations
  cron next [--tz ZONE] [--from TIME] [--count N] EXPR
                            print the next times a cron expression matches
  schedule next [--tz ZONE] [--from TIME] [--count N] EXPR
                            the same for a cron or OnCalendar schedule
  health data|scheduler|gateway
                            exit 0 when the service reports SERVING (the
                            gateway: when its /readyz answers 200)
  check --deploy            judge this environment's settings for production
                            (errors tocsin.E..., warnings tocsin.W...); exit 1
                            when an error is found
  backup now                take a database backup now (into the scheduler's
                            backup volume); prints its name, size and facts
  backup list               the backups, newest first: name, time, size, and
                            whether it has been proved restorable
  backup restore NAME|FILE [--force]
                            restore a backup (a name from backup list, or a
                            dump file here, streamed to the data service)
                            into the database; it must hold no project
                            unless --force (which replaces everything)
  user create EMAIL [--password-file FILE|-] [--project-name NAME]
                            create a dashboard user (and a first project it
                            owns; prints its keys as JSON); the password is
                            prompted for without echo, or read from a file
                            or stdin, never from the command line
  job list                  list the scheduler's jobs
  job run NAME              run a scheduler job now and print its outcome

Addresses and the internal token come from TOCSIN_DATA_ADDR,
TOCSIN_SCHEDULER_ADDR and TOCSIN_INTERNAL_TOKEN (or _FILE); any that is not
set is read from the local stack's state directory (TOCSIN_STATE_DIR,
default .local).
)";

int Usage(std::string_view problem = "") {
  if (!problem.empty()) std::cerr << "tocsinctl: " << problem << "\n\n";
  std::cerr << kUsage;
  return kUsageError;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string StateDir() {
  std::string d = Env("TOCSIN_STATE_DIR");
  return d.empty() ? ".local" : d;
}

// A setting from the environment, else from the local stack's state.
std::string FromStack(const char* env, const char* stack_key) {
  std::string v = Env(env);
  if (!v.empty()) return v;
  auto j = nlohmann::json::parse(ReadFile(StateDir() + "/stack.json"), nullptr,
                                 false);
  if (j.is_object() && j.contains(stack_key) && j[stack_key].is_string()) {
    return j[stack_key].get<std::string>();
  }
  return "";
}

std::string InternalToken() {
  std::string t = Env("TOCSIN_INTERNAL_TOKEN");
  if (!t.empty()) return t;
  std::string file = Env("TOCSIN_INTERNAL_TOKEN_FILE");
  if (file.empty()) file = StateDir() + "/secrets/internal_token";
  return ReadFile(file);
}

struct Target {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
};

absl::StatusOr<Target> Connect(const char* env, const char* stack_key) {
  std::string addr = FromStack(env, stack_key);
  if (addr.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(env, " is not set and no local stack state was found in ",
                     StateDir()));
  }
  std::string token = InternalToken();
  if (token.empty()) {
    return absl::FailedPreconditionError(
        "TOCSIN_INTERNAL_TOKEN is not set and no local stack token was found");
  }
  return Target{MakeChannel(addr), token};
}

int Fail(const absl::Status& s) {
  std::cerr << "tocsinctl: " << s.message() << "\n";
  return 1;
}

int ProjectCreate(const std::string& name) {
  auto t = Connect("TOCSIN_DATA_ADDR", "data_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::ProjectService::NewStub(t->channel);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, t->token, absl::Seconds(30));
  ctx.set_wait_for_ready(true);
  v1::CreateProjectRequest req;
  req.set_name(name);
  v1::CreateProjectResponse resp;
  grpc::Status s = stub->CreateProject(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  nlohmann::ordered_json j;
  j["project"] = resp.project().uuid();
  j["api_key"] = resp.api_key();
  j["api_key_readonly"] = resp.api_key_readonly();
  j["ping_key"] = resp.ping_key();
  std::cout << j.dump() << "\n";
  return 0;
}

// --name VALUE options and positional arguments.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
};

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& in,
                               const std::vector<std::string>& known) {
  Args out;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& a = in[i];
    if (a.rfind("--", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", a));
    }
    if (i + 1 >= in.size()) {
      return absl::InvalidArgumentError(absl::StrCat(a, " needs a value"));
    }
    out.options[name] = in[++i];
  }
  return out;
}

// The project a command acts on: --project, else the local stack's.
std::string ProjectOf(const Args& a) {
  auto it = a.options.find("project");
  if (it != a.options.end()) return it->second;
  return FromStack("TOCSIN_PROJECT", "project");
}

absl::StatusOr<std::string> ReadSettings(const Args& a) {
  auto it = a.options.find("settings-file");
  if (it == a.options.end()) return std::string();
  std::string text;
  if (it->second == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(it->second);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("cannot read settings file ", it->second));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("settings must be a JSON object");
  }
  return j.dump();
}

void PrintChannel(const v1::Channel& c) {
  nlohmann::ordered_json j{{"id", c.id()}, {"name", c.name()}, {"kind", c.kind()}};
  std::cout << j.dump() << "\n";
}

int Channels(const std::vector<std::string>& in) {
  if (in.empty()) return Usage("channel takes: list | create | update | delete | notifications");
  const std::string sub = in[0];
  auto args = ParseArgs({in.begin() + 1, in.end()},
                        {"project", "kind", "name", "settings-file", "check"});
  if (!args.ok()) return Usage(std::string(args.status().message()));
  std::string project = ProjectOf(*args);
  if (project.empty()) return Usage("--project is required (no local stack found)");
  auto t = Connect("TOCSIN_DATA_ADDR", "data_addr");
  if (!t.ok()) return Fail(t.status());
  auto channels = v1::ChannelService::NewStub(t->channel);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, t->token, absl::Seconds(30));
  grpc::Status s;
  auto name = args->options.find("name");
  if (sub == "list" && args->positional.empty()) {
    auto checks = v1::CheckService::NewStub(t->channel);
    v1::ListChannelsRequest req;
    req.set_project(project);
    v1::ListChannelsResponse resp;
    s = checks->ListChannels(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    for (const auto& c : resp.channels()) PrintChannel(c);
    return 0;
  }
  if (sub == "create" && args->positional.empty()) {
    if (!args->options.count("kind")) return Usage("channel create needs --kind");
    auto settings = ReadSettings(*args);
    if (!settings.ok()) return Fail(settings.status());
    v1::CreateChannelRequest req;
    req.set_project(project);
    req.set_kind(args->options["kind"]);
    if (name != args->options.end()) req.set_name(name->second);
    req.set_settings_json(*settings);
    v1::CreateChannelResponse resp;
    s = channels->CreateChannel(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    PrintChannel(resp.channel());
    return 0;
  }
  if (sub == "update" && args->positional.size() == 1) {
    auto settings = ReadSettings(*args);
    if (!settings.ok()) return Fail(settings.status());
    v1::UpdateChannelRequest req;
    req.set_project(project);
    req.set_id(args->positional[0]);
    if (name != args->options.end()) req.set_name(name->second);
    req.set_settings_json(*settings);
    v1::UpdateChannelResponse resp;
    s = channels->UpdateChannel(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    PrintChannel(resp.channel());
    return 0;
  }
  if (sub == "delete" && args->positional.size() == 1) {
    v1::DeleteChannelRequest req;
    req.set_project(project);
    req.set_id(args->positional[0]);
    v1::DeleteChannelResponse resp;
    s = channels->DeleteChannel(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    PrintChannel(resp.channel());
    return 0;
  }
  if (sub == "notifications" &&
      (args->positional.size() == 1) != (args->options.count("check") == 1)) {
    v1::ListNotificationsRequest req;
    req.set_project(project);
    if (args->positional.size() == 1) req.set_channel(args->positional[0]);
    if (args->options.count("check")) req.set_check(args->options["check"]);
    v1::ListNotificationsResponse resp;
    s = channels->ListNotifications(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    std::string text;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(resp, &text, opts);
    std::cout << text << "\n";
    return 0;
  }
  return Usage("channel takes: list | create --kind KIND | update ID | delete ID | notifications (ID | --check UUID)");
}

int ProjectReports(const std::vector<std::string>& in) {
  auto args = ParseArgs(in, {"project"});
  if (!args.ok()) return Usage(std::string(args.status().message()));
  if (args->positional.size() != 1) {
    return Usage("project reports takes: off | hourly | daily");
  }
  std::string project = ProjectOf(*args);
  if (project.empty()) return Usage("--project is required (no local stack found)");
  auto t = Connect("TOCSIN_DATA_ADDR", "data_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::ProjectService::NewStub(t->channel);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, t->token, absl::Seconds(30));
  v1::SetProjectReportsRequest req;
  req.set_project(project);
  req.set_period(args->positional[0]);
  v1::SetProjectReportsResponse resp;
  grpc::Status s = stub->SetProjectReports(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  if (resp.has_next_report()) {
    std::cout << "first report due " << FormatUtcZ(FromProto(resp.next_report()))
              << "\n";
  } else {
    std::cout << "reports off\n";
  }
  return 0;
}

int Migrate() {
  auto t = Connect("TOCSIN_DATA_ADDR", "data_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::AdminService::NewStub(t->channel);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, t->token, absl::Minutes(10));
  v1::MigrateResponse resp;
  grpc::Status s = stub->Migrate(&ctx, {}, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  if (resp.applied().empty()) {
    std::cout << "schema is up to date at version " << resp.current_version()
              << "\n";
  } else {
    for (int v : resp.applied()) std::cout << "applied migration " << v << "\n";
    std::cout << "schema is at version " << resp.current_version() << "\n";
  }
  return 0;
}

// `cron next` (cron only) and `schedule next` (cron or OnCalendar, detected
// as Healthchecks does): same options, output and exit statuses.
int NextTimes(const std::vector<std::string>& args, bool cron_only) {
  std::string tz = "UTC", expr;
  std::optional<absl::Time> from;
  int count = 5;
  bool have_expr = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--tz") {
      if (!value(&tz)) return Usage("--tz needs a time zone");
    } else if (a == "--from") {
      if (!value(&v)) return Usage("--from needs a time");
      auto t = ParseIso8601(v);
      if (!t.ok()) return Usage(absl::StrCat("--from: ", t.status().message()));
      from = *t;
    } else if (a == "--count") {
      if (!value(&v) || !absl::SimpleAtoi(v, &count) || count < 1 ||
          count > 100000) {
        return Usage("--count needs a number from 1 to 100000");
      }
    } else if (!have_expr) {
      expr = a;
      have_expr = true;
    } else {
      return Usage(absl::StrCat("unexpected argument \"", a,
                                "\" (quote the expression)"));
    }
  }
  if (!have_expr) return Usage("cron next needs an expression");
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(tz, &zone)) {
    std::cerr << "tocsinctl: unknown time zone \"" << tz << "\"\n";
    return kUsageError;
  }
  absl::StatusOr<schedule::Schedule> parsed =
      cron_only && !schedule::LooksLikeCron(expr)
          ? absl::StatusOr<schedule::Schedule>(cron::CronExpr::Parse(expr).status())
          : schedule::Schedule::Parse(expr);
  if (!parsed.ok()) {
    std::cerr << "tocsinctl: " << parsed.status().message() << "\n";
    return kUsageError;
  }
  for (absl::Time t : parsed->NextN(from.value_or(absl::Now()), zone, count)) {
    std::cout << FormatUtcZ(t) << "\n";
  }
  return 0;
}

// The gateway speaks HTTP: GET /readyz on the port it listens on
// (TOCSIN_GATEWAY_LISTEN), over loopback. For container health checks.
int GatewayHealth() {
  std::string listen = Env("TOCSIN_GATEWAY_LISTEN");
  if (listen.empty()) listen = "127.0.0.1:8081";
  std::string port = listen.substr(listen.rfind(':') + 1);
  int p = 0;
  if (!absl::SimpleAtoi(port, &p) || p <= 0 || p > 65535) {
    return Fail(absl::InvalidArgumentError("TOCSIN_GATEWAY_LISTEN has no port"));
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Fail(absl::InternalError("socket failed"));
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(p));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string req =
        "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[512];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0 && answer.size() < 4096) {
        answer.append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  bool ready = answer.rfind("HTTP/1.1 200", 0) == 0;
  std::cout << "gateway: " << (ready ? "SERVING" : "NOT_SERVING") << "\n";
  return ready ? 0 : 1;
}

int Health(const std::string& which) {
  if (which == "gateway") return GatewayHealth();
  absl::StatusOr<Target> t =
      which == "data" ? Connect("TOCSIN_DATA_ADDR", "data_addr")
      : which == "scheduler"
          ? Connect("TOCSIN_SCHEDULER_ADDR", "scheduler_addr")
          : absl::StatusOr<Target>(absl::InvalidArgumentError(
                "health takes data or scheduler"));
  if (!t.ok()) return Fail(t.status());
  auto stub = grpc::health::v1::Health::NewStub(t->channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, {}, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  bool serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  std::cout << which << ": " << (serving ? "SERVING" : "NOT_SERVING") << "\n";
  return serving ? 0 : 1;
}

int Jobs(const std::vector<std::string>& args) {
  auto t = Connect("TOCSIN_SCHEDULER_ADDR", "scheduler_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::SchedulerService::NewStub(t->channel);
  if (args.size() == 1 && args[0] == "list") {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, t->token, absl::Seconds(10));
    v1::ListJobsResponse resp;
    grpc::Status s = stub->ListJobs(&ctx, {}, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    for (const auto& j : resp.jobs()) {
      std::cout << j.name() << "\t" << j.schedule() << "\tlast: "
                << (j.has_last_run()
                        ? absl::StrCat(FormatUtcZ(FromProto(j.last_run().started())),
                                       j.last_run().ok() ? " ok " : " FAILED ",
                                       j.last_run().message())
                        : "never")
                << "\tnext: "
                << (j.has_next_run() ? FormatUtcZ(FromProto(j.next_run())) : "-")
                << "\n";
    }
    return 0;
  }
  if (args.size() == 2 && args[0] == "run") {
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, t->token, absl::Minutes(30));
    v1::RunJobRequest req;
    req.set_name(args[1]);
    v1::RunJobResponse resp;
    grpc::Status s = stub->RunJob(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    std::cout << args[1] << ": " << (resp.run().ok() ? "ok" : "FAILED") << " in "
              << absl::FormatDuration(FromProto(resp.run().duration())) << ": "
              << resp.run().message() << "\n";
    return resp.run().ok() ? 0 : 1;
  }
  return Usage("job takes: list | run NAME");
}

std::string HumanBytes(int64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrCat(n, " B") : absl::StrFormat("%.1f %s", v, units[u]);
}

std::string ProofText(const v1::Backup& b) {
  switch (b.proof()) {
    case v1::BACKUP_PROOF_PROVEN:
      return absl::StrCat("proven ", FormatUtcZ(FromProto(b.proof_time())));
    case v1::BACKUP_PROOF_FAILED:
      return absl::StrCat("FAILED: ", b.proof_detail());
    default:
      return "not proven yet";
  }
}

void PrintFacts(const v1::DatabaseFacts& f) {
  std::cout << "schema version " << f.schema_version();
  for (const auto& t : {"projects", "checks", "pings", "channels"}) {
    auto it = f.row_counts().find(t);
    if (it != f.row_counts().end()) std::cout << ", " << it->second << " " << t;
  }
  std::cout << "\n";
}

// Streams a local dump file (with its .sha256 and .objects/ beside it, when
// there) to the data service's RestoreDatabase.
int RestoreFile(const std::string& path, bool force) {
  auto t = Connect("TOCSIN_DATA_ADDR", "data_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::DatabaseBackupService::NewStub(t->channel);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, t->token, absl::Hours(6));
  v1::RestoreDatabaseResponse resp;
  v1::RestoreOptions options;
  options.set_force(force);
  options.set_source(path);
  std::ifstream sum(path + ".sha256");
  std::string hex;
  if (sum >> hex) options.set_expect_sha256(hex);
  std::string base = path;
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".dump") == 0) {
    base.resize(base.size() - 5);
  }
  auto writer = stub->RestoreDatabase(&ctx, &resp);
  if (auto s = dumpstream::SendRestoreStream(path, base + ".objects", options, *writer);
      !s.ok()) {
    ctx.TryCancel();
    (void)writer->Finish();
    return Fail(s);
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  std::cout << "restored " << path << " (" << resp.objects() << " body objects): ";
  PrintFacts(resp.facts());
  return 0;
}

// backup now | list | restore NAME|FILE [--force]
int Backups(const std::vector<std::string>& in) {
  if (in.empty()) return Usage("backup takes: now | list | restore NAME|FILE [--force]");
  if (in[0] == "restore") {
    std::vector<std::string> rest(in.begin() + 1, in.end());
    bool force = std::erase(rest, std::string("--force")) > 0;
    if (rest.size() != 1) return Usage("backup restore takes: NAME|FILE [--force]");
    const std::string& what = rest[0];
    // A path (or a file here) is streamed from this machine; anything else
    // names a backup in the scheduler's volume.
    if (what.find('/') != std::string::npos || std::filesystem::exists(what)) {
      return RestoreFile(what, force);
    }
    auto t = Connect("TOCSIN_SCHEDULER_ADDR", "scheduler_addr");
    if (!t.ok()) return Fail(t.status());
    auto stub = v1::BackupService::NewStub(t->channel);
    grpc::ClientContext ctx;
    PrepareInternalCall(ctx, t->token, absl::Hours(6));
    v1::RestoreBackupRequest req;
    req.set_name(what);
    req.set_force(force);
    v1::RestoreBackupResponse resp;
    grpc::Status s = stub->RestoreBackup(&ctx, req, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    std::cout << "restored " << what << ": ";
    PrintFacts(resp.facts());
    return 0;
  }
  if (in.size() != 1) return Usage("backup takes: now | list | restore NAME|FILE [--force]");
  auto t = Connect("TOCSIN_SCHEDULER_ADDR", "scheduler_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::BackupService::NewStub(t->channel);
  grpc::ClientContext ctx;
  if (in[0] == "now") {
    PrepareInternalCall(ctx, t->token, absl::Hours(6));
    v1::CreateBackupResponse resp;
    grpc::Status s = stub->CreateBackup(&ctx, {}, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    std::cout << resp.backup().name() << "\t" << HumanBytes(resp.backup().size_bytes())
              << "\t";
    PrintFacts(resp.backup().facts());
    return 0;
  }
  if (in[0] == "list") {
    PrepareInternalCall(ctx, t->token, absl::Seconds(30));
    v1::ListBackupsResponse resp;
    grpc::Status s = stub->ListBackups(&ctx, {}, &resp);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    for (const auto& b : resp.backups()) {
      std::cout << b.name() << "\t" << FormatUtcZ(FromProto(b.created())) << "\t"
                << HumanBytes(b.size_bytes()) << "\t" << ProofText(b)
                << (b.has_offsite_time() ? "\tcopied off site" : "") << "\n";
    }
    return 0;
  }
  return Usage("backup takes: now | list | restore NAME|FILE [--force]");
}

// The password of `user create`: from a file, standard input, or a prompt
// without echo (twice) — never from the command line.
absl::StatusOr<std::string> ReadNewPassword(const Args& a) {
  auto it = a.options.find("password-file");
  std::string pw;
  if (it != a.options.end() && it->second != "-") {
    std::ifstream in(it->second);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", it->second));
    std::getline(in, pw);
    return pw;
  }
  if ((it != a.options.end() && it->second == "-") || !isatty(STDIN_FILENO)) {
    std::getline(std::cin, pw);
    return pw;
  }
  auto prompt = [](const char* text) {
    std::cerr << text << std::flush;
    termios old{}, quiet{};
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
  };
  pw = prompt("Password: ");
  if (prompt("Password (again): ") != pw) {
    return absl::InvalidArgumentError("the passwords differ");
  }
  return pw;
}

// user create EMAIL [--password-file FILE|-] [--project NAME]
int Users(const std::vector<std::string>& in) {
  if (in.empty() || in[0] != "create") {
    return Usage("user takes: create EMAIL [--password-file FILE|-] [--project-name NAME]");
  }
  auto args = ParseArgs({in.begin() + 1, in.end()}, {"password-file", "project-name"});
  if (!args.ok()) return Usage(std::string(args.status().message()));
  if (args->positional.size() != 1) return Usage("user create takes one EMAIL");
  auto pw = ReadNewPassword(*args);
  if (!pw.ok()) return Fail(pw.status());
  auto t = Connect("TOCSIN_DATA_ADDR", "data_addr");
  if (!t.ok()) return Fail(t.status());
  auto stub = v1::AccountService::NewStub(t->channel);
  grpc::ClientContext ctx;
  PrepareInternalCall(ctx, t->token, absl::Seconds(30));
  ctx.set_wait_for_ready(true);
  v1::CreateUserRequest req;
  req.set_email(args->positional[0]);
  req.set_password(*pw);
  if (args->options.count("project-name")) req.set_project_name(args->options.at("project-name"));
  v1::CreateUserResponse resp;
  grpc::Status s = stub->CreateUser(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  nlohmann::ordered_json j;
  j["user"] = resp.user().uuid();
  j["email"] = resp.user().email();
  j["project"] = resp.project().uuid();
  j["api_key"] = resp.api_key();
  j["api_key_readonly"] = resp.api_key_readonly();
  j["ping_key"] = resp.ping_key();
  std::cout << j.dump() << "\n";
  return 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kUsageError : 0;
  }
  const std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "project") {
    if (rest.size() == 2 && rest[0] == "create") return ProjectCreate(rest[1]);
    if (!rest.empty() && rest[0] == "reports") {
      return ProjectReports({rest.begin() + 1, rest.end()});
    }
    return Usage("project takes: create NAME | reports off|hourly|daily");
  }
  if (cmd == "migrate") return rest.empty() ? Migrate() : Usage("migrate takes no arguments");
  if (cmd == "cron" || cmd == "schedule") {
    if (!rest.empty() && rest[0] == "next") {
      return NextTimes(std::vector<std::string>(rest.begin() + 1, rest.end()),
                       cmd == "cron");
    }
    return Usage(absl::StrCat(
        cmd, " takes: next [--tz ZONE] [--from TIME] [--count N] EXPR"));
  }
  if (cmd == "health") {
    if (rest.size() == 1) return Health(rest[0]);
    return Usage("health takes: data | scheduler | gateway");
  }
  if (cmd == "job") return Jobs(rest);
  if (cmd == "backup") return Backups(rest);
  if (cmd == "user") return Users(rest);
  if (cmd == "channel") return Channels(rest);
  if (cmd == "check") {
    if (rest.size() != 1 || rest[0] != "--deploy") {
      return Usage("check takes: --deploy");
    }
    auto findings = CheckDeploy({});
    std::cout << FormatFindings(findings);
    for (const auto& f : findings) {
      if (f.error()) return 1;
    }
    return 0;
  }
  return Usage(absl::StrCat("unknown command \"", cmd, "\""));
}

}  // namespace
}  // namespace tocsin::ctl

int main(int argc, char** argv) { return tocsin::ctl::Main(argc, argv); }
