// spindle score: variant effects from a family alignment (independent sites, Potts model) for a
// variant table or an inline list, with optional evaluation against measured fitness. The pipeline
// is proteins/score_run.h; this file parses, checks the options fit together and reports.
#include <cstdio>
#include <memory>

#include "base/error.h"
#include "cli/command.h"
#include "cli/device_options.h"
#include "cli/report.h"
#include "cli/shard.h"
#include "proteins/score_run.h"

namespace spindle::cli {
namespace {

void log_line(const std::string& s) { std::fprintf(stderr, "[spindle] %s\n", s.c_str()); }

// The options that must fit together, checked before any input is read.
void check_options(const ScoreRunOptions& o) {
  const bool lm = is_language_model_dir(o.model);
  if (!lm && o.msa_path.empty() == o.load_model.empty()) throw UsageError("score: give exactly one of --msa or --load-model");
  if (lm && o.mutations.empty()) throw UsageError("score: --model DIR needs --mutations");
  if (o.mutations.empty() && o.save_model.empty()) throw UsageError("score: give --mutations (or only --save-model to fit)");
  if (!o.mutations.empty() && o.out_path.empty() && !o.eval) throw UsageError("score: give -o OUT.csv (or --eval)");
  if (o.eval && o.score_column.empty()) throw UsageError("score: --eval needs --score-col COLUMN (measured fitness)");
}

void print_evaluation(const ScoreRunOptions& o, const std::vector<ScoreEvaluation>& evaluation) {
  FILE* to = o.out_path == "-" ? stderr : stdout;  // the CSV has stdout
  std::fprintf(to, "model\tn\tspearman\tauc\tndcg@10%%\tauc_labels\n");
  for (auto& e : evaluation)
    std::fprintf(to, "%s\t%zu\t%.4f\t%.4f\t%.4f\t%s\n", e.model.c_str(), e.n, e.spearman, e.auc, e.ndcg,
                 e.auc_labels.c_str());
  std::fflush(to);
}

void run(ScoreRunOptions o, const Shard& shard) {
  check_options(o);
  o.shard_index = shard.index;
  o.shard_count = shard.count;
  auto progress = std::make_shared<Progress>();
  o.lm.progress = [progress](size_t done, size_t total) {
    progress->update(std::to_string(done) + " of " + std::to_string(total) + " forward passes");
  };
  ScoreRunResult result = run_scoring(o, log_line);
  if (result.evaluation) print_evaluation(o, *result.evaluation);
  print_final_report();
}

void setup(CLI::App& app) {
  auto o = std::make_shared<ScoreRunOptions>();
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
  cmd->add_option("-t,--threads", o->context.threads, "Threads (default: all cores)");
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
  auto device = std::make_shared<DeviceArgs>();
  add_device_options(cmd, device);
  cmd->callback([o, shard, device] {
    apply_device_options(*device, o->context);  // language models only; the MSA models fit on the CPU
    run(*o, *shard);
  });
}

SPINDLE_COMMAND(40, setup);

}  // namespace
}  // namespace spindle::cli
