// Long inputs stream through Mamba/Mamba2 (and causal hybrids) in chunks that carry conv, SSM and
// KV state: the result must equal one pass, for chunk lengths that do not divide L or the SSD
// chunk. Also: the Mamba2 mixer's chunked SSD equals its sequential recurrence on real weights.
#include <filesystem>

#include "kernels/io/npy.h"
#include "models/arch/mamba_stack.h"
#include "models/layers/mamba2_mixer.h"
#include "models/safetensors_writer.h"
#include "tests/kernels/op_harness.h"
#include "tests/models/golden_util.h"

using namespace spindle;

namespace {

std::vector<double> doubles(const Tensor& t) { return std::vector<double>(t.data<float>(), t.data<float>() + t.numel()); }

void expect_streaming_equals_one_pass(const std::string& name, int64_t chunk) {
  SCOPED_TRACE(name + " chunk " + std::to_string(chunk));
  const std::string dir = test::golden_dir(name);
  Tensor ids = read_npy(dir + "/long.input_ids.npy");
  ForwardRequest request;
  request.want_layer_outputs = true;
  ForwardResult whole = load_mamba_stack(dir, 0)->forward(ids, request);
  ForwardResult streamed = load_mamba_stack(dir, chunk)->forward(ids, request);
  EXPECT_LE(test::relative_max_error(streamed.logits, doubles(whole.logits)), 1e-6);
  EXPECT_LE(test::relative_max_error(streamed.hidden, doubles(whole.hidden)), 1e-6);
  EXPECT_LE(test::relative_max_error(streamed.layer_outputs, doubles(whole.layer_outputs)), 1e-6);
  // And against the float64 reference.
  EXPECT_LE(test::golden_relative_error(streamed.logits, read_npy(dir + "/long.logits.npy")), 1e-5);
}

}  // namespace

TEST(MambaStreaming, MambaChunksEqualOnePass) {
  SPINDLE_REQUIRE_SHARED();
  expect_streaming_equals_one_pass("mamba_tiny", 100);
  expect_streaming_equals_one_pass("mamba1_native_tiny", 7);
}

TEST(MambaStreaming, Mamba2ChunksEqualOnePass) {
  SPINDLE_REQUIRE_SHARED();
  expect_streaming_equals_one_pass("mamba2_small", 50);  // not a multiple of the SSD chunk (16)
  expect_streaming_equals_one_pass("mamba2_small", 3);   // shorter than the conv window
}

TEST(MambaStreaming, HybridWithKeyValueCacheEqualsOnePass) {
  SPINDLE_REQUIRE_SHARED();
  expect_streaming_equals_one_pass("hybrid_mamba2_attn", 37);
}

TEST(MambaStreaming, StateSizeDoesNotDependOnLength) {
  SPINDLE_REQUIRE_SHARED();
  Checkpoint ckpt = Checkpoint::open(test::golden_dir("mamba2_small"));
  Mamba2MixerShape shape;
  shape.d_model = 64, shape.d_ssm = 128, shape.d_state = 32, shape.head_dim = 16, shape.chunk = 16;
  Mamba2Mixer mixer(ckpt, "backbone.layers.0.mixer.", shape);
  Mamba2State state = mixer.initial_state();
  const int64_t before = state.ssm.numel() + state.conv_x.numel() + state.conv_b.numel() + state.conv_c.numel();
  for (int i = 0; i < 5; ++i) mixer.forward(test::random_tensor({300, 64}, 50 + i), &state);
  EXPECT_EQ(state.ssm.numel() + state.conv_x.numel() + state.conv_b.numel() + state.conv_c.numel(), before);
  EXPECT_EQ(before, 8 * 16 * 32 + 3 * 128 + 2 * 3 * 32);
}

TEST(Mamba2Mixer, ChunkedSsdEqualsSequentialRecurrence) {
  SPINDLE_REQUIRE_SHARED();
  Checkpoint ckpt = Checkpoint::open(test::golden_dir("hybrid_mamba2_attn"));  // 2 groups
  Mamba2MixerShape shape;
  shape.d_model = 64, shape.d_ssm = 128, shape.d_state = 16, shape.head_dim = 16, shape.n_groups = 2;
  shape.chunk = 16;
  Mamba2Mixer mixer(ckpt, "backbone.layers.2.mixer.", shape);
  Tensor u = test::random_tensor({203, 64}, 60);
  Tensor chunked = mixer.forward(u, nullptr);
  mixer.use_sequential_scan(true);
  EXPECT_LE(test::relative_max_error(chunked, doubles(mixer.forward(u, nullptr))), 2e-6);
}

TEST(MambaLoading, TiedHeadMayBeAbsentInEitherKeyLayout) {
  SPINDLE_REQUIRE_SHARED();
  // mamba1_native_tiny stores both copies; drop lm_head.weight and the head must come from
  // backbone.embedding.weight (the mamba_ssm name).
  const std::string src = test::golden_dir("mamba1_native_tiny"), dir = test::temp_dir();
  Checkpoint ckpt = Checkpoint::open(src);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const std::string& name : ckpt.names())
    if (name != "lm_head.weight") tensors.emplace_back(name, ckpt.get(name));
  write_safetensors(dir + "/model.safetensors", tensors);
  std::filesystem::copy_file(src + "/config.json", dir + "/config.json");
  Tensor ids = read_npy(src + "/short.input_ids.npy");
  ForwardRequest request;
  ForwardResult r = load_model(dir)->forward(ids, request);
  EXPECT_LE(test::golden_relative_error(r.logits, read_npy(src + "/short.logits.npy")), 1e-5);
}
