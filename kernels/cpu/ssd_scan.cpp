// Mamba2 SSD on CPU (MODELS.md 3.2): the chunked algorithm, streamed chunk by chunk so only the
// running state [H, P, N] is kept (no per-chunk state array), plus the sequential recurrence that
// tests use as the reference.
//
// Per chunk of T <= Q steps and head h, with S_t = sum_{u <= t} dt_u A_h inside the chunk (in f64,
// so exp(S_t - S_s) near the diagonal keeps full f32 precision even when |S| is large):
//   y_t   = exp(S_t) C_t G^T                              (state carried in from earlier chunks)
//         + sum_{s <= t} (C_t . B_s) exp(S_t - S_s) dt_s x_s   (the masked T x T "attention")
//         + D_h x_t
//   G    <- exp(S_T) G + sum_s exp(S_T - S_s) dt_s x_s B_s^T
// C B^T is shared by the heads of a group; the products are GEMMs (oneDNN, single-threaded inside
// the parallel region).
#include <algorithm>
#include <cmath>
#include <vector>

#include <omp.h>

#include "kernels/kernels.h"
#include "kernels/cpu/vec_math.h"

namespace spindle::cpu {
namespace {

struct HeadScratch {
  std::vector<double> cum;  // [Q]
  std::vector<float> decay_mask, xdt, xw;
  explicit HeadScratch(int64_t Q, int64_t P) : cum(Q), decay_mask(Q * Q), xdt(Q * P), xw(Q * P) {}
};

// One head of one batch row over steps [t0, t0 + T); cb is this group's C B^T [T, T] (ld Q).
__attribute__((target_clones("avx512f", "avx2", "default"))) void ssd_head_chunk(
    const SsdParams& p, int64_t b, int64_t h, int64_t t0, int64_t T, const float* cb, float* state, bool state_zero,
    HeadScratch& s) {
  const int64_t H = p.heads, P = p.head_dim, N = p.state, G = p.groups, L = p.length, Q = p.chunk;
  const int64_t g = h / (H / G);
  const double a = p.A[h];
  const float* x = p.x + ((b * L + t0) * H + h) * P;  // row stride H * P
  const float* dt = p.dt + (b * L + t0) * H + h;      // stride H
  const float* Bc = p.B + ((b * L + t0) * G + g) * N;  // row stride G * N
  const float* Cc = p.C + ((b * L + t0) * G + g) * N;
  float* y = p.y + ((b * L + t0) * H + h) * P;
  const int64_t xs = H * P, bs = G * N;

  double run = 0;
  for (int64_t t = 0; t < T; ++t) {
    run += static_cast<double>(dt[t * H]) * a;
    s.cum[t] = run;
  }
  for (int64_t t = 0; t < T; ++t) {
    const float d = dt[t * H];
#pragma omp simd
    for (int64_t i = 0; i < P; ++i) s.xdt[t * P + i] = x[t * xs + i] * d;
  }
  // Contribution of the carried state: y = exp(S_t) * C_t G^T.
  if (!state_zero) {
    gemm_f32(false, true, T, P, N, 1.f, Cc, bs, state, N, 0.f, y, xs);
    for (int64_t t = 0; t < T; ++t) {
      const float e = static_cast<float>(std::exp(s.cum[t]));
#pragma omp simd
      for (int64_t i = 0; i < P; ++i) y[t * xs + i] *= e;
    }
  }
  // Intra-chunk: masked decay matrix times dt x.
  for (int64_t t = 0; t < T; ++t) {
    float* row = s.decay_mask.data() + t * Q;
    const double st = s.cum[t];
#pragma omp simd
    for (int64_t u = 0; u <= t; ++u) row[u] = cb[t * Q + u] * vexp(static_cast<float>(st - s.cum[u]));
    for (int64_t u = t + 1; u < T; ++u) row[u] = 0.f;
  }
  gemm_f32(false, false, T, P, T, 1.f, s.decay_mask.data(), Q, s.xdt.data(), P, state_zero ? 0.f : 1.f, y, xs);
  if (p.D) {
    const float dh = p.D[h];
    for (int64_t t = 0; t < T; ++t)
#pragma omp simd
      for (int64_t i = 0; i < P; ++i) y[t * xs + i] += dh * x[t * xs + i];
  }
  // State update.
  const double last = s.cum[T - 1];
  for (int64_t t = 0; t < T; ++t) {
    const float w = static_cast<float>(std::exp(last - s.cum[t]));
#pragma omp simd
    for (int64_t i = 0; i < P; ++i) s.xw[t * P + i] = s.xdt[t * P + i] * w;
  }
  const float total = static_cast<float>(std::exp(last));
  if (state_zero) {
    gemm_f32(true, false, P, N, T, 1.f, s.xw.data(), P, Bc, bs, 0.f, state, N);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < P * N; ++i) state[i] *= total;
    gemm_f32(true, false, P, N, T, 1.f, s.xw.data(), P, Bc, bs, 1.f, state, N);
  }
}

}  // namespace

