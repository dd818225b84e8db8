#include "proteins/score_run.h"

#include <memory>
#include <type_traits>

#include "base/error.h"
#include "base/shard_range.h"
#include "models/registry.h"
#include "proteins/msa.h"
#include "proteins/msa_scorers.h"

namespace spindle {
namespace {

using Log = std::function<void(const std::string&)>;

// Keeps the shard's contiguous block of variants (table rows), as embed keeps blocks of records.
void keep_shard(VariantSet& set, int64_t shard_index, int64_t shard_count, const Log& log) {
  const int64_t n = static_cast<int64_t>(set.variants.size());
  const ShardRange range = shard_range(n, shard_index, shard_count);
  const size_t b = static_cast<size_t>(range.first), e = static_cast<size_t>(range.last);
  auto cut = [&](auto& v) { v = std::vector<typename std::decay_t<decltype(v)>::value_type>(v.begin() + b, v.begin() + e); };
  cut(set.variants);
  if (set.table) {
    cut(set.table->lines);
    cut(set.table->line_numbers);
    cut(set.table->rows);
  }
  log("shard " + std::to_string(shard_index + 1) + "/" + std::to_string(shard_count) + ": variants " +
      std::to_string(b + 1) + "-" + std::to_string(e) + " of " + std::to_string(n));
}

// A language-model directory: one scorer; the alignment is optional (retrieval, MSA Transformer).
std::unique_ptr<VariantScorer> lm_scorer(const ScoreRunOptions& o, const WildType& wt, const Log& log) {
  if (!o.load_model.empty() || !o.save_model.empty())
    throw UsageError("score: --load-model/--save-model are for the MSA models, not --model DIR");
  LmScorerOptions lo = o.lm;
  lo.scoring = parse_lm_scoring(o.scoring);
  lo.theta = o.theta;
  lo.msa_weighted_sampling = o.msa_sampling == "weighted";
  std::shared_ptr<FocusAlignment> alignment;
  if (!o.msa_path.empty()) {
    alignment = std::make_shared<FocusAlignment>(read_focus_alignment(o.msa_path));
    number_focus_columns(*alignment, wt, o.msa_path);
  }
  LoadReport loaded = load_model_with_report(o.model, load_options_for(o.context));
  std::shared_ptr<const Model> model = std::move(loaded.model);
  auto scorer = make_lm_scorer(std::move(model), wt, lo, std::move(alignment));
  log("model " + o.model + ": " + loaded.architecture + " on " + device_name(loaded.device) + ", scoring " + o.scoring);
  return scorer;
}

std::shared_ptr<FamilyModel> obtain_family_model(const ScoreRunOptions& o, const WildType& wt, bool need_potts,
                                                 const Log& log) {
  if (!o.load_model.empty()) {
    auto model = std::make_shared<FamilyModel>(load_family_model(o.load_model));
    number_focus_columns(model->columns, wt, o.load_model);
    return model;
  }
  FocusAlignment alignment = read_focus_alignment(o.msa_path);
  number_focus_columns(alignment, wt, o.msa_path);  // before the fit: a wrong focus fails fast
  if (need_potts && alignment.n_columns < 2)
    throw Error(o.msa_path + ": only " + std::to_string(alignment.n_columns) + " model column; a Potts model needs 2 or more");
  FamilyModelOptions fo;
  fo.fit_potts = need_potts;
  fo.theta = o.theta;
  fo.plm.lambda_h = o.lambda_h;
  fo.plm.lambda_j = o.lambda_j;
  fo.plm.max_iterations = o.max_iterations;
  fo.plm.relative_decrease = o.min_decrease;
  fo.plm.ignore_gaps = !o.gap_state;
  fo.plm.threads = o.context.threads;
  return std::make_shared<FamilyModel>(fit_family_model(std::move(alignment), fo, log));
}

}  // namespace

bool is_language_model_dir(const std::string& model) {
  return model != "potts" && model != "independent" && model != "all";
}

ScoreRunResult run_scoring(const ScoreRunOptions& o, const Log& log_or_empty) {
  ThreadScope threads(o.context);
  const Log log = log_or_empty ? log_or_empty : [](const std::string&) {};
  const bool lm = is_language_model_dir(o.model);
  const bool want_potts = o.model == "potts" || o.model == "all";
  const bool want_independent = o.model == "independent" || o.model == "all";

  WildType wt = read_wild_type(o.wt_path, o.offset);
  VariantSet variants;
  if (!o.mutations.empty()) {
    variants = load_variants(o.mutations, o.mutant_column, wt);  // all input checked before any fit
    if (o.eval) variants.table->column(o.score_column);
    if (o.shard_count > 1) keep_shard(variants, o.shard_index, o.shard_count, log);
  }
  std::vector<std::unique_ptr<VariantScorer>> scorers;
  if (lm) scorers.push_back(lm_scorer(o, wt, log));
  std::shared_ptr<FamilyModel> model = lm ? nullptr : obtain_family_model(o, wt, want_potts || !o.save_model.empty(), log);
  if (!o.save_model.empty()) {
    save_family_model(o.save_model, *model);
    log("model saved to " + o.save_model);
  }
  ScoreRunResult result;
  if (o.mutations.empty()) return result;

  if (want_potts) scorers.push_back(make_msa_scorer(model, wt, MsaScorerKind::kPotts));
  if (want_independent) scorers.push_back(make_msa_scorer(model, wt, MsaScorerKind::kIndependent));
  std::vector<ScoreColumn> columns;
  for (auto& scorer : scorers) {
    ScoreResult r = scorer->score(variants.variants);
    size_t total = 0;
    std::string why;
    for (auto& [reason, count] : r.unscorable) {
      total += count;
      why += (why.empty() ? "" : ", ") + reason + ": " + std::to_string(count);
    }
    if (total)
      log(scorer->name() + ": " + std::to_string(total) + " of " + std::to_string(variants.variants.size()) +
          " variants not scorable, left empty (" + why + ")");
    columns.emplace_back(scorer->name(), std::move(r.scores));
  }
  if (!o.out_path.empty()) write_scored_variants(o.out_path, variants, columns);
  if (o.eval) result.evaluation = evaluate_scores(variants, o.score_column, columns);
  return result;
}

}  // namespace spindle
