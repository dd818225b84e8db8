// test-backend-ops: every op of the op table (kernels/op_table.h) on every backend present,
// against a float64 evaluation written here, within a tolerance per dtype (relative to the largest
// reference magnitude). The table is the list: an op without a case fails EveryOpHasACase, so a
// new kernel cannot land untested. Without a GPU the CUDA runs are reported as skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "kernels/backend.h"
#include "kernels/kernels.h"
#include "kernels/ops.h"

using namespace spindle;

namespace {

using Ref = std::vector<double>;

// The error budget of an op's dtype: f32 kernels round once per product or sum; bf16/f16 round
// their inputs to 8/11 significant bits; integer kernels are exact.
double dtype_tolerance(DType dtype) {
  switch (dtype) {
    case DType::f32: return 2e-5;
    case DType::bf16: return 2e-2;
    case DType::f16: return 3e-3;
    default: return 0;
  }
}

Tensor random(const Shape& shape, uint32_t seed, float lo = -2.f, float hi = 2.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

Ref doubles(const Tensor& t) {
  Tensor c = t.to(Device::cpu);
  Ref out(c.numel());
  for (int64_t i = 0; i < c.numel(); ++i) out[i] = c.dtype() == DType::f32 ? c.data<float>()[i] : c.data<int32_t>()[i];
  return out;
}

// max |actual - expected| / max |expected|.
double relative_error(const Tensor& actual, const Ref& expected) {
  const Ref a = doubles(actual);
  EXPECT_EQ(a.size(), expected.size());
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < a.size() && i < expected.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - expected[i]));
    scale = std::max(scale, std::abs(expected[i]));
  }
  return diff / scale;
}

double at(const Tensor& t, int64_t i) { return t.data<float>()[i]; }

// ---- float64 references ---------------------------------------------------------------------

Ref ref_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const Tensor& a, const Tensor& b) {
  Ref c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p)
        c[i * n + j] += at(a, ta ? p * m + i : i * k + p) * at(b, tb ? j * k + p : p * n + j);
  return c;
}

Ref ref_selective_scan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                       const Tensor& D, const Tensor& z) {
  const int64_t L = x.dim(0), Dc = x.dim(1), N = A.dim(1);
  Ref y(x.numel());
  for (int64_t d = 0; d < Dc; ++d) {
    Ref h(N, 0.0);
    for (int64_t t = 0; t < L; ++t) {
      const int64_t i = t * Dc + d;
      double acc = at(D, d) * at(x, i);
      for (int64_t n = 0; n < N; ++n) {
        h[n] = std::exp(at(dt, i) * at(A, d * N + n)) * h[n] + at(dt, i) * at(B, t * N + n) * at(x, i);
        acc += h[n] * at(C, t * N + n);
      }
      y[i] = acc * at(z, i) / (1 + std::exp(-at(z, i)));
    }
  }
  return y;
}

Ref ref_ssd(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C, const Tensor& D) {
  const int64_t L = x.dim(0), H = x.dim(1), P = x.dim(2), N = B.dim(2);
  Ref y(x.numel());
  for (int64_t h = 0; h < H; ++h) {
    std::vector<Ref> S(P, Ref(N, 0.0));
    for (int64_t t = 0; t < L; ++t) {
      const double step = at(dt, t * H + h), decay = std::exp(step * at(A, h));
      for (int64_t p = 0; p < P; ++p) {
        const double xv = at(x, (t * H + h) * P + p);
        double acc = at(D, h) * xv;
        for (int64_t n = 0; n < N; ++n) {
          S[p][n] = decay * S[p][n] + step * xv * at(B, t * N + n);
          acc += S[p][n] * at(C, t * N + n);
        }
        y[(t * H + h) * P + p] = acc;
      }
    }
  }
  return y;
}

// q [1, Lq, H, d], k/v [1, Lk, Hkv, d]; causal as ops::attention documents it.
Ref ref_attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal, const uint8_t* mask) {
  const int64_t Lq = q.dim(1), H = q.dim(2), d = q.dim(3), Lk = k.dim(1), Hkv = k.dim(2);
  Ref out(q.numel(), 0.0);
  for (int64_t h = 0; h < H; ++h) {
    const int64_t hk = h / (H / Hkv);
    for (int64_t i = 0; i < Lq; ++i) {
      Ref s(Lk, -INFINITY);
      double mx = -INFINITY;
      for (int64_t j = 0; j < Lk; ++j) {
        if ((causal && j > i + Lk - Lq) || (mask && !mask[j])) continue;
        double dot = 0;
        for (int64_t c = 0; c < d; ++c) dot += at(q, (i * H + h) * d + c) * at(k, (j * Hkv + hk) * d + c);
        s[j] = dot * scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < Lk; ++j) sum += std::isinf(s[j]) ? 0 : std::exp(s[j] - mx);
      for (int64_t j = 0; j < Lk; ++j) {
        if (std::isinf(s[j])) continue;
        const double p = std::exp(s[j] - mx) / sum;
        for (int64_t c = 0; c < d; ++c) out[(i * H + h) * d + c] += p * at(v, (j * Hkv + hk) * d + c);
      }
    }
  }
  return out;
}

