// CPU kernels for the state-space scans and attention (declared in kernels/ops.h). Each takes one
// plain params struct of pointers and sizes; kernels/ops_scan.cpp checks shapes and fills it.
#pragma once

#include <cstdint>

namespace spindle::cpu {

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
void selective_scan(const SelectiveScanParams& p);

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
void ssd_scan_chunked(const SsdParams& p);
void ssd_scan_sequential(const SsdParams& p);

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
void attention(const AttentionParams& p);

}  // namespace spindle::cpu
