#include "data/pg_pool.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace tocsin::data {

absl::Status StatusFromException(const std::exception& e) {
  if (dynamic_cast<const pqxx::unique_violation*>(&e)) {
    return absl::AlreadyExistsError(e.what());
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) {
    // Retried in Run first; what remains is contention, not the caller's
    // mistake: "try again", without PostgreSQL's text.
    return absl::UnavailableError("database busy; try again");
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    return absl::UnavailableError(
        absl::StrCat("database commit outcome unknown: ", e.what()));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
    return absl::UnavailableError(absl::StrCat("database unavailable: ", e.what()));
  }
  return absl::InternalError(absl::StrCat("database error: ", e.what()));
}

PgPool::PgPool(std::string conninfo, int size, absl::Duration wait)
    : conninfo_(std::move(conninfo)), size_(size), wait_(wait) {}

PgPool::~PgPool() = default;

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    bool got = cv_.wait_for(lock, std::chrono::milliseconds(absl::ToInt64Milliseconds(wait_)),
                            [&] { return !idle_.empty() || in_use_ < size_; });
    if (!got) {
      return absl::ResourceExhaustedError(
          "all database connections are busy; try again");
    }
    ++in_use_;
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  // Open a new connection outside the lock: it may take a while.
  std::vector<std::pair<std::string, std::string>> statements;
  {
    std::lock_guard<std::mutex> lock(mu_);
    statements = prepared_;
  }
  try {
    auto c = std::make_unique<pqxx::connection>(conninfo_);
    // The prepared statements are the ping path's, and take arrays: left to
    // itself PostgreSQL keeps planning them afresh for every batch (custom
    // plans), which cost as much CPU as executing them. Their generic plans
    // are the same index lookups. Statements sent with parameters are not
    // cached, so nothing else is affected.
    c->set_variable("plan_cache_mode", "force_generic_plan");
    // A lost connection is the pool's to replace (and a statement's caller's
    // to judge): libpqxx must never reconnect behind a transaction's back.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    c->inhibit_reactivation(true);  // Deprecated in 6.4, still the only way.
#pragma GCC diagnostic pop
    for (const auto& [name, sql] : statements) c->prepare(name, sql);
    return c;
  } catch (const std::exception& e) {
    Release(nullptr, true);
    // libpq messages name host and user, never the password.
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", e.what()));
  }
}

void PgPool::Release(std::unique_ptr<pqxx::connection> c, bool broken) {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_use_;
    if (c && !broken && c->is_open()) {
      idle_.push_back(std::move(c));
    } else if (c) {
      // One broken connection usually means PostgreSQL restarted: the idle
      // ones are dead too. Drop them so the retry gets a fresh connection.
      dropped.swap(idle_);
      ++generation_;
    }
  }
  cv_.notify_all();
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  std::lock_guard<std::mutex> lock(mu_);
  dropped.swap(idle_);
  ++generation_;
}

absl::Status PgPool::Run(
    const std::function<absl::Status(pqxx::connection&)>& fn) {
  for (int attempt = 0;; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    bool broken = false;
    absl::Status status;
    try {
      status = fn(**conn);
    } catch (const pqxx::in_doubt_error& e) {
      broken = true;
      status = StatusFromException(e);
    } catch (const pqxx::broken_connection& e) {
      broken = true;
      status = StatusFromException(e);
      if (attempt < 3) {
        Release(std::move(*conn), true);
        log::Warning("database connection lost; retrying on a new one");
        continue;
      }
    } catch (const pqxx::transaction_rollback& e) {
      // Serialization failure or deadlock: the transaction rolled back and
      // may simply be run again.
      status = StatusFromException(e);
      if (attempt < 3) {
        Release(std::move(*conn), false);
        absl::SleepFor(absl::Milliseconds(5 * (attempt + 1)));
        continue;
      }
    } catch (const std::exception& e) {
      status = StatusFromException(e);
      broken = !(*conn)->is_open();
    }
    Release(std::move(*conn), broken);
    return status;
  }
}

void PgPool::AddPreparedStatements(
    const std::vector<std::pair<std::string, std::string>>& statements) {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  std::lock_guard<std::mutex> lock(mu_);
  prepared_.insert(prepared_.end(), statements.begin(), statements.end());
  dropped.swap(idle_);
}

absl::Status PgPool::Ping() {
  return Run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

}  // namespace tocsin::data
