// Writes float32 tensors as a safetensors file (the format `spindle embed --pool none` uses, and
// what bench/ tools write weights with). Atomic: temporary file, then rename.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kernels/io/output_file.h"
#include "kernels/tensor.h"

namespace spindle {

// Tensors are written in the given order; names must be unique (Error otherwise).
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors);
// The same into `out` without committing it: for outputs of several files that are all renamed into
// place only once every one of them is written.
void write_safetensors(OutputFile& out, const std::vector<std::pair<std::string, Tensor>>& tensors);

}  // namespace spindle
