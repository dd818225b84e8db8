// The op catalogue: every numerical op is a free function on tensors. Each checks shapes and
// dtypes, then runs the kernel of the device its tensors live on, found through the one dispatch
// (kernels_for in kernels/kernels.h, generated from the op table kernels/op_table.h). A backend
// without the kernel is an error naming the op, dtype and device, never a silent fallback.
// Unless stated, inputs are f32, contiguous, row-major, all on one device.
#pragma once

#include <cstdint>

#include "kernels/tensor.h"

namespace spindle::ops {

// ---- GEMM (oneDNN) ---------------------------------------------------------------------------
// Row-major C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, op = transpose when t* is true.
void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
// Same with bf16 inputs (raw uint16 bits) and f32 accumulation/output.
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc);

// Row-major C[M,N] = A[M,K] * B[N,K]^T in exact int32 arithmetic, CPU only (a device pointer is an
// Error). Inputs must lie in [-64, 63]: without VNNI, oneDNN sums pairs of u8*s8 products in int16
// (A is shifted by 128 internally), which stays exact only for operands this small.
void gemm_s8s8s32_nt(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
                     int32_t* c, int64_t ldc);

// y[..., N] = x[..., K] @ weight[N, K]^T (+ bias[N]). The PyTorch nn.Linear convention. A bf16
// weight rounds x to bf16 and accumulates in f32 (the mixed-precision path of the GEMM-heavy layers).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias = nullptr);
// As linear, writing into `out` (shape [..., N]); beta = 1 accumulates into out.
void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out, float beta = 0.f);
// 2-D matrix product with optional transposes.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// ---- norms and activations (over the last dimension) -------------------------------------------
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor* bias, float eps);
Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps);
void gelu_erf_(Tensor& x);   // in place: 0.5 x (1 + erf(x / sqrt 2))
void gelu_tanh_(Tensor& x);  // in place: 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))
void silu_(Tensor& x);       // in place: x * sigmoid(x)
void softplus_(Tensor& x);   // in place: log(1 + e^x), linear above 20 as PyTorch does
void softmax_(Tensor& x);    // in place over the last dimension
void add_(Tensor& x, const Tensor& y);  // in place x += y, same shape
void mul_(Tensor& x, const Tensor& y);  // in place x *= y, same shape (gates)
void scale_(Tensor& x, float s);        // in place x *= s
// In place x[r, :] *= row_scale[r], x seen as [rows, last dimension] (masks, per-token rescaling).
void scale_rows_(Tensor& x, const Tensor& row_scale);
// Rotary position embedding in place on x [rows, heads, head_dim] (RotaryParams in
// kernels/kernel_params.h): row r sits at position pos0 + (period > 0 ? r % period : r).
void rotary_(Tensor& x, const Tensor& inv_freq, int64_t rotary_dim, int64_t pos0, int64_t period, bool interleaved);

// ---- lookups and convolutions ----------------------------------------------------------------
// ids (i64, any shape S) -> [S..., D] rows of table [V, D]. Throws Error for an id outside [0, V).
Tensor embedding(const Tensor& ids, const Tensor& table);
// Causal depthwise conv over time, channels last: x [B, L, C], weight [C, K], bias [C] or null.
// y[b,t,c] = bias[c] + sum_k weight[c,k] * x[b, t-K+1+k, c] (zero left padding).
Tensor causal_conv1d(const Tensor& x, const Tensor& weight, const Tensor* bias);
// Linear causal convolution of each row through FFT: u [N, L], k [N, L] (or [L], shared by rows)
// -> y [N, L], y[n,t] = sum_{s<=t} k[n,s] u[n,t-s]. Any L; FFT plans are cached per size.
Tensor fft_conv(const Tensor& u, const Tensor& k);
// The FFT size used for a linear convolution of length L (smallest 2^a 3^b 5^c 7^d >= 2L - 1).
int64_t fft_conv_size(int64_t length);

}  // namespace spindle::ops

