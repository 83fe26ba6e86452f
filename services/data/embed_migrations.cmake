# Writes OUTPUT, a C++ source holding every migrations/V*.sql file, so the
# binary carries its schema. Run at build time; re-runs when a file changes.
file(GLOB files "${MIGRATIONS_DIR}/V*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" sql)
  string(APPEND body "    {\"${name}\", R\"tocsin_sql(${sql})tocsin_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp"
"// Generated from services/data/migrations by embed_migrations.cmake.\n"
"#include \"data/migrations.h\"\n\n"
"namespace tocsin::data {\n"
"const std::vector<EmbeddedMigration>& EmbeddedMigrations() {\n"
"  static const std::vector<EmbeddedMigration> kAll = {\n${body}  };\n"
"  return kAll;\n}\n}  // namespace tocsin::data\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
