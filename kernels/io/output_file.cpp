#include "kernels/io/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kernels/error.h"

namespace spindle {

static std::string temp_name_for(const std::string& path) {
  return path + ".tmp." + std::to_string(getpid());
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    to_stdout_ = true;
    stream_ = stdout;
    return;
  }
  temp_path_ = temp_name_for(path_);
  stream_ = std::fopen(temp_path_.c_str(), "wb");
  if (!stream_) throw Error(path_ + ": cannot write: " + std::strerror(errno));
}

OutputFile::~OutputFile() {
  if (to_stdout_ || committed_) return;
  if (stream_) std::fclose(stream_);
  std::remove(temp_path_.c_str());
}

void OutputFile::write(const void* data, size_t bytes) {
  if (bytes && std::fwrite(data, 1, bytes, stream_) != bytes)
    throw Error(path_ + ": write failed: " + std::strerror(errno));
}

void OutputFile::commit() {
  if (committed_) return;
  if (to_stdout_) {
    if (std::fflush(stdout) != 0) throw Error("stdout: write failed");
    committed_ = true;
    return;
  }
  bool ok = std::fflush(stream_) == 0;
  ok = (std::fclose(stream_) == 0) && ok;
  stream_ = nullptr;
  if (!ok) throw Error(path_ + ": write failed: " + std::strerror(errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw Error(path_ + ": cannot rename temporary file: " + std::strerror(errno));
  committed_ = true;
}

TempPath::TempPath(std::string final_path)
    : final_path_(std::move(final_path)), temp_path_(temp_name_for(final_path_)) {}

TempPath::~TempPath() {
  if (committed_) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_path_, ec);
}

void TempPath::commit() {
  std::error_code ec;
  if (std::filesystem::is_directory(final_path_, ec)) std::filesystem::remove_all(final_path_, ec);
  std::filesystem::rename(temp_path_, final_path_, ec);
  if (ec) throw Error(final_path_ + ": cannot rename temporary output: " + ec.message());
  committed_ = true;
}

}  // namespace spindle