// ---- state-space scans and attention (Mamba, Mamba2, hybrids; kernels/ops_scan.cpp) ------------
namespace spindle::ops {

// Mamba selective scan (MODELS.md 2.3), time-major. Shapes, with batch Bt, length L, channels D,
// state N, groups G (channel d reads group d / (D/G)):
//   x, delta [Bt, L, D] (delta already softplus'd), A [D, N] (negative), B, C [Bt, L, G, N],
//   D_skip [D] or null, z [Bt, L, D] or null (gate: y *= silu(z)),
//   state [Bt, D, N] or null: the SSM state before the first step, overwritten with the state after
//   the last one (so a long sequence can be scanned chunk by chunk). Null starts from zero.
// Returns y [Bt, L, D]: h_t = exp(delta_t A) h_{t-1} + delta_t B_t x_t, y_t = C_t h_t + D x_t.
// Accumulates in f32 like mamba_ssm; every channel is independent, threads split channels.
Tensor selective_scan(const Tensor& x, const Tensor& delta, const Tensor& A, const Tensor& B, const Tensor& C,
                      const Tensor* D_skip, const Tensor* z, Tensor* state);

// Mamba2 state-space dual (MODELS.md 3.2), chunked algorithm with chunk length `chunk` (any L: the
// last chunk is simply shorter, which is what padding with delta = 0 computes). Shapes:
//   x [Bt, L, H, P], dt [Bt, L, H] (after softplus and clamping), A [H] (negative),
//   B, C [Bt, L, G, N] (head h reads group h / (H/G)), D_skip [H] or null,
//   state [Bt, H, P, N] or null: carried across calls as for selective_scan.
// Returns y [Bt, L, H, P] = SSD(x) + D x (no gating). Cumulative decays are summed in f64.
Tensor ssd_scan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                const Tensor* D_skip, Tensor* state, int64_t chunk = 256);
// The same function by the sequential recurrence S_t = exp(dt A) S_{t-1} + dt x_t B_t^T,
// y_t = S_t C_t + D x_t, accumulated in f64. O(L P N) per head and slow: the reference for tests.
Tensor ssd_scan_sequential(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                           const Tensor* D_skip, Tensor* state);

// Scaled dot-product attention, tiled with an online softmax (FlashAttention-2 work partitioning:
// threads split (batch, head, query block); each walks the key blocks once keeping a running max
// and sum), so memory is O(L) and never O(Lq Lk).
//   q [Bt, Lq, H, Dh], k, v [Bt, Lk, Hkv, Dh] with H % Hkv == 0 (GQA: kv head j / (H/Hkv) serves
//   query head j), scale: multiplies q.k (usually 1/sqrt(Dh)).
//   causal: query i sits at position i + (Lk - Lq) and sees keys j <= that position, i.e. the
//   queries are the last Lq of the Lk positions (Lq == Lk: ordinary causal; Lq < Lk: a KV cache).
//   key_mask: u8 [Bt, Lk] or null; 0 masks that key for every query of that batch row.
// Returns [Bt, Lq, H, Dh]. A query that sees no key at all gets zeros.
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal,
                 const Tensor* key_mask = nullptr);
// The same function with bf16 tensor-core products (inputs rounded to bf16 while staged, softmax and
// accumulation in f32): ~1e-2 relative error instead of ~1e-6, for speed. CUDA only (sm_80+),
// head_dim 64 or 128; supports_bf16_attention() says whether this call would run.
Tensor attention_bf16(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal,
                      const Tensor* key_mask = nullptr);
bool supports_bf16_attention(Device device, int64_t head_dim);

}  // namespace spindle::ops

// ---- axial attention (MSA Transformer, MODELS.md 6; kernels/axial_attention_ops.cpp) -----------
namespace spindle::ops {

// Tied row attention: one attention map per head, shared by every row of the MSA, whose logits
// are a sum over rows. It runs in three steps so a deep MSA can be processed in row chunks (the
// logits of each chunk add into the same map, which gives exactly the unchunked result):
//   axial_row_logits: q, k [R, C, H, Dh] (one chunk of rows) -> logits [H, C, C] with
//     logits[h,i,j] (+)= scale * sum_r q[r,i,h,:] . k[r,j,h,:]; accumulate adds to `logits`.
//   axial_row_softmax_: key columns with key_mask[j] == 0 (u8 [C], or null) are set to
//     mask_value (fair-esm uses -10000, not -inf), then softmax over j, in place.
//   axial_row_apply: probs [H, C, C], v [R, C, H, Dh] -> out [R, C, H, Dh],
//     out[r,i,h,:] = sum_j probs[h,i,j] v[r,j,h,:].
void axial_row_logits(const Tensor& q, const Tensor& k, float scale, Tensor& logits, bool accumulate);
void axial_row_softmax_(Tensor& logits, const Tensor* key_mask, float mask_value);
Tensor axial_row_apply(const Tensor& probs, const Tensor& v);
// The three steps over all rows at once: q, k, v [R, C, H, Dh] -> [R, C, H, Dh].
Tensor axial_row_attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale, const Tensor* key_mask,
                           float mask_value = -10000.f);

}  // namespace spindle::ops

