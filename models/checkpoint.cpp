#include "models/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/json_number.h"
#include "base/mapped_file.h"

namespace fs = std::filesystem;

namespace spindle {

static size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"U16", 2},
      {"I16", 2},  {"F16", 2}, {"BF16", 2}, {"U32", 4},    {"I32", 4},     {"F32", 4},
      {"U64", 8},  {"I64", 8}, {"F64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::map<std::string, TensorEntry> read_safetensors_header(const std::shared_ptr<MappedFile>& file) {
  const std::string& path = file->path();
  const size_t size = file->size();
  if (size == 0) throw Error(path + ": empty file, expected safetensors");
  if (size < 8) throw Error(path + ": truncated safetensors file (" + std::to_string(size) + " bytes)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file->data()[i];
  if (header_len > size - 8)
    throw Error(path + ": truncated safetensors file (header says " + std::to_string(header_len) +
                " bytes, file has " + std::to_string(size - 8) + ")");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(file->data() + 8, file->data() + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": malformed safetensors header: " + e.what());
  }
  if (!header.is_object()) throw Error(path + ": malformed safetensors header: not a JSON object");

  const size_t data_start = 8 + header_len;
  const size_t data_size = size - data_start;
  std::map<std::string, TensorEntry> entries;
  for (auto& item : header.items()) {
    const std::string& name = item.key();
    const nlohmann::json& value = item.value();
    if (name == "__metadata__") continue;
    auto bad = [&](const std::string& why) { return Error(path + ": tensor '" + name + "': " + why); };
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
        !value.contains("data_offsets"))
      throw bad("malformed header entry (needs dtype, shape, data_offsets)");
    TensorEntry e;
    e.name = name;
    e.file = file;
    e.data_start = data_start;
    try {
      e.dtype = value["dtype"].get<std::string>();
      for (auto& d : value["shape"]) {
        const int64_t v = json_integer<int64_t>(d);
        if (v < 0) throw bad("negative dimension");
        e.shape.push_back(v);
      }
      auto offsets = value["data_offsets"];
      if (!offsets.is_array() || offsets.size() != 2) throw bad("data_offsets must be [begin, end]");
      e.begin = json_integer<size_t>(offsets[0]);
      e.end = json_integer<size_t>(offsets[1]);
    } catch (const nlohmann::json::exception& ex) {
      throw bad(std::string("malformed header entry: ") + ex.what());
    }
    size_t elem = safetensors_dtype_size(e.dtype);
    if (elem == 0) throw bad("unknown dtype '" + e.dtype + "'");
    if (e.begin > e.end || e.end > data_size)
      throw bad("data offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                ") out of range (data section is " + std::to_string(data_size) + " bytes; file truncated?)");
    size_t expect = shape_nbytes(e.shape, elem, path + ": tensor '" + name + "'");
    if (e.end - e.begin != expect)
      throw bad("byte size " + std::to_string(e.end - e.begin) + " does not match " + e.dtype +
                shape_str(e.shape) + " (" + std::to_string(expect) + " bytes)");
    entries.emplace(name, std::move(e));
  }
  // Overlapping ranges mean a corrupt or hostile file.
  std::vector<const TensorEntry*> sorted;
  for (auto& [n, e] : entries) if (e.end > e.begin) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i]->begin < sorted[i - 1]->end)
      throw Error(path + ": tensors '" + sorted[i - 1]->name + "' and '" + sorted[i]->name +
                  "' overlap in the data section");
  return entries;
}

Checkpoint Checkpoint::open(const std::string& path) {
  Checkpoint ckpt;
  ckpt.path_ = path;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    fs::path dir(path);
    if (fs::exists(dir / "model.safetensors")) {
      files.push_back((dir / "model.safetensors").string());
    } else if (fs::exists(dir / "model.safetensors.index.json")) {
      return open((dir / "model.safetensors.index.json").string());
    } else {
      throw Error(path + ": no model.safetensors or model.safetensors.index.json in the directory");
    }
  } else if (path.size() > 5 && path.substr(path.size() - 5) == ".json") {
    auto index_file = MappedFile::open(path);
    nlohmann::json index;
    try {
      index = nlohmann::json::parse(index_file->data(), index_file->data() + index_file->size());
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ": malformed shard index: " + e.what());
    }
    if (!index.contains("weight_map") || !index["weight_map"].is_object())
      throw Error(path + ": shard index has no weight_map");
    // weight_map: tensor name -> shard file name, a file beside the index (never a path: a
    // downloaded index must not make spindle open files elsewhere).
    const fs::path dir = fs::path(path).parent_path();
    std::set<std::string> shards;
    std::map<std::string, std::string> expected_shard;
    for (const auto& item : index["weight_map"].items()) {
      const nlohmann::json& shard = item.value();
      if (!shard.is_string())
        throw Error(path + ": weight_map entry '" + item.key() + "' is not a shard file name");
      const std::string& file = shard.get_ref<const std::string&>();
      if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos ||
          file.find('\0') != std::string::npos)
        throw Error(path + ": weight_map entry '" + item.key() + "': shard '" + file +
                    "' is not a file name in the index's directory");
      shards.insert(file);
      expected_shard[item.key()] = (dir / file).string();
    }
    for (auto& s : shards) files.push_back((dir / s).string());
    for (auto& f : files) {
      auto entries = read_safetensors_header(MappedFile::open(f));
      for (auto& [name, e] : entries) ckpt.entries_.emplace(name, e);
    }
    for (auto& [name, shard] : expected_shard)
      if (!ckpt.entries_.count(name))
        throw Error(shard + ": missing tensor '" + name + "' listed in " + path);
    return ckpt;
  } else {
    files.push_back(path);
  }
  for (auto& f : files) {
    auto entries = read_safetensors_header(MappedFile::open(f));
    for (auto& [name, e] : entries) ckpt.entries_.emplace(name, e);
  }
  return ckpt;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (auto& [n, e] : entries_) out.push_back(n);
  return out;
}

