#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "common/log.h"
#include "common/strings.h"

namespace tocsin::metrics {
namespace {

using internal::Type;

// Registration mistakes are bugs in our code, not runtime conditions: fail
// loudly (stderr too, so death tests and terminals see it) and stop.
[[noreturn]] void Fatal(std::string_view what, std::string_view name) {
  log::Error("metrics registration error", {{"error", what}, {"name", name}});
  std::fprintf(stderr, "tocsin::metrics: %.*s: %.*s\n",
               static_cast<int>(what.size()), what.data(),
               static_cast<int>(name.size()), name.data());
  std::abort();
}

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kCounter:
      return "counter";
    case Type::kHistogram:
      return "histogram";
    case Type::kGauge:
    case Type::kCallbackGauge:
      return "gauge";
  }
  return "untyped";
}

template <class T>
constexpr Type TypeOf() {
  if constexpr (std::is_same_v<T, Counter>) return Type::kCounter;
  if constexpr (std::is_same_v<T, Gauge>) return Type::kGauge;
  return Type::kHistogram;
}

// The format requires UTF-8; a hostile label value may not be.
std::string_view Utf8(std::string_view v, std::string* scratch) {
  if (IsStorableText(v)) return v;
  // Each bad byte becomes U+FFFD (3 bytes), so 3x never truncates.
  *scratch = ToStorableText(v, v.size() * 3);
  return *scratch;
}

void AppendLabelValue(std::string_view v, std::string* out) {
  std::string scratch;
  for (char c : Utf8(v, &scratch)) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

// HELP text escapes only backslash and newline.
void AppendHelp(std::string_view v, std::string* out) {
  std::string scratch;
  for (char c : Utf8(v, &scratch)) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

void AppendHeader(const internal::FamilyBase& f, Type type, std::string* out) {
  out->append("# HELP ").append(f.name()).push_back(' ');
  AppendHelp(f.help(), out);
  out->append("\n# TYPE ").append(f.name()).push_back(' ');
  out->append(TypeName(type)).push_back('\n');
}

// `{a="x",b="y"}`, with an optional extra label (histograms' "le") last;
// nothing at all when there are no labels.
void AppendSeries(std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& names,
                  const std::vector<std::string>& values,
                  std::string_view extra_name, std::string_view extra_value,
                  std::string* out) {
  out->append(name).append(suffix);
  if (names.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out->push_back(',');
    first = false;
    out->append(names[i]).append("=\"");
    AppendLabelValue(values[i], out);
    out->push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    out->append(extra_name).append("=\"").append(extra_value).push_back('"');
  }
  out->push_back('}');
}

void AppendSample(std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& names,
                  const std::vector<std::string>& values, double v,
                  std::string* out, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  AppendSeries(name, suffix, names, values, extra_name, extra_value, out);
  out->push_back(' ');
  out->append(FormatValue(v)).push_back('\n');
}

void ValidateLabels(std::string_view metric,
                    const std::vector<std::string>& label_names,
                    bool histogram) {
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& l = label_names[i];
    if (!IsValidLabelName(l)) Fatal("invalid label name", l);
    if (histogram && l == "le") Fatal("label \"le\" is reserved", metric);
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == l) Fatal("duplicate label name", l);
    }
  }
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !(IsAlpha(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == ':';
  });
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsAlpha(name[0])) return false;
  if (name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c); });
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Below 2^53 every integer is exact; print it without a fraction.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(v));
  }
  // Shortest round-trip digits; plain decimals for everyday magnitudes so
  // bucket labels read le="0.0005", not le="5e-04".
  char buf[64];
  double a = std::fabs(v);
  auto fmt = a >= 1e-6 && a < 1e15 ? std::chars_format::fixed
                                   : std::chars_format::general;
  auto res = std::to_chars(buf, buf + sizeof(buf), v, fmt);
  if (res.ec != std::errc()) res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

