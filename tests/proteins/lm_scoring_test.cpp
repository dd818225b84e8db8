// Language-model scoring formulas (MODELS.md 7) on tiny random models written here: each score is
// recomputed in the test from plain forward passes and the formula written out; additivity over
// sites for the per-site marginals, non-additivity for mutant-marginal, PLL and ar; windowing of
// proteins longer than the context; the retrieval prior and causal log-likelihood on hand-made
// numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "base/error.h"
#include "models/random_esm.h"
#include "models/registry.h"
#include "models/safetensors_writer.h"
#include "models/tokenizer.h"
#include "proteins/amino_acids.h"
#include "proteins/lm_scorers.h"
#include "proteins/msa.h"
#include "proteins/mutation.h"
#include "tests/test_paths.h"

using namespace spindle;

namespace {

const std::string kWt = "MKTAYIAKQRQISFVKSHFSRQ";  // 22 residues

WildType wild_type(const std::string& seq = kWt) { return {"wt", seq, 1}; }

std::vector<Variant> variants(const std::vector<std::string>& texts, const WildType& wt) {
  std::vector<Variant> out;
  for (auto& t : texts) {
    out.push_back(parse_variant(t, "test"));
    validate_variant(out.back(), wt, "test");
  }
  return out;
}

std::shared_ptr<const Model> tiny_esm(int64_t max_positions = 1026) {
  static std::map<int64_t, std::shared_ptr<const Model>> cache;
  auto& m = cache[max_positions];
  if (!m) {
    const std::string dir = test::temp_dir() + "/esm";
    write_random_esm2(dir, {32, 2, 4, 64, max_positions, 7});
    m = load_model(dir);
  }
  return m;
}

// A tiny transformers-layout Mamba (MambaForCausalLM) with a 32-token vocabulary.
std::shared_ptr<const Model> tiny_mamba() {
  static std::shared_ptr<const Model> model;
  if (model) return model;
  const std::string dir = test::temp_dir() + "/mamba";
  std::filesystem::create_directories(dir);
  const int64_t D = 16, E = 32, N = 4, R = 2, V = 32;
  std::mt19937 rng(3);
  std::vector<std::pair<std::string, Tensor>> w;
  auto add = [&](const std::string& name, Shape shape, float scale, float offset = 0.f) {
    std::normal_distribution<float> dist(0.f, scale);
    Tensor t = Tensor::empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = offset + dist(rng);
    w.emplace_back(name, t);
  };
  add("backbone.embeddings.weight", {V, D}, 1.f);
  for (int l = 0; l < 2; ++l) {
    const std::string p = "backbone.layers." + std::to_string(l) + ".";
    add(p + "mixer.A_log", {E, N}, 0.3f, 0.5f);
    add(p + "mixer.D", {E}, 0.3f, 1.f);
    add(p + "mixer.conv1d.bias", {E}, 0.1f);
    add(p + "mixer.conv1d.weight", {E, 1, 4}, 0.4f);
    add(p + "mixer.dt_proj.bias", {E}, 0.3f, -2.f);
    add(p + "mixer.dt_proj.weight", {E, R}, 0.5f);
    add(p + "mixer.in_proj.weight", {2 * E, D}, 0.25f);
    add(p + "mixer.out_proj.weight", {D, E}, 0.2f);
    add(p + "mixer.x_proj.weight", {R + 2 * N, E}, 0.2f);
    add(p + "norm.weight", {D}, 0.05f, 1.f);
  }
  add("backbone.norm_f.weight", {D}, 0.05f, 1.f);
  write_safetensors(dir + "/model.safetensors", w);
  std::ofstream(dir + "/config.json") << R"({"architectures": ["MambaForCausalLM"], "model_type": "mamba",
    "vocab_size": 32, "hidden_size": 16, "state_size": 4, "num_hidden_layers": 2, "layer_norm_epsilon": 1e-5,
    "expand": 2, "conv_kernel": 4, "use_bias": false, "use_conv_bias": true, "time_step_rank": 2,
    "tie_word_embeddings": true, "intermediate_size": 32})";
  model = load_model(dir);
  return model;
}

// log-softmax over the vocabulary at `token` of a [1, L] forward pass.
std::vector<double> log_probs(const Model& model, const std::vector<int64_t>& ids, int64_t token) {
  Tensor t = Tensor::empty({1, int64_t(ids.size())}, DType::i64);
  std::copy(ids.begin(), ids.end(), t.data<int64_t>());
  ForwardRequest request;
  Tensor logits = model.forward(t, request).logits;
  const int64_t V = logits.dim(2);
  const float* row = logits.data<float>() + token * V;
  double mx = -1e300, sum = 0;
  for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
  for (int64_t v = 0; v < V; ++v) sum += std::exp(row[v] - mx);
  std::vector<double> lp(V);
  for (int64_t v = 0; v < V; ++v) lp[v] = row[v] - mx - std::log(sum);
  return lp;
}

