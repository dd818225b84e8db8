// GPU throughput of the CUDA ops: `bench_core_gpu [--quick]`. Prints one table row per measurement:
// attention TFLOP/s, scan and fft_conv effective GB/s against the measured device-to-device copy
// bandwidth, and a HyenaDNA-shaped layer stack at 1M tokens and a Mamba-shaped one at 131k tokens
// built from the same ops. Nominal H200 peaks (bf16 dense 989 TFLOP/s, f32 67 TFLOP/s, HBM3e
// 4.8 TB/s) can be overridden with SPINDLE_PEAK_BF16_TFLOPS / SPINDLE_PEAK_F32_TFLOPS / SPINDLE_PEAK_GBS.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/backend_table.h"
#include "kernels/ops.h"

#ifdef SPINDLE_HAVE_CUDA
#include <cuda_runtime.h>
#endif

using namespace spindle;

namespace {

double env_or(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v ? std::atof(v) : fallback;
}

void sync() {
#ifdef SPINDLE_HAVE_CUDA
  if (cudaDeviceSynchronize() != cudaSuccess) throw Error("cudaDeviceSynchronize failed");
#endif
}

// Random f32 on the GPU (generated on the CPU once per shape; uploads are not timed).
Tensor rand_gpu(const Shape& shape, uint32_t seed, float scale = 1.f, float offset = 0.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, 1.f);
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = offset + scale * dist(rng);
  return t.to(Device::cuda);
}

// Same, but cheap for huge tensors: one random block repeated.
Tensor big_gpu(const Shape& shape, uint32_t seed, float scale = 1.f, float offset = 0.f) {
  const int64_t n = shape_numel(shape), block = std::min<int64_t>(n, 1 << 20);
  Tensor src = rand_gpu({block}, seed, scale, offset).to(Device::cpu);
  Tensor host = Tensor::empty(shape);
  for (int64_t i = 0; i < n; i += block)
    std::memcpy(host.data<float>() + i, src.data<float>(), std::min(block, n - i) * sizeof(float));
  return host.to(Device::cuda);
}

