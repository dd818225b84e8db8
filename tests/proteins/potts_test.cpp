#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "base/error.h"
#include "proteins/family_model.h"
#include "proteins/lbfgs.h"
#include "proteins/msa.h"
#include "proteins/msa_scorers.h"
#include "proteins/mutation.h"
#include "proteins/pseudo_likelihood.h"
#include "tests/proteins/encode_rows.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

using test::encode_rows;

// Slow reference objective in double: -sum_n w_n sum_i log P(x_ni | rest) + penalties. With
// ignore_gaps, written the way plmc -g writes it: gapped sites have no conditional, gapped
// neighbours no coupling, and the softmax runs over the 20 amino acids.
double reference_objective(const std::vector<uint8_t>& s, size_t n, size_t L, const std::vector<float>& w,
                           const std::vector<double>& x, double lh, double lj, bool ignore_gaps = false) {
  auto J = [&](size_t i, size_t j, int a, int b) {
    size_t p = i * L - i * (i + 1) / 2 + (j - i - 1);
    return x[L * kStates + (p * kStates + a) * kStates + b];
  };
  double f = 0;
  for (size_t r = 0; r < n; ++r) {
    const uint8_t* seq = &s[r * L];
    for (size_t i = 0; i < L; ++i) {
      if (ignore_gaps && seq[i] == kGapState) continue;
      const int first = ignore_gaps ? 1 : 0;
      std::vector<double> e(kStates, -1e300);
      for (int a = first; a < kStates; ++a) {
        e[a] = x[i * kStates + a];
        for (size_t j = 0; j < L; ++j) {
          if (j == i || (ignore_gaps && seq[j] == kGapState)) continue;
          e[a] += i < j ? J(i, j, a, seq[j]) : J(j, i, seq[j], a);
        }
      }
      double m = *std::max_element(e.begin(), e.end()), z = 0;
      for (int a = first; a < kStates; ++a) z += std::exp(e[a] - m);
      f -= w[r] * (e[seq[i]] - m - std::log(z));
    }
  }
  for (size_t k = 0; k < L * kStates; ++k) f += lh * x[k] * x[k];
  for (size_t k = L * kStates; k < x.size(); ++k) f += lj * x[k] * x[k];
  return f;
}

TEST(PseudoLikelihood, GradientMatchesFiniteDifferences) {
  auto states = encode_rows({"MKV-A", "MRV-A", "LKIDA", "MKVDC", "MKVDC", "-RIDA"});
  const size_t n = 6, L = 5;
  std::vector<float> w = {1.0f, 0.5f, 1.0f, 0.25f, 0.25f, 0.8f};
  const double lh = 0.01, lj = 0.3;
  PseudoLikelihood plm(states.data(), n, L, w, lh, lj, 2, /*ignore_gaps=*/false);
  EXPECT_EQ(plm.n_unique_sequences(), 5u);  // the duplicate row is merged
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  std::vector<float> x(plm.n_parameters());
  for (float& v : x) v = normal(rng);
  std::vector<float> g;
  double f = plm.evaluate(x, g);
  std::vector<double> xd(x.begin(), x.end());
  EXPECT_NEAR(f, reference_objective(states, n, L, w, xd, lh, lj), 1e-4 * std::fabs(f));
  // Central differences in double on the reference objective, for every parameter.
  const double h = 1e-4;
  double worst = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    std::vector<double> xp = xd, xm = xd;
    xp[k] += h;
    xm[k] -= h;
    double numeric = (reference_objective(states, n, L, w, xp, lh, lj) - reference_objective(states, n, L, w, xm, lh, lj)) / (2 * h);
    worst = std::max(worst, std::fabs(numeric - g[k]));
  }
  EXPECT_LT(worst, 2e-4);
}

