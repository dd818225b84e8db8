// Comparing a model's forward pass with the float64 reference goldens in ../shared/golden/<name>.
// Tolerance: max |actual - expected| <= rel_tol * max |expected| over meaningful positions.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/io/npy.h"
#include "models/registry.h"
#include "tests/test_paths.h"

namespace spindle::test {

inline std::string golden_dir(const std::string& name) { return shared_dir() + "/golden/" + name; }

// max |a - e| / max |e|; positions where `skip(i)` is true (e.g. pads) are ignored. Shapes must match.
template <typename Skip>
double golden_relative_error(const Tensor& actual, const Tensor& expected, int64_t row_width, Skip skip) {
  EXPECT_EQ(actual.shape(), expected.shape());
  if (actual.shape() != expected.shape()) return 1e30;
  double max_diff = 0, max_ref = 1e-30;
  const float* a = actual.data<float>();
  const float* e = expected.data<float>();
  for (int64_t i = 0; i < expected.numel(); ++i) {
    if (skip(i / row_width)) continue;
    max_diff = std::max(max_diff, std::abs(double(a[i]) - double(e[i])));
    max_ref = std::max(max_ref, std::abs(double(e[i])));
  }
  return max_diff / max_ref;
}

inline double golden_relative_error(const Tensor& actual, const Tensor& expected) {
  return golden_relative_error(actual, expected, 1, [](int64_t) { return false; });
}

// Runs `case_name` of golden `name` and checks logits, last hidden state and (short case) the
// per-block residual stream against the expected arrays.
inline void expect_matches_golden(const std::string& name, const std::string& case_name, double rel_tol = 1e-5) {
  const std::string dir = golden_dir(name);
  auto model = load_model(dir);
  Tensor ids = read_npy(dir + "/" + case_name + ".input_ids.npy");
  ForwardRequest request;
  request.want_layer_outputs = case_name == "short";
  ForwardResult r = model->forward(ids, request);
  double logits_err = golden_relative_error(r.logits, read_npy(dir + "/" + case_name + ".logits.npy"));
  double hidden_err = golden_relative_error(r.hidden, read_npy(dir + "/" + case_name + ".last_hidden_state.npy"));
  EXPECT_LE(logits_err, rel_tol) << name << "/" << case_name << " logits";
  EXPECT_LE(hidden_err, rel_tol) << name << "/" << case_name << " last_hidden_state";
  if (request.want_layer_outputs) {
    Tensor expected = read_npy(dir + "/short.layer_outputs.npy");
    for (int64_t i = 0; i < expected.dim(0); ++i)
      EXPECT_LE(golden_relative_error(r.layer_outputs.select(i), expected.select(i)), rel_tol)
          << name << " residual stream after block " << i;
  }
  std::printf("[golden] %s/%s: logits rel err %.2e, hidden rel err %.2e\n", name.c_str(), case_name.c_str(),
              logits_err, hidden_err);
}

}  // namespace spindle::test
