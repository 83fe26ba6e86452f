#include "data/migrations.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace tocsin::data {
namespace {

// An arbitrary constant shared by every replica: the migration lock's key.
constexpr int64_t kMigrationLockKey = 0x746f6373696e0001;  // "tocsin" + 1

constexpr char kCreateVersionTable[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";
constexpr char kSelectVersions[] = "SELECT version FROM schema_migrations";
constexpr char kInsertVersion[] =
    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";

}  // namespace

absl::StatusOr<std::vector<Migration>> ParseMigrations(
    const std::vector<EmbeddedMigration>& files) {
  std::vector<Migration> out;
  std::set<int> seen;
  for (const auto& f : files) {
    absl::string_view name = f.file_name;
    size_t sep = name.find("__");
    if (!absl::StartsWith(name, "V") || sep == absl::string_view::npos ||
        !absl::EndsWith(name, ".sql")) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file name \"", name,
                       "\" is not V<version>__<name>.sql"));
    }
    int version = 0;
    if (!absl::SimpleAtoi(name.substr(1, sep - 1), &version) || version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file name \"", name, "\" has no version"));
    }
    if (!seen.insert(version).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration version ", version, " appears twice"));
    }
    out.push_back({version, std::string(name), f.sql});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) {
              return a.version < b.version;
            });
  return out;
}

absl::StatusOr<MigrationResult> ApplyMigrations(
    pqxx::connection& conn, const std::vector<Migration>& migrations) {
  MigrationResult result;
  pqxx::work tx(conn);
  // Held until commit or rollback: a concurrent replica waits here.
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
  tx.exec(kCreateVersionTable);
  std::set<int> applied;
  for (const auto& row : tx.exec(kSelectVersions)) {
    applied.insert(row[0].as<int>());
  }
  for (const auto& m : migrations) {
    if (applied.count(m.version)) continue;
    tx.exec(m.sql);
    tx.exec_params(kInsertVersion, m.version, m.name);
    result.applied.push_back(m.version);
    applied.insert(m.version);
  }
  tx.commit();
  result.current_version = applied.empty() ? 0 : *applied.rbegin();
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (result.current_version > known) {
    log::Warning("database schema is newer than this binary",
                 {{"schema_version", int64_t{result.current_version}},
                  {"binary_version", int64_t{known}}});
  }
  for (int v : result.applied) {
    log::Info("applied migration", {{"version", int64_t{v}}});
  }
  return result;
}

}  // namespace tocsin::data
