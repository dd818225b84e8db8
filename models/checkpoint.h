// Checkpoints in the Hugging Face layout: safetensors weights (single file or sharded through
// model.safetensors.index.json) read through a memory map, with bounds checks and name aliases.
// Every error names the file and the problem.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kernels/tensor.h"

namespace spindle {

class MappedFile;

struct TensorEntry {
  std::string name;
  std::string dtype;  // safetensors dtype string: "F32", "BF16", ...
  Shape shape;
  size_t begin = 0, end = 0;  // byte offsets into the data section
  std::shared_ptr<MappedFile> file;
  size_t data_start = 0;  // where the data section starts in the file
};

class Checkpoint {
 public:
  // `path`: a directory (model.safetensors or model.safetensors.index.json inside), a
  // .safetensors file, or a .safetensors.index.json file.
  static Checkpoint open(const std::string& path);

  const std::string& path() const { return path_; }
  // Names stored in the file(s), sorted.
  std::vector<std::string> names() const;
  const std::map<std::string, TensorEntry>& entries() const { return entries_; }

  // Makes `alias` resolve to `target` when `alias` itself is absent (tied or renamed tensors).
  void add_alias(const std::string& alias, const std::string& target);
  bool has(const std::string& name) const;

  // Where get() places the weights (uploaded once, while the model is built) and the dtype
  // get_matrix() stores GEMM weights in (f32, or bf16 for the mixed-precision path).
  void set_placement(Device device, DType matrix_dtype);
  Device device() const { return device_; }

  // The tensor as f32 on device() (F32 data is borrowed from the map when aligned and on the
  // CPU; F16/BF16 are converted). Throws "<file>: missing tensor '<name>'" when absent.
  Tensor get(const std::string& name) const;
  // As get(), and checks the shape: "<file>: tensor '<name>' has shape [..], expected [..]".
  Tensor get(const std::string& name, const Shape& expected) const;
  // As get(name, expected), on the CPU whatever device() is: for weights a constructor rearranges.
  Tensor get_host(const std::string& name, const Shape& expected) const;
  // A GEMM weight [out, in] as the placement's matrix dtype, on device().
  Tensor get_matrix(const std::string& name, const Shape& expected) const;
  // Raw entry (e.g. for int64 buffers); resolves aliases.
  const TensorEntry& entry(const std::string& name) const;

  // Names read through get()/entry() so far; lets `model info` list unexpected tensors.
  const std::set<std::string>& used() const { return used_; }

 private:
  const TensorEntry* find(const std::string& name) const;
  Tensor read_f32(const std::string& name) const;  // on the CPU
  void check_shape(const std::string& name, const Shape& expected) const;
  std::string path_;
  Device device_ = Device::cpu;
  DType matrix_dtype_ = DType::f32;
  std::map<std::string, TensorEntry> entries_;
  std::map<std::string, std::string> aliases_;
  mutable std::set<std::string> used_;
};

// Parses one safetensors file into entries (exposed for tests and fuzzing).
std::map<std::string, TensorEntry> read_safetensors_header(const std::shared_ptr<MappedFile>& file);

}  // namespace spindle
