// Every CUDA op against its CPU twin on random inputs, under a per-op error budget (relative to the
// largest CPU magnitude). Without a visible GPU these skip with a message; the CudaBackend tests at
// the top run everywhere and check that a CUDA-enabled build still computes on the CPU and refuses
// --device cuda cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/backend_table.h"
#include "kernels/ops.h"
#include "tests/kernels/op_harness.h"

using namespace spindle;
using spindle::test::random_tensor;

namespace {

#define REQUIRE_GPU()                                                                               \
  do {                                                                                              \
    if (!cuda_available()) GTEST_SKIP() << "no GPU visible (" << cuda_device_summary() << ")";    \
  } while (0)

std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(Device::cpu);
  return std::vector<double>(c.data<float>(), c.data<float>() + c.numel());
}

// max |gpu - cpu| / max |cpu|
double gap(const Tensor& gpu, const Tensor& cpu) { return test::relative_max_error(gpu, values(cpu)); }

Tensor gpu(const Tensor& t) { return t.to(Device::cuda); }

// Positive step sizes and negative A as the scan tests use (softplus(dt), -exp(A_log)).
Tensor random_dt(const Shape& shape, uint32_t seed) {
  Tensor t = random_tensor(shape, seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 0.001f + 0.2f * std::abs(std::sin(t.data<float>()[i] * 3.f));
  return t;
}
Tensor random_negative(const Shape& shape, uint32_t seed) {
  Tensor t = random_tensor(shape, seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = -std::exp(0.5f * t.data<float>()[i]);
  return t;
}

}  // namespace

// ---- runs without a GPU ------------------------------------------------------------------------

TEST(CudaBackend, CpuOpsStillRunWhenCudaIsCompiledIn) {
  std::printf("cuda compiled: %d, %s\n", cuda_compiled(), cuda_device_summary().c_str());
  // [[1, 2], [3, 4]] @ [[1, 0], [1, 1]]^T + [10, 20] = [[11, 23], [13, 27]]
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {2, 2}), w = Tensor::from_vector({1, 0, 1, 1}, {2, 2});
  Tensor b = Tensor::from_vector({10, 20}, {2});
  Tensor y = ops::linear(x, w, &b);
  EXPECT_EQ(y.device(), Device::cpu);
  EXPECT_EQ(values(y), (std::vector<double>{11, 23, 13, 27}));
  // Raw-pointer GEMM on host memory stays on the CPU.
  float c[4] = {0, 0, 0, 0};
  ops::gemm_f32(false, true, 2, 2, 2, 1.f, x.data<float>(), 2, w.data<float>(), 2, 0.f, c, 2);
  EXPECT_EQ(c[0], 1.f);
  EXPECT_EQ(c[3], 7.f);
  std::string why;
  if (cuda::backend_loaded(&why)) EXPECT_FALSE(cuda::backend().is_device_pointer(c));
  else EXPECT_FALSE(why.empty());  // no driver: the backend library is never opened
  // A linear convolution, not a circular one: [1, 2, 3] * [1, 1, 0] = [1, 3, 5].
  Tensor u = Tensor::from_vector({1, 2, 3}, {1, 3}), k = Tensor::from_vector({1, 1, 0}, {3});
  std::vector<double> conv = values(ops::fft_conv(u, k));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(conv[i], (std::vector<double>{1, 3, 5})[i], 1e-5);
}

// No GPU is a fact about the machine, not a misuse of the command line: exit 1, not 2.
TEST(CudaBackend, DeviceCudaWithoutGpuIsAnErrorNotAUsageError) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is visible: " << cuda_device_summary();
  try {
    resolve_device("cuda");
    FAIL() << "--device cuda resolved without a GPU";
  } catch (const UsageError& e) {
    FAIL() << "a usage error (exit 2): " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no usable GPU"), std::string::npos) << e.what();
  }
  EXPECT_EQ(resolve_device("auto"), Device::cpu);
  EXPECT_EQ(resolve_device("cpu"), Device::cpu);
  EXPECT_THROW(resolve_device("gpu"), UsageError);
  EXPECT_THROW(Tensor::empty({4}, DType::f32, Device::cuda), Error);
}

// ---- CUDA twins against the CPU ----------------------------------------------------------------

TEST(CudaOps, ResolveDeviceFindsTheGpu) {
  REQUIRE_GPU();
  EXPECT_EQ(resolve_device("cuda"), Device::cuda);
  EXPECT_EQ(resolve_device("auto"), Device::cuda);
}

