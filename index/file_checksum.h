// CRC-32 of a whole file, as "crc32:<8 lowercase hex digits>" (zlib's CRC-32, so `python -c
// zlib.crc32` agrees). Used for the vector store's FAISS file and for model fingerprints.
#pragma once

#include <string>

namespace spindle {

// Throws Error naming `path` when it cannot be read.
std::string file_checksum(const std::string& path);

}  // namespace spindle
