// ESM-2 against ../shared/golden/esm2_tiny (HF EsmForMaskedLM, float64 reference): the short case
// (no mask, no pad: token-dropout factor 0.88) and the long case (two rows, <mask> tokens and a
// padded row). Only non-pad positions are compared (pad = input_ids == 1).
#include <cctype>

#include "kernels/backend.h"
#include "models/embedder.h"
#include "models/tokenizer.h"
#include "tests/models/golden_util.h"

using namespace spindle;

namespace {

// Compares every output of `case_name` at non-pad positions, for a model loaded with `options`
// (device, weight dtype), within `tolerance` relative to the largest reference value.
void expect_esm_golden(const std::string& name, const std::string& case_name, const LoadOptions& options = {},
                       double tolerance = 1e-5) {
  const std::string dir = test::golden_dir(name);
  auto model = load_model(dir, options);
  Tensor ids = read_npy(dir + "/" + case_name + ".input_ids.npy");
  ForwardRequest request;
  request.want_layer_outputs = case_name == "short";
  ForwardResult r = model->forward(ids, request);
  const int64_t* tok = ids.data<int64_t>();
  const int64_t positions = ids.numel();
  auto is_pad = [&](int64_t cell) { return tok[cell % positions] == esm_tokens::kPad; };
  Tensor logits = read_npy(dir + "/" + case_name + ".logits.npy");
  Tensor hidden = read_npy(dir + "/" + case_name + ".last_hidden_state.npy");
  const double logits_err = test::golden_relative_error(r.logits, logits, logits.dim(-1), is_pad);
  const double hidden_err = test::golden_relative_error(r.hidden, hidden, hidden.dim(-1), is_pad);
  EXPECT_LE(logits_err, tolerance) << case_name << " logits";
  EXPECT_LE(hidden_err, tolerance) << case_name << " last_hidden_state";
  if (request.want_layer_outputs) {
    Tensor expected = read_npy(dir + "/short.layer_outputs.npy");
    for (int64_t i = 0; i < expected.dim(0); ++i)
      EXPECT_LE(test::golden_relative_error(r.layer_outputs.select(i), expected.select(i), expected.dim(-1), is_pad),
                tolerance)
          << "residual stream after layer " << i;
  }
  std::printf("[golden] %s/%s on %s, %s weights: logits rel err %.2e, hidden rel err %.2e\n", name.c_str(),
              case_name.c_str(), device_name(options.device), dtype_name(options.matrix_dtype), logits_err, hidden_err);
}

}  // namespace

TEST(Esm2Golden, ShortCaseMatchesReference) {
  SPINDLE_REQUIRE_SHARED();
  expect_esm_golden("esm2_tiny", "short");
}

TEST(Esm2Golden, LongCaseWithMasksAndPaddingMatchesReference) {
  SPINDLE_REQUIRE_SHARED();
  expect_esm_golden("esm2_tiny", "long");
}

// bf16 matrix weights (q, k, v, out, FFN, LM-head dense) with f32 accumulation: the
// mixed-precision path, whose budget is the bf16 rounding of weights and activations.
constexpr double kBf16GoldenBudget = 1e-2;  // measured here: 3.4e-3 (short), 4.6e-3 (long)

TEST(Esm2Golden, Bf16WeightsStayWithinTheBf16Budget) {
  SPINDLE_REQUIRE_SHARED();
  LoadOptions bf16;
  bf16.matrix_dtype = DType::bf16;
  expect_esm_golden("esm2_tiny", "short", bf16, kBf16GoldenBudget);
  expect_esm_golden("esm2_tiny", "long", bf16, kBf16GoldenBudget);
}

// The same goldens with the weights uploaded to the GPU and every op on the CUDA kernels.
TEST(Esm2Golden, MatchesReferenceOnCuda) {
  SPINDLE_REQUIRE_SHARED();
  if (!cuda_available()) GTEST_SKIP() << "no GPU visible (" << cuda_device_summary() << ")";
  LoadOptions cuda;
  cuda.device = Device::cuda;
  expect_esm_golden("esm2_tiny", "short", cuda);
  expect_esm_golden("esm2_tiny", "long", cuda);
  cuda.matrix_dtype = DType::bf16;
  expect_esm_golden("esm2_tiny", "long", cuda, kBf16GoldenBudget);
}

