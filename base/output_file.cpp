#include "base/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"

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

void OutputFile::overwrite(uint64_t offset, const void* data, size_t bytes) {
  if (to_stdout_) throw Error("stdout: cannot rewrite output already written (write to a file)");
  if (fseeko(stream_, static_cast<off_t>(offset), SEEK_SET) != 0)
    throw Error(path_ + ": seek failed: " + std::strerror(errno));
  write(data, bytes);
  if (fseeko(stream_, 0, SEEK_END) != 0) throw Error(path_ + ": seek failed: " + std::strerror(errno));
}

void OutputFile::finish() {
  if (committed_ || to_stdout_ || !stream_) return;
  bool ok = std::fflush(stream_) == 0;
  ok = (std::fclose(stream_) == 0) && ok;
  stream_ = nullptr;
  if (!ok) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

void commit_all(const std::vector<OutputFile*>& files) {
  for (OutputFile* f : files)
    if (f) f->finish();
  // A rename that would fail (a directory in the way) must fail before any file is in place.
  for (OutputFile* f : files) {
    std::error_code ec;
    if (f && f->path() != "-" && std::filesystem::is_directory(f->path(), ec))
      throw Error(f->path() + ": is a directory; cannot write the output there");
  }
  for (OutputFile* f : files)
    if (f) f->commit();
}

void OutputFile::commit() {
  if (committed_) return;
  if (to_stdout_) {
    if (std::fflush(stdout) != 0) throw Error("stdout: write failed");
    committed_ = true;
    return;
  }
  finish();
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw Error(path_ + ": cannot rename temporary file: " + std::strerror(errno));
  committed_ = true;
}

TempPath::TempPath(std::string final_path, DirCheck replaceable)
    : final_path_(std::move(final_path)), temp_path_(temp_name_for(final_path_)), replaceable_(std::move(replaceable)) {
  check_target();
  // A leftover under our name can only be from a killed process that had our pid: never build on it.
  std::error_code ec;
  std::filesystem::remove_all(temp_path_, ec);
}

void TempPath::check_target() const { check_output_dir(final_path_, replaceable_); }

void check_output_dir(const std::string& path, const TempPath::DirCheck& replaceable) {
  std::error_code ec;
  const auto st = std::filesystem::symlink_status(path, ec);
  if (ec || st.type() != std::filesystem::file_type::directory) return;
  if (std::filesystem::is_empty(path, ec) && !ec) return;  // nothing to lose
  if (!replaceable || !replaceable(path))
    throw Error(path + ": is an existing directory that is not a spindle output of this kind; "
                "refusing to replace it (choose a new path or remove it yourself)");
}

TempPath::~TempPath() {
  if (committed_) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_path_, ec);
}

Error TempPath::naming_final_path(const Error& e) const {
  std::string what = e.what();
  if (size_t at = what.find(temp_path_); at != std::string::npos) what.replace(at, temp_path_.size(), final_path_);
  return Error(what);
}

void TempPath::commit() {
  check_target();
  std::error_code ec;
  // A replaceable old directory is moved aside first and removed only once the new one is in place.
  std::string old;
  if (std::filesystem::symlink_status(final_path_, ec).type() == std::filesystem::file_type::directory) {
    old = final_path_ + ".old." + std::to_string(getpid());
    std::filesystem::rename(final_path_, old, ec);
    if (ec) throw Error(final_path_ + ": cannot move the old output aside: " + ec.message());
  }
  ec.clear();
  std::filesystem::rename(temp_path_, final_path_, ec);
  if (ec) {
    std::error_code ignore;
    if (!old.empty()) std::filesystem::rename(old, final_path_, ignore);
    throw Error(final_path_ + ": cannot rename temporary output: " + ec.message());
  }
  committed_ = true;
  if (!old.empty()) std::filesystem::remove_all(old, ec);
}

bool dir_manifest_has(const std::string& dir, const std::string& key, const std::string& value) {
  std::ifstream in(dir + "/manifest.json");
  if (!in) return false;
  const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object()) return false;  // malformed: not ours to replace
  const auto it = manifest.find(key);
  return it != manifest.end() && it->is_string() && it->get<std::string>() == value;
}

}  // namespace spindle
