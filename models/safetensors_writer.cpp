#include "models/safetensors_writer.h"

#include <nlohmann/json.hpp>
#include <set>

#include "kernels/io/output_file.h"

namespace spindle {

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  OutputFile out(path);
  write_safetensors(out, tensors);
  out.commit();
}

void write_safetensors(OutputFile& out, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  const std::string& path = out.path();
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  std::set<std::string> seen;
  size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (!seen.insert(name).second) throw Error(path + ": duplicate tensor name '" + name + "'");
    SPINDLE_ASSERT(t.dtype() == DType::f32);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';  // keep tensor data 8-byte aligned, as HF writers do
  uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  out.write(len, 8);
  out.write(text);
  for (const auto& [name, t] : tensors) out.write(t.to(Device::cpu).raw(), t.nbytes());
}

}  // namespace spindle