// ---- the cases --------------------------------------------------------------------------------

struct OpCase {
  // Runs the op on `device` and returns its relative error against the float64 reference.
  std::function<double(Device)> run;
  double tolerance = -1;  // < 0: the op dtype's budget
};

// A raw-pointer GEMM through the dispatch, inputs given as f32 and stored as `dtype`.
double gemm_case(Op op, DType dtype, Device dev) {
  const int64_t m = 37, n = 29, k = 41;
  double worst = 0;
  for (int trans = 0; trans < 4; ++trans) {
    const bool ta = trans & 1, tb = trans & 2;
    Tensor a = random({m * k}, 11 + trans), b = random({k * n}, 12 + trans), c0 = random({m * n}, 13);
    Ref expected = ref_gemm(ta, tb, m, n, k, a, b);
    for (int64_t i = 0; i < m * n; ++i) expected[i] += at(c0, i);  // beta = 1 (the CPU bf16 GEMM takes alpha 1, beta 0 or 1)
    Tensor c = c0.to(dev);
    const int64_t lda = ta ? m : k, ldb = tb ? k : n;
    const auto& table = kernels_for(op, dtype, dev);
    if (dtype == DType::f32) {
      Tensor ad = a.to(dev), bd = b.to(dev);
      table.gemm_f32(ta, tb, m, n, k, 1.f, ad.data<float>(), lda, bd.data<float>(), ldb, 1.f, c.data<float>(), n);
    } else {
      Tensor ad = a.to(dtype).to(dev), bd = b.to(dtype).to(dev);
      auto gemm = dtype == DType::bf16 ? table.gemm_bf16 : table.gemm_f16;
      gemm(ta, tb, m, n, k, 1.f, ad.data<uint16_t>(), lda, bd.data<uint16_t>(), ldb, 1.f, c.data<float>(), n);
    }
    worst = std::max(worst, relative_error(c, expected));
  }
  return worst;
}