TEST(CudaOps, MixedDevicesAreAnError) {
  REQUIRE_GPU();
  Tensor x = random_tensor({4, 8}, 1), w = random_tensor({8}, 2);
  try {
    ops::rms_norm(gpu(x), w, 1e-6f);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("all inputs must be on one device"), std::string::npos) << e.what();
  }
  Tensor q = random_tensor({1, 4, 2, 8}, 3);
  EXPECT_THROW(ops::attention(gpu(q), q, gpu(q), 1.f, true), Error);
}

TEST(CudaOps, LinearAndMatmulMatchCpu) {
  REQUIRE_GPU();
  Tensor x = random_tensor({3, 91, 300}, 1), w = random_tensor({129, 300}, 2), b = random_tensor({129}, 3);
  Tensor wg = gpu(w), bg = gpu(b);
  Tensor y = ops::linear(gpu(x), wg, &bg);
  EXPECT_EQ(y.device(), Device::cuda);
  EXPECT_LT(gap(y, ops::linear(x, w, &b)), 1e-5);
  // beta = 1 accumulates into out.
  Tensor acc = random_tensor({3, 91, 129}, 4), acc_g = gpu(acc);
  ops::linear_into(x, w, &b, acc, 1.f);
  ops::linear_into(gpu(x), wg, &bg, acc_g, 1.f);
  EXPECT_LT(gap(acc_g, acc), 1e-5);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      SCOPED_TRACE(testing::Message() << "trans_a " << ta << " trans_b " << tb);
      Tensor a = random_tensor(ta ? Shape{70, 45} : Shape{45, 70}, 5), bm = random_tensor(tb ? Shape{33, 70} : Shape{70, 33}, 6);
      EXPECT_LT(gap(ops::matmul(gpu(a), gpu(bm), ta, tb), ops::matmul(a, bm, ta, tb)), 1e-5);
    }
}

TEST(CudaOps, HalfPrecisionGemmsAccumulateInF32) {
  REQUIRE_GPU();
  const int64_t m = 200, n = 96, k = 512;
  Tensor a = random_tensor({m, k}, 7), b = random_tensor({n, k}, 8);
  // bf16: same rounded inputs on both sides, so only the summation order differs.
  Tensor a16 = a.to(DType::bf16), b16 = b.to(DType::bf16);
  Tensor ref = Tensor::empty({m, n});
  ops::gemm_bf16(false, true, m, n, k, 1.f, a16.data<uint16_t>(), k, b16.data<uint16_t>(), k, 0.f, ref.data<float>(), n);
  Tensor a16g = gpu(a16), b16g = gpu(b16), out = Tensor::empty({m, n}, DType::f32, Device::cuda);
  ops::gemm_bf16(false, true, m, n, k, 1.f, a16g.data<uint16_t>(), k, b16g.data<uint16_t>(), k, 0.f, out.data<float>(), n);
  EXPECT_LT(gap(out, ref), 1e-5);
  // f16 against an f64 product of the f16-rounded inputs.
  Tensor ah = a.to(DType::f16), bh = b.to(DType::f16);
  std::vector<double> exact(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p)
        exact[i * n + j] += double(f16_to_f32(ah.data<uint16_t>()[i * k + p])) * f16_to_f32(bh.data<uint16_t>()[j * k + p]);
  Tensor ahg = gpu(ah), bhg = gpu(bh);
  cuda::backend().kernels.gemm_f16(false, true, m, n, k, 1.f, ahg.data<uint16_t>(), k, bhg.data<uint16_t>(), k, 0.f, out.data<float>(), n);
  EXPECT_LT(test::relative_max_error(out, exact), 1e-5);
}

TEST(CudaOps, NormsMatchCpu) {
  REQUIRE_GPU();
  for (int64_t cols : {48, 1000, 4096}) {
    SCOPED_TRACE(cols);
    Tensor x = random_tensor({37, cols}, 9, 3.f), w = random_tensor({cols}, 10), b = random_tensor({cols}, 11);
    for (int i = 0; i < cols; ++i) x.data<float>()[i] += 100.f;  // a row with a large offset
    Tensor xg = gpu(x), wg = gpu(w), bg = gpu(b);
    EXPECT_LT(gap(ops::layer_norm(xg, wg, &bg, 1e-5f), ops::layer_norm(x, w, &b, 1e-5f)), 2e-6);
    EXPECT_LT(gap(ops::layer_norm(xg, wg, nullptr, 1e-5f), ops::layer_norm(x, w, nullptr, 1e-5f)), 2e-6);
    EXPECT_LT(gap(ops::rms_norm(xg, wg, 1e-6f), ops::rms_norm(x, w, 1e-6f)), 2e-6);
  }
}

