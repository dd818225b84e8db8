// Whole models on the CUDA kernels against the same models on the CPU, with random-weight
// checkpoints written here, so the check needs no ../shared (the GPU machine has none; the golden
// tests beside this file compare CUDA runs with the float64 references where ../shared exists).
// Skips with a message without a GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/backend.h"
#include "models/random_checkpoint.h"
#include "models/random_esm.h"
#include "models/registry.h"
#include "tests/test_paths.h"

using namespace spindle;

namespace {

double relative_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double diff = 0, scale = 1e-30;
  for (int64_t i = 0; i < a.numel() && i < b.numel(); ++i) {
    diff = std::max(diff, std::abs(double(a.data<float>()[i]) - b.data<float>()[i]));
    scale = std::max(scale, std::abs(double(b.data<float>()[i])));
  }
  return diff / scale;
}

// ids [B, L] (or [1, R, C] for the MSA Transformer) drawn from `first`..`first + span`.
Tensor random_ids(const Shape& shape, int64_t first, int64_t span) {
  Tensor ids = Tensor::empty(shape, DType::i64);
  for (int64_t i = 0; i < ids.numel(); ++i) ids.data<int64_t>()[i] = first + (i * 7 + 3) % span;
  return ids;
}

void expect_cuda_matches_cpu(const std::string& dir, const Tensor& ids, double tolerance,
                             DType matrix_dtype = DType::f32) {
  LoadOptions cpu, cuda;
  cpu.matrix_dtype = cuda.matrix_dtype = matrix_dtype;
  cuda.device = Device::cuda;
  ForwardRequest request;
  request.want_layer_outputs = true;
  ForwardResult on_cpu = load_model(dir, cpu)->forward(ids, request);
  ForwardResult on_gpu = load_model(dir, cuda)->forward(ids, request);
  const double logits = relative_difference(on_gpu.logits, on_cpu.logits);
  const double hidden = relative_difference(on_gpu.hidden, on_cpu.hidden);
  const double layers = relative_difference(on_gpu.layer_outputs, on_cpu.layer_outputs);
  EXPECT_LE(logits, tolerance) << dir;
  EXPECT_LE(hidden, tolerance) << dir;
  EXPECT_LE(layers, tolerance) << dir;
  std::printf("[cuda vs cpu] %s (%s weights): logits %.1e, hidden %.1e, layer outputs %.1e\n", dir.c_str(),
              dtype_name(matrix_dtype), logits, hidden, layers);
}

}  // namespace

#define REQUIRE_GPU()                                                                       \
  do {                                                                                      \
    if (!cuda_available()) GTEST_SKIP() << "no GPU visible (" << cuda_device_summary() << ")"; \
  } while (0)

TEST(CudaModels, HyenaDnaMatchesTheCpu) {
  REQUIRE_GPU();
  const std::string dir = test::temp_dir() + "/hyena";
  RandomHyenaSpec spec;
  spec.d_model = 64, spec.n_layer = 2, spec.max_seq_len = 4098;
  write_random_hyenadna(dir, spec);
  expect_cuda_matches_cpu(dir, random_ids({2, 3000}, 7, 4), 1e-4);
}

TEST(CudaModels, Esm2MatchesTheCpuInF32AndBf16) {
  REQUIRE_GPU();
  const std::string dir = test::temp_dir() + "/esm2";
  RandomEsmSpec spec;
  spec.hidden = 128, spec.layers = 2, spec.heads = 2, spec.ffn = 512;  // head_dim 64: tensor-core attention
  write_random_esm2(dir, spec);
  Tensor ids = random_ids({2, 200}, 4, 20);
  ids.data<int64_t>()[0] = ids.data<int64_t>()[200] = 0;  // <cls>
  expect_cuda_matches_cpu(dir, ids, 1e-4);
  expect_cuda_matches_cpu(dir, ids, 3e-2, DType::bf16);  // GPU attention in bf16 too, CPU in f32
}

TEST(CudaModels, MsaTransformerMatchesTheCpu) {
  REQUIRE_GPU();
  const std::string dir = test::temp_dir() + "/msa";
  RandomEsmSpec spec;
  spec.hidden = 64, spec.layers = 2, spec.heads = 4, spec.ffn = 128, spec.max_positions = 1024;
  write_random_msa_transformer(dir, spec);
  expect_cuda_matches_cpu(dir, random_ids({1, 6, 50}, 4, 20), 1e-4);
}
