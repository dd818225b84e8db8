// The vector-store runs behind `spindle index build | search | merge`: read vectors (.npy) and ids
// (text), build, search or merge FAISS stores (index/vector_store.h), write the result. Library
// errors are prefixed with the file they came from; a directory output replaces only a vector
// store (or an empty directory), checked before any work.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "index/vector_store.h"
#include "kernels/run_context.h"

namespace spindle {

// Receives a status line after each step of a run (may be empty).
using StoreRunLog = std::function<void(const std::string&)>;

struct StoreBuildRunOptions {
  std::string vectors_path;  // float32 (or f16/bf16) .npy [N, D]
  std::string ids_path;      // one integer id per line; "" = row numbers
  std::string factory;       // FAISS factory string (required unless trained_dir)
  std::string metric = "ip"; // ip | cosine | l2
  std::string producer;      // what made the vectors; "" = "unspecified (vectors from ...)"
  std::string trained_dir;   // reuse this store's training (shards that merge exactly)
  int64_t train_rows = 100000, ef_construction = 0, ef_search = 0;
  std::string output;        // store directory
  RunContext context;
};
void run_store_build(const StoreBuildRunOptions& options, const StoreRunLog& log = {});

struct StoreSearchRunOptions {
  std::vector<std::string> dirs;  // stores searched together (shards); at least one
  std::string queries_path;       // .npy [Q, D]
  int64_t k = 10, nprobe = 0, ef = 0;
  bool no_mmap = false;
  std::string output;             // TSV query, rank, id, score; "-" = stdout
  RunContext context;
};
void run_store_search(const StoreSearchRunOptions& options, const StoreRunLog& log = {});

struct StoreMergeRunOptions {
  std::vector<std::string> dirs;  // stores with the same factory, metric and producer
  std::string output;             // store directory
  RunContext context;
};
void run_store_merge(const StoreMergeRunOptions& options, const StoreRunLog& log = {});

// Opens the store at `dir` (memory-mapped, checksum verified) for inspection; errors name `dir`.
VectorStore open_store(const std::string& dir);

}  // namespace spindle
