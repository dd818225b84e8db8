// A read-only memory-mapped file. Empty files map to a null pointer with size 0.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace spindle {

class MappedFile {
 public:
  // Throws Error("<path>: cannot open: <reason>") on failure.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return static_cast<const unsigned char*>(data_); }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  void* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace spindle