std::vector<int64_t> esm_ids(const std::string& s, int64_t mask_residue = -1) {
  auto ids = tokenize_esm(s);
  if (mask_residue >= 0) ids[1 + mask_residue] = esm_tokens::kMask;
  return ids;
}

double esm_delta(const std::vector<double>& lp, char from, char to) { return lp[esm_token(to)] - lp[esm_token(from)]; }

std::vector<double> score(std::shared_ptr<const Model> model, LmScoring mode, const std::vector<std::string>& texts,
                          const WildType& wt = wild_type(), LmScorerOptions options = {},
                          std::shared_ptr<const FocusAlignment> alignment = nullptr) {
  options.scoring = mode;
  options.batch = 3;  // exercise batching with a ragged last batch
  auto scorer = make_lm_scorer(std::move(model), wt, options, std::move(alignment));
  EXPECT_EQ(scorer->name(), lm_scoring_name(mode));
  return scorer->score(variants(texts, wt)).scores;
}

}  // namespace

using Win = std::pair<int64_t, int64_t>;

TEST(LmScoringPieces, OptimalWindowCentresAndClamps) {
  EXPECT_EQ(optimal_window(5, 20, 0), (Win{0, 20}));
  EXPECT_EQ(optimal_window(5, 20, 30), (Win{0, 20}));
  EXPECT_EQ(optimal_window(3, 100, 10), (Win{0, 10}));    // near the start
  EXPECT_EQ(optimal_window(50, 100, 10), (Win{45, 55}));  // centred
  EXPECT_EQ(optimal_window(97, 100, 10), (Win{90, 100})); // near the end
}

TEST(LmScoringPieces, LogSoftmax) {
  const float logits[3] = {0.f, std::log(2.f), std::log(5.f)};
  auto lp = log_softmax(logits, 3);
  EXPECT_NEAR(lp[0], std::log(1.0 / 8), 1e-7);
  EXPECT_NEAR(lp[1], std::log(2.0 / 8), 1e-7);
  EXPECT_NEAR(lp[2], std::log(5.0 / 8), 1e-7);
}

TEST(LmScoringPieces, RetrievalPriorAndMixedCausalLikelihood) {
  // Focus "AC", rows "AC", "AD", "--" (identity 0 < 0.2: dropped), "GC".
  FocusAlignment a;
  a.n_sequences = 4;
  a.n_columns = 2;
  for (const char* row : {"AC", "AD", "--", "GC"})
    for (int c = 0; c < 2; ++c) a.states.push_back(state_of(row[c]));
  a.column_residue = {0, 1};
  a.column_position = {2, 3};  // wild type "MAC": the alignment covers residues 2..3
  WildType wt{"wt", "MAC", 1};
  RetrievalPrior prior = build_retrieval_prior(a, wt, false, 0.2);
  ASSERT_EQ(prior.column_of_residue, (std::vector<int64_t>{-1, 0, 1}));
  // Column 0 over rows AC, AD, GC: A twice, G once; each of 25 tokens gets +1e-5 per row.
  const double total = 3 + 3 * 25e-5;
  EXPECT_NEAR(prior.log_prob(1, tranception_token('A')), std::log((2 + 3e-5) / total), 1e-12);
  EXPECT_NEAR(prior.log_prob(1, tranception_token('G')), std::log((1 + 3e-5) / total), 1e-12);
  EXPECT_NEAR(prior.log_prob(1, tranception_token('W')), std::log(3e-5 / total), 1e-12);
  EXPECT_NEAR(prior.log_prob(2, tranception_token('D')), std::log((1 + 3e-5) / total), 1e-12);

  // Uniform logits over 25 tokens: every term is log(1/25). [CLS] M A C [SEP] predicts 4 tokens;
  // A and C (residues 1, 2) mix with the prior, M (no prior) and [SEP] do not.
  std::vector<int64_t> ids = {1, tranception_token('M'), tranception_token('A'), tranception_token('C'), 2};
  std::vector<float> logits(ids.size() * 25, 0.f);
  const double u = std::log(1.0 / 25), alpha = 0.6;
  EXPECT_NEAR(causal_log_likelihood(ids, logits.data(), 25, nullptr, {0, 1, 2}, alpha), 4 * u, 1e-9);
  const double expected = u + ((1 - alpha) * u + alpha * prior.log_prob(1, tranception_token('A'))) +
                          ((1 - alpha) * u + alpha * prior.log_prob(2, tranception_token('C'))) + u;
  EXPECT_NEAR(causal_log_likelihood(ids, logits.data(), 25, &prior, {0, 1, 2}, alpha), expected, 1e-9);
}

