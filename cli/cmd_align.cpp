// spindle align: Embed-Search-Align of short reads against a `spindle index ref` index, to
// SAM/BAM/CRAM (genomics/align_run.h).
#include <charconv>
#include <cstdio>

#include "base/error.h"
#include "cli/command.h"
#include "cli/device_options.h"
#include "cli/report.h"
#include "cli/shard.h"
#include "genomics/align_run.h"
#include "genomics/long_read_aligner.h"

namespace spindle::cli {
namespace {

void run(AlignRunOptions o) {
  o.command_line = command_line();
  Progress progress;
  AlignRunStats stats = run_alignment(o, [&](const AlignRunStats& s) {
    progress.update(std::to_string(s.reads) + " reads, " + std::to_string(s.mapped) + " mapped, " +
                    std::to_string(static_cast<long long>(s.reads / std::max(1e-9, progress.elapsed_s()))) + " reads/s");
  });
  double seconds = progress.elapsed_s();
  if (stats.pairs > 0 && stats.insert.known)
    std::fprintf(stderr, "[spindle] insert size: mean %.1f, sd %.1f, proper range %lld-%lld (from %lld pairs)\n",
                 stats.insert.mean, stats.insert.sd, static_cast<long long>(stats.insert.low),
                 static_cast<long long>(stats.insert.high), static_cast<long long>(stats.insert.pairs));
  std::fprintf(stderr, "[spindle] aligned %llu reads (%llu mapped, %.2f%%; %llu properly paired) in %.2f s: %.0f reads/s; peak RSS %s\n",
               static_cast<unsigned long long>(stats.reads), static_cast<unsigned long long>(stats.mapped),
               stats.reads ? 100.0 * stats.mapped / stats.reads : 0.0, static_cast<unsigned long long>(stats.proper),
               seconds, stats.reads / std::max(1e-9, seconds), format_bytes(peak_rss_bytes()).c_str());
  const auto& a = stats.aligner;
  const double per_read = a.reads ? 1e6 / double(a.reads) : 0.0;
  std::fprintf(stderr,
               "[spindle] search: %.2f CPU s (%.1f us/read: embedding, candidates, ranking); DP: %.2f CPU s (%.1f us/read); "
               "%llu reads retried, %llu by exhaustive fallback\n",
               a.candidate_cpu_s, a.candidate_cpu_s * per_read, a.dp_cpu_s, a.dp_cpu_s * per_read,
               static_cast<unsigned long long>(a.retried), static_cast<unsigned long long>(a.exhaustive));
  print_final_report();
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<AlignRunOptions>();
  auto* align = app.add_subcommand("align", "Align short or long DNA reads to an indexed reference (Embed-Search-Align) to SAM/BAM/CRAM; not spliced RNA");
  align->add_option("index", opts->index_dir, "Index directory from `spindle index ref`")->required();
  align->add_option("reads", opts->reads1, "Reads FASTQ/FASTA (gz ok, - for stdin)")->required();
  align->add_option("mates", opts->reads2, "Mate reads for paired-end (same order and count)");
  align->add_option("-o,--output", opts->output, "Output .bam, .cram or .sam; - for SAM on stdout (default -)");
  align->add_option("-t,--threads", opts->context.threads, "Threads (default: all cores)");
  align->add_option("-R,--read-group", opts->read_group, "Read group header line, e.g. '@RG\\tID:x\\tSM:y'");
  align->add_flag("-p,--interleaved", opts->interleaved, "Reads file holds pairs as consecutive records");
  align->add_option("--reference", opts->reference_check, "FASTA that must match the indexed reference (checked)");
  align->add_option("--model", opts->model_check,
                    "Model directory the index was built with (checked; the index already records it)");
  align->add_option("-x,--preset", opts->preset,
                    "Read type: sr (short reads), map-ont, map-pb, map-hifi (long reads: chained, split into primary "
                    "and supplementary alignments); default: by read length (over 1000 bp = long). Spliced (RNA) "
                    "alignment is not supported")
      ->check([](const std::string& v) {
        if (v == "sr") return std::string();
        try {
          long_read_preset(v);  // the one list of long-read presets
          return std::string();
        } catch (const UsageError& e) {
          return std::string(e.what());
        }
      });
  align->add_option("-k,--top-k", opts->aligner.top_k, "Candidate windows per read that go on to DP (default 8)");
  align->add_option_function<std::string>("--search", [opts](const std::string& v) {
    opts->aligner.search = v == "exhaustive" ? CandidateSearch::exhaustive : CandidateSearch::sparse;
  }, "How candidate windows are found: sparse (minimizer look-ups ranked by the vector store; default) or exhaustive (the vector store scores every window)")
      ->check(CLI::IsMember({"sparse", "exhaustive"}));
  align->add_option("--max-occ", opts->aligner.candidates.max_occurrences,
                    "Skip minimizers occurring more often than this in the reference (default 256)")
      ->check(CLI::PositiveNumber);
  align->add_option("-T,--min-score", opts->aligner.min_score, "Minimum alignment score to report (default 30)");
  align->add_option("-I,--insert-range", [opts](const CLI::results_t& r) {
    // A non-number is a usage error (CLI11 turns `false` into exit 2), never an exception from stoll.
    if (r.size() != 2) return false;
    for (int i = 0; i < 2; ++i) {
      long long v = 0;
      const char* end = r[i].data() + r[i].size();
      auto [p, ec] = std::from_chars(r[i].data(), end, v);
      if (ec != std::errc() || p != end) return false;
      (i == 0 ? opts->aligner.min_insert : opts->aligner.max_insert) = v;
    }
    return opts->aligner.max_insert > opts->aligner.min_insert;
  }, "Proper-pair fragment length range MIN MAX (default: estimated)")->expected(2);
  align->add_option("--batch", opts->batch_reads, "Reads (pairs) per batch (default 10000)");
  auto shard = std::make_shared<Shard>();
  add_shard_option(align, shard,
                   "write only reads (pairs) r with r mod N = I-1; shards together hold what one run writes "
                   "(samtools merge; paired reads without -I all estimate the insert size from the same first batch)");
  auto device = std::make_shared<DeviceArgs>();
  add_device_options(align, device);
  align->callback([opts, shard, device] {
    apply_device_options(*device, opts->context);  // for an index built with --model
    opts->shard_index = shard->index;
    opts->shard_count = shard->count;
    run(*opts);
  });
}

SPINDLE_COMMAND(30, setup);

}  // namespace
}  // namespace spindle::cli
