#include "plugin/metrics.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace grens::plugin {
namespace {

constexpr int kEffects = v1::Effect_ARRAYSIZE;
constexpr int kCategories = v1::Category_ARRAYSIZE;
constexpr int kPlatformSlots = Metrics::kMaxPlatforms + 1;  // + "other"
constexpr int kClauseSlots = Metrics::kMaxClauses + 1;      // + "other"
constexpr int kReasons = static_cast<int>(RefusalReason::kCount);

// The platform names MonitoringEvent documents; an agreement may add its own.
const char* const kKnownPlatforms[] = {"",      "slack", "teams",  "zoom",  "google",
                                       "mattermost", "jitsi", "webex", "matrix", "envoy"};

constexpr const char* kReasonLabels[kReasons] = {
    "invalid_event",     "no_policy",        "log_unavailable",    "unauthenticated",
    "permission_denied", "too_many_events",    "content_too_large",
    "too_many_in_flight", "stream_too_long",  "unsupported"};

// "EFFECT_ALLOW_WITH_OBLIGATIONS" -> "allow_with_obligations".
std::string EnumLabel(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, prefix);
  return absl::AsciiStrToLower(rest);
}

std::string EffectLabel(int effect) { return EnumLabel(v1::Effect_Name(static_cast<v1::Effect>(effect)), "EFFECT_"); }

std::string CategoryLabel(int category) {
  return EnumLabel(v1::Category_Name(static_cast<v1::Category>(category)), "CATEGORY_");
}

std::string PlatformLabel(const std::string& platform) { return platform.empty() ? "unspecified" : platform; }

std::unique_ptr<std::atomic<uint64_t>[]> Counters(size_t n) {
  std::unique_ptr<std::atomic<uint64_t>[]> counters(new std::atomic<uint64_t>[n]);
  for (size_t i = 0; i < n; ++i) counters[i].store(0, std::memory_order_relaxed);
  return counters;
}

// Evaluation takes about a microsecond; the buckets resolve 250 ns .. 10 ms.
std::vector<int64_t> EvaluationBounds() {
  return {250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 1'000'000, 10'000'000};
}

// End to end is dominated by the group commit: 100 µs .. 2.5 s.
std::vector<int64_t> DecisionBounds() {
  return {100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 25'000'000,
          50'000'000, 100'000'000, 250'000'000, 1'000'000'000, 2'500'000'000};
}

// Every clause id a decision of `p` can cite, and every platform it names.
void PolicyLabels(const v1::Policy& p, std::vector<std::string>* clauses, std::vector<std::string>* platforms) {
  for (const v1::Clause& c : p.clauses()) clauses->push_back(c.id());
  clauses->push_back(p.default_clause());
  clauses->push_back(p.collectors_clause());
  for (const v1::Rule& r : p.rules()) {
    clauses->push_back(r.clause());
    for (const std::string& platform : r.match().platforms()) platforms->push_back(platform);
  }
  for (const v1::Exemption& e : p.exemptions()) clauses->push_back(e.clause());
  for (const v1::AbsoluteBan& b : p.bans()) clauses->push_back(b.clause());
  for (const v1::RetentionCap& c : p.retention_caps()) clauses->push_back(c.clause());
  clauses->erase(std::remove(clauses->begin(), clauses->end(), ""), clauses->end());
}

}  // namespace

Metrics::Metrics()
    : platforms_(kMaxPlatforms, "other"),
      clauses_(kMaxClauses, "other"),
      evaluation_seconds_(EvaluationBounds(), 9),
      decision_seconds_(DecisionBounds(), 9),
      decisions_(Counters(static_cast<size_t>(kEffects) * kCategories * kPlatformSlots)),
      clause_decisions_(Counters(static_cast<size_t>(kClauseSlots) * kEffects)) {
  for (auto& r : refused_) r.store(0, std::memory_order_relaxed);
  platforms_.Add(std::vector<std::string>(std::begin(kKnownPlatforms), std::end(kKnownPlatforms)));
}

Metrics::~Metrics() = default;

void Metrics::Register(const std::shared_ptr<const policy::CompiledPolicy>& policy) {
  absl::MutexLock lock(&mu_);
  if (registered_.load(std::memory_order_relaxed) == policy.get()) return;
  std::vector<std::string> clauses, platforms;
  PolicyLabels(policy->policy(), &clauses, &platforms);
  clauses_.Add(clauses);
  platforms_.Add(platforms);
  registered_policy_ = policy;
  registered_.store(policy.get(), std::memory_order_release);
}

DecisionSample Metrics::Sample(const std::shared_ptr<const policy::CompiledPolicy>& policy,
                               const v1::MonitoringEvent& event, const v1::Decision& decision) {
  if (registered_.load(std::memory_order_acquire) != policy.get()) Register(policy);
  DecisionSample sample;
  const int effect = v1::Effect_IsValid(decision.effect()) ? decision.effect() : 0;
  // The event was validated, but a sample must never index out of bounds.
  const int category = v1::Category_IsValid(event.category()) ? event.category() : 0;
  sample.decision_cell = (effect * kCategories + category) * kPlatformSlots + platforms_.Find(event.platform());
  for (const v1::Reason& r : decision.reasons()) {
    const int cell = clauses_.Find(r.clause_id()) * kEffects + effect;
    // A decision that cites a clause twice counts once for it.
    if (std::find(sample.clause_cells.begin(), sample.clause_cells.end(), cell) == sample.clause_cells.end()) {
      sample.clause_cells.push_back(cell);
    }
  }
  return sample;
}

