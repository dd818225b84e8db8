// The variants a `score` run works on, from a table file (one column of mutants, every other
// column carried through to the output) or an inline list; plus writing the scored table and
// evaluating score columns against a measured-fitness column.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proteins/csv_table.h"
#include "proteins/mutation.h"

namespace spindle {

struct VariantSet {
  std::optional<CsvTable> table;  // absent for an inline list
  std::vector<Variant> variants;  // parsed and validated against the wild type
};

// `spec` is a table path (CSV/TSV, gz, "-") or, when no such file exists, an inline list
// "A23V,G45L:K50R". Every variant is parsed and checked against the wild type; the first bad
// one is an error naming its line.
VariantSet load_variants(const std::string& spec, const std::string& mutant_column, const WildType& wild_type);

// A named score column (NaN = not scored: written as an empty cell).
using ScoreColumn = std::pair<std::string, std::vector<double>>;

// Writes the input table with the score columns appended (or "mutant" + scores for an inline
// list). Atomic; "-" is stdout.
void write_scored_variants(const std::string& path, const VariantSet& set, const std::vector<ScoreColumn>& columns);

struct ScoreEvaluation {
  std::string model;
  size_t n = 0;              // variants with both a score and a measurement
  double spearman = 0, auc = 0, ndcg = 0;
  std::string auc_labels;    // "DMS_score_bin" or "median split"
};

// Spearman, AUC and NDCG@10% of each score column against `measured_column` of the table.
// Binary labels for AUC come from a DMS_score_bin column when present, else measured > median.
std::vector<ScoreEvaluation> evaluate_scores(const VariantSet& set, const std::string& measured_column,
                                             const std::vector<ScoreColumn>& columns);

}  // namespace spindle
