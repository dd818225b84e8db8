#include "base/file_checksum.h"

#include <zlib.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "base/error.h"

namespace spindle {

RunningChecksum::RunningChecksum() : crc_(crc32_z(0L, Z_NULL, 0)) {}

void RunningChecksum::update(const void* data, size_t bytes) {
  // crc32_z takes a size_t length, so one call covers pieces beyond 4 GiB.
  if (bytes > 0) crc_ = crc32_z(crc_, static_cast<const Bytef*>(data), bytes);
}

std::string RunningChecksum::text() const {
  char text[16];
  std::snprintf(text, sizeof(text), "%08lx", crc_);
  return std::string("crc32:") + text;
}

std::string file_checksum(const std::string& path) {
  // Read in 1 MiB pieces rather than memory-mapped: mapped pages count towards the process's
  // peak RSS, and checking a 1.8 GB vector file that way looked like 1.8 GB of memory use.
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<FILE, Closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(path + ": cannot open");
  std::vector<unsigned char> buffer(1 << 20);
  RunningChecksum crc;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f.get())) > 0) crc.update(buffer.data(), n);
  if (std::ferror(f.get())) throw Error(path + ": read error");
  return crc.text();
}

}  // namespace spindle
