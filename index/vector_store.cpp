#include "index/vector_store.h"

#include <faiss/AutoTune.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/invlists/OnDiskInvertedLists.h>
#include <faiss/utils/distances.h>

#include <omp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>
#include <sstream>

#include "base/file_checksum.h"
#include "base/output_file.h"
#include "index/faiss_util.h"
#include "index/int8_flat.h"
#include "index/manifest.h"
#include "index/simd_flat_storage.h"

namespace spindle {

namespace fs = std::filesystem;
using detail::faiss_call;

const char* metric_name(Metric metric) { return metric == Metric::l2 ? "l2" : "cosine"; }

Metric parse_metric(const std::string& name) {
  if (name == "cosine" || name == "ip") return Metric::cosine;
  if (name == "l2") return Metric::l2;
  throw Error("unknown metric '" + name + "' (expected cosine, ip or l2)");
}

void VectorStore::IndexDeleter::operator()(faiss::Index* index) const { delete index; }

VectorStore::VectorStore(VectorStore&&) noexcept = default;
VectorStore& VectorStore::operator=(VectorStore&&) noexcept = default;
VectorStore::~VectorStore() = default;

namespace {

// Rows added or normalised per step: bounds the extra memory of the normalised copy (64 MiB at
// D = 256) whatever the input size.
constexpr int64_t kChunkRows = 65536;

faiss::MetricType faiss_metric(Metric metric) {
  return metric == Metric::l2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

// A CPU f32 [N, D] view of `t` (converting f16/bf16), checked against the index dimension.
Tensor as_f32_matrix(const Tensor& t, int64_t dim, const char* what) {
  if (!t.defined() || t.ndim() != 2)
    throw Error(std::string(what) + " must be a 2-D matrix [N, D], got " + (t.defined() ? t.describe() : "nothing"));
  Tensor m = t.device() == Device::cpu ? t : t.to(Device::cpu);
  if (m.dtype() == DType::f16 || m.dtype() == DType::bf16) m = m.to(DType::f32);
  if (m.dtype() != DType::f32) throw Error(std::string(what) + " must be float32, got " + dtype_name(m.dtype()));
  if (m.dim(1) != dim)
    throw Error(std::string("dimension mismatch: ") + what + " have " + std::to_string(m.dim(1)) +
                " columns, the index has dimension " + std::to_string(dim));
  return m;
}

// The HNSW index inside IDMap and pre-transform wrappers, or null when `index` is not HNSW.
faiss::IndexHNSW* hnsw_inside(faiss::Index* index) {
  for (;;) {
    if (auto* map = dynamic_cast<faiss::IndexIDMap*>(index))
      index = map->index;
    else if (auto* pre = dynamic_cast<faiss::IndexPreTransform*>(index))
      index = pre->index;
    else
      return dynamic_cast<faiss::IndexHNSW*>(index);
  }
}

// Copies rows [begin, begin + n) and L2-normalises them when the metric is cosine.
std::vector<float> prepared_rows(const float* x, int64_t begin, int64_t n, int64_t dim, Metric metric) {
  std::vector<float> rows(x + begin * dim, x + (begin + n) * dim);
  if (metric == Metric::cosine) faiss::fvec_renorm_L2(dim, n, rows.data());
  return rows;
}

}  // namespace

VectorStore VectorStore::create(int64_t dim, const BuildOptions& options) {
  if (dim <= 0) throw Error("vector dimension must be positive, got " + std::to_string(dim));
  if (options.factory.empty()) throw Error("empty FAISS factory string");
  VectorStore store;
  store.manifest_.dim = dim;
  store.manifest_.metric = options.metric;
  store.manifest_.factory = options.factory;
  store.manifest_.producer = options.producer;
  if (options.factory == detail::IndexInt8Flat::kFactory) {
    if (options.metric != Metric::cosine)
      throw Error(std::string("factory ") + detail::IndexInt8Flat::kFactory + " supports only the cosine metric");
    if (options.hnsw_ef_construction > 0 || options.hnsw_ef_search > 0)
      throw Error(std::string("efConstruction and efSearch apply only to HNSW indexes, not '") + options.factory + "'");
    store.index_.reset(new detail::IndexInt8Flat(dim));  // keeps its own ids: no IndexIDMap
    store.manifest_.faiss_file = "index.i8";
    return store;
  }
  faiss::Index* raw = faiss_call("factory '" + options.factory + "'", [&] {
    return faiss::index_factory(static_cast<int>(dim), options.factory.c_str(), faiss_metric(options.metric));
  });
  std::unique_ptr<faiss::Index> index(raw);
  // IVF indexes keep ids in their inverted lists; everything else (Flat, HNSW, PQ) only numbers
  // vectors 0..n-1, so ids live in an IDMap beside them.
  bool has_ids = dynamic_cast<faiss::IndexIDMap*>(index.get()) || faiss::ivflib::try_extract_index_ivf(index.get());
  if (!has_ids) {
    auto* map = new faiss::IndexIDMap(index.release());
    map->own_fields = true;
    index.reset(map);
  }
  // FAISS trains IVF-PQ codes for polysemous (Hamming-filtered) search by default: a simulated
  // annealing that took minutes for IVF1024,PQ32 on 2 cores. spindle never searches that way
  // (it sets no polysemous_ht), so the training would be pure cost.
  if (auto* ivfpq = dynamic_cast<faiss::IndexIVFPQ*>(faiss::ivflib::try_extract_index_ivf(index.get())))
    ivfpq->do_polysemous_training = false;
  if (options.hnsw_ef_search < 0 || options.hnsw_ef_search > INT32_MAX)
    throw Error("efSearch must be between 1 and " + std::to_string(INT32_MAX) + ", got " +
                std::to_string(options.hnsw_ef_search));
  faiss::IndexHNSW* hnsw = hnsw_inside(index.get());
  if (!hnsw && (options.hnsw_ef_construction > 0 || options.hnsw_ef_search > 0))
    throw Error("efConstruction and efSearch apply only to HNSW indexes, not '" + options.factory + "'");
  if (hnsw) {
    if (options.hnsw_ef_construction > 0) hnsw->hnsw.efConstruction = static_cast<int>(options.hnsw_ef_construction);
    store.manifest_.ef_search = options.hnsw_ef_search > 0 ? options.hnsw_ef_search : kDefaultHnswEfSearch;
    hnsw->hnsw.efSearch = static_cast<int>(store.manifest_.ef_search);
  }
  detail::use_simd_flat_storage(index.get());
  store.index_.reset(index.release());
  return store;
}

VectorStore VectorStore::build(const Tensor& vectors, const std::vector<int64_t>& ids, const BuildOptions& options) {
  if (!vectors.defined() || vectors.ndim() != 2)
    throw Error("vectors must be a 2-D matrix [N, D], got " + (vectors.defined() ? vectors.describe() : "nothing"));
  Tensor m = as_f32_matrix(vectors, vectors.dim(1), "vectors");
  return build(m.data<float>(), m.dim(0), m.dim(1), ids, options);
}

VectorStore VectorStore::build(const float* vectors, int64_t n, int64_t dim, const std::vector<int64_t>& ids,
                               const BuildOptions& options) {
  if (n < 1) throw Error("no vectors to index");
  VectorStore store = create(dim, options);
  if (!store.is_trained()) {
    int64_t n_train = options.max_train_rows > 0 ? std::min(n, options.max_train_rows) : n;
    if (n_train == n) {
      store.train(vectors, n);
    } else {
      // A uniform sample without replacement, in file order (kinder to the page cache).
      std::vector<int64_t> rows(n);
      std::iota(rows.begin(), rows.end(), 0);
      std::mt19937_64 rng(options.seed);
      for (int64_t i = 0; i < n_train; ++i) {
        std::uniform_int_distribution<int64_t> pick(i, n - 1);
        std::swap(rows[i], rows[pick(rng)]);
      }
      rows.resize(n_train);
      std::sort(rows.begin(), rows.end());
      std::vector<float> sample(static_cast<size_t>(n_train * dim));
      for (int64_t i = 0; i < n_train; ++i)
        std::copy_n(vectors + rows[i] * dim, dim, sample.data() + i * dim);
      store.train(sample.data(), n_train);
    }
  }
  store.add(vectors, n, ids);
  return store;
}

VectorStore VectorStore::empty_like(const VectorStore& trained) {
  BuildOptions options;
  options.factory = trained.factory();
  options.metric = trained.metric();
  options.producer = trained.producer();
  options.hnsw_ef_search = trained.manifest().ef_search;
  VectorStore fresh = create(trained.dim(), options);
  if (fresh.is_trained()) return fresh;  // nothing learnt to share (Flat, HNSW)
  if (!trained.is_trained()) throw Error("cannot copy the training of an untrained '" + trained.factory() + "' index");
  if (trained.is_mapped())
    throw Error("cannot copy the training of a memory-mapped store; open it without mmap");
  // A serialise/deserialise round trip copies every trained part (quantizer, codebooks, transforms)
  // for any index type FAISS can write; reset() then drops the vectors.
  faiss_call("copying trained index", [&] {
    faiss::VectorIOWriter writer;
    faiss::write_index(trained.index_.get(), &writer);
    faiss::VectorIOReader reader;
    reader.data = std::move(writer.data);
    fresh.index_.reset(faiss::read_index(&reader));
    fresh.index_->reset();
    detail::use_simd_flat_storage(fresh.index_.get());
  });
  return fresh;
}

void VectorStore::train(const float* vectors, int64_t n) {
  if (is_trained()) return;
  if (n < 1) throw Error("no vectors to train index '" + factory() + "'");
  std::vector<float> rows = prepared_rows(vectors, 0, n, dim(), metric());
  faiss_call("training index '" + factory() + "' on " + std::to_string(n) + " vectors",
             [&] { index_->train(n, rows.data()); });
}

void VectorStore::add(const Tensor& vectors, const std::vector<int64_t>& ids) {
  Tensor m = as_f32_matrix(vectors, dim(), "vectors");
  add(m.data<float>(), m.dim(0), ids);
}

void VectorStore::add(const float* vectors, int64_t n, const std::vector<int64_t>& ids) {
  if (!is_trained())
    throw Error("index '" + factory() + "' is not trained: train it (or use build) before adding vectors");
  if (mapped_) throw Error("cannot add to a memory-mapped (read-only) store; open it without mmap");
  if (!ids.empty() && static_cast<int64_t>(ids.size()) != n)
    throw Error(std::to_string(ids.size()) + " ids given for " + std::to_string(n) + " vectors");
  std::vector<int64_t> chunk_ids;
  int64_t first_id = count();
  for (int64_t begin = 0; begin < n; begin += kChunkRows) {
    int64_t rows = std::min(kChunkRows, n - begin);
    std::vector<float> chunk = prepared_rows(vectors, begin, rows, dim(), metric());
    chunk_ids.resize(rows);
    for (int64_t i = 0; i < rows; ++i) chunk_ids[i] = ids.empty() ? first_id + begin + i : ids[begin + i];
    faiss_call("adding vectors to index '" + factory() + "'",
               [&] { index_->add_with_ids(rows, chunk.data(), chunk_ids.data()); });
  }
  manifest_.count = count();
}

void VectorStore::reserve(int64_t n) {
  if (auto* int8 = dynamic_cast<detail::IndexInt8Flat*>(index_.get())) int8->reserve(n);
}

bool VectorStore::ids_are_rows() const {
  std::call_once(*ids_checked_, [&] {
    bool dense = true;
    if (auto* int8 = dynamic_cast<const detail::IndexInt8Flat*>(index_.get())) {
      for (int64_t i = 0; dense && i < count(); ++i) dense = int8->ids[i] == i;
    } else if (auto* map = dynamic_cast<const faiss::IndexIDMap*>(index_.get())) {
      for (int64_t i = 0; dense && i < count(); ++i) dense = map->id_map[i] == i;
    } else {
      dense = false;
    }
    ids_are_rows_ = dense;
  });
  return ids_are_rows_;
}

void VectorStore::score_ids(const float* query, const int64_t* ids, int64_t n, float* scores) const {
  if (n == 0) return;
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= count())
      throw Error("vector id " + std::to_string(ids[i]) + " out of range (store of " + std::to_string(count()) + ")");
  auto* int8 = dynamic_cast<const detail::IndexInt8Flat*>(index_.get());
  auto* map = dynamic_cast<const faiss::IndexIDMap*>(index_.get());
  auto* flat = map ? dynamic_cast<const faiss::IndexFlat*>(map->index) : nullptr;
  if (!int8 && !flat)
    throw Error("index '" + factory() + "' cannot score chosen vectors: build the store with Int8Flat or Flat");
  if (!ids_are_rows()) throw Error("score_ids needs a store whose ids are 0..count-1");
  const std::vector<float> q = prepared_rows(query, 0, 1, dim(), metric());
  if (int8) {
    faiss_call("scoring chosen vectors", [&] { int8->score_rows(q.data(), ids, n, scores); });
    return;
  }
  const float* base = flat->get_xb();
  for (int64_t i = 0; i < n; ++i) {
    const float* v = base + ids[i] * dim();
    float sum = 0;
    for (int64_t j = 0; j < dim(); ++j) sum += q[j] * v[j];
    scores[i] = metric() == Metric::cosine ? sum : -sum;
  }
}

int64_t VectorStore::count() const { return index_ ? index_->ntotal : 0; }
bool VectorStore::is_trained() const { return index_ && index_->is_trained; }

SearchResult VectorStore::search(const Tensor& queries, int64_t k, const SearchParams& params) const {
  Tensor m = as_f32_matrix(queries, dim(), "queries");
  return search(m.data<float>(), m.dim(0), k, params);
}

SearchResult VectorStore::search(const float* queries, int64_t n_queries, int64_t k, const SearchParams& params) const {
  if (!is_trained()) throw Error("index '" + factory() + "' is not trained: cannot search it");
  if (k < 1) throw Error("k must be at least 1, got " + std::to_string(k));
  if (k > count())
    throw Error("k = " + std::to_string(k) + " is larger than the index (" + std::to_string(count()) + " vectors)");
  SearchResult result;
  result.n_queries = n_queries;
  result.k = k;
  result.ids.assign(static_cast<size_t>(n_queries * k), -1);
  result.scores.assign(static_cast<size_t>(n_queries * k), 0.0f);
  if (n_queries == 0) return result;
  std::vector<float> rows = prepared_rows(queries, 0, n_queries, dim(), metric());

  std::lock_guard<std::mutex> lock(*search_mutex_);
  // The knobs live in the index itself; the lock keeps one call's values from leaking into another's.
  faiss::ParameterSpace space;
  if (params.nprobe > 0)
    faiss_call("nprobe does not apply to index '" + factory() + "'",
               [&] { space.set_index_parameter(index_.get(), "nprobe", static_cast<double>(params.nprobe)); });
  // HNSW without an explicit ef searches with the manifest's default, never with a value an
  // earlier call left in the index.
  const int64_t ef_search = params.ef_search > 0 ? params.ef_search : manifest_.ef_search;
  if (ef_search > 0)
    faiss_call("ef (efSearch) does not apply to index '" + factory() + "'",
               [&] { space.set_index_parameter(index_.get(), "efSearch", static_cast<double>(ef_search)); });
  // Each thread searches its own slices of the queries. FAISS's exact search is one multi-threaded
  // BLAS GEMM per block of queries, and OpenBLAS's threads synchronise by spinning: on a loaded
  // machine a descheduled partner made 2 threads cost 1.8x the CPU time of 1 (align, E. coli,
  // 20k reads). Inside a parallel region FAISS and OpenBLAS run single-threaded, so the threads
  // never wait on each other. Slices of at least 256 queries keep the GEMM efficient.
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t slice = std::max<int64_t>(256, (n_queries + 4 * threads - 1) / (4 * threads));
  const int64_t slices = (n_queries + slice - 1) / slice;
  const std::string context = "searching index '" + factory() + "'";
  if (threads <= 1 || slices <= 1) {
    faiss_call(context, [&] { index_->search(n_queries, rows.data(), k, result.scores.data(), result.ids.data()); });
    return result;
  }
  std::vector<std::string> errors(slices);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t s = 0; s < slices; ++s) {
    const int64_t first = s * slice, n = std::min(slice, n_queries - first);
    try {
      faiss_call(context, [&] {
        index_->search(n, rows.data() + first * dim(), k, result.scores.data() + first * k,
                       result.ids.data() + first * k);
      });
    } catch (const Error& e) {  // exceptions may not leave an OpenMP region
      errors[s] = e.what();
    } catch (const std::bad_alloc&) {
      errors[s] = context + ": out of memory";
    } catch (const std::exception& e) {
      errors[s] = context + ": " + e.what();
    }
  }
  for (auto& e : errors)
    if (!e.empty()) throw Error(e);
  return result;
}

