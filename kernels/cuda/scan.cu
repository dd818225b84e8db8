// State-space scans on the GPU: the Mamba selective scan and the Mamba2 SSD, twins of
// kernels/cpu/selective_scan.cpp and kernels/cpu/ssd_scan.cpp.
//
// Both recurrences are linear in the state, h_t = a_t h_{t-1} + b_t, so time splits into chunks:
// (1) each chunk is scanned from a zero state, giving its end state and its total decay;
// (2) a short sequential pass over chunks turns those into each chunk's carried-in state
//     (carry = decay_c carry + end_c), starting from the caller's state;
// (3) each chunk is scanned again (selective scan) or evaluated in closed form (SSD) from its
//     carried-in state, writing y. The last chunk writes the caller's state back.
// That gives parallelism over (batch, channel or head, chunk) instead of (batch, channel) alone,
// which for one 131k-token sequence is the difference between ~1.5k and ~300k threads.
#include <cfloat>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

// ---- selective scan ------------------------------------------------------------------------
// Thread layout: consecutive threads take consecutive channels d, so x, delta, z and y accesses
// coalesce and B_t, C_t (shared by the channels of a group) are broadcast.
// Chunk-state layout [batch, chunk, n, channel], dt sums [batch, chunk, channel].

template <int kMaxN>
__global__ void ss_chunk_end(SelectiveScanParams p, int64_t chunk_len, int64_t chunks, float* chunk_state,
                             float* dt_sum) {
  const int64_t Dc = p.channels, N = p.state, L = p.length, G = p.groups;
  const int64_t total = p.batch * chunks * Dc;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t d = i % Dc, c = i / Dc % chunks, b = i / (Dc * chunks), g = d / (Dc / G);
    float a[kMaxN], h[kMaxN];
#pragma unroll
    for (int n = 0; n < kMaxN; ++n) {
      a[n] = n < N ? p.A[d * N + n] : 0.f;
      h[n] = 0.f;
    }
    float sum = 0.f;
    const int64_t t_end = min(L, (c + 1) * chunk_len);
    for (int64_t t = c * chunk_len; t < t_end; ++t) {
      const int64_t row = (b * L + t) * Dc + d;
      const float dt = p.delta[row], dx = dt * p.x[row];
      const float* Bt = p.B + ((b * L + t) * G + g) * N;
      sum += dt;
#pragma unroll
      for (int n = 0; n < kMaxN; ++n)
        if (n < N) h[n] = expf(dt * a[n]) * h[n] + dx * Bt[n];
    }
#pragma unroll
    for (int n = 0; n < kMaxN; ++n)
      if (n < N) chunk_state[((b * chunks + c) * N + n) * Dc + d] = h[n];
    dt_sum[(b * chunks + c) * Dc + d] = sum;
  }
}

// Rewrites chunk_state[c] from "end state of chunk c scanned from zero" to "state entering chunk c".
__global__ void ss_carry(SelectiveScanParams p, int64_t chunks, float* chunk_state, const float* dt_sum) {
  const int64_t Dc = p.channels, N = p.state;
  const int64_t total = p.batch * N * Dc;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t d = i % Dc, n = i / Dc % N, b = i / (Dc * N);
    const float a = p.A[d * N + n];
    float carry = p.state_io ? p.state_io[(b * Dc + d) * N + n] : 0.f;
    for (int64_t c = 0; c < chunks; ++c) {
      float* slot = chunk_state + ((b * chunks + c) * N + n) * Dc + d;
      const float end = *slot;
      *slot = carry;
      carry = expf(a * dt_sum[(b * chunks + c) * Dc + d]) * carry + end;
    }
  }
}

