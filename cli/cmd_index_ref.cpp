// spindle index ref: pack a reference 2 bits per base, index its minimizers, cut it into windows,
// embed them, store them in a FAISS vector store (genomics/ref_index.h). `spindle align` searches
// this index. The pipeline is genomics/index_ref_run.h; this file parses and reports.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/device_options.h"
#include "cli/index_command.h"
#include "cli/report.h"
#include "genomics/index_ref_run.h"

namespace spindle::cli {
namespace {

void report_progress(const std::string& what) {
  static Progress progress;
  progress.update(what);
}

void run(const IndexRefRunOptions& o) {
  Progress timer;
  IndexRefRunStats stats = run_index_ref(o, report_progress);
  const RefIndexSummary& s = stats.summary;
  const RefIndexOptions& layout = stats.layout;
  std::fprintf(stderr,
               "[spindle] indexed %zu sequences, %lld bp, %lld windows (%d bp, stride %d), encoder %s, vector index %s, "
               "%llu minimizers (k %d, w %d) in %.2f s\n",
               s.contigs, static_cast<long long>(s.bases), static_cast<long long>(s.windows), layout.window_bp,
               layout.stride_bp, stats.encoder.c_str(), s.factory.c_str(),
               static_cast<unsigned long long>(s.minimizer_occurrences), layout.minimizers.k, layout.minimizers.w,
               timer.elapsed_s());
  print_final_report();
}

void setup(CLI::App& app) {
  auto* index = index_command(app);
  auto opts = std::make_shared<IndexRefRunOptions>();
  auto* ref = index->add_subcommand("ref", "Index a reference genome (FASTA, gz ok) for `spindle align`");
  ref->add_option("reference", opts->reference, "Reference FASTA (.fa, .fa.gz, - for stdin)")->required();
  ref->add_option("-o,--output", opts->output, "Index directory to write")->required();
  ref->add_option("-t,--threads", opts->context.threads, "Threads (default: all cores)");
  ref->add_option("--read-length", opts->read_length, "Typical read length; sets window = 2x, stride = 1x (default 150)");
  ref->add_option("--window", opts->window_bp, "Window length in bp (overrides --read-length)");
  ref->add_option("--stride", opts->stride_bp, "Window stride in bp (default: window - read length)");
  ref->add_option("-k,--kmer", opts->kmer, "k-mer length of the sketch encoder (default 11)");
  ref->add_option("--dim", opts->dim, "Sketch dimension (default 256)");
  ref->add_option("--minimizer-k", opts->minimizers.k, "k-mer length of the minimizer index (default 21)")
      ->check(CLI::Range(8, 32));
  ref->add_option("--minimizer-w", opts->minimizers.w, "Minimizer window in k-mers (default 11)")
      ->check(CLI::Range(1, 32));
  ref->add_option("--model", opts->model_dir,
                  "Embed windows (and later reads) with this model directory (DNA-ESA) instead of the k-mer sketch");
  ref->add_option("--factory", opts->factory, "Window vector index: Int8Flat (exhaustive, exact for k-mer sketches; the default without --model) or a FAISS factory string (Flat: the default with --model)");
  auto device = std::make_shared<DeviceArgs>();
  add_device_options(ref, device);
  ref->callback([opts, device] {
    apply_device_options(*device, opts->context);  // the --model encoder's device
    run(*opts);
  });
}

SPINDLE_COMMAND(35, setup);

}  // namespace
}  // namespace spindle::cli
