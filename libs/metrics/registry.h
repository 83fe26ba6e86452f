#ifndef TOCSIN_METRICS_REGISTRY_H_
#define TOCSIN_METRICS_REGISTRY_H_

// Prometheus metrics: counters, gauges and histograms grouped in labelled
// families, rendered in the text exposition format 0.0.4.
//
// Hot path: look a child up once with Family::With() and keep the reference;
// Inc()/Set()/Observe() are then lock-free atomics with no allocation.
//
//   static auto& pings = tocsin::metrics::DefaultRegistry()
//       .AddCounter("tocsin_pings_total", "Pings received.", {"kind"})
//       .With({"success"});
//   pings.Inc();
//
// Registration errors (bad metric or label name, the same name registered
// with another type, labels or buckets) are programming errors: they log and
// abort the process, so they surface on the first start or in tests. Use
// IsValidMetricName()/IsValidLabelName() to check names that come from
// configuration first.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tocsin::metrics {

// Default cap on children per family; see Family::With().
inline constexpr size_t kDefaultMaxChildren = 10000;
// The label value given to every label of a family's overflow child.
inline constexpr std::string_view kOverflowLabelValue = "other";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool IsValidLabelName(std::string_view name);

// Formats a sample value: integers without a fraction ("3"), others in the
// shortest form that reads back exactly, and "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

// Seconds buckets for request/operation latencies, 0.5 ms .. 10 s.
std::vector<double> LatencyBuckets();

// Monotonic. Aligned to a cache line so children hammered by different
// threads do not share one.
class alignas(64) Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Negative and NaN increments are ignored: a counter never goes down.
  void Inc(double v = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class alignas(64) Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Dec(double v = 1) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Fixed buckets given at registration; the +Inf bucket is implicit.
class alignas(64) Histogram {
 public:
  // `bounds` are strictly increasing finite upper bounds and must outlive
  // the histogram (a family owns them).
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN observations are ignored.
  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;  // equals cumulative.back()
  };
  Snapshot Snap() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  // Per-bucket (not cumulative) counts, so Observe touches one atomic.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

namespace internal {

// Orders label value lists element by element; transparent so a lookup by
// string_views does not build a vector of strings.
struct LabelsLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    auto ia = std::begin(a);
    auto ib = std::begin(b);
    for (; ia != std::end(a) && ib != std::end(b); ++ia, ++ib) {
      std::string_view x(*ia), y(*ib);
      if (x != y) return x < y;
    }
    return ia == std::end(a) && ib != std::end(b);
  }
};

enum class Type { kCounter, kGauge, kHistogram, kCallbackGauge };

class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual void Render(std::string* out) const = 0;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 protected:
  FamilyBase(std::string name, std::string help,
             std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)) {}

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

}  // namespace internal

// One metric name with its children, one child per distinct set of label
// values. Children live as long as the family (the registry never drops a
// family), so references returned by With() stay valid for the process
// lifetime.
template <class T>
class Family : public internal::FamilyBase {
 public:
  Family(std::string name, std::string help,
         std::vector<std::string> label_names, std::vector<double> buckets);

  // The child for these label values, in label_names() order. The first
  // call for a label set creates it under a mutex; later calls take a shared
  // lock only. Once the family holds max_children() children, a new label
  // set gets the shared overflow child whose every label is "other", so
  // hostile label values cannot grow memory without bound (a warning is
  // logged once). A wrong number of values is a programming error: it is
  // logged and also lands in the overflow child.
  T& With(std::initializer_list<std::string_view> label_values);
  T& With(const std::vector<std::string>& label_values);

  void set_max_children(size_t n);
  size_t max_children() const;
  size_t size() const;  // children so far, the overflow child included
  // Finite upper bounds (histograms only; +Inf is implicit).
  const std::vector<double>& buckets() const { return buckets_; }

  void Render(std::string* out) const override;

 private:
  template <class Values>
  T& Get(const Values& values);
  T& OverflowLocked();  // needs mu_ held exclusively
  std::unique_ptr<T> MakeChild() const;

  std::vector<double> buckets_;  // histograms only
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>, internal::LabelsLess>
      children_;
  size_t max_children_ = kDefaultMaxChildren;
  bool warned_overflow_ = false;
  bool warned_arity_ = false;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

class Registry {
 public:
  // Label values then the sample value, one entry per series.
  using CallbackSamples =
      std::vector<std::pair<std::vector<std::string>, double>>;
  using Callback = std::function<CallbackSamples()>;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registering a name again with the same type, label names (and buckets)
  // returns the existing family; anything else aborts (see the file comment).
  // Counter names should end in "_total"; that is left to the caller.
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  // `buckets`: strictly increasing finite upper bounds; a trailing +Inf is
  // accepted and dropped since it is always present. "le" is reserved.
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<double> buckets,
                                  std::vector<std::string> label_names = {});

  // A gauge computed at scrape time. `fn` runs inside Render() with the
  // registry locked, so it must not call back into this registry. Adding the
  // same name again with the same label names replaces the callback, so a
  // component re-created in the same process re-points its gauge; an owner
  // that dies before the process must call RemoveCallbackGauge() first.
  // Samples with the wrong number of label values are skipped; at most
  // kDefaultMaxChildren samples are rendered.
  void AddCallbackGauge(std::string name, std::string help, Callback fn,
                        std::vector<std::string> label_names = {});
  void RemoveCallbackGauge(std::string_view name);

  // Text exposition format 0.0.4, families sorted by name, children by
  // label values.
  std::string Render() const;

 private:
  class CallbackFamily;
  struct Entry {
    internal::Type type;
    std::unique_ptr<internal::FamilyBase> family;
  };

  internal::FamilyBase* FindOrAdd(
      internal::Type type, std::string name, std::string help,
      std::vector<std::string> label_names, std::vector<double> buckets);

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> families_;
};

// The process-wide registry; never destroyed, so it is safe to use from
// threads still running during exit.
Registry& DefaultRegistry();

}  // namespace tocsin::metrics

#endif  // TOCSIN_METRICS_REGISTRY_H_
