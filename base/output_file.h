// Atomic output: bytes go to "<path>.tmp.<pid>" in the same directory and are renamed onto `path`
// by commit(). If the object is destroyed without commit() (an error was thrown), the temporary is
// removed, so a failed run never leaves partial output. Path "-" writes straight to stdout.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"

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
  // Overwrites `bytes` already written at byte `offset` (a header whose counts are known only at
  // the end), then goes on appending. Not for stdout (Error). Throws Error on an I/O failure.
  void overwrite(uint64_t offset, const void* data, size_t bytes);
  // Flushes, closes and renames into place. Throws Error on any I/O failure.
  void commit();
  // First half of commit(): flushes and closes the temporary (Error on failure); commit() renames.
  void finish();
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

// Commits several files as one output: flushes and closes every one first (so an I/O error on any
// of them leaves none in place: the destructors remove the temporaries), then renames them all.
// Null entries are skipped.
void commit_all(const std::vector<OutputFile*>& files);

// A path-level variant for writers that open files themselves (htslib, FAISS): gives a temporary
// name, and renames it onto the final path on commit(); removes it otherwise.
// An existing non-empty directory at the final path is replaced only when `replaceable(dir)` says it is an
// output of the same kind (e.g. its manifest names the same format); any other directory (a
// user's folder) is refused with an Error, both at construction and at commit, and nothing is
// deleted.
class TempPath {
 public:
  using DirCheck = std::function<bool(const std::string& dir)>;
  explicit TempPath(std::string final_path, DirCheck replaceable = nullptr);
  ~TempPath();
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::string& path() const { return temp_path_; }
  void commit();
  // `e` with the temporary path replaced by the final one: errors name the output the user asked
  // for, not a temporary they never see.
  Error naming_final_path(const Error& e) const;

 private:
  void check_target() const;
  std::string final_path_;
  std::string temp_path_;
  DirCheck replaceable_;
  bool committed_ = false;
};

// The check TempPath makes: throws Error when `path` is a non-empty directory that
// `replaceable` (may be null) does not accept. Lets a command refuse before doing its work.
void check_output_dir(const std::string& path, const TempPath::DirCheck& replaceable);

// True when `dir` holds a manifest.json whose top-level string field `key` equals `value`: how
// spindle recognises its own output directories (a missing or malformed manifest: false).
bool dir_manifest_has(const std::string& dir, const std::string& key, const std::string& value);

}  // namespace spindle
