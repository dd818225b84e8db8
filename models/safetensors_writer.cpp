#include "models/safetensors_writer.h"

#include <nlohmann/json.hpp>
#include <fstream>
#include <set>
#include <vector>

#include "base/output_file.h"

namespace spindle {

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  OutputFile out(path);
  write_safetensors(out, tensors);
  out.commit();
}

namespace {

// The 8-byte length and the JSON header for tensors stored back to back in the given order.
std::string safetensors_header(const std::vector<std::pair<std::string, Shape>>& entries) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  size_t offset = 0;
  for (const auto& [name, shape] : entries) {
    const size_t bytes = static_cast<size_t>(shape_numel(shape)) * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';  // keep tensor data 8-byte aligned, as HF writers do
  uint64_t n = text.size();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(n >> (8 * i));
  return bytes + text;
}

}  // namespace

void write_safetensors(OutputFile& out, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  std::vector<std::pair<std::string, Shape>> entries;
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    if (!seen.insert(name).second) throw Error(out.path() + ": duplicate tensor name '" + name + "'");
    SPINDLE_ASSERT(t.dtype() == DType::f32);
    entries.emplace_back(name, t.shape());
  }
  out.write(safetensors_header(entries));
  for (const auto& [name, t] : tensors) out.write(t.to(Device::cpu).raw(), t.nbytes());
}

SafetensorsStreamWriter::SafetensorsStreamWriter(OutputFile& out) : out_(out), data_(out.path() + ".data") {}

void SafetensorsStreamWriter::add(const std::string& name, const Tensor& tensor) {
  if (!names_.insert(name).second) throw Error(out_.path() + ": duplicate tensor name '" + name + "'");
  SPINDLE_ASSERT(tensor.dtype() == DType::f32);
  entries_.emplace_back(name, tensor.shape());
  data_.write(tensor.to(Device::cpu).raw(), tensor.nbytes());
}

void SafetensorsStreamWriter::finish() {
  data_.finish();
  out_.write(safetensors_header(entries_));
  std::ifstream in(data_.temp_path(), std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out_.write(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad() || !in.eof()) throw Error(data_.temp_path() + ": cannot read back the streamed tensors");
}

}  // namespace spindle
