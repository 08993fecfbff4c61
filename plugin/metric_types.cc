#include "plugin/metric_types.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace grens::plugin {

Histogram::Histogram(std::vector<int64_t> bounds, int decimals)
    : bounds_(std::move(bounds)),
      decimals_(decimals),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(int64_t value) {
  // A linear scan: a dozen bounds, usually left within the first few.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void Histogram::Render(absl::string_view name, absl::string_view labels, std::string* out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? FormatFixed(bounds_[i], decimals_) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", le, "\"} ", cumulative, "\n");
  }
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", FormatFixed(sum_.load(std::memory_order_relaxed), decimals_), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", cumulative, "\n");
}

LabelSlots::LabelSlots(int capacity, std::string overflow_label)
    : capacity_(capacity), overflow_label_(std::move(overflow_label)) {
  absl::MutexLock lock(&mu_);
  tables_.push_back(std::make_unique<const Table>());
  current_.store(tables_.back().get(), std::memory_order_release);
}

LabelSlots::~LabelSlots() = default;

int LabelSlots::Find(absl::string_view value) const {
  const Table* table = current_.load(std::memory_order_acquire);
  auto it = table->slots.find(value);
  return it == table->slots.end() ? capacity_ : it->second;
}

void LabelSlots::Add(const std::vector<std::string>& values) {
  absl::MutexLock lock(&mu_);
  const Table* current = current_.load(std::memory_order_relaxed);
  bool missing = false;
  for (const std::string& v : values) {
    if (!current->slots.contains(v) && static_cast<int>(current->labels.size()) < capacity_) missing = true;
  }
  if (!missing) return;
  auto next = std::make_unique<Table>(*current);
  for (const std::string& v : values) {
    if (next->slots.contains(v) || static_cast<int>(next->labels.size()) >= capacity_) continue;
    next->slots.emplace(v, static_cast<int>(next->labels.size()));
    next->labels.push_back(v);
  }
  tables_.push_back(std::move(next));
  current_.store(tables_.back().get(), std::memory_order_release);
}

std::vector<std::string> LabelSlots::Labels() const {
  std::vector<std::string> labels = current_.load(std::memory_order_acquire)->labels;
  labels.resize(capacity_);
  labels.push_back(overflow_label_);
  return labels;
}

void AppendLabelValue(absl::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
}

void AppendHeader(absl::string_view name, absl::string_view type, absl::string_view help, std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

std::string FormatFixed(int64_t value, int decimals) {
  if (decimals == 0) return absl::StrCat(value);
  const char* sign = value < 0 ? "-" : "";
  const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  uint64_t unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  std::string fraction = absl::StrCat(magnitude % unit);
  fraction.insert(0, decimals - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return absl::StrCat(sign, magnitude / unit, fraction.empty() ? "" : ".", fraction);
}

}  // namespace grens::plugin
