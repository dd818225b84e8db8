// CRC-32 of a whole file, as "crc32:<8 lowercase hex digits>" (zlib's CRC-32, so `python -c
// zlib.crc32` agrees). Used for the vector store's FAISS file, the reference index's files and
// model fingerprints.
#pragma once

#include <cstddef>
#include <string>

namespace spindle {

// Throws Error naming `path` when it cannot be read.
std::string file_checksum(const std::string& path);

// The same checksum built up from the bytes as they are read, so a loader that reads a whole file
// can check it without reading the file a second time.
class RunningChecksum {
 public:
  RunningChecksum();
  void update(const void* data, size_t bytes);
  std::string text() const;  // "crc32:..." as file_checksum writes it

 private:
  unsigned long crc_;
};

}  // namespace spindle
