// MSA Transformer against ../shared/golden/msa_transformer_tiny (fair-esm MSATransformer, float64
// reference): an 8 x 41 MSA without padding, and a 13 x 60 MSA padded to 16 x 65 with <mask>
// tokens (row scaling counts the padded rows). Only non-pad cells are compared. Also: row/column
// chunking (a small max_tokens_per_msa) gives the same result, and raw fair-esm key names (row and
// column swapped) load to the same model.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kernels/backend.h"
#include "models/checkpoint.h"
#include "models/safetensors_writer.h"
#include "models/tokenizer.h"
#include "tests/models/golden_util.h"

using namespace spindle;

namespace {

const char* kGolden = "msa_transformer_tiny";

struct Errors {
  double logits, hidden;
};

Errors compare(const Model& model, const std::string& case_name, bool layer_outputs, double tolerance = 1e-5) {
  const std::string dir = test::golden_dir(kGolden);
  Tensor ids = read_npy(dir + "/" + case_name + ".input_ids.npy");
  ForwardRequest request;
  request.want_layer_outputs = layer_outputs;
  ForwardResult r = model.forward(ids, request);
  const int64_t* tok = ids.data<int64_t>();
  const int64_t cells = ids.numel();
  auto is_pad = [&](int64_t cell) { return tok[cell % cells] == esm_tokens::kPad; };
  Tensor logits = read_npy(dir + "/" + case_name + ".logits.npy");
  Tensor hidden = read_npy(dir + "/" + case_name + ".last_hidden_state.npy");
  Errors e{test::golden_relative_error(r.logits, logits, logits.dim(-1), is_pad),
           test::golden_relative_error(r.hidden, hidden, hidden.dim(-1), is_pad)};
  if (layer_outputs) {
    Tensor expected = read_npy(dir + "/" + case_name + ".layer_outputs.npy");
    for (int64_t i = 0; i < expected.dim(0); ++i)
      EXPECT_LE(test::golden_relative_error(r.layer_outputs.select(i), expected.select(i), expected.dim(-1), is_pad),
                tolerance)
          << "residual stream after layer " << i;
  }
  return e;
}

void expect_golden(const Model& model, const std::string& case_name, bool layer_outputs, double tolerance = 1e-5) {
  Errors e = compare(model, case_name, layer_outputs, tolerance);
  EXPECT_LE(e.logits, tolerance) << case_name << " logits";
  EXPECT_LE(e.hidden, tolerance) << case_name << " last_hidden_state";
  std::printf("[golden] %s/%s: logits rel err %.2e, hidden rel err %.2e\n", kGolden, case_name.c_str(), e.logits,
              e.hidden);
}

// A copy of the golden model directory with config edits (and optionally renamed tensors).
std::string copy_model(const std::function<void(nlohmann::json&)>& edit_config,
                       const std::function<std::string(const std::string&)>& rename = nullptr) {
  const std::string src = test::golden_dir(kGolden), dst = test::temp_dir();
  nlohmann::json config;
  std::ifstream(src + "/config.json") >> config;
  edit_config(config);
  std::ofstream(dst + "/config.json") << config.dump(2);
  if (!rename) {
    std::filesystem::copy_file(src + "/model.safetensors", dst + "/model.safetensors");
  } else {
    Checkpoint ckpt = Checkpoint::open(src);
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (const auto& name : ckpt.names()) tensors.emplace_back(rename(name), ckpt.get(name).clone());
    write_safetensors(dst + "/model.safetensors", tensors);
  }
  return dst;
}

}  // namespace

TEST(MsaTransformerGolden, ShortCaseMatchesReference) {
  SPINDLE_REQUIRE_SHARED();
  auto model = load_model(test::golden_dir(kGolden));
  EXPECT_TRUE(model->info().is_msa);
  EXPECT_EQ(model->info().architecture, "msa_transformer");
  expect_golden(*model, "short", true);
}

TEST(MsaTransformerGolden, PaddedCaseWithMasksMatchesReference) {
  SPINDLE_REQUIRE_SHARED();
  auto model = load_model(test::golden_dir(kGolden));
  expect_golden(*model, "long", false);
}

TEST(MsaTransformerGolden, RowAndColumnChunksGiveTheSameResult) {
  SPINDLE_REQUIRE_SHARED();
  // 44 tokens per chunk: one row of 41 columns at a time (row attention), 5 columns of 8 rows
  // (column attention); for the padded case 1 row of 65 and 2 columns of 16.
  const std::string dir = copy_model([](nlohmann::json& c) { c["max_tokens_per_msa"] = 44; });
  auto chunked = load_model(dir);
  auto whole = load_model(test::golden_dir(kGolden));
  for (const char* case_name : {"short", "long"}) {
    Tensor ids = read_npy(test::golden_dir(kGolden) + "/" + case_name + ".input_ids.npy");
    ForwardRequest request;
    Tensor a = chunked->forward(ids, request).logits, b = whole->forward(ids, request).logits;
    EXPECT_LE(test::golden_relative_error(a, b), 1e-6) << case_name;
    expect_golden(*chunked, case_name, false);
  }
}

TEST(MsaTransformerGolden, RawFairEsmNamesAreMapped) {
  SPINDLE_REQUIRE_SHARED();
  // The inverse of fair-esm's rename: clean "row" attention is stored under raw "column" names.
  const std::string dir = copy_model([](nlohmann::json&) {}, [](const std::string& name) {
    std::string raw = name;
    if (raw.rfind("lm_head.", 0) == 0) return "encoder." + raw;
    const size_t row = raw.find("row_self"), col = raw.find("column_self");
    if (row != std::string::npos) raw.replace(row, 3, "column");
    else if (col != std::string::npos) raw.replace(col, 6, "row");
    return "encoder.sentence_encoder." + raw;
  });
  auto model = load_model(dir);
  expect_golden(*model, "short", false);
}

// bf16 matrix weights, f32 accumulation (--precision bf16): within the bf16 budget of ESM-2.
TEST(MsaTransformerGolden, Bf16WeightsStayWithinTheBf16Budget) {
  SPINDLE_REQUIRE_SHARED();
  LoadOptions bf16;
  bf16.matrix_dtype = DType::bf16;
  auto model = load_model(test::golden_dir(kGolden), bf16);
  expect_golden(*model, "short", true, 1e-2);
  expect_golden(*model, "long", false, 1e-2);
}

// The same goldens with the weights on the GPU and every op on the CUDA kernels (chunked too).
TEST(MsaTransformerGolden, MatchesReferenceOnCuda) {
  SPINDLE_REQUIRE_SHARED();
  if (!cuda_available()) GTEST_SKIP() << "no GPU visible (" << cuda_device_summary() << ")";
  LoadOptions cuda;
  cuda.device = Device::cuda;
  auto model = load_model(test::golden_dir(kGolden), cuda);
  expect_golden(*model, "short", true);
  expect_golden(*model, "long", false);
  auto chunked = load_model(copy_model([](nlohmann::json& c) { c["max_tokens_per_msa"] = 100; }), cuda);
  expect_golden(*chunked, "long", false);
}