// The output pass; chunk_state null means one chunk starting from the caller's state (or zero).
template <int kMaxN>
__global__ void ss_chunk_out(SelectiveScanParams p, int64_t chunk_len, int64_t chunks,
                             const float* chunk_state) {
  const int64_t Dc = p.channels, N = p.state, L = p.length, G = p.groups;
  const int64_t total = p.batch * chunks * Dc;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t d = i % Dc, c = i / Dc % chunks, b = i / (Dc * chunks), g = d / (Dc / G);
    float* state = p.state_io ? p.state_io + (b * Dc + d) * N : nullptr;
    float a[kMaxN], h[kMaxN];
#pragma unroll
    for (int n = 0; n < kMaxN; ++n) {
      a[n] = n < N ? p.A[d * N + n] : 0.f;
      h[n] = n >= N ? 0.f : chunk_state ? chunk_state[((b * chunks + c) * N + n) * Dc + d] : state ? state[n] : 0.f;
    }
    const float dskip = p.D ? p.D[d] : 0.f;
    const int64_t t_end = min(L, (c + 1) * chunk_len);
    for (int64_t t = c * chunk_len; t < t_end; ++t) {
      const int64_t row = (b * L + t) * Dc + d;
      const float dt = p.delta[row], xv = p.x[row], dx = dt * xv;
      const float* Bt = p.B + ((b * L + t) * G + g) * N;
      const float* Ct = p.C + ((b * L + t) * G + g) * N;
      float y = 0.f;
#pragma unroll
      for (int n = 0; n < kMaxN; ++n)
        if (n < N) {
          h[n] = expf(dt * a[n]) * h[n] + dx * Bt[n];
          y += h[n] * Ct[n];
        }
      y += dskip * xv;
      if (p.z) {
        const float zv = p.z[row];
        y *= zv / (1.f + expf(-zv));
      }
      p.y[row] = y;
    }
    if (state && c == chunks - 1)
#pragma unroll
      for (int n = 0; n < kMaxN; ++n)
        if (n < N) state[n] = h[n];
  }
}

template <int kMaxN>
void selective_scan_n(const SelectiveScanParams& p) {
  const int64_t lanes = p.batch * p.channels;
  // Enough (batch, channel, chunk) threads to fill an H100/H200 several times, chunks >= 32 steps.
  constexpr int64_t kTargetThreads = 1 << 19;
  const int64_t max_chunks = std::max<int64_t>(1, p.length / 32);
  const int64_t chunks = std::clamp<int64_t>(kTargetThreads / std::max<int64_t>(lanes, 1), 1, max_chunks);
  const int64_t chunk_len = (p.length + chunks - 1) / chunks;
  const int64_t used = (p.length + chunk_len - 1) / chunk_len;  // rounding may leave fewer chunks
  if (used == 1) {
    ss_chunk_out<kMaxN><<<grid_for(lanes), kThreads>>>(p, chunk_len, 1, nullptr);
    SPINDLE_CUDA_LAUNCH_CHECK();
    return;
  }
  DeviceBuffer states(p.batch * used * p.state * p.channels * sizeof(float));
  DeviceBuffer sums(p.batch * used * p.channels * sizeof(float));
  ss_chunk_end<kMaxN><<<grid_for(lanes * used), kThreads>>>(p, chunk_len, used, states.as<float>(), sums.as<float>());
  SPINDLE_CUDA_LAUNCH_CHECK();
  ss_carry<<<grid_for(lanes * p.state), kThreads>>>(p, used, states.as<float>(), sums.as<float>());
  SPINDLE_CUDA_LAUNCH_CHECK();
  ss_chunk_out<kMaxN><<<grid_for(lanes * used), kThreads>>>(p, chunk_len, used, states.as<float>());
  SPINDLE_CUDA_LAUNCH_CHECK();
}

// ---- SSD -------------------------------------------------------------------------------------
// One block per (chunk, head, batch). Shared memory holds the chunk's operands; T (the GPU chunk)
// is the largest of 64/32/16/8 whose tiles fit. Chunk states: [batch, head, chunk, P, N].

struct SsdLayout {
  int64_t T, P, N;
  // cum (f64) | dt | C [T][N] | B [T][N + 1] | xdt [T][P] | M [T][T] | S [P][N + 1]. B and S rows are
  // padded by one float so threads walking down a column hit different banks.
  size_t bytes() const { return T * 8 + 4 * (T + T * N + T * (N + 1) + T * P + T * T + P * (N + 1)); }
};

// Per-chunk cumulative decay S_t = sum_{u<=t} dt_u A_h in f64 (as the CPU twin), and dt.
__device__ int64_t ssd_load_cum(const SsdParams& p, int64_t b, int64_t h, int64_t t0, int64_t T, double* cum,
                                float* dtv) {
  const int64_t H = p.heads, L = p.length;
  const int64_t len = min(T, L - t0);
  for (int64_t t = threadIdx.x; t < len; t += blockDim.x) dtv[t] = p.dt[(b * L + t0 + t) * H + h];
  __syncthreads();
  if (threadIdx.x == 0) {
    double run = 0;
    const double a = p.A[h];
    for (int64_t t = 0; t < len; ++t) cum[t] = (run += static_cast<double>(dtv[t]) * a);
  }
  __syncthreads();
  return len;
}