// plmc -g: gaps as missing data. The objective matches the reference written plmc's way, the
// gradient matches finite differences, and every gap parameter gets a zero gradient (so a fit
// started with them at zero keeps them there).
TEST(PseudoLikelihood, IgnoringGapsMatchesPlmcGapReduce) {
  auto states = encode_rows({"MKV-A", "MRV-A", "LKIDA", "MKVDC", "MKVDC", "-RIDA", "--IDC"});
  const size_t n = 7, L = 5;
  std::vector<float> w = {1.0f, 0.5f, 1.0f, 0.25f, 0.25f, 0.8f, 0.6f};
  const double lh = 0.01, lj = 0.3;
  PseudoLikelihood plm(states.data(), n, L, w, lh, lj, 2, /*ignore_gaps=*/true);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  std::vector<float> x(plm.n_parameters());
  for (float& v : x) v = normal(rng);
  auto is_gap_parameter = [L](size_t k) {
    if (k < L * kStates) return k % kStates == kGapState;
    size_t ab = (k - L * kStates) % (kStates * kStates);
    return ab / kStates == kGapState || ab % kStates == kGapState;
  };
  for (size_t k = 0; k < x.size(); ++k)
    if (is_gap_parameter(k)) x[k] = 0.0f;
  std::vector<float> g;
  double f = plm.evaluate(x, g);
  std::vector<double> xd(x.begin(), x.end());
  const double reference = reference_objective(states, n, L, w, xd, lh, lj, true);
  EXPECT_NEAR(f, reference, 1e-4 * std::fabs(f));
  // Differs from the gap-as-state objective on the same parameters.
  EXPECT_GT(std::fabs(reference - reference_objective(states, n, L, w, xd, lh, lj, false)), 1.0);
  const double h = 1e-4;
  double worst = 0;
  size_t gap_parameters = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    if (is_gap_parameter(k)) {
      ++gap_parameters;
      EXPECT_EQ(g[k], 0.0f) << k;
      continue;
    }
    std::vector<double> xp = xd, xm = xd;
    xp[k] += h;
    xm[k] -= h;
    double numeric = (reference_objective(states, n, L, w, xp, lh, lj, true) -
                      reference_objective(states, n, L, w, xm, lh, lj, true)) / (2 * h);
    worst = std::max(worst, std::fabs(numeric - g[k]));
  }
  EXPECT_EQ(gap_parameters, L + PottsModel::n_pairs(L) * (2 * kStates - 1));
  EXPECT_LT(worst, 2e-4);

  // A whole fit (the default options ignore gaps): every gap parameter ends exactly at zero, and
  // plmc's stopping rule |g| / max(1, |x|) <= 1e-3 is what ends it.
  PlmOptions options;
  ASSERT_TRUE(options.ignore_gaps);
  options.threads = 2;
  PlmReport report;
  PottsModel model = fit_potts_plm(states.data(), n, L, w, options, &report);
  EXPECT_EQ(report.lbfgs.stop_reason, "gradient below tolerance");
  EXPECT_LT(report.lbfgs.iterations, 200);
  for (size_t i = 0; i < L; ++i) EXPECT_EQ(model.fields[i * kStates + kGapState], 0.0f);
  size_t nonzero = 0;
  for (size_t k = 0; k < model.couplings.size(); ++k) {
    size_t ab = k % (kStates * kStates);
    if (ab / kStates == kGapState || ab % kStates == kGapState) EXPECT_EQ(model.couplings[k], 0.0f) << k;
    else nonzero += model.couplings[k] != 0.0f;
  }
  EXPECT_GT(nonzero, 0u);
}

TEST(Lbfgs, MinimisesAnIllConditionedQuadratic) {
  const size_t n = 50;
  std::vector<float> x(n, 0.0f);
  auto f = [n](const std::vector<float>& p, std::vector<float>& g) {
    double v = 0;
    for (size_t k = 0; k < n; ++k) {
      double c = 1.0 + k, d = p[k] - 0.1 * k;
      v += c * d * d;
      g[k] = static_cast<float>(2 * c * d);
    }
    return v;
  };
  LbfgsOptions o;
  o.gradient_tolerance = 1e-5;
  LbfgsResult r = minimize_lbfgs(x, f, o);
  for (size_t k = 0; k < n; ++k) EXPECT_NEAR(x[k], 0.1 * k, 1e-3) << k;
  EXPECT_LT(r.objective, 1e-6);
}

PottsModel small_model() {
  PottsModel m;
  m.n_columns = 3;
  m.fields.assign(3 * kStates, 0.0f);
  m.couplings.assign(PottsModel::n_pairs(3) * kStates * kStates, 0.0f);
  m.fields[0 * kStates + state_of('A')] = 1.0f;
  m.fields[0 * kStates + state_of('G')] = 0.25f;
  m.fields[1 * kStates + state_of('K')] = 0.5f;
  m.fields[1 * kStates + state_of('R')] = 0.75f;
  // Coupling between columns 0 and 1: the pair (G, R) is favoured, (A, K) a little.
  m.couplings[(m.pair_index(0, 1) * kStates + state_of('G')) * kStates + state_of('R')] = 2.0f;
  m.couplings[(m.pair_index(0, 1) * kStates + state_of('A')) * kStates + state_of('K')] = 0.5f;
  m.couplings[(m.pair_index(1, 2) * kStates + state_of('R')) * kStates + state_of('V')] = -0.3f;
  return m;
}

TEST(PottsModel, DoubleMutantIsNotAdditive) {
  PottsModel m = small_model();
  std::vector<uint8_t> wt = encode_rows({"AKV"});
  uint8_t G = state_of('G'), R = state_of('R');
  double single0 = m.delta_energy(wt, {{0, G}});  // 0.25 - 1 + (J_GK=0 - J_AK=0.5)
  double single1 = m.delta_energy(wt, {{1, R}});  // 0.75 - 0.5 + (J_AR=0 - 0.5) + (J_RV=-0.3 - 0)
  double both = m.delta_energy(wt, {{0, G}, {1, R}});
  EXPECT_NEAR(single0, -1.25, 1e-6);
  EXPECT_NEAR(single1, -0.55, 1e-6);
  EXPECT_NEAR(both, 0.25 - 1 + 0.75 - 0.5 + 2.0 - 0.5 - 0.3, 1e-6);
  EXPECT_GT(std::fabs(both - (single0 + single1)), 1.0);  // the (G, R) coupling
  std::vector<uint8_t> mutant = encode_rows({"GRV"});
  EXPECT_NEAR(both, m.energy(mutant.data()) - m.energy(wt.data()), 1e-6);
}