TEST(CudaOps, ActivationsSoftmaxAndAddMatchCpu) {
  REQUIRE_GPU();
  Tensor x = random_tensor({100003}, 12, 6.f);
  x.data<float>()[0] = 25.f;  // softplus's linear branch
  for (auto op : {ops::gelu_erf_, ops::gelu_tanh_, ops::silu_, ops::softplus_}) {
    Tensor c = x.clone(), g = gpu(x);
    op(c);
    op(g);
    EXPECT_LT(gap(g, c), 1e-6);
  }
  for (Shape shape : {Shape{3, 1000}, Shape{1000, 7}, Shape{2, 70000}}) {
    Tensor s = random_tensor(shape, 13, 5.f), g = gpu(s);
    ops::softmax_(s);
    ops::softmax_(g);
    EXPECT_LT(gap(g, s), 1e-6);
  }
  Tensor y = random_tensor({100003}, 14), sum = x.clone(), sum_g = gpu(x);
  ops::add_(sum, y);
  ops::add_(sum_g, gpu(y));
  EXPECT_EQ(values(sum_g), values(sum));
}

TEST(CudaOps, EmbeddingGathersRowsAndRejectsBadIds) {
  REQUIRE_GPU();
  Tensor table = random_tensor({11, 37}, 15);
  Tensor ids = Tensor::empty({2, 5}, DType::i64);
  for (int i = 0; i < 10; ++i) ids.data<int64_t>()[i] = (i * 7) % 11;
  Tensor out = ops::embedding(gpu(ids), gpu(table));
  EXPECT_EQ(out.shape(), (Shape{2, 5, 37}));
  EXPECT_EQ(values(out), values(ops::embedding(ids, table)));
  ids.data<int64_t>()[3] = 11;
  ids.data<int64_t>()[7] = -1;
  try {
    ops::embedding(gpu(ids), gpu(table));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token id 11 at position 3"), std::string::npos) << e.what();
  }
}

TEST(CudaOps, CausalConv1dMatchesCpu) {
  REQUIRE_GPU();
  Tensor x = random_tensor({2, 300, 70}, 16), w = random_tensor({70, 4}, 17), b = random_tensor({70}, 18);
  Tensor xg = gpu(x), wg = gpu(w), bg = gpu(b);
  EXPECT_LT(gap(ops::causal_conv1d(xg, wg, &bg), ops::causal_conv1d(x, w, &b)), 1e-6);
  EXPECT_LT(gap(ops::causal_conv1d(xg, wg, nullptr), ops::causal_conv1d(x, w, nullptr)), 1e-6);
}

TEST(CudaOps, FftConvMatchesCpuForAnyLength) {
  REQUIRE_GPU();
  for (int64_t L : {1, 7, 1000, 4097, 100003}) {
    SCOPED_TRACE(L);
    Tensor u = random_tensor({5, L}, 19), k = random_tensor({5, L}, 20), ks = random_tensor({L}, 21);
    // Decaying filters, as HyenaDNA's are, so the error budget is not dominated by cancellation.
    for (int64_t i = 0; i < L; ++i) {
      ks.data<float>()[i] *= std::exp(-1e-3f * i);
      for (int r = 0; r < 5; ++r) k.data<float>()[r * L + i] *= std::exp(-1e-3f * i);
    }
    EXPECT_LT(gap(ops::fft_conv(gpu(u), gpu(k)), ops::fft_conv(u, k)), 1e-5);
    EXPECT_LT(gap(ops::fft_conv(gpu(u), gpu(ks)), ops::fft_conv(u, ks)), 1e-5);
  }
}

