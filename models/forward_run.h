// One forward-pass run, as `spindle model forward` performs it: load a model, run it on token ids
// read from .npy, and write the requested outputs as .npy, all or none (temporaries renamed
// together at the end). spindle::Error for bad input (ids not integer, out of range, too long).
#pragma once

#include <cstdint>
#include <string>

#include "kernels/run_context.h"

namespace spindle {

struct ForwardRunOptions {
  std::string model_dir;
  std::string ids_path;  // int64 (or int32) .npy [B, L] ([B, R, C] for MSA models)
  // Outputs, "" = not wanted, "-" = stdout. The caller checks that at least one is wanted and that
  // no two name the same file.
  std::string logits_path;  // float32 [B, L, V_padded]
  std::string hidden_path;  // float32 [B, L, D]: after the final norm, or after block `layer`
  std::string layers_path;  // float32 [n_layer + 1, B, L, D]: the residual stream after every block
  int64_t layer = -1;       // -1: final norm; k >= 0: residual stream after block k (0 = embeddings)
  RunContext context;
};

void run_model_forward(const ForwardRunOptions& options);

}  // namespace spindle
