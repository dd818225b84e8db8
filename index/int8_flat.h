// IndexInt8Flat: exhaustive inner-product search over vectors quantised to 8 bits, as a FAISS
// index (factory name "Int8Flat" in a VectorStore; internal to index/).
//
// Why: exact float search is one f32 GEMM per query block, and Debian's libfaiss is built without
// AVX2, so its quantised scans (PQ fast-scan, SQ8) run 7-60x slower than that GEMM here. An int8
// GEMM (oneDNN, VNNI) does the same scan 4x faster than f32 while staying exhaustive: every vector
// is scored, none is skipped by a coarse quantiser or a graph.
//
// Each vector x is stored as codes c = round(x / s) with its own scale s (codes in [-63, 63], see
// ops::gemm_s8s8s32_nt); queries are quantised the same way and the score is s_q * s_x * <c_q,
// c_x>. A vector proportional to integers of magnitude <= 63 (a normalised count sketch, such as
// the k-mer sketches of genomics/encoder.h) is stored exactly, s being its smallest entry, so its
// scores equal the float inner product; other vectors get s = max|x| / 63, which moves the score
// of unit vectors in 256 dimensions by up to about 1e-2 (tests/index check both). Inner product
// only; ids are stored in the index (no IndexIDMap around it).
//
// On disk (VectorStore's faiss_file, manifest format version 2): magic "SPNDLI8F", u32 version 1,
// i64 d, i64 n, then n*d int8 codes, n f32 scales, n i64 ids, all little-endian.
#pragma once

#include <faiss/Index.h>

#include <cstdint>
#include <string>
#include <vector>

namespace spindle::detail {

struct IndexInt8Flat : faiss::Index {
  static constexpr const char* kFactory = "Int8Flat";
  static constexpr int kMaxCode = 63;

  explicit IndexInt8Flat(idx_t d = 0);

  void add(idx_t n, const float* x) override;
  void add_with_ids(idx_t n, const float* x, const idx_t* xids) override;
  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* params = nullptr) const override;
  // One block of queries of search(), with a thread's buffers (may throw; search() catches).
  void search_block(idx_t b, idx_t n, const float* x, idx_t k, float* distances, idx_t* labels, int8_t* q_codes,
                    float* q_scales, int32_t* dots) const;
  void reset() override;
  void reconstruct(idx_t key, float* recons) const override;  // key: row number (0..ntotal-1)
  void merge_from(faiss::Index& other, idx_t add_id = 0) override;
  void check_compatible_for_merge(const faiss::Index& other) const override;

  // Inner products of one query with the stored rows `rows[0..n)` (row numbers, not ids), into
  // `out`: the re-ranking of a few chosen vectors, without a scan. Thread-safe (const, no state).
  void score_rows(const float* query, const idx_t* rows, idx_t n, float* out) const;
  // Reserves room for `n` vectors in total, so that adding them in pieces never reallocates
  // (a doubling vector briefly holds 1.5-2x the codes: 3 GB more at a 1 Gb reference).
  void reserve(idx_t n);

  // Writes / reads the on-disk form above; read() throws spindle::Error naming `path`.
  void write(const std::string& path) const;
  static IndexInt8Flat* read(const std::string& path);

  std::vector<int8_t> codes;  // ntotal x d
  std::vector<float> scales;  // ntotal
  std::vector<idx_t> ids;     // ntotal
};

}  // namespace spindle::detail
