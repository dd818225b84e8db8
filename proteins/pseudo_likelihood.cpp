#include "proteins/pseudo_likelihood.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "proteins/independent_model.h"
#include "kernels/parallel_for.h"

namespace spindle {

namespace {

constexpr int kQ = kStates;
// States padded to 24 floats so each conditional's energy vector is whole SIMD registers
// (3 x AVX2, 1.5 x AVX-512) and rows start at 32-byte multiples of the row base.
constexpr int kQP = 24;
// Sequences per block: the block's energies (256 x 24 floats = 24 KiB) stay in L1 while every
// J_ij row block (21 x 24 floats) streams past.
constexpr size_t kBlock = 256;

// Eight floats as one GCC vector: each target clone maps it to its widest fitting registers.
// Accessed through references, never passed by value: a 256-bit vector argument or return value
// changes the calling convention between the baseline and AVX clones (clang rejects it).
typedef float V8 __attribute__((vector_size(32), aligned(4)));
inline const V8& at8(const float* p) { return *reinterpret_cast<const V8*>(p); }
inline V8& at8(float* p) { return *reinterpret_cast<V8*>(p); }

// Conditional i over one block of sequences: energies, log-likelihood, and the model-minus-data
// residuals summed into the gradient rows of conditional i. Returns -sum w log P.
// Cost O(block x L x q): this is the hot loop of the whole fit. Within a block the sequences are
// visited grouped by their state at column j (`order`, `starts`), so J_ij's row for that state
// sits in registers while energies are updated, and the gradient of each (j, state) is a
// register sum over its group: no read-modify-write chains through memory.
__attribute__((target_clones("avx512f", "avx2", "default")))
double conditional_block(size_t i, size_t n0, size_t nb, size_t length, size_t n_total, const uint8_t* __restrict columns,
                         const float* __restrict weights, const float* __restrict h_i, const float* __restrict jp_i,
                         float* __restrict gp_i, float* __restrict gh_i, float* __restrict energy,
                         const uint8_t* __restrict order, const uint16_t* __restrict starts, bool ignore_gaps) {
  for (size_t n = 0; n < nb; ++n) {
    float* e = energy + n * kQP;
    for (int a = 0; a < kQP; ++a) e[a] = a < kQ ? h_i[a] : 0.0f;
  }
  for (size_t j = 0; j < length; ++j) {
    if (j == i) continue;
    const float* jij = jp_i + j * kQ * kQP;
    const uint8_t* ord = order + j * kBlock;
    const uint16_t* st = starts + j * (kQ + 1);
    for (int b = 0; b < kQ; ++b) {
      const float* row = jij + b * kQP;
      const V8 r0 = at8(row), r1 = at8(row + 8), r2 = at8(row + 16);
      for (int k = st[b]; k < st[b + 1]; ++k) {
        float* e = energy + static_cast<size_t>(ord[k]) * kQP;
        at8(e) += r0;
        at8(e + 8) += r1;
        at8(e + 16) += r2;
      }
    }
  }
  // Softmax over the q states; residual r(a) = w (P(a) - [a == x_i]) is d(-w log P)/dE(a).
  // Ignoring gaps (plmc -g): a sequence with a gap at i has no conditional (zero residual), and
  // the softmax runs over the amino acids only (the gap's residual stays zero).
  const uint8_t* xi = columns + i * n_total + n0;
  const int first = ignore_gaps ? 1 : 0;
  double objective = 0.0;
  for (size_t n = 0; n < nb; ++n) {
    float* e = energy + n * kQP;
    if (ignore_gaps && xi[n] == kGapState) {
      for (int a = 0; a < kQP; ++a) e[a] = 0.0f;
      continue;
    }
    float m = e[first];
    for (int a = first + 1; a < kQ; ++a) m = std::max(m, e[a]);
    float observed = e[xi[n]] - m;
    float sum = 0.0f;
    for (int a = first; a < kQ; ++a) {
      e[a] = std::exp(e[a] - m);
      sum += e[a];
    }
    const float w = weights[n0 + n];
    objective -= static_cast<double>(w) * (observed - std::log(sum));
    const float scale = w / sum;
    for (int a = first; a < kQ; ++a) e[a] *= scale;
    if (ignore_gaps) e[0] = 0.0f;
    e[xi[n]] -= w;
  }
  for (size_t n = 0; n < nb; ++n) {
    const float* e = energy + n * kQP;
    for (int a = 0; a < kQP; ++a) gh_i[a] += e[a];
  }
  for (size_t j = 0; j < length; ++j) {
    if (j == i) continue;
    float* gij = gp_i + j * kQ * kQP;
    const uint8_t* ord = order + j * kBlock;
    const uint16_t* st = starts + j * (kQ + 1);
    for (int b = 0; b < kQ; ++b) {
      const int begin = st[b], end = st[b + 1];
      if (begin == end) continue;
      // Two independent accumulators halve the add-latency chain on long (conserved) groups.
      V8 a0 = {}, a1 = {}, a2 = {}, c0 = {}, c1 = {}, c2 = {};
      int k = begin;
      for (; k + 1 < end; k += 2) {
        const float* e0 = energy + static_cast<size_t>(ord[k]) * kQP;
        const float* e1 = energy + static_cast<size_t>(ord[k + 1]) * kQP;
        a0 += at8(e0), a1 += at8(e0 + 8), a2 += at8(e0 + 16);
        c0 += at8(e1), c1 += at8(e1 + 8), c2 += at8(e1 + 16);
      }
      if (k < end) {
        const float* e0 = energy + static_cast<size_t>(ord[k]) * kQP;
        a0 += at8(e0), a1 += at8(e0 + 8), a2 += at8(e0 + 16);
      }
      float* g = gij + b * kQP;
      at8(g) += a0 + c0;
      at8(g + 8) += a1 + c1;
      at8(g + 16) += a2 + c2;
    }
  }
  return objective;
}

}  // namespace

struct PseudoLikelihood::Impl {
  size_t length = 0, n_unique = 0;
  std::vector<uint8_t> columns;  // length x n_unique, column-major so each column is contiguous
  std::vector<float> weights;
  double lambda_h = 0, lambda_j = 0;
  int threads = 1;
  bool ignore_gaps = false;
  // Couplings and their gradients laid out per conditional: [i][j][state of j][state of i (padded)].
  std::vector<float> jp, gp, gh;
  // Per block of kBlock sequences and column j: in-block indices grouped by state (order) and
  // where each state's group starts (starts, kQ + 1 entries). Fixed for the whole fit.
  std::vector<uint8_t> order;
  std::vector<uint16_t> starts;
};

PseudoLikelihood::PseudoLikelihood(const uint8_t* states, size_t n, size_t length, const std::vector<float>& weights,
                                   double lambda_h, double lambda_j, int threads, bool ignore_gaps)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.length = length;
  m.ignore_gaps = ignore_gaps;
  m.lambda_h = lambda_h;
  m.lambda_j = lambda_j;
  m.threads = threads > 0 ? threads : omp_get_max_threads();
  // Merge identical rows: the objective is linear in the weights.
  std::unordered_map<std::string, size_t> seen;
  std::vector<size_t> first_row;
  for (size_t s = 0; s < n; ++s) {
    std::string key(reinterpret_cast<const char*>(states + s * length), length);
    auto [it, inserted] = seen.emplace(std::move(key), first_row.size());
    if (inserted) {
      first_row.push_back(s);
      m.weights.push_back(weights[s]);
    } else {
      m.weights[it->second] += weights[s];
    }
  }
  m.n_unique = first_row.size();
  m.columns.resize(length * m.n_unique);
  for (size_t u = 0; u < m.n_unique; ++u)
    for (size_t i = 0; i < length; ++i) m.columns[i * m.n_unique + u] = states[first_row[u] * length + i];
  const size_t n_blocks = (m.n_unique + kBlock - 1) / kBlock;
  m.order.assign(n_blocks * length * kBlock, 0);
  m.starts.assign(n_blocks * length * (kQ + 1), 0);
  for (size_t bl = 0; bl < n_blocks; ++bl) {
    size_t n0 = bl * kBlock, nb = std::min(kBlock, m.n_unique - n0);
    for (size_t j = 0; j < length; ++j) {
      const uint8_t* xj = m.columns.data() + j * m.n_unique + n0;
      uint16_t* st = m.starts.data() + (bl * length + j) * (kQ + 1);
      uint8_t* ord = m.order.data() + (bl * length + j) * kBlock;
      uint16_t count[kQ + 1] = {};
      for (size_t n = 0; n < nb; ++n) ++count[xj[n] + 1];
      for (int b = 0; b < kQ; ++b) st[b + 1] = static_cast<uint16_t>(st[b] + count[b + 1]);
      uint16_t fill[kQ];
      for (int b = 0; b < kQ; ++b) fill[b] = st[b];
      for (size_t n = 0; n < nb; ++n) ord[fill[xj[n]]++] = static_cast<uint8_t>(n);
    }
  }
  m.jp.assign(length * length * kQ * kQP, 0.0f);
  m.gp.assign(m.jp.size(), 0.0f);
  m.gh.assign(length * kQP, 0.0f);
}