TEST(FamilyModel, FitScoreSaveLoadRoundTrip) {
  std::string dir = test::temp_dir();
  std::ofstream(dir + "/fam.a2m") << ">fam/1-5\nMKVLA\n>a\nMKVLA\n>b\nMRVLA\n>c\nMKILS\n>d\nLRVLA\n>e\nMKIIS\n>f\nMRVLS\n";
  std::ofstream(dir + "/wt.fa") << ">fam/1-5\nMKVLA\n";
  WildType wt = read_wild_type(dir + "/wt.fa", std::nullopt);
  FocusAlignment a = read_focus_alignment(dir + "/fam.a2m");
  number_focus_columns(a, wt, dir + "/fam.a2m");
  FamilyModelOptions o;
  o.plm.max_iterations = 50;
  auto model = std::make_shared<FamilyModel>(fit_family_model(a, o));
  ASSERT_TRUE(model->potts && model->independent);
  // 7 rows; neighbours share >= 4 of 5 columns (plmc's rule at theta 0.2): focus, a: 1/3 each
  // (with b), b: 1/5 (focus, a, d, f), c, d, e, f: 1/2 each.
  EXPECT_NEAR(model->n_effective, 2.0 / 3 + 0.2 + 2.0, 1e-5);
  save_family_model(dir + "/fam.model", *model);
  auto loaded = std::make_shared<FamilyModel>(load_family_model(dir + "/fam.model"));
  number_focus_columns(loaded->columns, wt, dir + "/fam.model");
  EXPECT_EQ(loaded->potts->couplings, model->potts->couplings);
  EXPECT_EQ(loaded->potts->fields, model->potts->fields);
  EXPECT_EQ(loaded->independent->log_frequency, model->independent->log_frequency);

  std::vector<Variant> variants = {parse_variant("K2R", "t"), parse_variant("K2R:V3I", "t"), parse_variant("WT", "t"),
                                   parse_variant("K2*", "t")};
  for (auto& v : variants) validate_variant(v, wt, "t");
  for (auto kind : {MsaScorerKind::kPotts, MsaScorerKind::kIndependent}) {
    ScoreResult fitted = make_msa_scorer(model, wt, kind)->score(variants);
    ScoreResult reloaded = make_msa_scorer(loaded, wt, kind)->score(variants);
    EXPECT_EQ(fitted.scores[0], reloaded.scores[0]);
    EXPECT_EQ(fitted.scores[1], reloaded.scores[1]);
    EXPECT_EQ(fitted.scores[2], 0.0);
    EXPECT_TRUE(std::isnan(fitted.scores[3]));
    EXPECT_EQ(fitted.unscorable.at("stop"), 1u);
  }
  // The Potts score is the Hamiltonian difference.
  ScoreResult potts = make_msa_scorer(model, wt, MsaScorerKind::kPotts)->score(variants);
  std::vector<uint8_t> w = encode_rows({"MKVLA"}), m2 = encode_rows({"MRILA"});
  EXPECT_NEAR(potts.scores[1], model->potts->energy(m2.data()) - model->potts->energy(w.data()), 1e-4);
}

TEST(FamilyModel, LoadRejectsDamagedFiles) {
  std::string dir = test::temp_dir();
  std::ofstream(dir + "/bad.model") << "not a model at all, definitely not";
  EXPECT_THROW(load_family_model(dir + "/bad.model"), Error);
  EXPECT_THROW(load_family_model(dir + "/missing.model"), Error);
  // A valid file cut short.
  std::ofstream(dir + "/fam.a2m") << ">f\nMKV\n>a\nMRV\n";
  FamilyModelOptions o;
  o.plm.max_iterations = 3;
  FamilyModel model = fit_family_model(read_focus_alignment(dir + "/fam.a2m"), o);
  save_family_model(dir + "/ok.model", model);
  std::ifstream in(dir + "/ok.model", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/cut.model", std::ios::binary) << bytes.substr(0, bytes.size() - 10);
  EXPECT_THROW(load_family_model(dir + "/cut.model"), Error);
  std::string newer = bytes;
  newer[16] = 9;  // format version 9
  std::ofstream(dir + "/newer.model", std::ios::binary) << newer;
  try {
    load_family_model(dir + "/newer.model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("format version 9 is not supported"), std::string::npos);
  }
}

}  // namespace
}  // namespace spindle
