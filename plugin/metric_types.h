#ifndef GRENS_PLUGIN_METRIC_TYPES_H_
#define GRENS_PLUGIN_METRIC_TYPES_H_

// Building blocks of grensd's Prometheus metrics: a fixed-bucket histogram, a
// bounded table of label values, and the text-format helpers. Everything a
// request thread touches is a relaxed atomic; nothing here allocates or locks
// on the hot path.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace grens::plugin {

// A Prometheus histogram with fixed upper bounds, in integer units
// (nanoseconds, records) so that the sum is an integer atomic too. Safe for
// concurrent use: Observe is a few relaxed atomic adds.
class Histogram {
 public:
  // `bounds`: ascending upper bounds in units; a unit is 10^-`decimals` of the
  // exported value (9 for nanoseconds exported as seconds, 0 for counts), so
  // bounds and sums print exactly.
  Histogram(std::vector<int64_t> bounds, int decimals);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(int64_t value);

  // Appends `name`_bucket/_sum/_count lines; `labels` is "" or `k="v",...`
  // (without braces). The count is the sum of the buckets read, so a scrape
  // never shows a count that disagrees with its buckets.
  void Render(absl::string_view name, absl::string_view labels, std::string* out) const;

 private:
  const std::vector<int64_t> bounds_;
  const int decimals_;
  // Non-cumulative bucket counts; the last one is +Inf. Atomic: every request
  // thread adds to them without a lock.
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<int64_t> sum_{0};  // atomic for the same reason
};

// Counter slots for label values that come from the policy or from callers
// (clause ids, platform names): at most `capacity` distinct values get a slot
// of their own; every further value shares the overflow slot, so no caller can
// create an unbounded number of series. Lookups are lock-free reads of an
// immutable table; an addition (rare: when a policy is activated) copies the
// table under a mutex and publishes the copy. Safe for concurrent use.
class LabelSlots {
 public:
  // Slot `capacity` is the overflow slot, exported as `overflow_label`.
  LabelSlots(int capacity, std::string overflow_label);
  ~LabelSlots();
  LabelSlots(const LabelSlots&) = delete;
  LabelSlots& operator=(const LabelSlots&) = delete;

  // The slot of `value`, or the overflow slot if it has none. Lock-free.
  int Find(absl::string_view value) const;
  // Gives each of `values` a slot while there is room (idempotent).
  void Add(const std::vector<std::string>& values);
  // Label of each slot, overflow last: index == slot.
  std::vector<std::string> Labels() const;

  int capacity() const { return capacity_; }
  int overflow_slot() const { return capacity_; }

 private:
  struct Table {
    absl::flat_hash_map<std::string, int> slots;
    std::vector<std::string> labels;
  };

  const int capacity_;
  const std::string overflow_label_;

  absl::Mutex mu_;  // serializes additions
  // Every table ever published: readers may still hold an older one, and
  // additions are rare (bounded by the values' own bound), so none is freed
  // before the LabelSlots.
  std::vector<std::unique_ptr<const Table>> tables_ ABSL_GUARDED_BY(mu_);
  // The newest table; atomic so lookups need no lock.
  std::atomic<const Table*> current_;
};

// Appends `text` to `out` escaped as a Prometheus label value (\\, \", \n).
void AppendLabelValue(absl::string_view text, std::string* out);

// Appends "# HELP name help\n# TYPE name type\n".
void AppendHeader(absl::string_view name, absl::string_view type, absl::string_view help, std::string* out);

// `value` * 10^-`decimals` in plain decimal notation without trailing zeros
// (1500, 9 -> "0.0000015"); how histogram bounds and sums are printed.
std::string FormatFixed(int64_t value, int decimals);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_METRIC_TYPES_H_