void Checkpoint::add_alias(const std::string& alias, const std::string& target) { aliases_[alias] = target; }

const TensorEntry* Checkpoint::find(const std::string& name) const {
  auto it = entries_.find(name);
  if (it != entries_.end()) return &it->second;
  auto a = aliases_.find(name);
  if (a != aliases_.end()) {
    auto t = entries_.find(a->second);
    if (t != entries_.end()) return &t->second;
  }
  return nullptr;
}

bool Checkpoint::has(const std::string& name) const { return find(name) != nullptr; }

const TensorEntry& Checkpoint::entry(const std::string& name) const {
  const TensorEntry* e = find(name);
  if (!e) throw Error(path_ + ": missing tensor '" + name + "'");
  used_.insert(e->name);
  return *e;
}

void Checkpoint::set_placement(Device device, DType matrix_dtype) {
  if (matrix_dtype != DType::f32 && matrix_dtype != DType::bf16)
    throw Error(path_ + ": weights can be placed as f32 or bf16, not " + dtype_name(matrix_dtype));
  device_ = device;
  matrix_dtype_ = matrix_dtype;
}

Tensor Checkpoint::get(const std::string& name) const {
  Tensor t = read_f32(name);
  return device_ == Device::cpu ? t : t.to(device_);
}

Tensor Checkpoint::get_host(const std::string& name, const Shape& expected) const {
  check_shape(name, expected);
  return read_f32(name);
}

Tensor Checkpoint::get_matrix(const std::string& name, const Shape& expected) const {
  if (matrix_dtype_ == DType::f32) return get(name, expected);
  Tensor t = get_host(name, expected).to(matrix_dtype_);
  return device_ == Device::cpu ? t : t.to(device_);
}

Tensor Checkpoint::read_f32(const std::string& name) const {
  const TensorEntry& e = entry(name);
  const unsigned char* bytes = e.file->data() + e.data_start + e.begin;
  const int64_t n = shape_numel(e.shape);
  if (e.dtype == "F32") {
    if (reinterpret_cast<uintptr_t>(bytes) % alignof(float) == 0)
      return Tensor::wrap(const_cast<unsigned char*>(bytes), e.shape, DType::f32, e.file);
    Tensor t = Tensor::empty(e.shape);
    std::memcpy(t.raw(), bytes, e.end - e.begin);
    return t;
  }
  if (e.dtype == "BF16" || e.dtype == "F16") {
    Tensor t = Tensor::empty(e.shape);
    float* out = t.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t v;
      std::memcpy(&v, bytes + 2 * i, 2);
      out[i] = e.dtype == "BF16" ? bf16_to_f32(v) : f16_to_f32(v);
    }
    return t;
  }
  if (e.dtype == "F64") {
    Tensor t = Tensor::empty(e.shape);
    for (int64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, bytes + 8 * i, 8);
      t.data<float>()[i] = static_cast<float>(v);
    }
    return t;
  }
  throw Error(e.file->path() + ": tensor '" + name + "' has dtype " + e.dtype + ", expected a float type");
}

void Checkpoint::check_shape(const std::string& name, const Shape& expected) const {
  const TensorEntry& e = entry(name);
  if (e.shape != expected)
    throw Error(e.file->path() + ": tensor '" + name + "' has shape " + shape_str(e.shape) + ", expected " +
                shape_str(expected));
}

Tensor Checkpoint::get(const std::string& name, const Shape& expected) const {
  check_shape(name, expected);
  return get(name);
}

}  // namespace spindle