PseudoLikelihood::~PseudoLikelihood() = default;

size_t PseudoLikelihood::n_parameters() const {
  size_t L = impl_->length;
  return L * kQ + PottsModel::n_pairs(L) * kQ * kQ;
}

size_t PseudoLikelihood::n_unique_sequences() const { return impl_->n_unique; }

double PseudoLikelihood::evaluate(const std::vector<float>& x, std::vector<float>& gradient) {
  Impl& m = *impl_;
  const size_t L = m.length, N = m.n_unique;
  const float* fields = x.data();
  const float* couplings = x.data() + L * kQ;
  auto pair = [L](size_t i, size_t j) { return i * L - i * (i + 1) / 2 + (j - i - 1); };
  gradient.resize(x.size());
  double objective = 0.0, reg = 0.0;

  // Only the per-thread buffer can throw (std::bad_alloc); it must not leave the OpenMP region, and
  // every thread must still reach each `omp for` (their barriers), so a failed thread skips work.
  ParallelErrors errors;
#pragma omp parallel num_threads(m.threads)
  {
    // Unpack the packed couplings into the per-conditional layout (rows i owned by one thread).
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < L; ++i) {
      for (size_t j = 0; j < L; ++j) {
        if (j == i) continue;
        float* dst = m.jp.data() + (i * L + j) * kQ * kQP;
        if (i < j) {
          const float* src = couplings + pair(i, j) * kQ * kQ;  // [a = state of i][b = state of j]
          for (int b = 0; b < kQ; ++b)
            for (int a = 0; a < kQ; ++a) dst[b * kQP + a] = src[a * kQ + b];
        } else {
          const float* src = couplings + pair(j, i) * kQ * kQ;  // [b = state of j][a = state of i]
          for (int b = 0; b < kQ; ++b)
            for (int a = 0; a < kQ; ++a) dst[b * kQP + a] = src[b * kQ + a];
        }
      }
    }
    std::vector<float> energy;
    errors.guard([&] { energy.resize(kBlock * kQP); });
#pragma omp for schedule(dynamic, 1) reduction(+ : objective)
    for (size_t i = 0; i < L; ++i) {
      if (energy.empty()) continue;
      float* gp_i = m.gp.data() + i * L * kQ * kQP;
      float* gh_i = m.gh.data() + i * kQP;
      std::fill(gp_i, gp_i + L * kQ * kQP, 0.0f);
      std::fill(gh_i, gh_i + kQP, 0.0f);
      const float* jp_i = m.jp.data() + i * L * kQ * kQP;
      for (size_t n0 = 0, bl = 0; n0 < N; n0 += kBlock, ++bl) {
        size_t nb = std::min(kBlock, N - n0);
        objective += conditional_block(i, n0, nb, L, N, m.columns.data(), m.weights.data(), fields + i * kQ, jp_i,
                                       gp_i, gh_i, energy.data(), m.order.data() + bl * L * kBlock,
                                       m.starts.data() + bl * L * (kQ + 1), m.ignore_gaps);
      }
    }
    // Pack: a coupling J_ij enters conditionals i and j; its gradient is the sum of both.
    // Ignoring gaps, every gap parameter gets a zero gradient, so from zero it stays zero (the
    // residual rows summed for gapped neighbours land in J_ij(., gap) and are dropped here).
#pragma omp for schedule(dynamic, 1) reduction(+ : reg)
    for (size_t i = 0; i < L; ++i) {
      for (int a = 0; a < kQ; ++a) {
        float h = fields[i * kQ + a];
        gradient[i * kQ + a] = m.gh[i * kQP + a] + static_cast<float>(2.0 * m.lambda_h) * h;
        reg += m.lambda_h * h * h;
      }
      if (m.ignore_gaps) gradient[i * kQ + kGapState] = 0.0f;
      for (size_t j = i + 1; j < L; ++j) {
        size_t p = pair(i, j);
        const float* src = couplings + p * kQ * kQ;
        float* dst = gradient.data() + L * kQ + p * kQ * kQ;
        const float* g_ij = m.gp.data() + (i * L + j) * kQ * kQP;  // [b][a]
        const float* g_ji = m.gp.data() + (j * L + i) * kQ * kQP;  // [a][b]
        for (int a = 0; a < kQ; ++a)
          for (int b = 0; b < kQ; ++b) {
            float v = src[a * kQ + b];
            dst[a * kQ + b] = g_ij[b * kQP + a] + g_ji[a * kQP + b] + static_cast<float>(2.0 * m.lambda_j) * v;
            reg += m.lambda_j * v * v;
          }
        if (m.ignore_gaps)
          for (int k = 0; k < kQ; ++k) dst[kGapState * kQ + k] = dst[k * kQ + kGapState] = 0.0f;
      }
    }
  }
  errors.rethrow();
  return objective + reg;
}