// Phase 1: chunk end state from zero, sum_s exp(S_last - S_s) dt_s x_s B_s^T, and exp(S_last).
__global__ void ssd_chunk_state(SsdParams p, SsdLayout lay, int64_t chunks, float* chunk_state, float* decay) {
  extern __shared__ double smem_d[];
  const int64_t T = lay.T, P = p.head_dim, N = p.state, H = p.heads, G = p.groups, L = p.length;
  const int64_t c = blockIdx.x, h = blockIdx.y, b = blockIdx.z, g = h / (H / G), t0 = c * T;
  double* cum = smem_d;
  float* dtv = reinterpret_cast<float*>(cum + T);
  float* Bs = dtv + T + T * N;  // same offsets as the output kernel (C tile unused here)
  float* xw = Bs + T * (N + 1);
  const int64_t len = ssd_load_cum(p, b, h, t0, T, cum, dtv);
  const double last = cum[len - 1];
  for (int64_t i = threadIdx.x; i < len * N; i += blockDim.x) {
    const int64_t t = i / N, n = i % N;
    Bs[t * (N + 1) + n] = p.B[((b * L + t0 + t) * G + g) * N + n];
  }
  for (int64_t i = threadIdx.x; i < len * P; i += blockDim.x) {
    const int64_t t = i / P, q = i % P;
    const float xdt = p.x[((b * L + t0 + t) * H + h) * P + q] * dtv[t];
    xw[i] = xdt * static_cast<float>(exp(last - cum[t]));
  }
  __syncthreads();
  float* out = chunk_state + ((b * H + h) * chunks + c) * P * N;
  for (int64_t i = threadIdx.x; i < P * N; i += blockDim.x) {
    const int64_t q = i / N, n = i % N;
    float acc = 0.f;
    for (int64_t t = 0; t < len; ++t) acc += xw[t * P + q] * Bs[t * (N + 1) + n];
    out[i] = acc;
  }
  if (threadIdx.x == 0) decay[(b * H + h) * chunks + c] = static_cast<float>(exp(last));
}

// Phase 2: chunk_state[c] becomes the state entering chunk c; the caller's state gets the final one.
__global__ void ssd_state_pass(SsdParams p, int64_t chunks, float* chunk_state, const float* decay) {
  const int64_t PN = p.head_dim * p.state, total = p.batch * p.heads * PN;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t bh = i / PN, e = i % PN;
    float carry = p.state_io ? p.state_io[i] : 0.f;
    for (int64_t c = 0; c < chunks; ++c) {
      float* slot = chunk_state + (bh * chunks + c) * PN + e;
      const float end = *slot;
      *slot = carry;
      carry = decay[bh * chunks + c] * carry + end;
    }
    if (p.state_io) p.state_io[i] = carry;
  }
}

