// Reading and writing the vector store manifest (manifest.json).
// Internal to index/: users see VectorStoreManifest through VectorStore::manifest().
#pragma once

#include <string>

#include "index/vector_store.h"

namespace spindle::detail {

inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kManifestFormat = "spindle-vector-store";


std::string manifest_to_json(const VectorStoreManifest& manifest);
// Parses `path` (a manifest.json). Throws Error naming the file for malformed JSON, a missing or
// mistyped field, another format, or an unknown format version.
VectorStoreManifest read_manifest(const std::string& path);

}  // namespace spindle::detail
