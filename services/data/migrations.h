#ifndef TOCSIN_DATA_MIGRATIONS_H_
#define TOCSIN_DATA_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pqxx/pqxx"

namespace tocsin::data {

// A migration file as embedded in the binary at build time.
struct EmbeddedMigration {
  const char* file_name;  // "V001__initial_schema.sql"
  const char* sql;
};
// Every file of services/data/migrations, in name order (generated).
const std::vector<EmbeddedMigration>& EmbeddedMigrations();

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// Validates names (`V<digits>__<name>.sql`) and returns the migrations in
// version order; duplicate versions are an error.
absl::StatusOr<std::vector<Migration>> ParseMigrations(
    const std::vector<EmbeddedMigration>& files);

struct MigrationResult {
  std::vector<int> applied;  // Applied by this call.
  int current_version = 0;
};

// Applies pending migrations in one transaction holding an advisory lock, so
// any number of replicas may run this at once: one applies, the others wait
// and then find nothing to do.
absl::StatusOr<MigrationResult> ApplyMigrations(
    pqxx::connection& conn, const std::vector<Migration>& migrations);

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_MIGRATIONS_H_