void Metrics::CountDecision(const DecisionSample& sample, std::chrono::nanoseconds end_to_end) {
  decisions_[sample.decision_cell].fetch_add(1, std::memory_order_relaxed);
  for (int cell : sample.clause_cells) clause_decisions_[cell].fetch_add(1, std::memory_order_relaxed);
  decision_seconds_.Observe(end_to_end.count());
}

void Metrics::CountRefused(RefusalReason reason) {
  const int i = static_cast<int>(reason);
  if (i >= 0 && i < kReasons) refused_[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RenderDecisions(std::string* out) const {
  AppendHeader("grens_decisions_total", "counter",
               "Decisions recorded and answered, by effect, event category and platform.", out);
  const std::vector<std::string> platforms = platforms_.Labels();
  for (int e = 0; e < kEffects; ++e) {
    for (int c = 0; c < kCategories; ++c) {
      for (int p = 0; p < kPlatformSlots; ++p) {
        const uint64_t n = decisions_[(e * kCategories + c) * kPlatformSlots + p].load(std::memory_order_relaxed);
        if (n == 0) continue;
        absl::StrAppend(out, "grens_decisions_total{effect=\"", EffectLabel(e), "\",category=\"", CategoryLabel(c),
                        "\",platform=\"");
        AppendLabelValue(PlatformLabel(platforms[p]), out);
        absl::StrAppend(out, "\"} ", n, "\n");
      }
    }
  }
}

void Metrics::RenderClauses(std::string* out) const {
  AppendHeader("grens_clause_decisions_total", "counter",
               "Decisions citing each clause of the agreement, by the decision's effect.", out);
  const std::vector<std::string> clauses = clauses_.Labels();
  for (int c = 0; c < kClauseSlots; ++c) {
    for (int e = 0; e < kEffects; ++e) {
      const uint64_t n = clause_decisions_[c * kEffects + e].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out->append("grens_clause_decisions_total{clause=\"");
      AppendLabelValue(clauses[c], out);
      absl::StrAppend(out, "\",effect=\"", EffectLabel(e), "\"} ", n, "\n");
    }
  }
}

void Metrics::RenderRefusals(const std::vector<std::pair<RefusalReason, int64_t>>& counted_elsewhere,
                             std::string* out) const {
  AppendHeader("grens_refused_total", "counter", "Calls refused without a decision, by reason.", out);
  for (int i = 0; i < kReasons; ++i) {
    uint64_t n = refused_[i].load(std::memory_order_relaxed);
    for (const auto& [reason, count] : counted_elsewhere) {
      if (static_cast<int>(reason) == i) n += static_cast<uint64_t>(count);
    }
    absl::StrAppend(out, "grens_refused_total{reason=\"", kReasonLabels[i], "\"} ", n, "\n");
  }
}

std::string Metrics::Render(const v1::StatusResponse& status,
                            const std::vector<std::pair<RefusalReason, int64_t>>& counted_elsewhere) const {
  std::string out;
  RenderDecisions(&out);
  RenderClauses(&out);
  AppendHeader("grens_evaluation_duration_seconds", "histogram", "Time the policy engine took for one event.", &out);
  evaluation_seconds_.Render("grens_evaluation_duration_seconds", "", &out);
  AppendHeader("grens_decision_duration_seconds", "histogram",
               "Time from receiving an event to its durable, answered decision.", &out);
  decision_seconds_.Render("grens_decision_duration_seconds", "", &out);
  RenderRefusals(counted_elsewhere, &out);
  log_.Render(&out);
  AppendHeader("grens_log_records", "gauge", "Records in the decision log.", &out);
  absl::StrAppend(&out, "grens_log_records ", status.log_size(), "\n");
  AppendHeader("grens_policy_info", "gauge", "The active policy: agreement id and revision (sha256).", &out);
  if (!status.revision().empty()) {
    out.append("grens_policy_info{policy_id=\"");
    AppendLabelValue(status.policy_id(), &out);
    absl::StrAppend(&out, "\",revision=\"", status.revision(), "\"} 1\n");
  }
  AppendHeader("grens_policy_activated_timestamp_seconds", "gauge", "When the active policy was activated.", &out);
  absl::StrAppend(&out, "grens_policy_activated_timestamp_seconds ", status.loaded_at().seconds(), "\n");
  AppendHeader("grens_policy_reloads_total", "counter", "Policy loads attempted (start-up, watch, SIGHUP, RPC).", &out);
  absl::StrAppend(&out, "grens_policy_reloads_total ", status.reloads(), "\n");
  AppendHeader("grens_policy_reload_failures_total", "counter",
               "Policy files rejected; the previous policy stayed active.", &out);
  absl::StrAppend(&out, "grens_policy_reload_failures_total ", status.rejected_reloads(), "\n");
  return out;
}

}  // namespace grens::plugin
