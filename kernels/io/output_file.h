// Atomic output: bytes go to "<path>.tmp.<pid>" in the same directory and are renamed onto `path`
// by commit(). If the object is destroyed without commit() (an error was thrown), the temporary is
// removed, so a failed run never leaves partial output. Path "-" writes straight to stdout.
#pragma once

#include <cstdio>
#include <string>

namespace spindle {

class OutputFile {
 public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  FILE* stream() const { return stream_; }
  void write(const void* data, size_t bytes);
  void write(const std::string& text) { write(text.data(), text.size()); }
  // Flushes, closes and renames into place. Throws Error on any I/O failure.
  void commit();
  const std::string& path() const { return path_; }
  // The temporary path being written (for libraries that want a file name, e.g. htslib, FAISS).
  const std::string& temp_path() const { return temp_path_; }

 private:
  std::string path_;
  std::string temp_path_;
  FILE* stream_ = nullptr;
  bool to_stdout_ = false;
  bool committed_ = false;
};

// A path-level variant for writers that open files themselves (htslib, FAISS): gives a temporary
// name, and renames it onto the final path on commit(); removes it otherwise.
class TempPath {
 public:
  explicit TempPath(std::string final_path);
  ~TempPath();
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::string& path() const { return temp_path_; }
  void commit();

 private:
  std::string final_path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace spindle
