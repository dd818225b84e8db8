// Plain parameter structs of the kernels that take more than a handful of arguments. They are
// backend-neutral: the CPU kernel and its CUDA twin read the same struct, filled by the dispatch
// (kernels/ops*.cpp) after its shape checks. Every pointer lives on the device the op runs on.
#pragma once

#include <cstdint>

namespace spindle {

struct SelectiveScanParams {
  int64_t batch = 0, length = 0, channels = 0, state = 0, groups = 1;
  const float* x = nullptr;      // [batch, length, channels]
  const float* delta = nullptr;  // [batch, length, channels]
  const float* A = nullptr;      // [channels, state]
  const float* B = nullptr;      // [batch, length, groups, state]
  const float* C = nullptr;      // [batch, length, groups, state]
  const float* D = nullptr;      // [channels] or null
  const float* z = nullptr;      // [batch, length, channels] or null
  float* state_io = nullptr;     // [batch, channels, state] or null (zero start, discarded)
  float* y = nullptr;            // [batch, length, channels]
};

struct SsdParams {
  int64_t batch = 0, length = 0, heads = 0, head_dim = 0, groups = 1, state = 0, chunk = 256;
  const float* x = nullptr;   // [batch, length, heads, head_dim]
  const float* dt = nullptr;  // [batch, length, heads]
  const float* A = nullptr;   // [heads]
  const float* B = nullptr;   // [batch, length, groups, state]
  const float* C = nullptr;   // [batch, length, groups, state]
  const float* D = nullptr;   // [heads] or null
  float* state_io = nullptr;  // [batch, heads, head_dim, state] or null
  float* y = nullptr;         // [batch, length, heads, head_dim]
};

struct AttentionParams {
  int64_t batch = 0, q_len = 0, k_len = 0, heads = 0, kv_heads = 0, head_dim = 0;
  float scale = 1.f;
  bool causal = false;
  const float* q = nullptr;            // [batch, q_len, heads, head_dim]
  const float* k = nullptr;            // [batch, k_len, kv_heads, head_dim]
  const float* v = nullptr;            // [batch, k_len, kv_heads, head_dim]
  const uint8_t* key_mask = nullptr;   // [batch, k_len] or null; 0 = masked
  float* out = nullptr;                // [batch, q_len, heads, head_dim]
};

// MSA Transformer tied row attention: q, k, v, out are [rows, cols, heads, head_dim];
// logits/probs are [heads, cols, cols].
struct AxialRowShape {
  int64_t rows = 0, cols = 0, heads = 0, head_dim = 0;
};

// Rotary position embedding, in place on x [rows, heads, head_dim]. Row r sits at position
// pos0 + (period > 0 ? r % period : r) (period = the sequence length when rows hold a batch of
// sequences). The first rotary_dim features rotate in pairs (i, i + rotary_dim/2), or (2i, 2i+1)
// when interleaved, by angle position * inv_freq[i], the angle product taken in f32 and its
// cos/sin in f64, as the reference implementations do.
struct RotaryParams {
  int64_t rows = 0, heads = 0, head_dim = 0, rotary_dim = 0, pos0 = 0, period = 0;
  bool interleaved = false;
  const float* inv_freq = nullptr;  // [rotary_dim / 2]
  float* x = nullptr;
};

}  // namespace spindle