TEST(LmScoringPieces, ParseScoringNames) {
  EXPECT_EQ(parse_lm_scoring("pll"), LmScoring::kPll);
  EXPECT_EQ(parse_lm_scoring("retrieval"), LmScoring::kRetrieval);
  EXPECT_THROW(parse_lm_scoring("masked"), UsageError);
}

TEST(EsmScoring, WildTypeMarginalIsOnePassAndAdditive) {
  auto model = tiny_esm();
  const auto s = score(model, LmScoring::kWtMarginal, {"K2R", "Q9W", "K2R:Q9W", "WT", "A4*"});
  const auto lp = [&](int64_t i) { return log_probs(*model, esm_ids(kWt), 1 + i); };
  EXPECT_NEAR(s[0], esm_delta(lp(1), 'K', 'R'), 1e-5);
  EXPECT_NEAR(s[1], esm_delta(lp(8), 'Q', 'W'), 1e-5);
  EXPECT_NEAR(s[2], s[0] + s[1], 1e-9);
  EXPECT_EQ(s[3], 0.0);
  EXPECT_TRUE(std::isnan(s[4]));  // a stop is not a substitution
}

TEST(EsmScoring, MaskedMarginalMasksEachSiteAndIsAdditive) {
  auto model = tiny_esm();
  const auto s = score(model, LmScoring::kMaskedMarginal, {"T3G", "F14L", "T3G:F14L"});
  EXPECT_NEAR(s[0], esm_delta(log_probs(*model, esm_ids(kWt, 2), 3), 'T', 'G'), 1e-5);
  EXPECT_NEAR(s[1], esm_delta(log_probs(*model, esm_ids(kWt, 13), 14), 'F', 'L'), 1e-5);
  EXPECT_NEAR(s[2], s[0] + s[1], 1e-9);
  // Masking changes the evidence: the masked and unmasked marginals differ.
  EXPECT_GT(std::abs(s[0] - score(model, LmScoring::kWtMarginal, {"T3G"})[0]), 1e-4);
}

TEST(EsmScoring, MutantMarginalReadsTheMutantAndIsNotAdditive) {
  auto model = tiny_esm();
  const auto s = score(model, LmScoring::kMutantMarginal, {"Y5W", "S17P", "Y5W:S17P"});
  std::string both = kWt;
  both[4] = 'W';
  both[16] = 'P';
  const double expected = esm_delta(log_probs(*model, esm_ids(both), 5), 'Y', 'W') +
                          esm_delta(log_probs(*model, esm_ids(both), 17), 'S', 'P');
  EXPECT_NEAR(s[2], expected, 1e-5);
  EXPECT_GT(std::abs(s[2] - (s[0] + s[1])), 1e-5);
}

TEST(EsmScoring, PseudoLogLikelihoodUsesTheRightTokenForEachResidue) {
  auto model = tiny_esm();
  const std::string wt_seq = "MKTAYIAK";
  const WildType wt = wild_type(wt_seq);
  auto pll = [&](const std::string& s) {
    double sum = 0;
    for (size_t k = 0; k < s.size(); ++k) sum += log_probs(*model, esm_ids(s, int64_t(k)), int64_t(k) + 1)[esm_token(s[k])];
    return sum;
  };
  const auto s = score(model, LmScoring::kPll, {"K2E", "A4C:I6V"}, wt);
  EXPECT_NEAR(s[0], pll("METAYIAK") - pll(wt_seq), 2e-5);
  EXPECT_NEAR(s[1], pll("MKTCYVAK") - pll(wt_seq), 2e-5);
}

TEST(EsmScoring, LongProteinsAreScoredOnWindows) {
  // max_position_embeddings 18 -> 16 tokens -> windows of 14 residues over a 22-residue protein.
  auto model = tiny_esm(18);
  const auto s = score(model, LmScoring::kMaskedMarginal, {"R21A", "M1L"});
  // Site 20 (0-based) sits near the end: window [8, 22); site 0 near the start: [0, 14).
  const std::string tail = kWt.substr(8), head = kWt.substr(0, 14);
  EXPECT_NEAR(s[0], esm_delta(log_probs(*model, esm_ids(tail, 12), 13), 'R', 'A'), 1e-5);
  EXPECT_NEAR(s[1], esm_delta(log_probs(*model, esm_ids(head, 0), 1), 'M', 'L'), 1e-5);
  LmScorerOptions narrow;
  narrow.window = 10;  // an explicit, narrower window: site 10 centred in [5, 15)
  const auto c = score(model, LmScoring::kWtMarginal, {"Q11E"}, wild_type(), narrow);
  EXPECT_NEAR(c[0], esm_delta(log_probs(*model, esm_ids(kWt.substr(5, 10)), 6), 'Q', 'E'), 1e-5);
}