// Phase 3: y_t = exp(S_t) C_t S_in^T + sum_{s<=t} (C_t . B_s) exp(S_t - S_s) dt_s x_s + D x_t.
__global__ void ssd_chunk_output(SsdParams p, SsdLayout lay, int64_t chunks, const float* chunk_state) {
  extern __shared__ double smem_d[];
  const int64_t T = lay.T, P = p.head_dim, N = p.state, H = p.heads, G = p.groups, L = p.length;
  const int64_t c = blockIdx.x, h = blockIdx.y, b = blockIdx.z, g = h / (H / G), t0 = c * T;
  double* cum = smem_d;
  float* dtv = reinterpret_cast<float*>(cum + T);
  float* Cs = dtv + T;
  float* Bs = Cs + T * N;
  float* xdt = Bs + T * (N + 1);
  float* M = xdt + T * P;
  float* S = M + T * T;
  const int64_t len = ssd_load_cum(p, b, h, t0, T, cum, dtv);
  for (int64_t i = threadIdx.x; i < len * N; i += blockDim.x) {
    const int64_t t = i / N, n = i % N, src = ((b * L + t0 + t) * G + g) * N + n;
    Cs[i] = p.C[src];
    Bs[t * (N + 1) + n] = p.B[src];
  }
  for (int64_t i = threadIdx.x; i < len * P; i += blockDim.x) {
    const int64_t t = i / P, q = i % P;
    xdt[i] = p.x[((b * L + t0 + t) * H + h) * P + q] * dtv[t];
  }
  const float* state_in = chunk_state + ((b * H + h) * chunks + c) * P * N;
  for (int64_t i = threadIdx.x; i < P * N; i += blockDim.x) S[(i / N) * (N + 1) + i % N] = state_in[i];
  __syncthreads();
  for (int64_t i = threadIdx.x; i < len * len; i += blockDim.x) {
    const int64_t t = i / len, s = i % len;
    float v = 0.f;
    if (s <= t) {
      float dot = 0.f;
      for (int64_t n = 0; n < N; ++n) dot += Cs[t * N + n] * Bs[s * (N + 1) + n];
      v = dot * expf(static_cast<float>(cum[t] - cum[s]));
    }
    M[t * T + s] = v;
  }
  __syncthreads();
  const float dskip = p.D ? p.D[h] : 0.f;
  for (int64_t i = threadIdx.x; i < len * P; i += blockDim.x) {
    const int64_t t = i / P, q = i % P;
    float carried = 0.f;
    for (int64_t n = 0; n < N; ++n) carried += Cs[t * N + n] * S[q * (N + 1) + n];
    float acc = carried * static_cast<float>(exp(cum[t]));
    for (int64_t s = 0; s <= t; ++s) acc += M[t * T + s] * xdt[s * P + q];
    const int64_t at = ((b * L + t0 + t) * H + h) * P + q;
    p.y[at] = acc + dskip * p.x[at];
  }
}

}  // namespace

void selective_scan(const SelectiveScanParams& p) {
  if (p.batch == 0 || p.length == 0 || p.channels == 0) return;
  if (p.state <= 4) selective_scan_n<4>(p);
  else if (p.state <= 8) selective_scan_n<8>(p);
  else if (p.state <= 16) selective_scan_n<16>(p);
  else if (p.state <= 32) selective_scan_n<32>(p);
  else if (p.state <= 64) selective_scan_n<64>(p);
  else throw Error("selective_scan: the CUDA kernel keeps the state in registers and supports state <= 64, got " +
                   std::to_string(p.state));
}

void ssd_scan_chunked(const SsdParams& p) {
  if (p.batch == 0 || p.length == 0 || p.heads == 0) return;
  const int64_t limit = max_shared_bytes();
  SsdLayout lay{64, p.head_dim, p.state};
  while (lay.T > 8 && static_cast<int64_t>(lay.bytes()) > limit) lay.T /= 2;
  if (static_cast<int64_t>(lay.bytes()) > limit)
    throw Error("ssd_scan: head_dim " + std::to_string(p.head_dim) + " x state " + std::to_string(p.state) +
                " does not fit the GPU's shared memory");
  const int64_t chunks = (p.length + lay.T - 1) / lay.T;
  if (chunks > 0x7fffffff || p.heads > 65535 || p.batch > 65535) throw Error("ssd_scan: problem too large for one grid");
  const int smem = static_cast<int>(lay.bytes());
  SPINDLE_CUDA_CHECK(cudaFuncSetAttribute(ssd_chunk_state, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  SPINDLE_CUDA_CHECK(cudaFuncSetAttribute(ssd_chunk_output, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  const int64_t PN = p.head_dim * p.state;
  DeviceBuffer states(p.batch * p.heads * chunks * PN * sizeof(float));
  DeviceBuffer decay(p.batch * p.heads * chunks * sizeof(float));
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  ssd_chunk_state<<<grid, kThreads, smem>>>(p, lay, chunks, states.as<float>(), decay.as<float>());
  SPINDLE_CUDA_LAUNCH_CHECK();
  ssd_state_pass<<<grid_for(p.batch * p.heads * PN), kThreads>>>(p, chunks, states.as<float>(), decay.as<float>());
  SPINDLE_CUDA_LAUNCH_CHECK();
  ssd_chunk_output<<<grid, kThreads, smem>>>(p, lay, chunks, states.as<float>());
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
