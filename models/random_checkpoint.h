// Random-weight checkpoints in the exact Hugging Face layout, for tests, demos and benchmarks
// (`spindle model init-random`). The weights are random; the structure, key names, positional
// features and config are those of the released models, so every loader path is exercised.
#pragma once

#include <cstdint>
#include <string>

namespace spindle {

struct RandomHyenaSpec {
  int64_t d_model = 128;
  int64_t n_layer = 2;
  int64_t max_seq_len = 1026;
  int64_t d_inner = 0;  // 0: 4 * d_model
  uint64_t seed = 0;
};

// Writes DIR/config.json and DIR/model.safetensors (HyenaDNAForCausalLM keys, untied head).
void write_random_hyenadna(const std::string& dir, const RandomHyenaSpec& spec);

}  // namespace spindle
