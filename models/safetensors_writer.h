// Writes float32 tensors as a safetensors file (the format `spindle embed --pool none` uses, and
// what bench/ tools write weights with). Atomic: temporary file, then rename.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kernels/tensor.h"

namespace spindle {

// Tensors are written in the given order; names must be unique (Error otherwise).
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors);

}  // namespace spindle
