// NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order): float32, float16, int32, int64, uint8.
// Reading checks magic, header, dtype and that the data fits the file; errors name the file.
#pragma once

#include <string>

#include "kernels/io/output_file.h"
#include "kernels/tensor.h"

namespace spindle {

// Reads the whole array into memory.
Tensor read_npy(const std::string& path);
// Writes atomically (temporary + rename); "-" writes to stdout.
void write_npy(const std::string& path, const Tensor& tensor);
// The same into `out` without committing it (several files renamed into place together).
void write_npy(OutputFile& out, const Tensor& tensor);
// The header bytes for an array (used by writers that stream rows).
std::string npy_header(DType dtype, const Shape& shape);

}  // namespace spindle
