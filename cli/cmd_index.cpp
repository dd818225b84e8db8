// spindle index build | search | info | merge: FAISS vector stores on disk (index/vector_store.h).
// The runs are index/store_run.h; this file parses and reports.
// The `index` subcommand itself is shared with other files through cli/index_command.h.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/index_command.h"
#include "cli/report.h"
#include "index/store_run.h"

namespace spindle::cli {

CLI::App* index_command(CLI::App& app) {
  auto existing = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "index"; });
  if (!existing.empty()) return existing.front();
  auto* index = app.add_subcommand("index", "Build, search, inspect and merge vector indexes (FAISS)");
  index->require_subcommand(1);
  return index;
}

namespace {

// Prints the run's status lines at once, with the time since the run began.
StoreRunLog progress_log() {
  auto progress = std::make_shared<Progress>(0.0);
  return [progress](const std::string& line) { progress->update(line); };
}

void run_info(const std::string& dir) {
  VectorStore store = open_store(dir);
  const VectorStoreManifest& m = store.manifest();
  std::printf("path\t%s\n", dir.c_str());
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

void setup(CLI::App& app) {
  auto* index = index_command(app);

  auto b = std::make_shared<StoreBuildRunOptions>();
  auto* build = index->add_subcommand("build", "Build a vector index from a float32 .npy matrix [N, D]");
  build->add_option("vectors", b->vectors_path, "Vectors .npy (e.g. the output of spindle embed)")->required();
  build->add_option("--ids", b->ids_path, "Text file with one integer id per row (default: row numbers)");
  build->add_option("--factory", b->factory, "FAISS factory string: Flat, HNSW32, IVF1024,Flat, IVF1024,PQ32, ...");
  build->add_option("--metric", b->metric, "ip (cosine: inner product of normalised vectors) or l2")
      ->capture_default_str()
      ->check(CLI::IsMember({"ip", "cosine", "l2"}));
  build->add_option("--producer", b->producer, "What produced the vectors (model/encoder), stored in the manifest");
  build->add_option("--train-rows", b->train_rows, "Train IVF/PQ on a random sample of this many rows (0 = all)")
      ->capture_default_str();
  build->add_option("--ef-construction", b->ef_construction, "HNSW build-time candidate list (default: FAISS's 40)");
  build->add_option("--ef-search", b->ef_search,
                    "HNSW: search-time candidate list recorded in the manifest as the default (default: " +
                        std::to_string(kDefaultHnswEfSearch) + "; index search --ef overrides it)")
      ->check(CLI::Range(int64_t{1}, int64_t{INT32_MAX}));  // FAISS keeps efSearch in an int
  build->add_option("--trained", b->trained_dir, "Reuse the training of this index (shards that merge exactly)");
  build->add_option("-o,--output", b->output, "Output index directory")->required();
  build->add_option("-t,--threads", b->context.threads, "Threads (default: all cores)");
  build->callback([b] {
    run_store_build(*b, progress_log());
    print_final_report();
  });

  auto s = std::make_shared<StoreSearchRunOptions>();
  auto first_dir = std::make_shared<std::string>();
  auto shard_dirs = std::make_shared<std::vector<std::string>>();
  auto* search = index->add_subcommand("search", "Top-k search; writes TSV: query, rank, id, score");
  search->add_option("index", *first_dir, "Index directory")->required();
  search->add_option("queries", s->queries_path, "Query vectors .npy [Q, D]")->required();
  search->add_option("-k", s->k, "Neighbours per query")->capture_default_str();
  search->add_option("--nprobe", s->nprobe, "IVF: inverted lists visited per query");
  search->add_option("--ef", s->ef, "HNSW: efSearch, the search-time candidate list (default: the index's, see index info)")
      ->check(CLI::Range(int64_t{1}, int64_t{INT32_MAX}));  // FAISS keeps efSearch in an int
  search->add_option("--shard", *shard_dirs, "More index directories searched together with the first");
  search->add_flag("--no-mmap", s->no_mmap, "Read the index into memory instead of mapping it");
  search->add_option("-o,--output", s->output, "Output TSV ('-' = stdout)")->required();
  search->add_option("-t,--threads", s->context.threads, "Threads (default: all cores)");
  search->callback([s, first_dir, shard_dirs] {
    s->dirs = {*first_dir};
    s->dirs.insert(s->dirs.end(), shard_dirs->begin(), shard_dirs->end());
    run_store_search(*s, progress_log());
    print_final_report();
  });

  auto info_dir = std::make_shared<std::string>();
  auto* info = index->add_subcommand("info", "Manifest and FAISS structure of an index directory");
  info->add_option("index", *info_dir, "Index directory")->required();
  info->callback([info_dir] { run_info(*info_dir); });

  auto m = std::make_shared<StoreMergeRunOptions>();
  auto* merge = index->add_subcommand("merge", "Merge index directories (same factory, metric, producer) into one");
  merge->add_option("indexes", m->dirs, "Index directories")->required();
  merge->add_option("-o,--output", m->output, "Output index directory")->required();
  merge->add_option("-t,--threads", m->context.threads, "Threads (default: all cores)");
  merge->callback([m] {
    run_store_merge(*m, progress_log());
    print_final_report();
  });
}

SPINDLE_COMMAND(40, setup);

}  // namespace
}  // namespace spindle::cli
