// spindle score: variant effects from a family alignment (independent sites, Potts model) for a
// variant table or an inline list, with optional evaluation against measured fitness.
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "cli/command.h"
#include "cli/report.h"
#include "cli/shard.h"
#include "kernels/error.h"
#include "models/registry.h"
#include "proteins/family_model.h"
#include "proteins/lm_scorers.h"
#include "proteins/msa.h"
#include "proteins/msa_scorers.h"
#include "proteins/variant_set.h"

namespace spindle::cli {
namespace {

struct ScoreOptions {
  std::string wt_path, msa_path, mutations, mutant_column = "mutant", model = "all", out_path;
  std::string load_model, save_model, score_column;
  std::optional<int64_t> offset;
  bool eval = false;
  int threads = 0;
  // Fit settings start at the library's defaults, so the two cannot drift apart.
  double theta = FamilyModelOptions{}.theta;
  double lambda_h = PlmOptions{}.lambda_h, lambda_j = PlmOptions{}.lambda_j;
  int max_iterations = PlmOptions{}.max_iterations;
  double min_decrease = PlmOptions{}.relative_decrease;
  bool gap_state = false;
  // Language models (--model DIR): scoring mode and its settings (proteins/lm_scorers.h).
  std::string scoring = "masked-marginal", msa_sampling = "first";
  LmScorerOptions lm;
  Shard shard;
};

// --shard: keeps the I-th of N contiguous blocks of variants (table rows), so the shards' CSVs
// concatenated in shard order (each without its header after the first) are the unsharded CSV.
void keep_shard(VariantSet& set, const Shard& shard) {
  const int64_t n = static_cast<int64_t>(set.variants.size());
  const size_t b = static_cast<size_t>(shard.begin(n)), e = static_cast<size_t>(shard.end(n));
  auto cut = [&](auto& v) { v = std::vector<typename std::decay_t<decltype(v)>::value_type>(v.begin() + b, v.begin() + e); };
  cut(set.variants);
  if (set.table) {
    cut(set.table->lines);
    cut(set.table->line_numbers);
    cut(set.table->rows);
  }
  std::fprintf(stderr, "[spindle] shard %lld/%lld: variants %zu-%zu of %lld\n", static_cast<long long>(shard.index + 1),
               static_cast<long long>(shard.count), b + 1, e, static_cast<long long>(n));
}

bool is_model_dir(const std::string& model) { return model != "potts" && model != "independent" && model != "all"; }

// --model DIR: one language-model scorer; --msa is optional (retrieval, MSA Transformer).
std::unique_ptr<VariantScorer> lm_scorer(const ScoreOptions& o, const WildType& wt) {
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
  std::shared_ptr<const Model> model = load_model(o.model);
  auto progress = std::make_shared<Progress>();
  lo.progress = [progress](size_t done, size_t total) {
    progress->update(std::to_string(done) + " of " + std::to_string(total) + " forward passes");
  };
  const std::string architecture = model->info().architecture;
  auto scorer = make_lm_scorer(std::move(model), wt, lo, std::move(alignment));
  std::fprintf(stderr, "[spindle] model %s: %s, scoring %s\n", o.model.c_str(), architecture.c_str(), o.scoring.c_str());
  return scorer;
}

void log_line(const std::string& s) { std::fprintf(stderr, "[spindle] %s\n", s.c_str()); }

std::shared_ptr<FamilyModel> obtain_model(const ScoreOptions& o, const WildType& wt, bool need_potts) {
  std::shared_ptr<FamilyModel> model;
  if (!o.load_model.empty()) {
    model = std::make_shared<FamilyModel>(load_family_model(o.load_model));
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
  fo.plm.threads = o.threads;
  model = std::make_shared<FamilyModel>(fit_family_model(std::move(alignment), fo, log_line));
  return model;
}

void run_score(const ScoreOptions& o) {
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const bool lm = is_model_dir(o.model);
  if (!lm && o.msa_path.empty() == o.load_model.empty()) throw UsageError("score: give exactly one of --msa or --load-model");
  if (lm && o.mutations.empty()) throw UsageError("score: --model DIR needs --mutations");
  if (o.mutations.empty() && o.save_model.empty()) throw UsageError("score: give --mutations (or only --save-model to fit)");
  if (!o.mutations.empty() && o.out_path.empty() && !o.eval) throw UsageError("score: give -o OUT.csv (or --eval)");
  if (o.eval && o.score_column.empty()) throw UsageError("score: --eval needs --score-col COLUMN (measured fitness)");
  const bool want_potts = o.model == "potts" || o.model == "all";
  const bool want_independent = o.model == "independent" || o.model == "all";

  WildType wt = read_wild_type(o.wt_path, o.offset);
  VariantSet variants;
  if (!o.mutations.empty()) {
    variants = load_variants(o.mutations, o.mutant_column, wt);  // all input checked before any fit
    if (o.eval) variants.table->column(o.score_column);
    if (o.shard.active()) keep_shard(variants, o.shard);
  }
  std::vector<std::unique_ptr<VariantScorer>> scorers;
  if (lm) scorers.push_back(lm_scorer(o, wt));
  std::shared_ptr<FamilyModel> model = lm ? nullptr : obtain_model(o, wt, want_potts || !o.save_model.empty());
  if (!o.save_model.empty()) {
    save_family_model(o.save_model, *model);
    log_line("model saved to " + o.save_model);
  }
  if (o.mutations.empty()) {
    print_final_report();
    return;
  }

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
      log_line(scorer->name() + ": " + std::to_string(total) + " of " + std::to_string(variants.variants.size()) +
               " variants not scorable, left empty (" + why + ")");
    columns.emplace_back(scorer->name(), std::move(r.scores));
  }
  if (!o.out_path.empty()) write_scored_variants(o.out_path, variants, columns);
  if (o.eval) {
    FILE* to = o.out_path == "-" ? stderr : stdout;
    auto evaluation = evaluate_scores(variants, o.score_column, columns);
    std::fprintf(to, "model\tn\tspearman\tauc\tndcg@10%%\tauc_labels\n");
    for (auto& e : evaluation)
      std::fprintf(to, "%s\t%zu\t%.4f\t%.4f\t%.4f\t%s\n", e.model.c_str(), e.n, e.spearman, e.auc, e.ndcg,
                   e.auc_labels.c_str());
    std::fflush(to);
  }
  print_final_report();
}

void setup(CLI::App& app) {
  auto o = std::make_shared<ScoreOptions>();
  auto* cmd = app.add_subcommand("score", "Score protein variants with MSA models (independent sites, Potts)");
  cmd->add_option("--wt", o->wt_path, "Wild-type protein FASTA (first record; /start-end in the name numbers it)")->required();
  cmd->add_option("--msa", o->msa_path, "Family alignment: a2m, a3m, aligned FASTA or Stockholm (focus first)");
  cmd->add_option("--load-model", o->load_model, "Score with a model saved by --save-model instead of fitting");
  cmd->add_option("--save-model", o->save_model, "Save the fitted models (versioned binary)");
  cmd->add_option("--mutations", o->mutations, "Variant CSV/TSV file, or an inline list like A23V,G45L:K50R");
  cmd->add_option("--mutant-col", o->mutant_column, "Column holding the variants")->capture_default_str();
  cmd->add_option("--offset", o->offset, "Number of the wild type's first residue (default: /start-end, else 1)");
  cmd->add_option("--model", o->model, "potts, independent or all (MSA models), or a language-model directory")
      ->check(CLI::IsMember({"potts", "independent", "all"}) | CLI::ExistingDirectory)
      ->capture_default_str();
  cmd->add_option("-o,--output", o->out_path, "Output CSV: input columns plus one score column per model ('-' = stdout)");
  cmd->add_flag("--eval", o->eval, "Print Spearman, AUC and NDCG@10% of each model against --score-col");
  cmd->add_option("--score-col", o->score_column, "Measured fitness column for --eval");
  cmd->add_option("-t,--threads", o->threads, "Threads (default: all cores)");
  cmd->add_option("--theta", o->theta, "Sequence weights: neighbours are identical at >= (1 - theta) x L columns")->capture_default_str();
  cmd->add_option("--lambda-h", o->lambda_h, "L2 penalty on fields")->capture_default_str();
  cmd->add_option("--lambda-j", o->lambda_j, "L2 penalty on couplings, times (q-1)(L-1)")->capture_default_str();
  cmd->add_option("--max-iter", o->max_iterations, "L-BFGS iteration limit for the Potts fit")->capture_default_str();
  cmd->add_option("--min-decrease", o->min_decrease,
                  "Stop the Potts fit once the relative objective decrease stays below this for 3 iterations")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--gap-state", o->gap_state,
                "Potts: model the gap as a 21st state (plmc without -g) instead of as missing data");
  cmd->add_option("--scoring", o->scoring,
                  "With --model DIR: masked-marginal, wt-marginal, mutant-marginal, pll, ar or retrieval")
      ->capture_default_str();
  cmd->add_option("--retrieval-weight", o->lm.retrieval_weight, "retrieval: weight of the MSA prior")->capture_default_str();
  cmd->add_option("--window", o->lm.window, "Residues per forward pass (0: the model's context)")->capture_default_str();
  cmd->add_option("--batch", o->lm.batch, "Sequences per forward pass")->capture_default_str();
  cmd->add_option("--msa-rows", o->lm.msa_rows, "MSA Transformer: rows per MSA, wild type included")->capture_default_str();
  cmd->add_option("--msa-sampling", o->msa_sampling, "MSA Transformer: first rows, or weighted by sequence weight")
      ->check(CLI::IsMember({"first", "weighted"}))
      ->capture_default_str();
  cmd->add_option("--msa-seeds", o->lm.msa_seeds, "MSA Transformer: seeds averaged with --msa-sampling weighted")
      ->capture_default_str();
  cmd->add_option("--seed", o->lm.seed, "Seed for sampling and ambiguous residues")->capture_default_str();
  auto shard = std::make_shared<Shard>();
  add_shard_option(cmd, shard,
                   "score only the I-th of N contiguous blocks of variants (table rows); the CSVs concatenated in "
                   "shard order, headers after the first dropped, are the unsharded CSV");
  cmd->callback([o, shard] {
    o->shard = *shard;
    run_score(*o);
  });
}

SPINDLE_COMMAND(40, setup);

}  // namespace
}  // namespace spindle::cli