static bool is_vector_store_dir(const std::string& d) {
  return dir_manifest_has(d, "format", detail::kManifestFormat);
}

void VectorStore::check_save_target(const std::string& dir) { check_output_dir(dir, is_vector_store_dir); }

void VectorStore::save(const std::string& dir) const {
  if (mapped_) throw Error(dir + ": cannot save a memory-mapped store; open it without mmap");
  // Only an existing vector store directory is replaced; a user's folder is refused untouched.
  TempPath temp(dir, is_vector_store_dir);
  std::error_code ec;
  fs::create_directories(temp.path(), ec);
  if (ec) throw Error(dir + ": cannot create directory: " + ec.message());
  VectorStoreManifest m = manifest_;
  auto* int8 = dynamic_cast<const detail::IndexInt8Flat*>(index_.get());
  // Version 1 when the file is a FAISS index, so that spindles older than Int8Flat read it.
  m.format_version = int8 ? 2 : 1;
  m.count = count();
  m.written_by = std::string("spindle ") + SPINDLE_VERSION;
  std::string faiss_path = temp.path() + "/" + m.faiss_file;
  // The file's own efSearch then agrees with the manifest (for readers other than spindle), not
  // with whatever the last search used.
  if (faiss::IndexHNSW* hnsw = hnsw_inside(index_.get()); hnsw && m.ef_search > 0)
    hnsw->hnsw.efSearch = static_cast<int>(m.ef_search);
  try {
    if (int8) {
      int8->write(faiss_path);
    } else {
      // Through our own FILE*, whose flush and close OutputFile checks: FAISS's file writer only
      // prints a warning when the final flush in fclose fails (a full disk), and a truncated index
      // would then be committed with a manifest describing it.
      OutputFile out(faiss_path);
      faiss_call(dir + "/" + m.faiss_file, [&] {
        try {
          faiss::write_index(index_.get(), out.stream());
        } catch (const faiss::FaissException&) {
          if (std::ferror(out.stream())) throw Error(faiss_path + ": write failed: " + std::strerror(errno));
          throw;
        }
      });
      out.commit();
    }
    m.faiss_bytes = fs::file_size(faiss_path, ec);
    if (ec) throw Error(dir + "/" + m.faiss_file + ": cannot stat written index: " + ec.message());
    m.checksum = file_checksum(faiss_path);
    OutputFile manifest(temp.path() + "/" + detail::kManifestName);
    manifest.write(detail::manifest_to_json(m));
    manifest.commit();
  } catch (const Error& e) {
    throw temp.naming_final_path(e);
  }
  temp.commit();
}

