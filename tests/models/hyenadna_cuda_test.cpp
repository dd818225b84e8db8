// HyenaDNA computes only through the op catalogue, so it is registered as running on CUDA; on a
// GPU its forward must match the goldens as the CPU does (same tolerance), layer outputs included.
// The GPU cases are skipped without CUDA.
#include <gtest/gtest.h>

#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "models/registry.h"
#include "tests/models/golden_util.h"

using namespace spindle;

TEST(HyenaDNACuda, ArchitectureDeclaresCuda) {
  bool found = false;
  for (const Architecture& a : architectures())
    if (a.name == "hyenadna") {
      found = true;
      EXPECT_TRUE(a.computes_on_cuda);
    }
  EXPECT_TRUE(found);
}

TEST(HyenaDNACuda, GoldensMatchOnCuda) {
  SPINDLE_REQUIRE_SHARED();
  if (!cuda_available()) GTEST_SKIP() << cuda_device_summary();
  const std::string dir = test::golden_dir("hyenadna_tiny");
  LoadOptions options;
  options.device = Device::cuda;
  auto model = load_model(dir, options);
  auto cpu_model = load_model(dir);
  for (const char* case_name : {"short", "long"}) {
    SCOPED_TRACE(case_name);
    Tensor ids = read_npy(dir + "/" + case_name + ".input_ids.npy");
    ForwardResult r = model->forward(ids, {});
    EXPECT_LE(test::golden_relative_error(r.logits, read_npy(dir + "/" + case_name + ".logits.npy")), 1e-5);
    EXPECT_LE(test::golden_relative_error(r.hidden, read_npy(dir + "/" + case_name + ".last_hidden_state.npy")),
              1e-5);
    // Per-layer snapshots are copied off the device as the forward goes.
    ForwardRequest layers;
    layers.want_logits = false;
    layers.want_layer_outputs = true;
    EXPECT_LE(test::golden_relative_error(model->forward(ids, layers).layer_outputs,
                                          cpu_model->forward(ids, layers).layer_outputs),
              1e-5);
  }
}