TEST(EsmScoring, ModesThatDoNotFitTheModelAreUsageErrors) {
  EXPECT_THROW(score(tiny_esm(), LmScoring::kAutoregressive, {"K2R"}), UsageError);
  EXPECT_THROW(score(tiny_mamba(), LmScoring::kMaskedMarginal, {"K2R"}), UsageError);
  EXPECT_THROW(score(tiny_mamba(), LmScoring::kRetrieval, {"K2R"}), UsageError);  // needs --msa
}

namespace {

// LL/|s| of [CLS] s [SEP] (Tranception ids) under the causal model, from one forward pass.
double causal_ll_per_residue(const Model& model, const std::string& s) {
  std::vector<int64_t> ids = {1};
  for (char c : s) ids.push_back(tranception_token(c));
  ids.push_back(2);
  double ll = 0;
  for (size_t t = 0; t + 1 < ids.size(); ++t) ll += log_probs(model, ids, int64_t(t))[ids[t + 1]];
  return ll / double(s.size());
}

double ar_expected(const Model& model, const std::string& wt, const std::string& mut) {
  std::string rwt(wt.rbegin(), wt.rend()), rmut(mut.rbegin(), mut.rend());
  return ((causal_ll_per_residue(model, mut) - causal_ll_per_residue(model, wt)) +
          (causal_ll_per_residue(model, rmut) - causal_ll_per_residue(model, rwt))) / 2;
}

}  // namespace

TEST(ArScoring, BothDirectionsAveragedAndNotAdditive) {
  auto model = tiny_mamba();
  const auto s = score(model, LmScoring::kAutoregressive, {"K2R", "Q9W", "K2R:Q9W", "WT"});
  std::string m1 = kWt, m2 = kWt, both = kWt;
  m1[1] = 'R';
  m2[8] = 'W';
  both[1] = 'R';
  both[8] = 'W';
  EXPECT_NEAR(s[0], ar_expected(*model, kWt, m1), 1e-5);
  EXPECT_NEAR(s[2], ar_expected(*model, kWt, both), 1e-5);
  EXPECT_GT(std::abs(s[2] - (s[0] + s[1])), 1e-6);
  EXPECT_NEAR(s[3], 0.0, 1e-12);
}

TEST(ArScoring, WindowBeyondTheContextScoresWildTypeOnTheSameWindow) {
  auto model = tiny_mamba();
  LmScorerOptions options;
  options.window = 10;
  const auto s = score(model, LmScoring::kAutoregressive, {"H18A"}, wild_type(), options);
  // Residue 17 (0-based): window [12, 22) (clamped at the end).
  std::string mut = kWt;
  mut[17] = 'A';
  EXPECT_NEAR(s[0], ar_expected(*model, kWt.substr(12), mut.substr(12)), 1e-5);
}