TEST(Esm2Golden, InfoAndHiddenLayerSelection) {
  SPINDLE_REQUIRE_SHARED();
  const std::string dir = test::golden_dir("esm2_tiny");
  auto model = load_model(dir);
  EXPECT_EQ(model->info().architecture, "esm2");
  EXPECT_FALSE(model->info().causal);
  EXPECT_FALSE(model->info().is_msa);
  EXPECT_EQ(model->info().vocab_size_padded, 33);
  Tensor ids = read_npy(dir + "/short.input_ids.npy");
  ForwardRequest request;
  request.want_logits = false;
  request.hidden_layer = 2;
  Tensor hidden = model->forward(ids, request).hidden;
  Tensor expected = read_npy(dir + "/short.layer_outputs.npy").select(2);
  EXPECT_LE(test::golden_relative_error(hidden, expected), 1e-5);
}

// Issue 15: protein embeddings pool the residues as fair-esm's extract.py does (`--include mean`:
// positions 1..len, neither <cls> nor <eos>), from last_hidden_state (after emb_layer_norm_after).
TEST(Esm2Golden, EmbedderPoolsTheResiduesOfTheReferenceHiddenStates) {
  SPINDLE_REQUIRE_SHARED();
  const std::string dir = test::golden_dir("esm2_tiny");
  auto model = load_model(dir);
  Tensor ids = read_npy(dir + "/short.input_ids.npy");
  Tensor hidden = read_npy(dir + "/short.last_hidden_state.npy").select(0);  // [T, D]
  Tensor block2 = read_npy(dir + "/short.layer_outputs.npy").select(2).select(0);
  const int64_t T = ids.dim(1), D = hidden.dim(1), residues = T - 2;
  const int64_t* tok = ids.data<int64_t>();
  ASSERT_EQ(tok[0], esm_tokens::kCls);
  ASSERT_EQ(tok[T - 1], esm_tokens::kEos);
  std::string protein;
  for (int64_t t = 1; t <= residues; ++t) {
    ASSERT_TRUE(tok[t] >= 4 && tok[t] < 29)
        << "token " << tok[t] << " at " << t << " is not a residue";
    protein += "LAGVSERTIDPKQNFYMHWCXBUZO"[tok[t] - 4];
  }
  // Mean over positions 1..residues of `states` ([T, D]), in double.
  auto residue_mean = [&](const Tensor& states) {
    Tensor m = Tensor::empty({D});
    for (int64_t d = 0; d < D; ++d) {
      double s = 0;
      for (int64_t t = 1; t <= residues; ++t) s += states.data<float>()[t * D + d];
      m.data<float>()[d] = static_cast<float>(s / residues);
    }
    return m;
  };

  const double mean_err = test::golden_relative_error(
      Embedder(*model, {.pooling = Pooling::mean}).embed(protein).vectors, residue_mean(hidden));
  EXPECT_LE(mean_err, 1e-5);
  EXPECT_LE(
      test::golden_relative_error(
          Embedder(*model, {.pooling = Pooling::cls}).embed(protein).vectors, hidden.select(0)),
      1e-5);
  EXPECT_LE(test::golden_relative_error(
                Embedder(*model, {.pooling = Pooling::none}).embed(protein).vectors,
                hidden.slice(1, T - 1)),
            1e-5);
  EXPECT_LE(test::golden_relative_error(Embedder(*model, {.layer = 2}).embed(protein).vectors,
                                        residue_mean(block2)),
            1e-5);
  // Lower case reads as upper case.
  std::string lower = protein;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(test::golden_relative_error(Embedder(*model, {}).embed(lower).vectors,
                                        Embedder(*model, {}).embed(protein).vectors),
            0.0);
  std::printf("[golden] esm2_tiny/short: residue-mean embedding rel err %.2e\n", mean_err);
}