void Counter::Inc(double v) {
  if (!(v >= 0)) return;  // also rejects NaN
  value_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::Observe(double v) {
  if (std::isnan(v)) return;
  // Buckets are "less than or equal": the first bound >= v.
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) -
             bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  // Derived from the buckets so _count always equals the +Inf bucket even
  // while observations race with the scrape.
  s.count = total;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

template <class T>
Family<T>::Family(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> buckets)
    : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
      buckets_(std::move(buckets)) {
  // An unlabelled metric exists from the start, so it renders as 0 rather
  // than being absent until first use.
  if (label_names_.empty()) {
    children_.emplace(std::vector<std::string>{}, MakeChild());
  }
}

template <class T>
std::unique_ptr<T> Family<T>::MakeChild() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(std::span<const double>(buckets_));
  } else {
    return std::make_unique<T>();
  }
}

template <class T>
T& Family<T>::With(std::initializer_list<std::string_view> label_values) {
  return Get(label_values);
}

template <class T>
T& Family<T>::With(const std::vector<std::string>& label_values) {
  return Get(label_values);
}

template <class T>
template <class Values>
T& Family<T>::Get(const Values& values) {
  if (values.size() != label_names_.size()) {
    std::unique_lock lock(mu_);
    if (!warned_arity_) {
      warned_arity_ = true;
      log::Error("metrics: wrong number of label values",
                 {{"metric", name_},
                  {"want", static_cast<int64_t>(label_names_.size())},
                  {"got", static_cast<int64_t>(values.size())}});
    }
    return OverflowLocked();
  }
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second;
  if (children_.size() >= max_children_) {
    if (!warned_overflow_) {
      warned_overflow_ = true;
      log::Warning("metrics: too many label sets, using overflow child",
                   {{"metric", name_},
                    {"max_children", static_cast<int64_t>(max_children_)}});
    }
    return OverflowLocked();
  }
  std::vector<std::string> key(values.begin(), values.end());
  return *children_.emplace(std::move(key), MakeChild()).first->second;
}

template <class T>
T& Family<T>::OverflowLocked() {
  std::vector<std::string> key(label_names_.size(),
                               std::string(kOverflowLabelValue));
  auto it = children_.find(key);
  if (it != children_.end()) return *it->second;
  // May exceed the cap by this one child.
  return *children_.emplace(std::move(key), MakeChild()).first->second;
}

template <class T>
void Family<T>::set_max_children(size_t n) {
  std::unique_lock lock(mu_);
  max_children_ = n;
}

template <class T>
size_t Family<T>::max_children() const {
  std::shared_lock lock(mu_);
  return max_children_;
}

template <class T>
size_t Family<T>::size() const {
  std::shared_lock lock(mu_);
  return children_.size();
}

