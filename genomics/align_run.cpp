#include "genomics/align_run.h"

#include <omp.h>

#include "base/error.h"
#include "genomics/long_read_aligner.h"
#include "genomics/model_encoder.h"
#include "kernels/backend.h"
#include "kernels/parallel_for.h"

namespace spindle {
namespace {

// Mate names must agree up to a trailing /1 or /2.
std::string pair_base_name(const std::string& name) {
  size_t n = name.size();
  if (n > 2 && name[n - 2] == '/' && (name[n - 1] == '1' || name[n - 1] == '2')) return name.substr(0, n - 2);
  return name;
}

void check_length(const SeqRecord& r, const std::string& file, size_t max_length) {
  if (r.seq.size() > max_length)
    throw Error(file + ": read " + r.name + " is " + std::to_string(r.seq.size()) + " bp; spindle align takes reads up to " +
                std::to_string(max_length) + " bp" + (max_length == kMaxShortReadLength ? " with -x sr" : ""));
}

bool is_long_preset(const std::string& preset) { return !preset.empty() && preset != "sr"; }

// Aligns a batch of single-end reads, each on the path it needs: long reads (by preset, or by
// length when there is none) one per thread through the long-read aligner, the others in one
// batch through the short-read aligner; records come out in input order.
void align_single_batch(const std::vector<SeqRecord>& batch, const std::string& preset, Aligner& short_aligner,
                        const LongReadAligner& long_aligner, std::vector<SamRecord>& out) {
  std::vector<char> is_long(batch.size());
  std::vector<SeqRecord> short_reads;
  std::vector<size_t> long_index;
  for (size_t i = 0; i < batch.size(); ++i) {
    is_long[i] = preset.empty() ? batch[i].seq.size() > kAutoLongReadLength : is_long_preset(preset);
    if (is_long[i]) long_index.push_back(i);
  }
  std::vector<SamRecord> short_records;
  if (long_index.size() < batch.size()) {
    if (long_index.empty()) {
      short_aligner.align_single(batch, out);
      return;
    }
    for (size_t i = 0; i < batch.size(); ++i)
      if (!is_long[i]) short_reads.push_back(batch[i]);
    short_aligner.align_single(short_reads, short_records);
  }
  std::vector<std::vector<SamRecord>> long_records(long_index.size());
  ParallelErrors errors;  // any exception (std::bad_alloc too) may not leave an OpenMP region
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t j = 0; j < long_index.size(); ++j)
    errors.guard([&] { long_aligner.align(batch[long_index[j]], long_records[j]); });
  errors.rethrow();
  // Short records point into short_reads: re-point them at the batch's own records.
  size_t next_short = 0, next_long = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (is_long[i]) {
      for (auto& r : long_records[next_long++]) out.push_back(std::move(r));
    } else {
      SamRecord r = std::move(short_records[next_short++]);
      r.seq = &batch[i].seq;
      r.qual = &batch[i].qual;
      out.push_back(std::move(r));
    }
  }
}

void check_mates(const SeqRecord& a, const SeqRecord& b, const std::string& file_a, const std::string& file_b) {
  if (pair_base_name(a.name) != pair_base_name(b.name))
    throw Error(file_b + ": mate names differ: " + a.name + " (" + file_a + ") vs " + b.name);
}

// Strips /1 /2 so both mates carry the same QNAME, as SAM requires.
void strip_mate_suffix(SeqRecord& r) { r.name = pair_base_name(r.name); }

void tally(const std::vector<SamRecord>& records, AlignRunStats& stats) {
  for (auto& r : records) {
    if (r.flag & 0x800) continue;  // a supplementary part of a read already counted
    ++stats.reads;
    if (!(r.flag & 0x4)) ++stats.mapped;
    if (r.flag & 0x2) ++stats.proper;
  }
}

}  // namespace

