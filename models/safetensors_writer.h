// Writes float32 tensors as a safetensors file (the format `spindle embed --pool none` uses, and
// what bench/ tools write weights with). Atomic: temporary file, then rename.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/output_file.h"
#include "kernels/tensor.h"

namespace spindle {

// Tensors are written in the given order; names must be unique (Error otherwise).
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors);
// The same into `out` without committing it: for outputs of several files that are all renamed into
// place only once every one of them is written.
void write_safetensors(OutputFile& out, const std::vector<std::pair<std::string, Tensor>>& tensors);

// Streams f32 tensors into `out` when the header (names, shapes, offsets) is known only after the
// last one: their data go to a scratch file beside `out` ("<out>.data.tmp.<pid>", removed when the
// writer is destroyed) as they are added; finish() writes the header into `out` and copies the
// data after it. Memory holds the names and shapes only. The file is byte-identical to
// write_safetensors's for the same tensors. Commit `out` after finish().
class SafetensorsStreamWriter {
 public:
  explicit SafetensorsStreamWriter(OutputFile& out);
  // Error on a name already added.
  void add(const std::string& name, const Tensor& tensor);
  bool contains(const std::string& name) const { return names_.count(name) > 0; }
  void finish();

 private:
  OutputFile& out_;
  OutputFile data_;
  std::vector<std::pair<std::string, Shape>> entries_;
  std::set<std::string> names_;
};

}  // namespace spindle
