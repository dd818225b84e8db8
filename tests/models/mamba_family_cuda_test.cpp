// The Mamba family (Mamba, Mamba2, hybrid) and Caduceus compute only through the op catalogue, so
// they are registered as running on CUDA; on a GPU their forward (whole, and streamed in chunks
// carrying conv, SSM and KV state on the device) must match the goldens as the CPU does. The GPU
// cases are skipped without CUDA.
#include <gtest/gtest.h>

#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "models/arch/mamba_stack.h"
#include "models/registry.h"
#include "tests/models/golden_util.h"

using namespace spindle;

namespace {

const char* const kGoldens[] = {"mamba_tiny",         "mamba1_native_tiny", "mamba2_small",
                                "hybrid_mamba2_attn", "caduceus_tiny",      "caduceus_ps_tiny"};

}  // namespace

TEST(MambaFamilyCuda, ArchitecturesDeclareCuda) {
  for (const char* name : {"mamba", "mamba2", "hybrid", "caduceus"}) {
    bool found = false;
    for (const Architecture& a : architectures())
      if (a.name == name) {
        found = true;
        EXPECT_TRUE(a.computes_on_cuda) << name;
      }
    EXPECT_TRUE(found) << name;
  }
}

TEST(MambaFamilyCuda, GoldensMatchOnCuda) {
  SPINDLE_REQUIRE_SHARED();
  if (!cuda_available()) GTEST_SKIP() << cuda_device_summary();
  LoadOptions options;
  options.device = Device::cuda;
  for (const char* name : kGoldens) {
    SCOPED_TRACE(name);
    const std::string dir = test::golden_dir(name);
    auto model = load_model(dir, options);
    for (const char* case_name : {"short", "long"}) {
      Tensor ids = read_npy(dir + "/" + case_name + ".input_ids.npy");
      ForwardResult r = model->forward(ids, {});
      EXPECT_LE(
          test::golden_relative_error(r.logits, read_npy(dir + "/" + case_name + ".logits.npy")),
          1e-5)
          << case_name;
      EXPECT_LE(test::golden_relative_error(
                    r.hidden, read_npy(dir + "/" + case_name + ".last_hidden_state.npy")),
                1e-5)
          << case_name;
    }
  }
}

TEST(MambaFamilyCuda, StreamedChunksMatchOnCuda) {
  SPINDLE_REQUIRE_SHARED();
  if (!cuda_available()) GTEST_SKIP() << cuda_device_summary();
  for (const char* name : {"mamba_tiny", "mamba2_small", "hybrid_mamba2_attn"}) {
    SCOPED_TRACE(name);
    const std::string dir = test::golden_dir(name);
    Config config = Config::load(dir);
    Checkpoint ckpt = Checkpoint::open(dir);
    ckpt.set_placement(Device::cuda, DType::f32);
    const bool hf = config.has("model_type") && config.get_string("model_type", "") != "mamba_ssm";
    auto model = make_mamba_stack(hf ? read_hf_mamba_config(config) : read_mamba_ssm_config(config),
                                  ckpt, 37);
    ForwardResult r = model->forward(read_npy(dir + "/long.input_ids.npy"), {});
    EXPECT_LE(test::golden_relative_error(r.logits, read_npy(dir + "/long.logits.npy")), 1e-5);
  }
}