TEST(CudaOps, SelectiveScanMatchesCpuWithCarriedState) {
  REQUIRE_GPU();
  // {batch, length, channels, groups, state}: short (one chunk), long (many chunks), odd sizes, N > 32.
  for (auto [Bt, L, Dc, G, N] : std::vector<std::array<int64_t, 5>>{
           {1, 37, 128, 1, 16}, {2, 5000, 64, 2, 16}, {1, 513, 7, 1, 3}, {1, 2000, 40, 4, 40}}) {
    SCOPED_TRACE(testing::Message() << Bt << "x" << L << " D " << Dc << " G " << G << " N " << N);
    Tensor x = random_tensor({Bt, L, Dc}, 22), dt = random_dt({Bt, L, Dc}, 23), A = random_negative({Dc, N}, 24);
    Tensor B = random_tensor({Bt, L, G, N}, 25), C = random_tensor({Bt, L, G, N}, 26);
    Tensor D = random_tensor({Dc}, 27), z = random_tensor({Bt, L, Dc}, 28);
    Tensor state = random_tensor({Bt, Dc, N}, 29), state_g = gpu(state);
    Tensor Dg = gpu(D), zg = gpu(z);
    Tensor y_g = ops::selective_scan(gpu(x), gpu(dt), gpu(A), gpu(B), gpu(C), &Dg, &zg, &state_g);
    Tensor y = ops::selective_scan(x, dt, A, B, C, &D, &z, &state);
    EXPECT_LT(gap(y_g, y), 1e-5);
    EXPECT_LT(gap(state_g, state), 1e-5);
    // No D, no z, no state.
    EXPECT_LT(gap(ops::selective_scan(gpu(x), gpu(dt), gpu(A), gpu(B), gpu(C), nullptr, nullptr, nullptr),
                  ops::selective_scan(x, dt, A, B, C, nullptr, nullptr, nullptr)), 1e-5);
  }
  Tensor x = random_tensor({1, 4, 2}, 30), A = random_negative({2, 65}, 31), B = random_tensor({1, 4, 1, 65}, 32);
  EXPECT_THROW(ops::selective_scan(gpu(x), gpu(x), gpu(A), gpu(B), gpu(B), nullptr, nullptr, nullptr), Error);
}

TEST(CudaOps, SsdScanMatchesCpuWithCarriedState) {
  REQUIRE_GPU();
  // {batch, length, heads, head_dim, groups, state}
  for (auto [Bt, L, H, P, G, N] : std::vector<std::array<int64_t, 6>>{
           {2, 300, 4, 16, 2, 32}, {1, 1000, 2, 64, 1, 128}, {1, 5, 3, 5, 1, 7}}) {
    SCOPED_TRACE(testing::Message() << Bt << "x" << L << " H " << H << " P " << P << " G " << G << " N " << N);
    Tensor x = random_tensor({Bt, L, H, P}, 33), dt = random_dt({Bt, L, H}, 34), A = random_negative({H}, 35);
    Tensor B = random_tensor({Bt, L, G, N}, 36), C = random_tensor({Bt, L, G, N}, 37), D = random_tensor({H}, 38);
    Tensor state = random_tensor({Bt, H, P, N}, 39), state_g = gpu(state), Dg = gpu(D);
    Tensor y_g = ops::ssd_scan(gpu(x), gpu(dt), gpu(A), gpu(B), gpu(C), &Dg, &state_g);
    Tensor y = ops::ssd_scan(x, dt, A, B, C, &D, &state);
    EXPECT_LT(gap(y_g, y), 1e-5);
    EXPECT_LT(gap(state_g, state), 1e-5);
    EXPECT_LT(gap(ops::ssd_scan(gpu(x), gpu(dt), gpu(A), gpu(B), gpu(C), nullptr, nullptr),
                  ops::ssd_scan(x, dt, A, B, C, nullptr, nullptr)), 1e-5);
  }
}

TEST(CudaOps, AttentionMatchesCpu) {
  REQUIRE_GPU();
  struct Case { int64_t B, Lq, Lk, H, Hkv, Dh; bool causal, masked; };
  for (Case c : {Case{2, 100, 100, 4, 4, 64, true, false}, Case{1, 300, 300, 8, 2, 128, true, true},
                 Case{2, 33, 33, 2, 1, 80, false, true}, Case{1, 7, 250, 4, 2, 64, true, false},
                 Case{1, 65, 65, 2, 2, 256, false, false}, Case{1, 1, 1, 1, 1, 16, true, false}}) {
    SCOPED_TRACE(testing::Message() << "B " << c.B << " Lq " << c.Lq << " Lk " << c.Lk << " H " << c.H << " Hkv "
                                    << c.Hkv << " Dh " << c.Dh << " causal " << c.causal << " masked " << c.masked);
    Tensor q = random_tensor({c.B, c.Lq, c.H, c.Dh}, 40, 1.5f), k = random_tensor({c.B, c.Lk, c.Hkv, c.Dh}, 41, 1.5f);
    Tensor v = random_tensor({c.B, c.Lk, c.Hkv, c.Dh}, 42);
    Tensor mask = Tensor::empty({c.B, c.Lk}, DType::u8);
    for (int64_t i = 0; i < c.B * c.Lk; ++i) mask.data<uint8_t>()[i] = (i * 7 + 3) % 5 != 0;
    mask.data<uint8_t>()[0] = 0;  // with causal, query 0 of row 0 then sees nothing: zeros
    Tensor mask_g = gpu(mask);
    const float scale = 1.f / std::sqrt(float(c.Dh));
    Tensor out_g = ops::attention(gpu(q), gpu(k), gpu(v), scale, c.causal, c.masked ? &mask_g : nullptr);
    EXPECT_LT(gap(out_g, ops::attention(q, k, v, scale, c.causal, c.masked ? &mask : nullptr)), 1e-5);
  }
}