std::map<Op, OpCase> make_cases() {
  std::map<Op, OpCase> cases;
  cases[Op::gemm_f32] = {[](Device d) { return gemm_case(Op::gemm_f32, DType::f32, d); }};
  cases[Op::gemm_bf16] = {[](Device d) { return gemm_case(Op::gemm_bf16, DType::bf16, d); }};
  cases[Op::gemm_f16] = {[](Device d) { return gemm_case(Op::gemm_f16, DType::f16, d); }};
  cases[Op::gemm_s8s8s32_nt] = {[](Device dev) {
    const int64_t m = 9, n = 7, k = 300;
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> dist(-64, 63);
    Tensor a = Tensor::empty({m, k}, DType::i8), b = Tensor::empty({n, k}, DType::i8);
    for (int64_t i = 0; i < m * k; ++i) a.data<int8_t>()[i] = static_cast<int8_t>(dist(rng));
    for (int64_t i = 0; i < n * k; ++i) b.data<int8_t>()[i] = static_cast<int8_t>(dist(rng));
    Ref expected(m * n, 0.0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t p = 0; p < k; ++p) expected[i * n + j] += a.data<int8_t>()[i * k + p] * b.data<int8_t>()[j * k + p];
    Tensor ad = a.to(dev), bd = b.to(dev), c = Tensor::empty({m, n}, DType::i32, dev);
    SPINDLE_KERNEL(gemm_s8s8s32_nt, DType::i8, dev)(m, n, k, ad.data<int8_t>(), k, bd.data<int8_t>(), k,
                                                    c.data<int32_t>(), n);
    return relative_error(c, expected);
  }};
  cases[Op::bias_rows] = {[](Device dev) {
    Tensor x = random({300, 70}, 1), w = random({50, 70}, 2), bias = random({50}, 3);
    Tensor acc = random({300, 50}, 4);
    Ref expected = ref_gemm(false, true, 300, 50, 70, x, w), accumulated(expected);
    for (int64_t i = 0; i < 300 * 50; ++i) {
      expected[i] += at(bias, i % 50);
      accumulated[i] += at(bias, i % 50) + at(acc, i);
    }
    Tensor out = acc.to(dev), bd = bias.to(dev);
    ops::linear_into(x.to(dev), w.to(dev), &bd, out, 1.f);
    const double e1 = relative_error(out, accumulated);
    return std::max(e1, relative_error(ops::linear(x.to(dev), w.to(dev), &bd), expected));
  }};
  auto norm_case = [](bool rms) {
    return [rms](Device dev) {
      const int64_t rows = 33, cols = 257;
      Tensor x = random({rows, cols}, 21, -3.f, 5.f), w = random({cols}, 22), b = random({cols}, 23);
      Ref expected(x.numel());
      for (int64_t r = 0; r < rows; ++r) {
        double mean = 0, sq = 0;
        for (int64_t c = 0; c < cols; ++c) mean += at(x, r * cols + c) / cols;
        for (int64_t c = 0; c < cols; ++c) {
          const double centred = at(x, r * cols + c) - (rms ? 0 : mean);
          sq += centred * centred / cols;
        }
        for (int64_t c = 0; c < cols; ++c)
          expected[r * cols + c] = (at(x, r * cols + c) - (rms ? 0 : mean)) / std::sqrt(sq + 1e-5) * at(w, c) +
                                   (rms ? 0 : at(b, c));
      }
      Tensor xd = x.to(dev), wd = w.to(dev), bd = b.to(dev);
      return relative_error(rms ? ops::rms_norm(xd, wd, 1e-5f) : ops::layer_norm(xd, wd, &bd, 1e-5f), expected);
    };
  };
  cases[Op::layer_norm] = {norm_case(false)};
  cases[Op::rms_norm] = {norm_case(true)};
  auto unary_case = [](void (*op)(Tensor&), double (*f)(double)) {
    return [op, f](Device dev) {
      Tensor x = random({4097}, 31, -30.f, 30.f);
      Ref expected(x.numel());
      for (int64_t i = 0; i < x.numel(); ++i) expected[i] = f(at(x, i));
      Tensor y = x.to(dev);
      op(y);
      return relative_error(y, expected);
    };
  };
  cases[Op::gelu_erf] = {unary_case(ops::gelu_erf_, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); })};
  cases[Op::gelu_tanh] = {unary_case(ops::gelu_tanh_, [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  })};
  cases[Op::silu] = {unary_case(ops::silu_, [](double v) { return v / (1 + std::exp(-v)); })};
  cases[Op::softplus] = {unary_case(ops::softplus_, [](double v) { return v > 20 ? v : std::log1p(std::exp(v)); })};
  cases[Op::softmax] = {[](Device dev) {
    const int64_t rows = 7, cols = 1000;
    Tensor x = random({rows, cols}, 41, -20.f, 20.f);
    Ref expected(x.numel());
    for (int64_t r = 0; r < rows; ++r) {
      double mx = -INFINITY, sum = 0;
      for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, at(x, r * cols + c));
      for (int64_t c = 0; c < cols; ++c) sum += std::exp(at(x, r * cols + c) - mx);
      for (int64_t c = 0; c < cols; ++c) expected[r * cols + c] = std::exp(at(x, r * cols + c) - mx) / sum;
    }
    Tensor y = x.to(dev);
    ops::softmax_(y);
    return relative_error(y, expected);
  }};
  auto binary_case = [](void (*op)(Tensor&, const Tensor&), double (*f)(double, double)) {
    return [op, f](Device dev) {
      Tensor x = random({70001}, 51), y = random({70001}, 52);
      Ref expected(x.numel());
      for (int64_t i = 0; i < x.numel(); ++i) expected[i] = f(at(x, i), at(y, i));
      Tensor out = x.to(dev);
      op(out, y.to(dev));
      return relative_error(out, expected);
    };
  };
  cases[Op::add] = {binary_case(ops::add_, [](double a, double b) { return a + b; })};
  cases[Op::mul] = {binary_case(ops::mul_, [](double a, double b) { return a * b; })};
  cases[Op::scale] = {[](Device dev) {
    Tensor x = random({70001}, 53);
    Ref expected(x.numel());
    for (int64_t i = 0; i < x.numel(); ++i) expected[i] = at(x, i) * 0.125;
    Tensor out = x.to(dev);
    ops::scale_(out, 0.125f);
    return relative_error(out, expected);
  }};
  cases[Op::scale_rows] = {[](Device dev) {
    Tensor x = random({301, 67}, 54), s = random({301}, 55);
    s.data<float>()[3] = 0.f;  // a masked row
    Ref expected(x.numel());
    for (int64_t i = 0; i < x.numel(); ++i) expected[i] = at(x, i) * at(s, i / 67);
    Tensor out = x.to(dev);
    ops::scale_rows_(out, s.to(dev));
    return relative_error(out, expected);
  }};
  cases[Op::f32_to_bf16] = {[](Device dev) {
    Tensor x = random({4099}, 56, -100.f, 100.f);
    Ref expected(x.numel());
    for (int64_t i = 0; i < x.numel(); ++i) expected[i] = at(x, i);
    Tensor xd = x.to(dev), y = Tensor::empty({4099}, DType::bf16, dev);
    SPINDLE_KERNEL(f32_to_bf16, DType::bf16, dev)(xd.data<float>(), x.numel(), y.data<uint16_t>());
    // Round to nearest even: the host conversion is the exact rule, so the two must agree bit for bit.
    Tensor host = y.to(Device::cpu), rule = x.to(DType::bf16);
    for (int64_t i = 0; i < x.numel(); ++i)
      if (host.data<uint16_t>()[i] != rule.data<uint16_t>()[i]) return 1.0;
    return relative_error(host.to(DType::f32), expected);
  }};
  cases[Op::embedding] = {[](Device dev) {
    Tensor table = random({11, 37}, 61), ids = Tensor::empty({2, 5}, DType::i64);
    for (int64_t i = 0; i < 10; ++i) ids.data<int64_t>()[i] = (i * 7) % 11;
    Ref expected;
    for (int64_t i = 0; i < 10; ++i)
      for (int64_t c = 0; c < 37; ++c) expected.push_back(at(table, ids.data<int64_t>()[i] * 37 + c));
    return relative_error(ops::embedding(ids.to(dev), table.to(dev)), expected);
  }};
  cases[Op::rotary] = {[](Device dev) {
    double worst = 0;
    for (bool interleaved : {false, true}) {
      const int64_t rows = 12, heads = 3, d = 16, rot = 12, period = 5, pos0 = 7;
      Tensor x = random({rows, heads, d}, 62), inv = Tensor::empty({rot / 2});
      for (int64_t i = 0; i < rot / 2; ++i) inv.data<float>()[i] = 1.f / std::pow(10000.f, 2.f * i / rot);
      Ref expected(x.numel());
      for (int64_t i = 0; i < x.numel(); ++i) expected[i] = at(x, i);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t h = 0; h < heads; ++h)
          for (int64_t i = 0; i < rot / 2; ++i) {
            const double angle = static_cast<float>(pos0 + r % period) * inv.data<float>()[i];
            const int64_t base = (r * heads + h) * d;
            const int64_t ia = base + (interleaved ? 2 * i : i), ib = base + (interleaved ? 2 * i + 1 : i + rot / 2);
            expected[ia] = at(x, ia) * std::cos(angle) - at(x, ib) * std::sin(angle);
            expected[ib] = at(x, ib) * std::cos(angle) + at(x, ia) * std::sin(angle);
          }
      Tensor y = x.to(dev);
      ops::rotary_(y, inv.to(dev), rot, pos0, period, interleaved);
      worst = std::max(worst, relative_error(y, expected));
    }
    return worst;
  }};
  cases[Op::causal_conv1d] = {[](Device dev) {
    const int64_t B = 2, L = 50, C = 13, K = 4;
    Tensor x = random({B, L, C}, 71), w = random({C, K}, 72), b = random({C}, 73);
    Ref expected(x.numel());
    for (int64_t bt = 0; bt < B; ++bt)
      for (int64_t t = 0; t < L; ++t)
        for (int64_t c = 0; c < C; ++c) {
          double acc = at(b, c);
          for (int64_t j = 0; j < K; ++j)
            if (t - K + 1 + j >= 0) acc += at(w, c * K + j) * at(x, (bt * L + t - K + 1 + j) * C + c);
          expected[(bt * L + t) * C + c] = acc;
        }
    Tensor bd = b.to(dev);
    return relative_error(ops::causal_conv1d(x.to(dev), w.to(dev), &bd), expected);
  }};
  cases[Op::fft_conv] = {[](Device dev) {
    double worst = 0;
    for (bool shared : {false, true}) {
      const int64_t rows = 3, L = 301;
      Tensor u = random({rows, L}, 81), k = shared ? random({L}, 82) : random({rows, L}, 82);
      Ref expected(u.numel(), 0.0);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t t = 0; t < L; ++t)
          for (int64_t s = 0; s <= t; ++s) expected[r * L + t] += at(k, (shared ? 0 : r * L) + s) * at(u, r * L + t - s);
      worst = std::max(worst, relative_error(ops::fft_conv(u.to(dev), k.to(dev)), expected));
    }
    return worst;
  }};
  cases[Op::selective_scan] = {[](Device dev) {
    const int64_t L = 70, Dc = 24, N = 8;
    Tensor x = random({L, Dc}, 91), dt = random({L, Dc}, 92, 0.001f, 0.2f), A = random({Dc, N}, 93, -2.f, -0.1f);
    Tensor B = random({L, 1, N}, 94), C = random({L, 1, N}, 95), D = random({Dc}, 96), z = random({L, Dc}, 97);
    Ref expected = ref_selective_scan(x, dt, A, B, C, D, z);
    Tensor Dd = D.to(dev), zd = z.to(dev);
    return relative_error(
        ops::selective_scan(x.to(dev), dt.to(dev), A.to(dev), B.to(dev), C.to(dev), &Dd, &zd, nullptr), expected);
  }};
  auto ssd_case = [](bool sequential) {
    return [sequential](Device dev) {
      const int64_t L = 75, H = 4, P = 8, N = 16;
      Tensor x = random({L, H, P}, 101), dt = random({L, H}, 102, 0.001f, 0.2f), A = random({H}, 103, -2.f, -0.1f);
      Tensor B = random({L, 1, N}, 104), C = random({L, 1, N}, 105), D = random({H}, 106);
      Ref expected = ref_ssd(x, dt, A, B, C, D);
      Tensor Dd = D.to(dev);
      Tensor y = sequential ? ops::ssd_scan_sequential(x.to(dev), dt.to(dev), A.to(dev), B.to(dev), C.to(dev), &Dd, nullptr)
                            : ops::ssd_scan(x.to(dev), dt.to(dev), A.to(dev), B.to(dev), C.to(dev), &Dd, nullptr, 16);
      return relative_error(y, expected);
    };
  };
  cases[Op::ssd_scan_chunked] = {ssd_case(false), 1e-4};  // chunk sums reorder the f32 additions
  cases[Op::ssd_scan_sequential] = {ssd_case(true)};
  auto attention_case = [](bool tensor_cores) {
    return [tensor_cores](Device dev) {
      double worst = 0;
      for (bool causal : {false, true}) {
        const int64_t Lq = 45, Lk = causal ? 60 : 45, H = 4, Hkv = 2, d = 64;
        Tensor q = random({1, Lq, H, d}, 111), k = random({1, Lk, Hkv, d}, 112), v = random({1, Lk, Hkv, d}, 113);
        Tensor mask = Tensor::empty({1, Lk}, DType::u8);
        for (int64_t j = 0; j < Lk; ++j) mask.data<uint8_t>()[j] = j % 7 != 3;
        const float scale = 0.125f;
        Ref expected = ref_attention(q, k, v, scale, causal, mask.data<uint8_t>());
        Tensor qd = q.to(dev), kd = k.to(dev), vd = v.to(dev), md = mask.to(dev);
        Tensor out;
        if (tensor_cores) {
          out = Tensor::empty(q.shape(), DType::f32, dev);
          AttentionParams p;
          p.batch = 1, p.q_len = Lq, p.k_len = Lk, p.heads = H, p.kv_heads = Hkv, p.head_dim = d;
          p.scale = scale, p.causal = causal;
          p.q = qd.data<float>(), p.k = kd.data<float>(), p.v = vd.data<float>(), p.key_mask = md.data<uint8_t>();
          p.out = out.data<float>();
          SPINDLE_KERNEL(attention_tensor_cores, DType::bf16, dev)(p);
        } else {
          out = ops::attention(qd, kd, vd, scale, causal, &md);
        }
        worst = std::max(worst, relative_error(out, expected));
      }
      return worst;
    };
  };
  cases[Op::attention] = {attention_case(false)};
  cases[Op::attention_tensor_cores] = {attention_case(true)};
  // Tied row attention, checked step by step: logits, masked softmax, apply.
  const int64_t R = 3, Cc = 9, H = 2, d = 5;
  auto axial_inputs = [=](uint32_t seed) { return random({R, Cc, H, d}, seed); };
  auto ref_logits = [=](const Tensor& q, const Tensor& k, double scale) {
    Ref lg(H * Cc * Cc, 0.0);
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Cc; ++i)
        for (int64_t j = 0; j < Cc; ++j)
          for (int64_t r = 0; r < R; ++r)
            for (int64_t c = 0; c < d; ++c)
              lg[(h * Cc + i) * Cc + j] += scale * at(q, ((r * Cc + i) * H + h) * d + c) * at(k, ((r * Cc + j) * H + h) * d + c);
    return lg;
  };
  cases[Op::axial_row_logits] = {[=](Device dev) {
    Tensor q = axial_inputs(121), k = axial_inputs(122), logits;
    ops::axial_row_logits(q.to(dev), k.to(dev), 0.3f, logits, false);
    ops::axial_row_logits(q.to(dev), k.to(dev), 0.3f, logits, true);  // a second chunk of rows adds
    Ref expected = ref_logits(q, k, 0.6);
    return relative_error(logits, expected);
  }};
  cases[Op::axial_row_softmax] = {[=](Device dev) {
    Tensor logits = random({H, Cc, Cc}, 123, -5.f, 5.f), mask = Tensor::empty({Cc}, DType::u8);
    for (int64_t j = 0; j < Cc; ++j) mask.data<uint8_t>()[j] = j != 2;
    Ref expected(logits.numel());
    for (int64_t row = 0; row < H * Cc; ++row) {
      double mx = -INFINITY, sum = 0;
      auto value = [&](int64_t j) { return j == 2 ? -10000.0 : at(logits, row * Cc + j); };
      for (int64_t j = 0; j < Cc; ++j) mx = std::max(mx, value(j));
      for (int64_t j = 0; j < Cc; ++j) sum += std::exp(value(j) - mx);
      for (int64_t j = 0; j < Cc; ++j) expected[row * Cc + j] = std::exp(value(j) - mx) / sum;
    }
    Tensor out = logits.to(dev), md = mask.to(dev);
    ops::axial_row_softmax_(out, &md, -10000.f);
    return relative_error(out, expected);
  }};
  cases[Op::axial_row_apply] = {[=](Device dev) {
    Tensor probs = random({H, Cc, Cc}, 124, 0.f, 1.f), v = axial_inputs(125);
    Ref expected(v.numel(), 0.0);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < Cc; ++i)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t c = 0; c < d; ++c)
            for (int64_t j = 0; j < Cc; ++j)
              expected[((r * Cc + i) * H + h) * d + c] += at(probs, (h * Cc + i) * Cc + j) * at(v, ((r * Cc + j) * H + h) * d + c);
    return relative_error(ops::axial_row_apply(probs.to(dev), v.to(dev)), expected);
  }};
  // ---- Hyena operator and filter cases ----
  // Pre-norm statistics per row, (mean, 1/sqrt(var + eps)) pairs.
  cases[Op::hyena_prenorm_stats] = {[](Device dev) {
    const int64_t rows = 33, cols = 257;
    Tensor x = random({rows, cols}, 131, -3.f, 5.f);
    Ref expected(rows * 2);
    for (int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int64_t c = 0; c < cols; ++c) mean += at(x, r * cols + c) / cols;
      for (int64_t c = 0; c < cols; ++c) var += (at(x, r * cols + c) - mean) * (at(x, r * cols + c) - mean) / cols;
      expected[2 * r] = mean;
      expected[2 * r + 1] = 1 / std::sqrt(var + 1e-5);
    }
    return relative_error(ops::hyena_prenorm_stats(x.to(dev), 1e-5f), expected);
  }};
  cases[Op::hyena_prenorm_apply] = {[](Device dev) {
    const int64_t rows = 33, cols = 257;
    Tensor x = random({rows, cols}, 132, -3.f, 5.f), w = random({cols}, 133), b = random({cols}, 134);
    Tensor stats = random({rows, 2}, 135, 0.2f, 1.5f);  // any (mean, inv_std) pairs
    Ref expected(x.numel());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        expected[r * cols + c] = (at(x, r * cols + c) - at(stats, 2 * r)) * at(stats, 2 * r + 1) * at(w, c) + at(b, c);
    Tensor out = Tensor::empty(x.shape(), DType::f32, dev);
    ops::hyena_prenorm_apply(x.to(dev), stats.to(dev), w.to(dev), b.to(dev), out);
    return relative_error(out, expected);
  }};
  // Short causal conv of position-major x [L, C], written channel-major [C, L].
  cases[Op::hyena_short_conv_transpose] = {[](Device dev) {
    const int64_t L = 150, C = 24, K = 3;
    Tensor x = random({L, C}, 136), w = random({C, K}, 137), b = random({C}, 138);
    Ref expected(L * C);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t t = 0; t < L; ++t) {
        double acc = at(b, c);
        for (int64_t j = 0; j < K; ++j)
          if (t - K + 1 + j >= 0) acc += at(w, c * K + j) * at(x, (t - K + 1 + j) * C + c);
        expected[c * L + t] = acc;
      }
    Tensor out = Tensor::empty({C, L}, DType::f32, dev);
    ops::hyena_short_conv_transpose(x.to(dev), w.to(dev), b.to(dev), out);
    return relative_error(out, expected);
  }};
  cases[Op::hyena_conv_skip] = {[](Device dev) {
    const int64_t R = 5, L = 301;
    Tensor v = random({R, L}, 139), conv = random({R, L}, 140), skip = random({R}, 141);
    Ref expected(v.numel());
    for (int64_t i = 0; i < v.numel(); ++i) expected[i] = at(conv, i) + at(skip, i / L) * at(v, i);
    Tensor out = v.to(dev);
    ops::hyena_conv_skip_(out, conv.to(dev), skip.to(dev));
    return relative_error(out, expected);
  }};
  // Gated, transposed into columns [col0, col0 + C) of y; the other columns must stay as they were.
  cases[Op::hyena_gate_transpose] = {[](Device dev) {
    const int64_t C = 6, L = 77, D = 20, col0 = 8;
    Tensor v = random({C, L}, 142), gate = random({C, L}, 143), y0 = random({L, D}, 144);
    Ref expected(y0.numel());
    for (int64_t i = 0; i < y0.numel(); ++i) expected[i] = at(y0, i);
    for (int64_t t = 0; t < L; ++t)
      for (int64_t c = 0; c < C; ++c) expected[t * D + col0 + c] = at(v, c * L + t) * at(gate, c * L + t);
    Tensor y = y0.to(dev);
    ops::hyena_gate_transpose(v.to(dev), gate.to(dev), y, col0);
    return relative_error(y, expected);
  }};
  // The filter's sine MLP: 3 Linear layers, each followed by sin(freq * .), in float64.
  cases[Op::hyena_filter_mlp] = {[](Device dev) {
    const int64_t L = 37, E = 5, F = 16, layers = 3;
    Tensor z = random({L, E}, 145, -1.f, 1.f), weights = random({F * E + (layers - 1) * F * F}, 146, -0.5f, 0.5f);
    Tensor biases = random({layers, F}, 147, -0.5f, 0.5f), freq = random({F}, 148, 1.f, 10.f);
    Ref expected(L * F);
    for (int64_t n = 0; n < L; ++n) {
      Ref input(z.data<float>() + n * E, z.data<float>() + (n + 1) * E), output(F);
      for (int64_t l = 0; l < layers; ++l) {
        const int64_t in = l == 0 ? E : F, offset = l == 0 ? 0 : F * E + (l - 1) * F * F;
        for (int64_t o = 0; o < F; ++o) {
          double acc = at(biases, l * F + o);
          for (int64_t i = 0; i < in; ++i) acc += at(weights, offset + o * in + i) * input[i];
          output[o] = std::sin(at(freq, o) * acc);
        }
        input = output;
      }
      for (int64_t o = 0; o < F; ++o) expected[n * F + o] = input[o];
    }
    return relative_error(ops::hyena_filter_mlp(z.to(dev), weights.to(dev), biases.to(dev), freq.to(dev)), expected);
  }};
  // The last projection with the decay window; L spans several of the CPU kernel's column chunks.
  cases[Op::hyena_filter_project] = {[](Device dev) {
    const int64_t L = 4500, F = 16, R = 5;
    const double shift = 0.05;
    Tensor hidden = random({L, F}, 149, -1.f, 1.f), w = random({R, F}, 150), rate = random({R}, 151, -3.f, 3.f);
    Tensor t = Tensor::empty({L});
    for (int64_t i = 0; i < L; ++i) t.data<float>()[i] = static_cast<float>(i) / (L - 1);
    Ref expected(R * L);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < L; ++i) {
        double dot = 0;
        for (int64_t f = 0; f < F; ++f) dot += at(w, r * F + f) * at(hidden, i * F + f);
        expected[r * L + i] = dot * (std::exp(-at(t, i) * std::abs(at(rate, r))) + shift);
      }
    return relative_error(ops::hyena_filter_project(hidden.to(dev), w.to(dev), rate.to(dev), t.to(dev), shift),
                          expected);
  }};
  // ---- Mamba family, hybrid attention layer, Caduceus cases ----
  cases[Op::gated_rms_norm] = {[](Device dev) {
    const int64_t rows = 9, cols = 96, group = 32;
    Tensor y = random({rows, cols}, 131, -3.f, 4.f), z = random({rows, cols}, 132, -6.f, 6.f), w = random({cols}, 133);
    double worst = 0;
    for (int variant = 0; variant < 3; ++variant) {  // gate before the norm, after it, no gate
      const bool gated = variant < 2, before = variant == 1;
      auto silu = [&](int64_t i) { return at(z, i) / (1 + std::exp(-at(z, i))); };
      Ref expected(y.numel());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t g0 = 0; g0 < cols; g0 += group) {
          double sq = 0;
          for (int64_t c = 0; c < group; ++c) {
            const int64_t i = r * cols + g0 + c;
            const double v = at(y, i) * (gated && !before ? silu(i) : 1.0);
            sq += v * v;
          }
          const double inv = 1 / std::sqrt(sq / group + 1e-5);
          for (int64_t c = 0; c < group; ++c) {
            const int64_t i = r * cols + g0 + c;
            expected[i] = at(y, i) * (gated && !before ? silu(i) : 1.0) * inv * at(w, g0 + c) * (before ? silu(i) : 1.0);
          }
        }
      Tensor zd = z.to(dev);
      Tensor out = ops::gated_rms_norm(y.to(dev), gated ? &zd : nullptr, w.to(dev), group, 1e-5f, before);
      worst = std::max(worst, relative_error(out, expected));
    }
    return worst;
  }};
  cases[Op::copy_columns] = {[](Device dev) {
    const int64_t rows = 7, a_cols = 20, b_cols = 15;
    Tensor a = random({rows, a_cols}, 141), b = random({rows, b_cols}, 142);
    // columns, concat, and an accumulating copy into the middle of b: [5, 14) += a[:, 3:12].
    Ref cols_ref, concat_ref, acc_ref;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 3; c < 12; ++c) cols_ref.push_back(at(a, r * a_cols + c));
      for (int64_t c = 0; c < a_cols; ++c) concat_ref.push_back(at(a, r * a_cols + c));
      for (int64_t c = 0; c < b_cols; ++c) concat_ref.push_back(at(b, r * b_cols + c));
      for (int64_t c = 0; c < b_cols; ++c)
        acc_ref.push_back(at(b, r * b_cols + c) + (c >= 5 && c < 14 ? at(a, r * a_cols + c - 2) : 0.0));
    }
    Tensor ad = a.to(dev), bd = b.to(dev);
    double worst = relative_error(ops::columns(ad, 3, 9), cols_ref);
    worst = std::max(worst, relative_error(ops::concat_columns(ad, bd), concat_ref));
    Tensor acc = bd.clone();
    ops::copy_columns_(ad, 3, 9, acc, 5, /*accumulate=*/true);
    return std::max(worst, relative_error(acc, acc_ref));
  }};
  cases[Op::flip] = {[](Device dev) {
    const int64_t rows = 13, cols = 11;
    Tensor x = random({rows, cols}, 151);
    double worst = 0;
    for (int mode = 0; mode < 4; ++mode) {
      const bool fr = mode & 1, fc = mode & 2;
      Ref expected(x.numel());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          expected[r * cols + c] = at(x, (fr ? rows - 1 - r : r) * cols + (fc ? cols - 1 - c : c));
      worst = std::max(worst, relative_error(ops::flip(x.to(dev), fr, fc), expected));
    }
    return worst;
  }};
  cases[Op::dt_softplus] = {[](Device dev) {
    const int64_t rows = 300, cols = 8;
    Tensor dt = random({rows, cols}, 161, -30.f, 30.f), bias = random({cols}, 162, -3.f, 3.f);
    double worst = 0;
    for (auto [lo, hi] : {std::pair<float, float>{0.f, INFINITY}, {0.01f, 5.f}}) {
      Ref expected(dt.numel());
      for (int64_t i = 0; i < dt.numel(); ++i) {
        const double v = at(dt, i) + at(bias, i % cols), sp = v > 20 ? v : std::log1p(std::exp(v));
        expected[i] = std::clamp(sp, double(lo), double(hi));
      }
      Tensor out = dt.to(dev).clone();
      ops::dt_softplus_(out, bias.to(dev), lo, hi);
      worst = std::max(worst, relative_error(out, expected));
    }
    return worst;
  }};
  cases[Op::add_scaled_columns] = {[](Device dev) {
    const int64_t rows = 301, cols = 67;
    Tensor y = random({rows, cols}, 171), x = random({rows, cols}, 172), s = random({cols}, 173);
    Ref expected(y.numel());
    for (int64_t i = 0; i < y.numel(); ++i) expected[i] = at(y, i) + at(s, i % cols) * at(x, i);
    Tensor out = y.to(dev).clone();
    ops::add_scaled_columns_(out, x.to(dev), s.to(dev));
    return relative_error(out, expected);
  }};
  // ---- MSA Transformer cases ----
  cases[Op::index_add_rows] = {[](Device dev) {
    const int64_t rows = 40, cols = 33, n = 17;
    Tensor x = random({rows, cols}, 131), src = random({n, cols}, 132), index = Tensor::empty({n}, DType::i64);
    for (int64_t i = 0; i < n; ++i) index.data<int64_t>()[i] = (i * 7 + 3) % rows;  // distinct: 7 and 40 coprime
    Ref expected(x.numel());
    for (int64_t i = 0; i < x.numel(); ++i) expected[i] = at(x, i);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < cols; ++c) expected[index.data<int64_t>()[i] * cols + c] += at(src, i * cols + c);
    Tensor out = x.to(dev);
    ops::index_add_rows_(out, index.to(dev), src.to(dev));
    return relative_error(out, expected);
  }};
  return cases;
}

