// How often the true window of a simulated read reaches the DP stage: the sparse candidate stage
// (minimizer look-ups ranked by the vector store) against the exhaustive vector search, overall
// and by how well the read's true window scores (its cosine with the read).
//
//   bench_align_recall_bench INDEX_DIR READS.fq TRUTH.sam [N_READS=20000] [DEBUG_READ]
//
// TRUTH.sam: the simulator's true placements (ART -sam, mason_simulator -oa). A read's true window
// "reaches DP" when a window chosen for DP overlaps the true read interval by at least half the
// read. Both stages are run as `spindle align` runs them: first pass (top 8, cosine >= 0.5 x
// best) and second chance (top 64 with no cut; sparse also counts repeats up to 4096
// occurrences). DEBUG_READ names one read whose candidates are printed.
#include <htslib/sam.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "genomics/aligner.h"
#include "genomics/candidate_finder.h"
#include "genomics/fastx_reader.h"
#include "genomics/ref_index.h"

using namespace spindle;

namespace {

struct Truth {
  int32_t contig = -1;
  int64_t pos = 0;
};

std::map<std::string, Truth> load_truth(const std::string& path, const RefIndex& index) {
  std::map<std::string, int32_t> contig_id;
  for (size_t c = 0; c < index.reference().contigs().size(); ++c)
    contig_id[index.reference().contigs()[c].name] = static_cast<int32_t>(c);
  samFile* in = sam_open(path.c_str(), "r");
  if (!in) throw Error(path + ": cannot open");
  sam_hdr_t* header = sam_hdr_read(in);
  bam1_t* b = bam_init1();
  std::map<std::string, Truth> truth;
  while (sam_read1(in, header, b) >= 0) {
    if (b->core.flag & 0x904) continue;
    auto it = contig_id.find(sam_hdr_tid2name(header, b->core.tid));
    if (it == contig_id.end()) continue;
    truth[bam_get_qname(b)] = {it->second, b->core.pos};
  }
  bam_destroy1(b);
  sam_hdr_destroy(header);
  sam_close(in);
  return truth;
}

struct Scored {
  int64_t id;
  float cosine;
};

// The windows `spindle align` would hand to DP: the best `keep` by cosine, those under `ratio` x
// the best dropped.
std::vector<Scored> chosen(std::vector<Scored> s, int64_t keep, float ratio) {
  std::stable_sort(s.begin(), s.end(), [](auto& a, auto& b) { return a.cosine > b.cosine; });
  if (static_cast<int64_t>(s.size()) > keep) s.resize(keep);
  if (!s.empty()) {
    const float cut = ratio * s[0].cosine;
    s.erase(std::remove_if(s.begin(), s.end(), [&](auto& x) { return x.cosine < cut; }), s.end());
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s INDEX_DIR READS.fq TRUTH.sam [N_READS] [DEBUG_READ]\n", argv[0]);
    return 2;
  }
  const int64_t max_reads = argc > 4 ? std::atoll(argv[4]) : 20000;
  const std::string debug_read = argc > 5 ? argv[5] : "";
  RefIndex index = RefIndex::open(argv[1]);
  const auto truth = load_truth(argv[3], index);
  std::vector<SeqRecord> reads;
  FastxReader reader(argv[2]);
  SeqRecord r;
  while (static_cast<int64_t>(reads.size()) < max_reads && reader.next(r))
    if (truth.count(r.name)) reads.push_back(r);
  const int64_t n = static_cast<int64_t>(reads.size());
  const int dim = index.encoder().dim();
  std::vector<float> queries(static_cast<size_t>(n) * dim);
  {
    std::vector<std::string_view> seqs;
    for (auto& x : reads) seqs.emplace_back(x.seq);
    index.encoder().encode(seqs, queries.data());
  }
  const AlignerOptions defaults;
  const int64_t k = defaults.top_k, deep_k = defaults.retry_top_k;
  auto t0 = std::chrono::steady_clock::now();
  SearchResult exhaustive = index.store().search(queries.data(), n, deep_k);
  const double scan_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Buckets by the cosine of the read's true window: where the embedding signal is weak.
  const float edges[] = {0.29f, 0.40f};
  const char* names[] = {"true cos < 0.29", "0.29-0.40", ">= 0.40"};
  struct Tally {
    int64_t reads = 0, sparse1 = 0, sparse2 = 0, scan1 = 0, scan2 = 0;
  } tally[3], total;
  double sparse_s = 0;
  const CandidateOptions first = defaults.candidates, wide = defaults.wide_candidates;
  std::vector<WindowCandidate> found;
  for (int64_t i = 0; i < n; ++i) {
    const Truth& t = truth.at(reads[i].name);
    const int64_t len = static_cast<int64_t>(reads[i].seq.size());
    auto reaches = [&](const std::vector<Scored>& list) {
      for (auto& s : list) {
        const Window w = index.windows().window(s.id % index.windows().count());
        const int64_t overlap = std::min(w.end, t.pos + len) - std::max(w.start, t.pos);
        if (w.contig == t.contig && overlap * 2 >= len) return true;
      }
      return false;
    };
    const float* q = &queries[i * dim];
    const int64_t true_window = index.windows().window_at(t.contig, t.pos);
    float true_cos = 0;
    index.store().score_ids(q, &true_window, 1, &true_cos);
    std::vector<Scored> scan;
    for (int64_t j = 0; j < deep_k; ++j) scan.push_back({exhaustive.id(i, j), exhaustive.score(i, j)});
    auto s0 = std::chrono::steady_clock::now();
    std::vector<Scored> sparse[2];
    for (int pass = 0; pass < 2; ++pass) {
      find_candidate_windows(index, reads[i].seq, pass ? wide : first, found);
      std::vector<int64_t> ids;
      for (auto& c : found) ids.push_back(c.window);
      std::vector<float> cos(ids.size());
      index.store().score_ids(q, ids.data(), static_cast<int64_t>(ids.size()), cos.data());
      for (size_t j = 0; j < ids.size(); ++j) sparse[pass].push_back({ids[j], cos[j]});
      if (reads[i].name == debug_read) {
        std::printf("%s pass %d: true window %lld cos %.3f\n", debug_read.c_str(), pass,
                    static_cast<long long>(true_window), true_cos);
        SeedStats st = find_candidate_windows(index, reads[i].seq, pass ? wide : first, found);
        std::printf("  minimizers %d masked %d hits %d\n", st.minimizers, st.masked, st.hits);
        for (size_t j = 0; j < found.size(); ++j) {
          const Window w = index.windows().window(found[j].window);
          std::printf("  window %lld %d:%lld strand %d votes %d cos %.3f\n", static_cast<long long>(found[j].window),
                      w.contig, static_cast<long long>(w.start), found[j].strand, found[j].votes, cos[j]);
        }
      }
    }
    sparse_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    Tally& b = tally[true_cos < edges[0] ? 0 : true_cos < edges[1] ? 1 : 2];
    for (Tally* x : {&b, &total}) {
      ++x->reads;
      x->sparse1 += reaches(chosen(sparse[0], k, defaults.min_cosine_ratio));
      x->sparse2 += reaches(chosen(sparse[0], k, defaults.min_cosine_ratio)) || reaches(chosen(sparse[1], deep_k, 0));
      x->scan1 += reaches(chosen(scan, k, defaults.min_cosine_ratio));
      x->scan2 += reaches(chosen(scan, k, defaults.min_cosine_ratio)) || reaches(scan);
    }
  }
  std::printf("reads %lld, windows %lld; exhaustive scan %.1f us/read (1 thread), sparse stage (both passes) %.1f us/read\n",
              static_cast<long long>(n), static_cast<long long>(index.windows().count()), 1e6 * scan_s / n * omp_get_max_threads(),
              1e6 * sparse_s / n);
  std::printf("reads by true-window cosine\treads\tsparse first pass %%\tsparse with retry %%\texhaustive top-8 %%\texhaustive with top-64 %%\n");
  auto row = [&](const char* name, const Tally& x) {
    auto pct = [&](int64_t v) { return x.reads ? 100.0 * v / x.reads : 0.0; };
    std::printf("%s\t%lld\t%.2f\t%.2f\t%.2f\t%.2f\n", name, static_cast<long long>(x.reads), pct(x.sparse1), pct(x.sparse2),
                pct(x.scan1), pct(x.scan2));
  };
  for (int b = 0; b < 3; ++b) row(names[b], tally[b]);
  row("all", total);
  return 0;
}
