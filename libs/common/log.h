#ifndef TOCSIN_COMMON_LOG_H_
#define TOCSIN_COMMON_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tocsin::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// A field value of a log line.
using Value = std::variant<std::string_view, int64_t, double, bool>;
using Field = std::pair<std::string_view, Value>;

// Sets the service name stamped on every line and the lowest level written.
void Init(std::string_view service, Level min_level);
// Parses "debug", "info", "warning", "error".
bool ParseLevel(std::string_view s, Level* out);

// Writes one JSON object to stdout: time, level, service, msg, then fields.
// Thread-safe; one write(2) per line so lines from threads never interleave.
void Write(Level level, std::string_view msg,
           std::initializer_list<Field> fields = {});

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warning(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarning, m, f);
}
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

bool Enabled(Level level);

}  // namespace tocsin::log

#endif  // TOCSIN_COMMON_LOG_H_