void ssd_scan_chunked(const SsdParams& p) {
  const int64_t Bt = p.batch, H = p.heads, P = p.head_dim, N = p.state, G = p.groups, L = p.length;
  const int64_t Q = std::max<int64_t>(1, std::min(p.chunk, L));
  SsdParams q = p;
  q.chunk = Q;
  // States: the caller's (carried) or a zero-initialised local one.
  std::vector<float> local_state;
  float* states = p.state_io;
  bool zero = false;
  if (!states) {
    local_state.assign(Bt * H * P * N, 0.f);
    states = local_state.data();
    zero = true;
  }
  // No barriers: each thread owns a fixed range of (batch, head) pairs and walks all chunks for
  // them, recomputing C B^T only when its next head belongs to another (batch, group). On a busy
  // machine a per-chunk barrier costs a scheduler time slice whenever a thread is descheduled.
  const int64_t pairs = Bt * H;
#pragma omp parallel if (pairs > 1 && L * pairs * P * N > (1 << 16))
  {
    const int64_t nth = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t begin = pairs * tid / nth, end = pairs * (tid + 1) / nth;
    HeadScratch scratch(Q, P);
    std::vector<float> cb(end > begin ? Q * Q : 0);
    for (int64_t t0 = 0; t0 < L && end > begin; t0 += Q) {
      const int64_t T = std::min(Q, L - t0);
      int64_t cb_of = -1;
      for (int64_t bh = begin; bh < end; ++bh) {
        const int64_t b = bh / H, g = bh % H / (H / G);
        if (b * G + g != cb_of) {
          cb_of = b * G + g;
          const float* Cc = p.C + ((b * L + t0) * G + g) * N;
          const float* Bc = p.B + ((b * L + t0) * G + g) * N;
          gemm_f32(false, true, T, T, N, 1.f, Cc, G * N, Bc, G * N, 0.f, cb.data(), Q);
        }
        ssd_head_chunk(q, b, bh % H, t0, T, cb.data(), states + bh * P * N, zero && t0 == 0, scratch);
      }
    }
  }
}

void ssd_scan_sequential(const SsdParams& p) {
  const int64_t Bt = p.batch, H = p.heads, P = p.head_dim, N = p.state, G = p.groups, L = p.length;
#pragma omp parallel for
  for (int64_t bh = 0; bh < Bt * H; ++bh) {
    const int64_t b = bh / H, h = bh % H, g = h / (H / G);
    std::vector<double> S(P * N, 0.0);
    if (p.state_io)
      for (int64_t i = 0; i < P * N; ++i) S[i] = p.state_io[bh * P * N + i];
    for (int64_t t = 0; t < L; ++t) {
      const double dt = p.dt[(b * L + t) * H + h];
      const double decay = std::exp(dt * p.A[h]);
      const float* x = p.x + ((b * L + t) * H + h) * P;
      const float* Bt_ = p.B + ((b * L + t) * G + g) * N;
      const float* Ct = p.C + ((b * L + t) * G + g) * N;
      float* y = p.y + ((b * L + t) * H + h) * P;
      for (int64_t i = 0; i < P; ++i) {
        double acc = 0;
        for (int64_t n = 0; n < N; ++n) {
          double& s = S[i * N + n];
          s = decay * s + dt * x[i] * Bt_[n];
          acc += s * Ct[n];
        }
        y[i] = static_cast<float>(acc + (p.D ? double(p.D[h]) * x[i] : 0.0));
      }
    }
    if (p.state_io)
      for (int64_t i = 0; i < P * N; ++i) p.state_io[bh * P * N + i] = static_cast<float>(S[i]);
  }
}

}  // namespace spindle::cpu