double seconds(const std::function<void()>& f, int repeats) {
  f();  // warm-up: plans, cuBLAS heuristics, pool allocations
  sync();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    sync();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

void row(const std::string& what, double ms, const std::string& rate, const std::string& vs) {
  std::printf("| %-52s | %10.3f | %-18s | %-28s |\n", what.c_str(), ms, rate.c_str(), vs.c_str());
  std::fflush(stdout);
}

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  if (!cuda_available()) {
    std::printf("bench_core_gpu: no GPU (%s)\n", cuda_device_summary().c_str());
    return 0;
  }
  const double peak_bf16 = env_or("SPINDLE_PEAK_BF16_TFLOPS", 989), peak_f32 = env_or("SPINDLE_PEAK_F32_TFLOPS", 67);
  const double peak_gbs = env_or("SPINDLE_PEAK_GBS", 4800);
  std::printf("device: %s\n", cuda_device_summary().c_str());
  std::printf("| %-52s | %10s | %-18s | %-28s |\n", "measurement", "best ms", "rate", "vs peak");
  std::printf("|%s|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(12, '-').c_str(),
              std::string(20, '-').c_str(), std::string(30, '-').c_str());

  // Device-to-device copy: the bandwidth a memory-bound kernel can hope for.
  double copy_gbs = 0;
  {
    const int64_t n = int64_t(1) << 28;  // 1 GiB of f32
    Tensor a = Tensor::zeros({n}, DType::f32, Device::cuda), b = Tensor::empty({n}, DType::f32, Device::cuda);
    const double s = seconds([&] { copy_bytes(b.raw(), Device::cuda, a.raw(), Device::cuda, a.nbytes()); }, 5);
    copy_gbs = 2.0 * a.nbytes() / s * 1e-9;
    row("device-to-device copy 1 GiB (read + write)", s * 1e3, fmt("%.0f GB/s", copy_gbs),
        fmt("%.0f%% of nominal HBM", 100 * copy_gbs / peak_gbs));
  }
  const auto bw = [&](double bytes, double s) {
    return std::make_pair(fmt("%.0f GB/s", bytes / s * 1e-9), fmt("%.0f%% of copy bandwidth", 100 * bytes / s * 1e-9 / copy_gbs));
  };

  // cuBLAS GEMM, the ceiling the rest is compared with.
  {
    const int64_t m = 8192, n = 8192, k = 8192;
    Tensor a = big_gpu({m, k}, 1), b = big_gpu({n, k}, 2), c = Tensor::empty({m, n}, DType::f32, Device::cuda);
    const double f32 = seconds([&] {
      ops::gemm_f32(false, true, m, n, k, 1.f, a.data<float>(), k, b.data<float>(), k, 0.f, c.data<float>(), n);
    }, 3);
    row("gemm f32 8192^3 (cuBLAS, no TF32)", f32 * 1e3, fmt("%.1f TFLOP/s", 2.0 * m * n * k / f32 * 1e-12),
        fmt("%.0f%% of f32 peak", 100 * 2.0 * m * n * k / f32 * 1e-12 / peak_f32));
    Tensor a16 = a.to(Device::cpu).to(DType::bf16).to(Device::cuda), b16 = b.to(Device::cpu).to(DType::bf16).to(Device::cuda);
    const double bf = seconds([&] {
      ops::gemm_bf16(false, true, m, n, k, 1.f, a16.data<uint16_t>(), k, b16.data<uint16_t>(), k, 0.f, c.data<float>(), n);
    }, 3);
    row("gemm bf16 8192^3 -> f32 (cublasGemmEx)", bf * 1e3, fmt("%.1f TFLOP/s", 2.0 * m * n * k / bf * 1e-12),
        fmt("%.0f%% of bf16 peak", 100 * 2.0 * m * n * k / bf * 1e-12 / peak_bf16));
  }

  // Flash-style attention (f32 kernel).
  for (bool causal : {false, true}) {
    const int64_t B = 1, L = quick ? 4096 : 16384, H = 16, Dh = 128;
    Tensor q = rand_gpu({B, L, H, Dh}, 3), k = rand_gpu({B, L, H, Dh}, 4), v = rand_gpu({B, L, H, Dh}, 5);
    const double s = seconds([&] { ops::attention(q, k, v, 1.f / std::sqrt(float(Dh)), causal); }, 3);
    const double flops = 4.0 * B * H * L * L * Dh * (causal ? 0.5 : 1.0);
    row(fmt("attention f32 L=%.0f H=16 Dh=128 ", double(L)) + (causal ? "causal" : "full"), s * 1e3,
        fmt("%.1f TFLOP/s", flops / s * 1e-12),
        fmt("%.1f%% bf16 / ", 100 * flops / s * 1e-12 / peak_bf16) + fmt("%.0f%% f32 peak", 100 * flops / s * 1e-12 / peak_f32));
    // The tensor-core kernel (bf16 products) on the same inputs.
    Tensor out = Tensor::empty(q.shape(), DType::f32, Device::cuda);
    AttentionParams p;
    p.batch = B, p.q_len = L, p.k_len = L, p.heads = H, p.kv_heads = H, p.head_dim = Dh;
    p.scale = 1.f / std::sqrt(float(Dh)), p.causal = causal;
    p.q = q.data<float>(), p.k = k.data<float>(), p.v = v.data<float>(), p.out = out.data<float>();
    const double tc = seconds([&] { cuda::backend().kernels.attention_tensor_cores(p); }, 3);
    row(fmt("attention bf16-TC L=%.0f H=16 Dh=128 ", double(L)) + (causal ? "causal" : "full"), tc * 1e3,
        fmt("%.1f TFLOP/s", flops / tc * 1e-12), fmt("%.1f%% of bf16 peak", 100 * flops / tc * 1e-12 / peak_bf16));
  }

  // Selective scan, Mamba-130m shape at 131k tokens: E = 1536 channels, N = 16.
  {
    const int64_t L = 131072, E = 1536, N = 16;
    Tensor x = big_gpu({1, L, E}, 6), dt = big_gpu({1, L, E}, 7, 0.02f, 0.05f), z = big_gpu({1, L, E}, 8);
    Tensor A = rand_gpu({E, N}, 9, 0.1f, -1.f), B = big_gpu({1, L, 1, N}, 10), C = big_gpu({1, L, 1, N}, 11);
    Tensor D = rand_gpu({E}, 12);
    const double s = seconds([&] { ops::selective_scan(x, dt, A, B, C, &D, &z, nullptr); }, 3);
    const double bytes = 4.0 * (4 * L * E + 2 * L * N);  // x, dt, z read, y written, B and C read
    auto [rate, vs] = bw(bytes, s);
    row("selective_scan L=131072 E=1536 N=16 (+D, z gate)", s * 1e3, rate, vs);
  }
  // SSD, Mamba2-130m shape: H = 24 heads of P = 64, N = 128.
  {
    const int64_t L = quick ? 16384 : 65536, H = 24, P = 64, N = 128;
    Tensor x = big_gpu({1, L, H, P}, 13), dt = big_gpu({1, L, H}, 14, 0.02f, 0.05f);
    Tensor A = rand_gpu({H}, 15, 0.1f, -1.f), B = big_gpu({1, L, 1, N}, 16), C = big_gpu({1, L, 1, N}, 17);
    const double s = seconds([&] { ops::ssd_scan(x, dt, A, B, C, nullptr, nullptr); }, 3);
    const double bytes = 4.0 * (2 * L * H * P + L * H + 2 * L * N);
    auto [rate, vs] = bw(bytes, s);
    row(fmt("ssd_scan L=%.0f H=24 P=64 N=128", double(L)), s * 1e3, rate, vs);
  }
  // fft_conv: 256 channels x 1M samples, per-channel filters (HyenaDNA's long convolution).
  {
    const int64_t rows = 256, L = 1 << 20;
    Tensor u = big_gpu({rows, L}, 18), k = big_gpu({rows, L}, 19, 0.01f);
    const double s = seconds([&] { ops::fft_conv(u, k); }, 3);
    auto [rate, vs] = bw(4.0 * 3 * rows * L, s);
    row("fft_conv 256 rows x L=1048576 (n=" + std::to_string(ops::fft_conv_size(L)) + ")", s * 1e3, rate, vs);
  }

  // HyenaDNA-shaped stack at 1M tokens (d_model 256, 8 layers, MLP 1024; hyenadna-large-1m's
  // shape), from the catalogue's ops: LN, in_proj (3d), short conv (k=3), long fft_conv over d
  // channels, out_proj, residual, LN, MLP with tanh-GELU. Not counted: the element-wise gate
  // products and the [L,d] <-> [d,L] transposes (no catalogue op for them yet) and the filter MLP.
  {
    const int64_t L = quick ? (1 << 18) : 1000000, d = 256, layers = 8;
    Tensor h = big_gpu({L, d}, 20), lnw = rand_gpu({d}, 21, 0.1f, 1.f), lnb = rand_gpu({d}, 22, 0.1f);
    Tensor w_in = rand_gpu({3 * d, d}, 23, 0.05f), b_in = rand_gpu({3 * d}, 24), conv_w = rand_gpu({3 * d, 3}, 25);
    Tensor w_out = rand_gpu({d, d}, 26, 0.05f), b_out = rand_gpu({d}, 27);
    Tensor fc1 = rand_gpu({4 * d, d}, 28, 0.05f), fc1b = rand_gpu({4 * d}, 29), fc2 = rand_gpu({d, 4 * d}, 30, 0.02f);
    Tensor fc2b = rand_gpu({d}, 31), filt = big_gpu({d, L}, 32, 0.01f);
    const double s = seconds([&] {
      for (int64_t layer = 0; layer < layers; ++layer) {
        Tensor proj = ops::linear(ops::layer_norm(h, lnw, &lnb, 1e-5f), w_in, &b_in);
        Tensor conv = ops::causal_conv1d(proj.reshape({1, L, 3 * d}), conv_w, nullptr);
        Tensor v = conv.reshape({3 * d * L}).slice(0, d * L).reshape({d, L});  // stands in for v^T
        Tensor y = ops::fft_conv(v, filt);
        ops::linear_into(y.reshape({L, d}), w_out, &b_out, h, 1.f);
        Tensor inner = ops::linear(ops::layer_norm(h, lnw, &lnb, 1e-5f), fc1, &fc1b);
        ops::gelu_tanh_(inner);
        ops::linear_into(inner, fc2, &fc2b, h, 1.f);
      }
    }, quick ? 1 : 2);
    row(fmt("HyenaDNA-shaped 8 x d256 forward, L=%.0f tokens", double(L)), s * 1e3,
        fmt("%.2f Mtok/s", L / s * 1e-6), "op stack, see bench notes");
  }
  // Mamba-shaped stack at 131k tokens (d_model 768, E 1536, N 16, dt_rank 48, 24 layers:
  // mamba-130m's shape): in_proj (x, z), conv k=4, silu, x_proj (dt, B, C), dt_proj, softplus,
  // selective scan with D and z gate, out_proj, residual, RMSNorm.
  {
    const int64_t L = 131072, d = 768, E = 1536, N = 16, R = 48, layers = 24;
    Tensor h = big_gpu({L, d}, 33), nw = rand_gpu({d}, 34, 0.1f, 1.f);
    Tensor wx = rand_gpu({E, d}, 35, 0.03f), wz = rand_gpu({E, d}, 36, 0.03f), cw = rand_gpu({E, 4}, 37, 0.3f);
    Tensor cb = rand_gpu({E}, 38), wdt_low = rand_gpu({R, E}, 39, 0.02f), wdt = rand_gpu({E, R}, 40, 0.1f);
    Tensor bdt = rand_gpu({E}, 41, 0.1f, -3.f), wb = rand_gpu({N, E}, 42, 0.02f), wc = rand_gpu({N, E}, 43, 0.02f);
    Tensor A = rand_gpu({E, N}, 44, 0.1f, -1.f), D = rand_gpu({E}, 45), wo = rand_gpu({d, E}, 46, 0.02f);
    const double s = seconds([&] {
      for (int64_t layer = 0; layer < layers; ++layer) {
        Tensor u = ops::rms_norm(h, nw, 1e-5f);
        Tensor x = ops::causal_conv1d(ops::linear(u, wx).reshape({1, L, E}), cw, &cb).reshape({L, E});
        Tensor z = ops::linear(u, wz);
        ops::silu_(x);
        Tensor delta = ops::linear(ops::linear(x, wdt_low), wdt, &bdt);
        ops::softplus_(delta);
        Tensor B = ops::linear(x, wb).reshape({1, L, 1, N}), C = ops::linear(x, wc).reshape({1, L, 1, N});
        Tensor zb = z.reshape({1, L, E});
        Tensor y = ops::selective_scan(x.reshape({1, L, E}), delta.reshape({1, L, E}), A, B, C, &D, &zb, nullptr);
        ops::linear_into(y.reshape({L, E}), wo, nullptr, h, 1.f);
      }
    }, quick ? 1 : 2);
    row("Mamba-shaped 24 x d768 forward, L=131072 tokens", s * 1e3, fmt("%.2f Mtok/s", L / s * 1e-6),
        "op stack, see bench notes");
  }
  return 0;
}