AlignRunStats run_alignment(const AlignRunOptions& o, const std::function<void(const AlignRunStats&)>& progress) {
  ThreadScope threads(o.context);
  if (!o.reads2.empty() && o.interleaved) throw UsageError("give either a mates file or --interleaved, not both");
  LongReadOptions long_options;
  if (is_long_preset(o.preset)) long_options = long_read_preset(o.preset);  // UsageError for an unknown name
  if (is_long_preset(o.preset) && (!o.reads2.empty() || o.interleaved))
    throw UsageError("preset " + o.preset + " is for single-end long reads; paired-end reads take -x sr");
  if (o.reads1 == "-" && o.reads2 == "-") throw UsageError("only one input can be stdin");
  RefIndex index = RefIndex::open(o.index_dir, load_options_for(o.context));
  if (!o.reference_check.empty()) index.check_same_reference(o.reference_check);
  if (o.output.size() >= 5 && o.output.compare(o.output.size() - 5, 5, ".cram") == 0 && o.reference_check.empty())
    throw UsageError("CRAM output needs --reference FASTA (the index keeps its reference 2-bit packed)");
  if (!o.model_check.empty() && ModelEncoder::description_of(o.model_check) != index.manifest().encoder)
    throw Error(o.model_check + ": not the model this index was built with (index encoder: " +
                index.manifest().encoder + ")");

  FastxReader reader1(o.reads1);
  std::unique_ptr<FastxReader> reader2;
  if (!o.reads2.empty()) reader2 = std::make_unique<FastxReader>(o.reads2);
  const bool paired = reader2 || o.interleaved;

  SamHeaderInfo header;
  header.program_version = SPINDLE_VERSION;
  header.command_line = o.command_line;
  header.read_group = o.read_group;
  header.reference_fasta = o.reference_check;
  SamWriter writer(o.output, index.reference(), header, num_threads());  // htslib compression threads
  Aligner aligner(index, o.aligner);
  LongReadAligner long_aligner(index, long_options);
  const size_t max_length = o.preset == "sr" ? kMaxShortReadLength : kMaxReadLength;
  AlignRunStats stats;

  if (o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count)
    throw UsageError("--shard: shard " + std::to_string(o.shard_index + 1) + " of " + std::to_string(o.shard_count));
  const bool sharded = o.shard_count > 1;
  const uint64_t shard_count = static_cast<uint64_t>(o.shard_count), shard_index = static_cast<uint64_t>(o.shard_index);
  // Paired reads with an estimated insert model: the first batch is read whole by every shard (see
  // AlignRunOptions::shard_count); `owned` then says which of its pairs this shard writes.
  bool whole_batch = sharded && paired && o.aligner.min_insert == 0 && o.aligner.max_insert == 0;
  std::vector<char> owned;
  uint64_t input_index = 0;  // reads (pairs) read so far, in input order

  std::vector<SeqRecord> batch1, batch2;
  std::vector<SamRecord> records;
  bool done = false;
  while (!done) {
    batch1.clear();
    batch2.clear();
    owned.clear();
    SeqRecord a, b;
    size_t batch_bases = 0;
    // Long reads: also at most ~50 Mb of sequence per batch.
    while (batch1.size() < o.batch_reads && batch_bases < 50000000) {
      if (!reader1.next(a)) {
        done = true;
        if (reader2 && reader2->next(b))
          throw Error(o.reads2 + ": more reads than " + o.reads1 + " (mates with different counts)");
        break;
      }
      if (reader2) {
        if (!reader2->next(b))
          throw Error(o.reads2 + ": fewer reads than " + o.reads1 + " (mates with different counts)");
      } else if (o.interleaved) {
        if (!reader1.next(b)) throw Error(o.reads1 + ": odd number of records in an interleaved pair file");
      }
      check_length(a, o.reads1, paired ? kMaxShortReadLength : max_length);
      if (paired) {
        check_length(b, reader2 ? o.reads2 : o.reads1, kMaxShortReadLength);
        check_mates(a, b, o.reads1, reader2 ? o.reads2 : o.reads1);
        strip_mate_suffix(a);
        strip_mate_suffix(b);
      }
      const bool mine = !sharded || input_index++ % shard_count == shard_index;
      if (!mine && !whole_batch) continue;  // another shard's read, checked above but not aligned
      owned.push_back(mine);
      batch_bases += a.seq.size();
      if (paired) batch2.push_back(std::move(b));
      batch1.push_back(std::move(a));
    }
    if (batch1.empty()) {
      if (done) break;
      continue;
    }
    records.clear();
    if (paired) {
      aligner.align_pairs(batch1, batch2, records);
    } else {
      align_single_batch(batch1, o.preset, aligner, long_aligner, records);
    }
    if (whole_batch) {  // two records per pair, read 1 first: keep this shard's pairs only
      size_t kept = 0;
      for (size_t k = 0; k < records.size(); ++k)
        if (owned[k / 2]) {
          if (kept != k) records[kept] = std::move(records[k]);
          ++kept;
        }
      records.resize(kept);
      whole_batch = false;
    }
    for (auto& r : records) writer.write(r);
    if (paired) stats.pairs += records.size() / 2;
    tally(records, stats);
    stats.insert = aligner.insert_model();
    stats.aligner = aligner.stats();
    if (progress) progress(stats);
  }
  writer.close();
  return stats;
}

}  // namespace spindle
