// spindle embed: FASTA/FASTQ (plain, gz, or - for stdin) of DNA or proteins (ESM-1/ESM-2 models) in,
// one vector per record out (.npy [N, D] + OUT.ids.txt), or per-token arrays keyed by record name
// (safetensors) with --pool none. The pipeline is genomics/embed_run.h; this file parses and reports.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "base/error.h"
#include "cli/command.h"
#include "cli/device_options.h"
#include "cli/report.h"
#include "cli/shard.h"
#include "genomics/embed_run.h"
#include "kernels/backend.h"

namespace spindle::cli {
namespace {

struct EmbedArgs {
  std::string model_dir, input, output, pool = "mean";
  DeviceArgs device;
  int64_t layer = -1, max_len = 0, overlap = -1;
  bool rc_average = false;
  int threads = 0;
  Shard shard;
};

void log_line(const std::string& line) { std::fprintf(stderr, "[spindle] %s\n", line.c_str()); }

void run(const EmbedArgs& a) {
  EmbedRunOptions o;
  o.context.threads = a.threads;
  apply_device_options(a.device, o.context);
  if (a.output == "-") throw UsageError("embed: -o must be a file (.npy, or .safetensors with --pool none)");
  if (a.shard.active() && a.input == "-")
    throw UsageError("embed: --shard needs an input file, not stdin (records are counted first)");
  o.model_dir = a.model_dir;
  o.input = a.input;
  o.output = a.output;
  o.shard_index = a.shard.index;
  o.shard_count = a.shard.count;
  o.write_rows = a.shard.given;
  o.embed.pooling = parse_pooling(a.pool);
  o.embed.layer = a.layer;
  o.embed.rc_average = a.rc_average;
  o.embed.max_len = a.max_len;
  o.embed.overlap = a.overlap;
  Progress progress;
  auto unit = [](const EmbedRunStats& s) { return std::string(s.protein ? "residues" : "tokens"); };
  EmbedRunStats s = run_embedding(o, [&](const EmbedRunStats& sofar) {
    progress.update(std::to_string(sofar.records) + " records, " + std::to_string(sofar.tokens) + " " + unit(sofar));
  }, log_line);
  std::fprintf(stderr, "[spindle] embedded %lld records, %lld %s, %.0f %s/s, %.1f records/s, peak RSS %s\n",
               static_cast<long long>(s.records), static_cast<long long>(s.tokens), unit(s).c_str(),
               s.tokens / std::max(s.seconds, 1e-9), unit(s).c_str(), s.records / std::max(s.seconds, 1e-9),
               format_bytes(peak_rss_bytes()).c_str());
  print_final_report();
}

void setup(CLI::App& app) {
  auto a = std::make_shared<EmbedArgs>();
  auto* cmd = app.add_subcommand("embed", "Embed DNA or protein FASTA/FASTQ records with a model: vectors out (.npy)");
  cmd->add_option("--model", a->model_dir, "Model directory (config.json + safetensors)")->required();
  cmd->add_option("input", a->input, "FASTA/FASTQ, plain or gzip; - for stdin")->required();
  cmd->add_option("-o,--output", a->output, "OUT.npy [N, D] (+ OUT.ids.txt); OUT.safetensors with --pool none")
      ->required();
  cmd->add_option("--pool", a->pool,
                  "mean | last | cls | none (per-token arrays keyed by record name); proteins: mean over the residues, "
                  "cls = the <cls> token, no last")
      ->capture_default_str();
  cmd->add_option("--layer", a->layer, "Use the residual stream after block K (0 = embeddings) instead of the final norm");
  cmd->add_flag("--rc-average", a->rc_average,
                "DNA: average with the reverse complement so both strands embed identically");
  cmd->add_option("--max-len", a->max_len,
                  "Window (bases/residues) for records longer than the context (DNA default: the model's context; "
                  "proteins: none, a longer protein is an error)");
  cmd->add_option("--overlap", a->overlap, "Overlap between windows in tokens (default: max-len / 4)");
  cmd->add_option("-t,--threads", a->threads, "Threads (default: all cores)");
  auto device = std::make_shared<DeviceArgs>();
  add_device_options(cmd, device);
  auto shard = std::make_shared<Shard>();
  add_shard_option(cmd, shard,
                   "records in the I-th of N contiguous blocks (input must be a file); also writes OUT.rows.txt, "
                   "each row's 0-based record number (ids for `index build --ids`)");
  cmd->callback([a, shard, device] {
    a->shard = *shard;
    a->device = *device;
    run(*a);
  });
}

SPINDLE_COMMAND(10, setup);

}  // namespace
}  // namespace spindle::cli
