#include "index/store_run.h"

#include <cstdio>
#include <fstream>
#include <memory>

#include "base/error.h"
#include "base/output_file.h"
#include "index/vector_store.h"
#include "kernels/io/npy.h"

namespace spindle {
namespace {

// Runs `f`, prefixing any library Error with `context` (the file the problem came from).
template <typename F>
auto with_context(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.rfind(context, 0) == 0) throw;  // already names it
    throw Error(context + ": " + what);
  }
}

Tensor read_matrix(const std::string& path) {
  Tensor t = read_npy(path);
  if (t.ndim() != 2) throw Error(path + ": expected a 2-D matrix [N, D], got " + t.describe());
  if (t.dtype() == DType::f16 || t.dtype() == DType::bf16) t = t.to(DType::f32);
  if (t.dtype() != DType::f32) throw Error(path + ": expected float32 vectors, got " + dtype_name(t.dtype()));
  return t;
}

// One integer id per line (blank lines ignored).
std::vector<int64_t> read_ids(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::vector<int64_t> ids;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    size_t e = line.find_last_not_of(" \t\r");
    std::string text = line.substr(b, e - b + 1);
    size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size()) throw Error(path + ":" + std::to_string(line_no) + ": not an integer id: '" + text +
                  "' (ids are int64; without --ids a vector's id is its 0-based row, e.g. its line in spindle "
                  "embed's OUT.ids.txt minus one)");
    ids.push_back(value);
  }
  return ids;
}

void note(const StoreRunLog& log, const std::string& line) {
  if (log) log(line);
}

}  // namespace

void run_store_build(const StoreBuildRunOptions& o, const StoreRunLog& log) {
  VectorStore::check_save_target(o.output);  // refuse a user's directory before any work
  ThreadScope threads(o.context);
  Tensor vectors = read_matrix(o.vectors_path);
  const int64_t n = vectors.dim(0), dim = vectors.dim(1);
  if (n == 0) throw Error(o.vectors_path + ": no vectors");
  note(log, "read " + std::to_string(n) + " x " + std::to_string(dim) + " vectors from " + o.vectors_path);
  std::vector<int64_t> ids;
  if (!o.ids_path.empty()) {
    ids = read_ids(o.ids_path);
    if (static_cast<int64_t>(ids.size()) != n)
      throw Error(o.ids_path + ": " + std::to_string(ids.size()) + " ids for " + std::to_string(n) + " vectors in " +
                  o.vectors_path);
  }

  auto store = std::make_unique<VectorStore>(with_context(o.vectors_path, [&] {
    if (!o.trained_dir.empty()) {
      // A shard that shares the training of an existing store, so the two can be merged exactly.
      VectorStore trained = with_context(o.trained_dir, [&] { return VectorStore::open(o.trained_dir, {.mmap = false}); });
      if (!o.factory.empty() && o.factory != trained.factory())
        throw UsageError("--factory '" + o.factory + "' differs from the --trained store's '" + trained.factory() + "'");
      VectorStore shard = VectorStore::empty_like(trained);
      if (!o.producer.empty()) shard.set_producer(o.producer);
      note(log, "using the training of " + o.trained_dir + " (" + trained.factory() + ")");
      shard.add(vectors, ids);
      return shard;
    }
    if (o.factory.empty()) throw UsageError("index build: --factory is required (e.g. Flat, HNSW32, IVF1024,PQ32)");
    BuildOptions options;
    options.factory = o.factory;
    options.metric = parse_metric(o.metric);
    options.producer = o.producer.empty() ? "unspecified (vectors from " + o.vectors_path + ")" : o.producer;
    options.max_train_rows = o.train_rows;
    options.hnsw_ef_construction = o.ef_construction;
    options.hnsw_ef_search = o.ef_search;
    return VectorStore::build(vectors, ids, options);
  }));
  note(log, "indexed " + std::to_string(store->count()) + " vectors (" + store->factory() + ", " +
                metric_name(store->metric()) + ")");
  with_context(o.output, [&] { store->save(o.output); });
  note(log, "wrote " + o.output);
}

void run_store_search(const StoreSearchRunOptions& o, const StoreRunLog& log) {
  ThreadScope threads(o.context);
  OpenOptions open_options{.mmap = !o.no_mmap, .verify_checksum = true};
  std::vector<VectorStore> stores;
  for (const std::string& dir : o.dirs)
    stores.push_back(with_context(dir, [&] { return VectorStore::open(dir, open_options); }));
  Tensor queries = read_matrix(o.queries_path);
  note(log, "searching " + std::to_string(queries.dim(0)) + " queries in " + std::to_string(stores.size()) +
                " store(s)");
  SearchParams params{.nprobe = o.nprobe, .ef_search = o.ef};
  SearchResult result = with_context(o.queries_path, [&] {
    if (stores.size() == 1) return stores[0].search(queries, o.k, params);
    std::vector<const VectorStore*> views;
    for (auto& s : stores) views.push_back(&s);
    return search_shards(views, queries, o.k, params);
  });

  OutputFile out(o.output);
  out.write("query\trank\tid\tscore\n");
  char line[96];
  for (int64_t q = 0; q < result.n_queries; ++q)
    for (int64_t r = 0; r < result.k; ++r) {
      if (result.id(q, r) < 0) continue;  // IVF with a small nprobe can return fewer than k
      int len = std::snprintf(line, sizeof line, "%lld\t%lld\t%lld\t%.6g\n", static_cast<long long>(q),
                              static_cast<long long>(r + 1), static_cast<long long>(result.id(q, r)),
                              static_cast<double>(result.score(q, r)));
      out.write(line, static_cast<size_t>(len));
    }
  out.commit();
  note(log, "wrote " + (o.output == "-" ? std::string("stdout") : o.output));
}

void run_store_merge(const StoreMergeRunOptions& o, const StoreRunLog& log) {
  VectorStore::check_save_target(o.output);
  ThreadScope threads(o.context);
  std::vector<VectorStore> parts;
  int64_t total = 0;
  for (const std::string& dir : o.dirs) {
    parts.push_back(with_context(dir, [&] { return VectorStore::open(dir, {.mmap = false}); }));
    total += parts.back().count();
  }
  note(log, "merging " + std::to_string(parts.size()) + " stores, " + std::to_string(total) + " vectors");
  VectorStore merged = with_context(o.output, [&] { return merge_stores(std::move(parts)); });
  with_context(o.output, [&] { merged.save(o.output); });
  note(log, "wrote " + o.output + " (" + std::to_string(merged.count()) + " vectors)");
}

VectorStore open_store(const std::string& dir) {
  return with_context(dir, [&] { return VectorStore::open(dir); });
}

}  // namespace spindle