TEST(CudaOps, TensorCoreAttentionWithinBf16Budget) {
  REQUIRE_GPU();
  struct Case { int64_t B, Lq, Lk, H, Hkv, Dh; bool causal, masked; };
  for (Case c : {Case{2, 100, 100, 4, 4, 64, true, false}, Case{1, 300, 300, 8, 2, 128, true, true},
                 Case{2, 33, 200, 2, 1, 128, false, true}, Case{1, 7, 250, 4, 2, 64, true, false}}) {
    SCOPED_TRACE(testing::Message() << "B " << c.B << " Lq " << c.Lq << " Lk " << c.Lk << " H " << c.H << " Hkv "
                                    << c.Hkv << " Dh " << c.Dh << " causal " << c.causal << " masked " << c.masked);
    Tensor q = random_tensor({c.B, c.Lq, c.H, c.Dh}, 50), k = random_tensor({c.B, c.Lk, c.Hkv, c.Dh}, 51);
    Tensor v = random_tensor({c.B, c.Lk, c.Hkv, c.Dh}, 52);
    Tensor mask = Tensor::empty({c.B, c.Lk}, DType::u8);
    for (int64_t i = 0; i < c.B * c.Lk; ++i) mask.data<uint8_t>()[i] = (i * 7 + 3) % 5 != 0;
    const float scale = 1.f / std::sqrt(float(c.Dh));
    Tensor qg = gpu(q), kg = gpu(k), vg = gpu(v), mg = gpu(mask);
    Tensor out = Tensor::empty(q.shape(), DType::f32, Device::cuda);
    AttentionParams p;
    p.batch = c.B, p.q_len = c.Lq, p.k_len = c.Lk, p.heads = c.H, p.kv_heads = c.Hkv, p.head_dim = c.Dh;
    p.scale = scale, p.causal = c.causal;
    p.q = qg.data<float>(), p.k = kg.data<float>(), p.v = vg.data<float>();
    p.key_mask = c.masked ? mg.data<uint8_t>() : nullptr;
    p.out = out.data<float>();
    cuda::backend().kernels.attention_tensor_cores(p);
    // bf16 products (8-bit mantissa) with f32 softmax and sums.
    EXPECT_LT(gap(out, ops::attention(q, k, v, scale, c.causal, c.masked ? &mask : nullptr)), 2e-2);
  }
}

TEST(CudaOps, AxialRowAttentionMatchesCpu) {
  REQUIRE_GPU();
  const int64_t R = 5, C = 37, H = 3, Dh = 16;
  Tensor q = random_tensor({R, C, H, Dh}, 60), k = random_tensor({R, C, H, Dh}, 61), v = random_tensor({R, C, H, Dh}, 62);
  Tensor mask = Tensor::empty({C}, DType::u8);
  for (int64_t j = 0; j < C; ++j) mask.data<uint8_t>()[j] = j % 4 != 1;
  Tensor qg = gpu(q), kg = gpu(k), vg = gpu(v), mg = gpu(mask);
  const float scale = 1.f / std::sqrt(float(Dh * R));
  EXPECT_LT(gap(ops::axial_row_attention(qg, kg, vg, scale, &mg), ops::axial_row_attention(q, k, v, scale, &mask)), 1e-5);
  EXPECT_LT(gap(ops::axial_row_attention(qg, kg, vg, scale, nullptr), ops::axial_row_attention(q, k, v, scale, nullptr)),
            1e-5);
  // Row chunks accumulate into one map: rows [0, 2) then [2, 5) equal all rows at once.
  Tensor logits, logits_g;
  ops::axial_row_logits(q, k, scale, logits, false);
  ops::axial_row_logits(qg.slice(0, 2), kg.slice(0, 2), scale, logits_g, false);
  ops::axial_row_logits(qg.slice(2, R), kg.slice(2, R), scale, logits_g, true);
  EXPECT_EQ(logits_g.device(), Device::cuda);
  EXPECT_LT(gap(logits_g, logits), 1e-5);
  EXPECT_THROW(ops::axial_row_softmax_(logits_g, &mask, -10000.f), Error);  // mask on the CPU
}
