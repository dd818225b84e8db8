// NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order): float32, float16, int32, int64, uint8.
// Reading checks magic, header, dtype and that the data fits the file; errors name the file.
#pragma once

#include <string>

#include "base/output_file.h"
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

// Streams a 2-D array [rows, cols] whose row count is known only at the end into `out` (a file,
// not stdout): a header with a placeholder count, the rows as they come, then finish() writes the
// real header in place. The file is byte-identical to write_npy's for the same array. `out` must
// outlive the writer; commit it after finish().
class NpyRowWriter {
 public:
  NpyRowWriter(OutputFile& out, DType dtype, int64_t cols);
  // Appends `n` rows of `cols` elements of the dtype, row-major.
  void append(const void* rows, int64_t n);
  void finish();
  int64_t rows() const { return rows_; }

 private:
  OutputFile& out_;
  DType dtype_;
  int64_t cols_;
  int64_t rows_ = 0;
  size_t header_bytes_;
};

}  // namespace spindle