VectorStore VectorStore::open(const std::string& dir, const OpenOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir + ": not an index directory");
  std::string manifest_path = dir + "/" + detail::kManifestName;
  if (!fs::exists(manifest_path, ec)) throw Error(dir + ": no " + detail::kManifestName + " (not a spindle index)");
  VectorStore store;
  store.manifest_ = detail::read_manifest(manifest_path);
  const VectorStoreManifest& m = store.manifest_;
  std::string faiss_path = dir + "/" + m.faiss_file;
  uint64_t bytes = fs::file_size(faiss_path, ec);
  if (ec) throw Error(faiss_path + ": cannot open: " + ec.message());
  if (bytes != m.faiss_bytes)
    throw Error(faiss_path + ": " + std::to_string(bytes) + " bytes but the manifest says " +
                std::to_string(m.faiss_bytes) + " (truncated or replaced file)");
  if (options.verify_checksum) {
    std::string sum = file_checksum(faiss_path);
    if (sum != m.checksum)
      throw Error(faiss_path + ": checksum " + sum + " does not match the manifest (" + m.checksum + ")");
  }
  // IO_FLAG_MMAP maps IVF inverted lists straight from the file; other index types ignore it and
  // are read into memory (is_mapped() then says false).
  int flags = options.mmap ? faiss::IO_FLAG_MMAP : 0;
  if (m.factory == detail::IndexInt8Flat::kFactory)
    store.index_.reset(detail::IndexInt8Flat::read(faiss_path));
  else
    store.index_.reset(faiss_call(faiss_path, [&] { return faiss::read_index(faiss_path.c_str(), flags); }));
  detail::use_simd_flat_storage(store.index_.get());
  const faiss::Index* index = store.index_.get();
  if (index->d != m.dim)
    throw Error(faiss_path + ": index dimension " + std::to_string(index->d) + " does not match the manifest (" +
                std::to_string(m.dim) + ")");
  if (index->ntotal != m.count)
    throw Error(faiss_path + ": index holds " + std::to_string(index->ntotal) + " vectors, the manifest says " +
                std::to_string(m.count));
  if (index->metric_type != faiss_metric(m.metric))
    throw Error(faiss_path + ": index metric does not match the manifest (" + metric_name(m.metric) + ")");
  if (faiss::IndexHNSW* hnsw = hnsw_inside(store.index_.get())) {
    // Manifests older than the field: the current default, not the 16 FAISS wrote into the file.
    if (m.ef_search == 0) store.manifest_.ef_search = kDefaultHnswEfSearch;
    hnsw->hnsw.efSearch = static_cast<int>(m.ef_search);
  } else if (m.ef_search > 0) {
    throw Error(manifest_path + ": ef_search is set but the index is not HNSW (" + detail::faiss_class_name(index) + ")");
  }
  if (auto* ivf = faiss::ivflib::try_extract_index_ivf(store.index_.get())) {
    if (auto* lists = dynamic_cast<const faiss::OnDiskInvertedLists*>(ivf->invlists)) {
      store.mapped_ = true;
      // FAISS seeks past mapped list data without reading it, so a short file is only noticed
      // here; touching a page beyond the end of the file would be a SIGBUS at search time.
      for (size_t l = 0; l < lists->lists.size(); ++l) {
        const auto& list = lists->lists[l];
        uint64_t end = list.offset + list.capacity * (lists->code_size + sizeof(faiss::Index::idx_t));
        if (list.capacity > 0 && end > bytes)
          throw Error(faiss_path + ": inverted list " + std::to_string(l) + " ends at byte " + std::to_string(end) +
                      ", beyond the end of the file (" + std::to_string(bytes) + " bytes): truncated file");
      }
    }
  }
  return store;
}

std::string VectorStore::describe() const {
  std::ostringstream out;
  out << "faiss_class\t" << detail::faiss_class_name(index_.get()) << "\n";
  out << "trained\t" << (is_trained() ? "yes" : "no") << "\n";
  out << "memory_mapped\t" << (mapped_ ? "yes (inverted lists)" : "no (read into memory)") << "\n";
  if (auto* ivf = faiss::ivflib::try_extract_index_ivf(index_.get()))
    out << "nlist\t" << ivf->nlist << "\nnprobe\t" << ivf->nprobe << "\n";
  if (auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(detail::unwrap_id_map(index_.get())))
    out << "hnsw_M\t" << hnsw->hnsw.nb_neighbors(1) << "\nefSearch\t" << hnsw->hnsw.efSearch << "\n";
  return out.str();
}

}  // namespace spindle
