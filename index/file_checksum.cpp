#include "index/file_checksum.h"

#include <zlib.h>

#include <cstdio>

#include "kernels/io/mapped_file.h"

namespace spindle {

std::string file_checksum(const std::string& path) {
  auto file = MappedFile::open(path);
  uLong crc = crc32_z(0L, Z_NULL, 0);
  // crc32_z takes a size_t length, so one call covers files beyond 4 GiB.
  if (file->size() > 0) crc = crc32_z(crc, file->data(), file->size());
  char text[16];
  std::snprintf(text, sizeof(text), "%08lx", static_cast<unsigned long>(crc));
  return std::string("crc32:") + text;
}

}  // namespace spindle
