#include "proteins/variant_set.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "base/output_file.h"
#include "proteins/metrics.h"

namespace spindle {

namespace {

std::string format_score(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end && *end == '\0' && std::isfinite(out);
}

}  // namespace

VariantSet load_variants(const std::string& spec, const std::string& mutant_column, const WildType& wt) {
  VariantSet set;
  // A long inline list is no file name (ENAMETOOLONG): the error_code overload says "absent"
  // where the throwing one would stop the run.
  std::error_code no_such_file;
  if (spec == "-" || std::filesystem::exists(spec, no_such_file)) {
    set.table = read_csv_table(spec);
    size_t col = set.table->column(mutant_column);
    set.variants.reserve(set.table->rows.size());
    for (size_t r = 0; r < set.table->rows.size(); ++r) {
      std::string where = spec + " line " + std::to_string(set.table->line_numbers[r]);
      Variant v = parse_variant(set.table->rows[r][col], where);
      validate_variant(v, wt, where);
      set.variants.push_back(std::move(v));
    }
    return set;
  }
  if (spec.find('/') != std::string::npos || spec.find(".csv") != std::string::npos || spec.find(".tsv") != std::string::npos)
    throw Error(spec + ": no such variant file");
  for (const std::string& text : split_variant_list(spec)) {
    Variant v = parse_variant(text, "--mutations");
    validate_variant(v, wt, "--mutations");
    set.variants.push_back(std::move(v));
  }
  return set;
}

void write_scored_variants(const std::string& path, const VariantSet& set, const std::vector<ScoreColumn>& columns) {
  OutputFile out(path);
  const char d = set.table ? set.table->delimiter : ',';
  std::string text = set.table ? set.table->header_line : "mutant";
  for (auto& [name, _] : columns) text += d + csv_field(name, d);
  text += '\n';
  out.write(text);
  for (size_t r = 0; r < set.variants.size(); ++r) {
    text = set.table ? set.table->lines[r] : csv_field(set.variants[r].text, d);
    for (auto& [_, scores] : columns) text += d + format_score(scores[r]);
    text += '\n';
    out.write(text);
  }
  out.commit();
}

std::vector<ScoreEvaluation> evaluate_scores(const VariantSet& set, const std::string& measured_column,
                                             const std::vector<ScoreColumn>& columns) {
  if (!set.table) throw Error("--eval needs a variant table with a measured column, not an inline list");
  const CsvTable& t = *set.table;
  size_t mcol = t.column(measured_column);
  bool have_bins = t.has_column("DMS_score_bin");
  size_t bcol = have_bins ? t.column("DMS_score_bin") : 0;
  std::vector<ScoreEvaluation> out;
  for (auto& [name, scores] : columns) {
    std::vector<double> measured, predicted;
    std::vector<bool> label;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      double m;
      if (std::isnan(scores[r]) || !parse_number(t.rows[r][mcol], m)) continue;
      measured.push_back(m);
      predicted.push_back(scores[r]);
      if (have_bins) {
        double b;
        label.push_back(parse_number(t.rows[r][bcol], b) && b > 0.5);
      }
    }
    ScoreEvaluation e;
    e.model = name;
    e.n = measured.size();
    if (!have_bins) {
      std::vector<double> sorted = measured;
      std::sort(sorted.begin(), sorted.end());
      double median = sorted.empty() ? 0.0
                      : sorted.size() % 2 ? sorted[sorted.size() / 2]
                                          : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
      for (double m : measured) label.push_back(m > median);
    }
    e.auc_labels = have_bins ? "DMS_score_bin" : "median split";
    e.spearman = spearman(predicted, measured);
    e.auc = roc_auc(predicted, label);
    e.ndcg = ndcg_top_fraction(measured, predicted, 0.1);
    out.push_back(e);
  }
  return out;
}

}  // namespace spindle
