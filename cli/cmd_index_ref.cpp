// spindle index ref: pack a reference 2 bits per base, index its minimizers, cut it into windows,
// embed them, store them in a FAISS vector store (genomics/ref_index.h). `spindle align` searches
// this index.
#include <omp.h>

#include <cstdio>

#include "cli/command.h"
#include "cli/index_command.h"
#include "cli/report.h"
#include "genomics/model_encoder.h"
#include "genomics/ref_index.h"
#include "kernels/error.h"

namespace spindle::cli {
namespace {

struct IndexRefOptions {
  std::string reference, output;
  int threads = 0;
  int read_length = 150;
  int window_bp = 0, stride_bp = 0;
  int kmer = 11, dim = 256;
  MinimizerParams minimizers;
  std::string factory;  // empty: Int8Flat for the sketch, Flat for --model
  std::string model_dir;  // --model: embed windows with this model instead of the k-mer sketch
};

void report_progress(const std::string& what) {
  static Progress progress;
  progress.update(what);
}

void run(const IndexRefOptions& o) {
  if (o.threads > 0) omp_set_num_threads(o.threads);
  if (o.read_length < 16) throw UsageError("--read-length must be at least 16");
  RefIndex::check_output(o.output);  // refuse a user's directory before any work
  RefIndexOptions options;
  // Windows twice the read length at a stride of one read length: every read lies wholly inside
  // some window, and the window is short enough for the read's k-mers to dominate its sketch.
  options.window_bp = o.window_bp > 0 ? o.window_bp : 2 * o.read_length;
  options.stride_bp = o.stride_bp > 0 ? o.stride_bp : options.window_bp - o.read_length;
  options.factory = o.factory;
  options.minimizers = o.minimizers;
  Progress timer;
  std::unique_ptr<Encoder> encoder;
  if (o.model_dir.empty())
    encoder = std::make_unique<KmerSketchEncoder>(o.kmer, o.dim);
  else
    encoder = std::make_unique<ModelEncoder>(o.model_dir);
  RefIndexSummary s = RefIndex::build(o.reference, *encoder, options, o.output, report_progress);
  std::fprintf(stderr,
               "[spindle] indexed %zu sequences, %lld bp, %lld windows (%d bp, stride %d), encoder %s, vector index %s, "
               "%llu minimizers (k %d, w %d) in %.2f s\n",
               s.contigs, static_cast<long long>(s.bases), static_cast<long long>(s.windows), options.window_bp,
               options.stride_bp, encoder->description().c_str(), s.factory.c_str(),
               static_cast<unsigned long long>(s.minimizer_occurrences), options.minimizers.k, options.minimizers.w,
               timer.elapsed_s());
  print_final_report();
}

void setup(CLI::App& app) {
  auto* index = index_command(app);
  auto opts = std::make_shared<IndexRefOptions>();
  auto* ref = index->add_subcommand("ref", "Index a reference genome (FASTA, gz ok) for `spindle align`");
  ref->add_option("reference", opts->reference, "Reference FASTA (.fa, .fa.gz, - for stdin)")->required();
  ref->add_option("-o,--output", opts->output, "Index directory to write")->required();
  ref->add_option("-t,--threads", opts->threads, "Threads (default: all cores)");
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
  ref->callback([opts] { run(*opts); });
}

SPINDLE_COMMAND(35, setup);

}  // namespace
}  // namespace spindle::cli