template <class T>
void Family<T>::Render(std::string* out) const {
  AppendHeader(*this, TypeOf<T>(), out);
  std::shared_lock lock(mu_);
  for (const auto& [values, child] : children_) {
    if constexpr (std::is_same_v<T, Histogram>) {
      Histogram::Snapshot s = child->Snap();
      for (size_t i = 0; i < buckets_.size(); ++i) {
        AppendSample(name_, "_bucket", label_names_, values,
                     static_cast<double>(s.cumulative[i]), out, "le",
                     FormatValue(buckets_[i]));
      }
      AppendSample(name_, "_bucket", label_names_, values,
                   static_cast<double>(s.cumulative.back()), out, "le", "+Inf");
      AppendSample(name_, "_sum", label_names_, values, s.sum, out);
      AppendSample(name_, "_count", label_names_, values,
                   static_cast<double>(s.count), out);
    } else {
      AppendSample(name_, "", label_names_, values, child->Value(), out);
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

class Registry::CallbackFamily : public internal::FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help,
                 std::vector<std::string> label_names, Callback fn)
      : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
        fn_(std::move(fn)) {}

  void set_fn(Callback fn) { fn_ = std::move(fn); }

  void Render(std::string* out) const override {
    AppendHeader(*this, Type::kCallbackGauge, out);
    if (!fn_) return;
    CallbackSamples samples = fn_();
    std::erase_if(samples, [this](const auto& s) {
      return s.first.size() != label_names_.size();
    });
    if (samples.size() > kDefaultMaxChildren) {
      samples.resize(kDefaultMaxChildren);
    }
    // Sorted like the other families, so scrapes are stable and diffable.
    std::stable_sort(samples.begin(), samples.end(),
                     [](const auto& a, const auto& b) {
                       return internal::LabelsLess()(a.first, b.first);
                     });
    for (const auto& [values, v] : samples) {
      AppendSample(name_, "", label_names_, values, v, out);
    }
  }

 private:
  Callback fn_;
};

internal::FamilyBase* Registry::FindOrAdd(Type type, std::string name,
                                          std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> buckets) {
  if (!IsValidMetricName(name)) Fatal("invalid metric name", name);
  ValidateLabels(name, label_names, type == Type::kHistogram);
  if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) {
    buckets.pop_back();  // +Inf is always there
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
      Fatal("histogram buckets must be finite and strictly increasing", name);
    }
  }

  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    const Entry& e = it->second;
    if (e.type != type) Fatal("metric registered with another type", name);
    if (e.family->label_names() != label_names) {
      Fatal("metric registered with other label names", name);
    }
    if (type == Type::kHistogram &&
        static_cast<Family<Histogram>*>(e.family.get())->buckets() != buckets) {
      Fatal("histogram registered with other buckets", name);
    }
    return e.family.get();
  }
  std::unique_ptr<internal::FamilyBase> family;
  switch (type) {
    case Type::kCounter:
      family = std::make_unique<Family<Counter>>(name, std::move(help),
                                                 std::move(label_names),
                                                 std::vector<double>{});
      break;
    case Type::kGauge:
      family = std::make_unique<Family<Gauge>>(name, std::move(help),
                                               std::move(label_names),
                                               std::vector<double>{});
      break;
    case Type::kHistogram:
      family = std::make_unique<Family<Histogram>>(
          name, std::move(help), std::move(label_names), std::move(buckets));
      break;
    case Type::kCallbackGauge:
      family = std::make_unique<CallbackFamily>(
          name, std::move(help), std::move(label_names), nullptr);
      break;
  }
  internal::FamilyBase* raw = family.get();
  families_.emplace(std::move(name), Entry{type, std::move(family)});
  return raw;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return *static_cast<Family<Counter>*>(FindOrAdd(
      Type::kCounter, std::move(name), std::move(help), std::move(label_names),
      {}));
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  return *static_cast<Family<Gauge>*>(FindOrAdd(Type::kGauge, std::move(name),
                                                std::move(help),
                                                std::move(label_names), {}));
}

Family<Histogram>& Registry::AddHistogram(
    std::string name, std::string help, std::vector<double> buckets,
    std::vector<std::string> label_names) {
  return *static_cast<Family<Histogram>*>(
      FindOrAdd(Type::kHistogram, std::move(name), std::move(help),
                std::move(label_names), std::move(buckets)));
}

void Registry::AddCallbackGauge(std::string name, std::string help,
                                Callback fn,
                                std::vector<std::string> label_names) {
  auto* family = static_cast<CallbackFamily*>(
      FindOrAdd(Type::kCallbackGauge, std::move(name), std::move(help),
                std::move(label_names), {}));
  // Under mu_ so a concurrent Render() never sees a half-assigned function.
  std::lock_guard lock(mu_);
  family->set_fn(std::move(fn));
}

void Registry::RemoveCallbackGauge(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end() && it->second.type == Type::kCallbackGauge) {
    families_.erase(it);
  }
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, entry] : families_) entry.family->Render(&out);
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace tocsin::metrics