PottsModel fit_potts_plm(const uint8_t* states, size_t n, size_t length, const std::vector<float>& weights,
                         const PlmOptions& options, PlmReport* report, const LbfgsProgress& progress) {
  double lambda_j = options.lambda_j;
  if (options.scale_lambda_j) lambda_j *= static_cast<double>(kQ - 1) * static_cast<double>(length - 1);
  PseudoLikelihood plm(states, n, length, weights, options.lambda_h, lambda_j, options.threads, options.ignore_gaps);

  std::vector<float> x(plm.n_parameters(), 0.0f);
  // Start the fields at the centred independent-sites log-frequencies: a good first guess.
  // Ignoring gaps, the gap field stays zero and the others are centred over the 20 amino acids.
  IndependentModel independent = fit_independent_model(states, n, length, weights, 1.0);
  const int first = options.ignore_gaps ? 1 : 0;
  for (size_t i = 0; i < length; ++i) {
    double mean = 0.0;
    for (int a = first; a < kQ; ++a) mean += independent.log_f(i, static_cast<uint8_t>(a));
    mean /= kQ - first;
    for (int a = first; a < kQ; ++a) x[i * kQ + a] = static_cast<float>(independent.log_f(i, static_cast<uint8_t>(a)) - mean);
  }
  LbfgsOptions lbfgs;
  lbfgs.max_iterations = options.max_iterations;
  lbfgs.gradient_tolerance = options.gradient_tolerance;
  lbfgs.relative_decrease = options.relative_decrease;
  lbfgs.threads = options.threads;
  LbfgsResult result = minimize_lbfgs(
      x, [&plm](const std::vector<float>& p, std::vector<float>& g) { return plm.evaluate(p, g); }, lbfgs, progress);
  if (report) {
    report->n_unique_sequences = plm.n_unique_sequences();
    report->lambda_j = lambda_j;
    report->lbfgs = result;
  }
  PottsModel model;
  model.n_columns = length;
  model.fields.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(length * kQ));
  model.couplings.assign(x.begin() + static_cast<std::ptrdiff_t>(length * kQ), x.end());
  return model;
}

}  // namespace spindle
