// spindle index build | search | info | merge: FAISS vector stores on disk (index/vector_store.h).
// The `index` subcommand itself is shared with other files through cli/index_command.h.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/command.h"
#include "cli/index_command.h"
#include "cli/report.h"
#include "index/vector_store.h"
#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "kernels/io/output_file.h"

namespace spindle::cli {

CLI::App* index_command(CLI::App& app) {
  auto existing = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "index"; });
  if (!existing.empty()) return existing.front();
  auto* index = app.add_subcommand("index", "Build, search, inspect and merge vector indexes (FAISS)");
  index->require_subcommand(1);
  return index;
}

namespace {

struct IndexOptions {
  // build
  std::string vectors_path, ids_path, factory, metric = "ip", producer, trained_dir;
  int64_t train_rows = 100000, ef_construction = 0, ef_search = 0;
  // search
  std::string queries_path;
  std::vector<std::string> shard_dirs;
  int64_t k = 10, nprobe = 0, ef = 0;
  bool no_mmap = false;
  // all
  std::vector<std::string> dirs;
  std::string dir, output;
  int threads = 0;
};

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

void run_build(const IndexOptions& o) {
  VectorStore::check_save_target(o.output);  // refuse a user's directory before any work
  set_num_threads(o.threads);
  Progress progress(0.0);
  Tensor vectors = read_matrix(o.vectors_path);
  const int64_t n = vectors.dim(0), dim = vectors.dim(1);
  if (n == 0) throw Error(o.vectors_path + ": no vectors");
  progress.update("read " + std::to_string(n) + " x " + std::to_string(dim) + " vectors from " + o.vectors_path);
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
      progress.update("using the training of " + o.trained_dir + " (" + trained.factory() + ")");
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
  progress.update("indexed " + std::to_string(store->count()) + " vectors (" + store->factory() + ", " +
                  metric_name(store->metric()) + ")");
  with_context(o.output, [&] { store->save(o.output); });
  progress.update("wrote " + o.output);
  print_final_report();
}

void run_search(const IndexOptions& o) {
  set_num_threads(o.threads);
  Progress progress(0.0);
  OpenOptions open_options{.mmap = !o.no_mmap, .verify_checksum = true};
  std::vector<VectorStore> stores;
  std::vector<std::string> dirs{o.dir};
  dirs.insert(dirs.end(), o.shard_dirs.begin(), o.shard_dirs.end());
  for (const std::string& dir : dirs)
    stores.push_back(with_context(dir, [&] { return VectorStore::open(dir, open_options); }));
  Tensor queries = read_matrix(o.queries_path);
  progress.update("searching " + std::to_string(queries.dim(0)) + " queries in " + std::to_string(stores.size()) +
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
  progress.update("wrote " + (o.output == "-" ? std::string("stdout") : o.output));
  print_final_report();
}

void run_info(const IndexOptions& o) {
  VectorStore store = with_context(o.dir, [&] { return VectorStore::open(o.dir); });
  const VectorStoreManifest& m = store.manifest();
  std::printf("path\t%s\n", o.dir.c_str());
  std::printf("format_version\t%d\n", m.format_version);
  std::printf("factory\t%s\n", m.factory.c_str());
  std::printf("metric\t%s\n", metric_name(m.metric));
  std::printf("dim\t%lld\n", static_cast<long long>(m.dim));
  std::printf("count\t%lld\n", static_cast<long long>(m.count));
  std::printf("producer\t%s\n", m.producer.c_str());
  std::printf("faiss_file\t%s (%llu bytes)\n", m.faiss_file.c_str(), static_cast<unsigned long long>(m.faiss_bytes));
  std::printf("checksum\t%s (verified)\n", m.checksum.c_str());
  std::printf("written_by\t%s\n", m.written_by.c_str());
  std::fputs(store.describe().c_str(), stdout);
}

void run_merge(const IndexOptions& o) {
  VectorStore::check_save_target(o.output);
  set_num_threads(o.threads);
  Progress progress(0.0);
  std::vector<VectorStore> parts;
  int64_t total = 0;
  for (const std::string& dir : o.dirs) {
    parts.push_back(with_context(dir, [&] { return VectorStore::open(dir, {.mmap = false}); }));
    total += parts.back().count();
  }
  progress.update("merging " + std::to_string(parts.size()) + " stores, " + std::to_string(total) + " vectors");
  VectorStore merged = with_context(o.output, [&] { return merge_stores(std::move(parts)); });
  with_context(o.output, [&] { merged.save(o.output); });
  progress.update("wrote " + o.output + " (" + std::to_string(merged.count()) + " vectors)");
  print_final_report();
}

void setup(CLI::App& app) {
  auto* index = index_command(app);
  auto o = std::make_shared<IndexOptions>();

  auto* build = index->add_subcommand("build", "Build a vector index from a float32 .npy matrix [N, D]");
  build->add_option("vectors", o->vectors_path, "Vectors .npy (e.g. the output of spindle embed)")->required();
  build->add_option("--ids", o->ids_path, "Text file with one integer id per row (default: row numbers)");
  build->add_option("--factory", o->factory, "FAISS factory string: Flat, HNSW32, IVF1024,Flat, IVF1024,PQ32, ...");
  build->add_option("--metric", o->metric, "ip (cosine: inner product of normalised vectors) or l2")
      ->capture_default_str()
      ->check(CLI::IsMember({"ip", "cosine", "l2"}));
  build->add_option("--producer", o->producer, "What produced the vectors (model/encoder), stored in the manifest");
  build->add_option("--train-rows", o->train_rows, "Train IVF/PQ on a random sample of this many rows (0 = all)")
      ->capture_default_str();
  build->add_option("--ef-construction", o->ef_construction, "HNSW build-time candidate list (default: FAISS's 40)");
  build->add_option("--ef-search", o->ef_search,
                    "HNSW: search-time candidate list recorded in the manifest as the default (default: " +
                        std::to_string(kDefaultHnswEfSearch) + "; index search --ef overrides it)")
      ->check(CLI::Range(int64_t{1}, int64_t{INT32_MAX}));  // FAISS keeps efSearch in an int
  build->add_option("--trained", o->trained_dir, "Reuse the training of this index (shards that merge exactly)");
  build->add_option("-o,--output", o->output, "Output index directory")->required();
  build->add_option("-t,--threads", o->threads, "Threads (default: all cores)");
  build->callback([o] { run_build(*o); });

  auto* search = index->add_subcommand("search", "Top-k search; writes TSV: query, rank, id, score");
  search->add_option("index", o->dir, "Index directory")->required();
  search->add_option("queries", o->queries_path, "Query vectors .npy [Q, D]")->required();
  search->add_option("-k", o->k, "Neighbours per query")->capture_default_str();
  search->add_option("--nprobe", o->nprobe, "IVF: inverted lists visited per query");
  search->add_option("--ef", o->ef, "HNSW: efSearch, the search-time candidate list (default: the index's, see index info)")
      ->check(CLI::Range(int64_t{1}, int64_t{INT32_MAX}));  // FAISS keeps efSearch in an int
  search->add_option("--shard", o->shard_dirs, "More index directories searched together with the first");
  search->add_flag("--no-mmap", o->no_mmap, "Read the index into memory instead of mapping it");
  search->add_option("-o,--output", o->output, "Output TSV ('-' = stdout)")->required();
  search->add_option("-t,--threads", o->threads, "Threads (default: all cores)");
  search->callback([o] { run_search(*o); });

  auto* info = index->add_subcommand("info", "Manifest and FAISS structure of an index directory");
  info->add_option("index", o->dir, "Index directory")->required();
  info->callback([o] { run_info(*o); });

  auto* merge = index->add_subcommand("merge", "Merge index directories (same factory, metric, producer) into one");
  merge->add_option("indexes", o->dirs, "Index directories")->required();
  merge->add_option("-o,--output", o->output, "Output index directory")->required();
  merge->add_option("-t,--threads", o->threads, "Threads (default: all cores)");
  merge->callback([o] { run_merge(*o); });
}

SPINDLE_COMMAND(40, setup);

}  // namespace
}  // namespace spindle::cli