TEST(ArScoring, RetrievalMixesTheMsaPrior) {
  auto model = tiny_mamba();
  // An alignment over residues 3..8 of the wild type; all rows identical to the focus except one.
  auto a = std::make_shared<FocusAlignment>();
  const std::vector<std::string> rows = {"TAYIAK", "TAYIAK", "SAYLAK", "TGYIAR"};
  a->n_sequences = rows.size();
  a->n_columns = 6;
  for (auto& r : rows)
    for (char c : r) a->states.push_back(state_of(c));
  for (int64_t c = 0; c < 6; ++c) {
    a->column_residue.push_back(c);
    a->column_position.push_back(3 + c);
  }
  LmScorerOptions zero;
  zero.retrieval_weight = 0.0;
  const auto ar = score(model, LmScoring::kAutoregressive, {"A4G", "K2R"});
  const auto r0 = score(model, LmScoring::kRetrieval, {"A4G", "K2R"}, wild_type(), zero, a);
  EXPECT_NEAR(r0[0], ar[0], 1e-9);  // alpha 0: the AR model alone
  const auto r = score(model, LmScoring::kRetrieval, {"A4G", "K2R"}, wild_type(), {}, a);
  // Expected: per direction, residues inside the alignment (wild-type residues 2..7, 0-based) take
  // 0.4 log p_AR + 0.6 log p_MSA; the rest and [SEP] take log p_AR; LL / |s|, mut - wt, averaged.
  const RetrievalPrior prior = build_retrieval_prior(*a, wild_type(), false, 0.2);
  auto mixed = [&](const std::string& seq, bool reverse) {
    std::vector<int64_t> ids = {1}, index;
    for (size_t k = 0; k < seq.size(); ++k) {
      const size_t r = reverse ? seq.size() - 1 - k : k;
      ids.push_back(tranception_token(seq[r]));
      index.push_back(int64_t(r));
    }
    ids.push_back(2);
    double ll = 0;
    for (size_t t = 0; t + 1 < ids.size(); ++t) {
      double term = log_probs(*model, ids, int64_t(t))[ids[t + 1]];
      if (t < index.size() && index[t] >= 2 && index[t] <= 7)
        term = 0.4 * term + 0.6 * prior.log_prob(index[t], ids[t + 1]);
      ll += term;
    }
    return ll / double(seq.size());
  };
  std::string mut = kWt;
  mut[3] = 'G';
  const double expected = ((mixed(mut, false) - mixed(kWt, false)) + (mixed(mut, true) - mixed(kWt, true))) / 2;
  EXPECT_NEAR(r[0], expected, 1e-5);
  EXPECT_GT(std::abs(r[0] - ar[0]), 1e-3);
}

TEST(MsaTransformerScoring, MaskedMarginalOnRowZeroOfTheFirstRows) {
  const std::string dir = test::temp_dir() + "/msa_t";
  write_random_msa_transformer(dir, {32, 1, 4, 64, 30, 5});
  std::shared_ptr<const Model> model = load_model(dir);
  auto a = std::make_shared<FocusAlignment>();
  const std::vector<std::string> rows = {"TAYIAKQR", "SAYLAK-R", "TGYIARQK", "--YIAKQR"};
  a->n_sequences = rows.size();
  a->n_columns = 8;
  for (auto& r : rows)
    for (char c : r) a->states.push_back(state_of(c));
  for (int64_t c = 0; c < 8; ++c) {
    a->column_residue.push_back(c);
    a->column_position.push_back(3 + c);  // wild-type residues 3..10
  }
  LmScorerOptions options;
  options.scoring = LmScoring::kMaskedMarginal;
  options.msa_rows = 3;
  auto scorer = make_lm_scorer(model, wild_type(), options, a);
  ScoreResult r = scorer->score(variants({"A4G", "K8R", "A4G:K8R", "M1L"}, wild_type()));
  auto expected = [&](int64_t col, char from, char to) {
    Tensor ids = Tensor::empty({1, 3, 9}, DType::i64);
    for (int64_t row = 0; row < 3; ++row) {
      ids.data<int64_t>()[row * 9] = esm_tokens::kCls;
      for (int64_t c = 0; c < 8; ++c)
        ids.data<int64_t>()[row * 9 + 1 + c] = row == 0 && c == col ? esm_tokens::kMask : esm_token(rows[row][c]);
    }
    ForwardRequest request;
    Tensor logits = model->forward(ids, request).logits;  // [1, 3, 9, 33]; row 0 first
    auto lp = log_softmax(logits.data<float>() + (1 + col) * 33, 33);
    return lp[esm_token(to)] - lp[esm_token(from)];
  };
  EXPECT_NEAR(r.scores[0], expected(1, 'A', 'G'), 1e-5);
  EXPECT_NEAR(r.scores[1], expected(5, 'K', 'R'), 1e-5);
  EXPECT_NEAR(r.scores[2], r.scores[0] + r.scores[1], 1e-9);
  EXPECT_TRUE(std::isnan(r.scores[3]));
  EXPECT_EQ(r.unscorable["outside the alignment columns"], 1u);

  // Weighted sampling of all 3 homologues behind the wild type is the same MSA for every seed, up
  // to row order, which the model is not invariant to; the score must still be finite and averaged.
  options.msa_weighted_sampling = true;
  options.msa_rows = 4;
  options.msa_seeds = 2;
  auto sampled = make_lm_scorer(model, wild_type(), options, a)->score(variants({"A4G"}, wild_type()));
  EXPECT_TRUE(std::isfinite(sampled.scores[0]));
  EXPECT_THROW(make_lm_scorer(model, wild_type(), {LmScoring::kPll}, a), UsageError);
  EXPECT_THROW(make_lm_scorer(model, wild_type(), options, nullptr), UsageError);
}