const std::map<Op, OpCase>& cases() {
  static const std::map<Op, OpCase> all = make_cases();
  return all;
}

}  // namespace

TEST(BackendOps, EveryOpHasACase) {
  for (int i = 0; i < kOpCount; ++i)
    EXPECT_TRUE(cases().count(static_cast<Op>(i))) << "op '" << op_name(static_cast<Op>(i))
                                                   << "' is in kernels/op_table.h but has no case here";
}

TEST(BackendOps, EveryOpMatchesFloat64OnEveryBackend) {
  int cpu_runs = 0, cuda_runs = 0;
  for (int i = 0; i < kOpCount; ++i) {
    const Op op = static_cast<Op>(i);
    const OpCase& c = cases().at(op);
    const double tolerance = c.tolerance >= 0 ? c.tolerance : dtype_tolerance(op_dtype(op));
    for (Device dev : {Device::cpu, Device::cuda}) {
      if (!supports_op(op, {op_dtype(op)}, dev)) continue;
      SCOPED_TRACE(std::string(op_name(op)) + " on " + device_name(dev));
      const double error = c.run(dev);
      std::printf("[ op ] %-24s %-4s %-4s relative error %.1e (budget %.0e)\n", op_name(op), dtype_name(op_dtype(op)),
                  device_name(dev), error, tolerance);
      EXPECT_LE(error, tolerance) << op_name(op) << " " << dtype_name(op_dtype(op)) << " on " << device_name(dev);
      ++(dev == Device::cpu ? cpu_runs : cuda_runs);
    }
  }
  EXPECT_GT(cpu_runs, 0);
  if (cuda_runs == 0) std::printf("[ note ] CUDA ops not run: %s\n", cuda_device_summary().c_str());
}

TEST(BackendOps, UnsupportedOpNamesOpDtypeAndDevice) {
  try {
    (void)kernels_for(Op::gemm_f16, DType::f16, Device::cpu);
    FAIL() << "gemm_f16 has no CPU kernel";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "op 'gemm_f16' is not supported for f16 on cpu");
  }
  EXPECT_FALSE(supports_op(Op::layer_norm, {DType::bf16}, Device::cpu));
  EXPECT_TRUE(supports_op(Op::layer_norm, {DType::f32}, Device::cpu));
  if (!cuda_available()) {
    EXPECT_FALSE(supports_op(Op::layer_norm, {DType::f32}, Device::cuda));
    EXPECT_THROW((void)kernels_for(Op::layer_norm, DType::f32, Device::cuda), Error);
  }
}
