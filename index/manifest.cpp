#include "index/manifest.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/json_number.h"

namespace spindle::detail {

std::string manifest_to_json(const VectorStoreManifest& m) {
  // Format and version come first so a reader (or a person with `head`) sees them before anything else.
  nlohmann::ordered_json j;
  j["format"] = kManifestFormat;
  j["format_version"] = m.format_version;
  j["dim"] = m.dim;
  j["metric"] = metric_name(m.metric);
  j["factory"] = m.factory;
  j["count"] = m.count;
  j["producer"] = m.producer;
  j["faiss_file"] = m.faiss_file;
  j["faiss_bytes"] = m.faiss_bytes;
  j["checksum"] = m.checksum;
  j["written_by"] = m.written_by;
  if (m.ef_search > 0) j["ef_search"] = m.ef_search;  // HNSW only: other manifests stay as they were
  return j.dump(2) + "\n";
}

namespace {

template <typename T>
T field(const nlohmann::json& j, const char* name, const std::string& path) {
  auto it = j.find(name);
  if (it == j.end()) throw Error(path + ": manifest has no '" + name + "' field");
  try {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return json_integer<T>(*it);
    else return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": manifest field '" + name + "' has the wrong type");
  }
}

}  // namespace

VectorStoreManifest read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open manifest");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + ": manifest is not valid JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double (406)
    throw Error(path + ": manifest is not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw Error(path + ": manifest is not a JSON object");
  if (field<std::string>(j, "format", path) != kManifestFormat)
    throw Error(path + ": not a spindle vector store manifest (format '" + field<std::string>(j, "format", path) + "')");
  VectorStoreManifest m;
  m.format_version = field<int>(j, "format_version", path);
  // Never guess at a layout we do not know: a newer writer may have changed field meanings.
  if (m.format_version < 1 || m.format_version > VectorStoreManifest::kFormatVersion)
    throw Error(path + ": unknown manifest format version " + std::to_string(m.format_version) +
                " (this spindle reads versions 1 to " + std::to_string(VectorStoreManifest::kFormatVersion) + ")");
  m.dim = field<int64_t>(j, "dim", path);
  if (m.dim <= 0) throw Error(path + ": manifest dim must be positive");
  try {
    m.metric = parse_metric(field<std::string>(j, "metric", path));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  m.factory = field<std::string>(j, "factory", path);
  if (m.factory == "Int8Flat" && m.format_version < 2)
    throw Error(path + ": factory Int8Flat needs manifest format version 2, the manifest says " +
                std::to_string(m.format_version));
  m.count = field<int64_t>(j, "count", path);
  if (m.count < 0) throw Error(path + ": manifest count is negative");
  m.producer = field<std::string>(j, "producer", path);
  m.faiss_file = field<std::string>(j, "faiss_file", path);
  if (m.faiss_file.empty() || m.faiss_file.find('/') != std::string::npos)
    throw Error(path + ": manifest faiss_file must be a plain file name");
  m.faiss_bytes = field<uint64_t>(j, "faiss_bytes", path);
  m.checksum = field<std::string>(j, "checksum", path);
  if (j.contains("written_by") && j["written_by"].is_string()) m.written_by = j["written_by"].get<std::string>();
  // Optional (absent before HNSW stores recorded it; VectorStore::open then applies the default).
  if (j.contains("ef_search")) {
    m.ef_search = field<int64_t>(j, "ef_search", path);
    if (m.ef_search < 1 || m.ef_search > INT32_MAX)
      throw Error(path + ": manifest ef_search must be between 1 and " + std::to_string(INT32_MAX));
  }
  return m;
}

}  // namespace spindle::detail
