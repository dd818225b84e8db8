// One scoring run, as `spindle score` performs it: variant effects for a protein's variants (a
// table or an inline list) from the MSA models of its family (independent sites, Potts; fitted or
// loaded) or from one language model, written as a CSV and optionally evaluated against measured
// fitness. spindle::Error for bad input, UsageError for options that do not fit together.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/run_context.h"
#include "proteins/family_model.h"
#include "proteins/lm_scorers.h"
#include "proteins/variant_set.h"

namespace spindle {

// "potts", "independent" and "all" name the MSA models; anything else is a language-model directory.
bool is_language_model_dir(const std::string& model);

struct ScoreRunOptions {
  // The caller has checked that the options fit together (exactly one of msa_path / load_model for
  // the MSA models, mutations for a language model, an output or an evaluation for mutations, a
  // score column for the evaluation), as `spindle score` does before any input is read.
  std::string wt_path;               // wild-type protein FASTA (first record)
  std::optional<int64_t> offset;     // number of its first residue (default: /start-end, else 1)
  std::string msa_path;              // family alignment ("" with load_model, optional for a language model)
  std::string load_model, save_model;  // MSA models saved by an earlier run / to save after the fit
  std::string mutations;             // variant table path or inline list; "" = only fit and save
  std::string mutant_column = "mutant";
  std::string model = "all";         // potts | independent | all | a language-model directory
  std::string out_path;              // output CSV ("-" = stdout, "" = none)
  bool eval = false;                 // evaluate every score column against score_column
  std::string score_column;
  // Fit settings start at the library's defaults, so the two cannot drift apart.
  double theta = FamilyModelOptions{}.theta;
  double lambda_h = PlmOptions{}.lambda_h, lambda_j = PlmOptions{}.lambda_j;
  int max_iterations = PlmOptions{}.max_iterations;
  double min_decrease = PlmOptions{}.relative_decrease;
  bool gap_state = false;            // Potts: the gap is a 21st state instead of missing data
  // Language models: scoring mode and its settings; lm.progress (may be empty) sees the forward passes.
  std::string scoring = "masked-marginal", msa_sampling = "first";
  LmScorerOptions lm;
  RunContext context;                // threads for the fits and the forward passes
  // Sharding: score only the shard_index-th (0-based) of shard_count contiguous blocks of variants
  // (table rows), so the shards' CSVs concatenated in shard order (headers after the first dropped)
  // are the unsharded CSV.
  int64_t shard_index = 0, shard_count = 1;
};

struct ScoreRunResult {
  // One entry per score column, present when options.eval and there were mutations to score.
  std::optional<std::vector<ScoreEvaluation>> evaluation;
};

// Runs the scoring (and the fit and save it needs). `log` (may be empty) receives the run's notes
// (shard bounds, fit progress, model used, variants left unscored) as one line each, without a prefix.
ScoreRunResult run_scoring(const ScoreRunOptions& options, const std::function<void(const std::string&)>& log = {});

}  // namespace spindle
