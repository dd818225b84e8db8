// Language-model variant scorers (MODELS.md 7), behind the VariantScorer interface of
// proteins/variant_scorer.h so `spindle score` treats them like the MSA models:
//   masked-marginal, wt-marginal, mutant-marginal, pll  ESM-style masked LMs (ESM-2, ESM-1b/1v)
//   ar                                               causal LMs (Mamba, Mamba2, hybrids, ...):
//                                                    log-likelihood ratio, both directions averaged
//   retrieval                                        ar mixed with MSA column frequencies (Tranception)
//   masked-marginal on an MSA Transformer            wild type as row 0 of a subsampled MSA
// The output column is the scoring mode's name. Proteins longer than the model's context are
// scored on windows (optimal_window below), as ProteinGym does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model.h"
#include "proteins/variant_scorer.h"

namespace spindle {

struct FocusAlignment;
struct WildType;

enum class LmScoring { kMaskedMarginal, kWtMarginal, kMutantMarginal, kPll, kAutoregressive, kRetrieval };

// "masked-marginal" | "wt-marginal" | "mutant-marginal" | "pll" | "ar" | "retrieval"; UsageError otherwise.
LmScoring parse_lm_scoring(const std::string& name);
const char* lm_scoring_name(LmScoring scoring);

struct LmScorerOptions {
  LmScoring scoring = LmScoring::kMaskedMarginal;
  int64_t window = 0;             // residues per forward pass; 0: the model's context (ESM: max_seq_len - 2)
  int64_t batch = 8;              // sequences per forward call
  double retrieval_weight = 0.6;  // alpha in (1 - alpha) log p_AR + alpha log p_MSA
  bool retrieval_seq_weights = false;  // weight MSA rows (1 / neighbours) for the prior; else all 1
  double theta = 0.2;             // identity threshold of sequence weights (retrieval, MSA subsampling)
  uint64_t seed = 0;              // X/B/J/Z replacement (ar) and MSA subsampling
  // MSA Transformer: rows per MSA (wild type included), rows sampled by sequence weight (else the
  // first rows), and how many sampling seeds are averaged (weighted sampling only).
  int64_t msa_rows = 400;
  bool msa_weighted_sampling = false;
  int msa_seeds = 5;
  // Called after each forward pass with (passes done, passes planned); may be empty.
  std::function<void(size_t, size_t)> progress;
};

// Builds the scorer for `model` and checks that the mode fits it (masked-LM modes need an ESM
// alphabet model, ar/retrieval a causal model, an MSA model needs masked-marginal). `alignment`
// (focus columns numbered against the wild type) is required for retrieval and MSA models.
// Throws spindle::Error (bad input) or UsageError (a mode the model cannot do).
std::unique_ptr<VariantScorer> make_lm_scorer(std::shared_ptr<const Model> model, const WildType& wild_type,
                                              const LmScorerOptions& options,
                                              std::shared_ptr<const FocusAlignment> alignment = nullptr);

// ---- pieces with their own tests ---------------------------------------------------------------

// Window [begin, end) of `window` residues for a protein of `length` residues, centred on the
// 0-based residue `center` and clamped to the ends (ProteinGym's get_optimal_window). The whole
// protein when it fits.
std::pair<int64_t, int64_t> optimal_window(int64_t center, int64_t length, int64_t window);

// log-softmax of n logits, in double.
std::vector<double> log_softmax(const float* logits, int64_t n);

// Tranception's MSA prior over its 25-token vocabulary, per wild-type residue: for each focus
// column t, p[t,a] = sum_n w_n (1[a_nt = a] + 1e-5) / sum_n w_n sum_a' (1[a_nt = a'] + 1e-5), over
// rows whose identity to the focus is >= 0.2 (gaps count as no token). Rows are indexed by
// wild-type residue index; residues outside the alignment have no prior.
struct RetrievalPrior {
  std::vector<int64_t> column_of_residue;  // per wild-type residue: index into log_p rows, or -1
  std::vector<double> log_p;               // [columns, 25]
  double log_prob(int64_t residue, int64_t token) const {
    return log_p[static_cast<size_t>(column_of_residue[residue] * 25 + token)];
  }
};
// `alignment` must be numbered against `wild_type` (number_focus_columns).
RetrievalPrior build_retrieval_prior(const FocusAlignment& alignment, const WildType& wild_type, bool seq_weights,
                                     double theta);

// LL of one causal pass: sum over every predicted token (residues and the final [SEP]) of
// log p(token | prefix), where `ids` = [CLS] residues [SEP] and logits [L, V] come from the model.
// With a prior, residue k (0-based in `ids` order, at wild-type index residue_index[k]) is scored
// with (1 - alpha) log p_AR + alpha log p_MSA when it has a prior. Exposed for tests.
double causal_log_likelihood(const std::vector<int64_t>& ids, const float* logits, int64_t vocab,
                             const RetrievalPrior* prior, const std::vector<int64_t>& residue_index, double alpha);

}  // namespace spindle
