// Random-weight ESM-2 and MSA Transformer checkpoints in the layouts spindle loads (HF
// `EsmForMaskedLM`; the clean MSA Transformer names of ../shared/golden/README.md), for tests and
// benchmarks. Weights are random; shapes, key names and config are those of the real models.
#pragma once

#include <cstdint>
#include <string>

namespace spindle {

struct RandomEsmSpec {
  int64_t hidden = 320, layers = 6, heads = 20, ffn = 1280;  // esm2_t6_8M shapes by default
  int64_t max_positions = 1026;  // ESM-2: 1026; MSA Transformer: 1024 (+2 table rows)
  uint64_t seed = 0;
};

// DIR/config.json + DIR/model.safetensors of an ESM-2 (rotary, token dropout, tied decoder omitted).
void write_random_esm2(const std::string& dir, const RandomEsmSpec& spec);
// The same for an MSA Transformer (tied lm_head.weight omitted).
void write_random_msa_transformer(const std::string& dir, const RandomEsmSpec& spec);

}  // namespace spindle