// ---- Hyena operator and filter (HyenaDNA; kernels/ops_hyena.cpp) -------------------------------
// The steps of HyenaDNA's operator between its GEMMs and FFT convolutions (MODELS.md 1.4). The
// operator processes channels in groups, so most take an output buffer the caller reuses.
namespace spindle::ops {

// The block pre-norm's statistics of x [rows, D]: [rows, 2] = (mean, 1/sqrt(var + eps)) per row,
// accumulated in f64 as layer_norm does. Computed once per layer so each channel group only applies
// them (hyena_prenorm_apply); together the two equal layer_norm(x, weight, &bias, eps).
Tensor hyena_prenorm_stats(const Tensor& x, float eps);
// out [rows, D] = (x - mean) * inv_std * weight + bias, stats [rows, 2] from hyena_prenorm_stats
// (a row slice of it for a row slice of x).
void hyena_prenorm_apply(const Tensor& x, const Tensor& stats, const Tensor& weight, const Tensor& bias, Tensor& out);
// Short causal depthwise conv of x [L, C] (position-major) with weight [C, K], bias [C], written
// channel-major: out [C, L], out[c, t] = bias[c] + sum_j weight[c, j] * x[t - K + 1 + j, c].
void hyena_short_conv_transpose(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& out);
// In place v [R, L] = conv [R, L] + skip[r] * v: the long convolution plus its "D" skip term.
void hyena_conv_skip_(Tensor& v, const Tensor& conv, const Tensor& skip);
// The output gate, back to position-major: y[t, col0 + c] = v[c, t] * gate[c, t] for v, gate
// [C, L] and y [L, D] (columns [col0, col0 + C) of y are written, the rest untouched).
void hyena_gate_transpose(const Tensor& v, const Tensor& gate, Tensor& y, int64_t col0);
// The implicit filter's sine MLP, evaluated in f64 (sin(w x) with w ~ 10 amplifies f32 rounding):
// z [L, E] positional features; `layers` Linear layers, each followed by sin(freq * .), packed as
// weights [F*E + (layers-1)*F*F] (layer 0 [F, E], then [F, F] each, row-major) and biases
// [layers, F]; freq [F]. Returns the last hidden layer [L, F], rounded to f32.
Tensor hyena_filter_mlp(const Tensor& z, const Tensor& weights, const Tensor& biases, const Tensor& freq);
// The filters' last projection with the exponential decay window, channel-major:
// k[r, t] = (weight[r, :] . hidden[t, :]) * (exp(-t_pos[t] * |decay_rate[r]|) + shift), window in f64.
// hidden [L, F], weight [R, F], decay_rate [R], t_pos [L] -> k [R, L].
Tensor hyena_filter_project(const Tensor& hidden, const Tensor& weight, const Tensor& decay_rate, const Tensor& t_pos,
                            double shift);

}  // namespace spindle::ops

// ---- Mamba family, hybrid attention layer, Caduceus (kernels/ops_mamba.cpp) ---------------------
namespace spindle::ops {

// mamba_ssm RMSNormGated (MODELS.md 3.2) over y [T, C], per group of `group_size` channels
// (C % group_size == 0; HF's MambaRMSNormGated is group_size = C): rmsnorm(y * silu(z)) * weight
// (norm_before_gate false, the default) or rmsnorm(y) * weight * silu(z). z [T, C] or null (plain
// grouped RMSNorm), weight [C]. Sums of squares in f64. Returns [T, C].
Tensor gated_rms_norm(const Tensor& y, const Tensor* z, const Tensor& weight, int64_t group_size, float eps,
                      bool norm_before_gate = false);

// Column blocks of row-major matrices (tensors seen as [rows, last dimension], same rows):
//   copy_columns_: dst[:, dst_c0 : dst_c0 + width] = (or +=, accumulate) src[:, src_c0 : src_c0 + width];
//   columns: src[:, c0 : c0 + width] as a new contiguous [rows, width] tensor (qkv -> q, k, v);
//   concat_columns: [a | b], a [rows, A], b [rows, B] -> [rows, A + B] (out_proj over joined parts).
void copy_columns_(const Tensor& src, int64_t src_c0, int64_t width, Tensor& dst, int64_t dst_c0,
                   bool accumulate = false);
Tensor columns(const Tensor& src, int64_t c0, int64_t width);
Tensor concat_columns(const Tensor& a, const Tensor& b);

// x [T, C] reversed over time (rows) and/or channels (columns), as a new tensor: Caduceus' flip_L
// (flip_rows) and its reverse-complement flip_{L,C} (both).
Tensor flip(const Tensor& x, bool flip_rows, bool flip_cols);

// Mamba2's step sizes in place: dt [T, H] = clamp(softplus(dt + bias[H]), lo, hi), softplus linear
// above 20 as PyTorch's (lo = 0, hi = inf: no dt_limit).
void dt_softplus_(Tensor& dt, const Tensor& bias, float lo, float hi);

// y[t, c] += scale[c] * x[t, c] for y, x [T, C], scale [C] (a per-channel D skip).
void add_scaled_columns_(Tensor& y, const Tensor& x, const Tensor& scale);

}  // namespace spindle::ops

// ---- MSA Transformer (kernels/ops_msa.cpp) -------------------------------------------------------
namespace spindle::ops {

// x[index[i], :] += src[i, :] for i < n, x [rows, cols], src [n, cols], index i64 [n] with distinct
// entries in [0, rows) (checked on the host side by the caller that built it). The scatter twin of
// embedding()'s gather: together they move the MSA's column blocks to [C, R, D] and back.
void index_add_rows_(Tensor& x, const Tensor& index, const Tensor& src);
}  // namespace spindle::ops
