// LoadOptions: an architecture that cannot honour the device or weight dtype asked for is refused
// before any weight is read, naming the directory, the architecture and the way out; --device auto
// never fails, it picks the CPU where the GPU cannot run the model. Random-weight checkpoints
// written here, so these run everywhere.
#include <gtest/gtest.h>

#include <filesystem>

#include "kernels/backend.h"
#include "models/random_checkpoint.h"
#include "models/random_esm.h"
#include "models/registry.h"
#include "tests/test_paths.h"

using namespace spindle;

namespace {

std::string random_model(const std::string& arch) {
  const std::string dir = test::temp_dir() + "/load_options_" + arch;
  if (!std::filesystem::exists(dir + "/config.json")) {
    if (arch == "esm2" || arch == "msa_transformer") {
      RandomEsmSpec spec;
      spec.hidden = 32, spec.layers = 2, spec.heads = 4, spec.ffn = 64;
      (arch == "esm2" ? write_random_esm2 : write_random_msa_transformer)(dir, spec);
    } else {
      RandomHyenaSpec spec;
      spec.d_model = 16, spec.n_layer = 1, spec.max_seq_len = 64;
      write_random_hyenadna(dir, spec);
    }
  }
  return dir;
}

const Architecture& architecture_named(const std::string& name) {
  for (const auto& a : architectures())
    if (a.name == name) return a;
  throw Error("no architecture " + name);
}

std::string error_of(const std::string& dir, const LoadOptions& options) {
  try {
    load_model(dir, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(LoadOptions, Bf16WeightsAreRefusedByAnF32OnlyArchitecture) {
  const std::string dir = random_model("hyenadna");
  if (architecture_named("hyenadna").takes_bf16_weights) GTEST_SKIP() << "hyenadna takes bf16 weights now";
  LoadOptions options;
  options.matrix_dtype = DType::bf16;
  EXPECT_EQ(error_of(dir, options), dir + ": the hyenadna architecture takes f32 weights only, not bf16");
}

TEST(LoadOptions, CudaIsRefusedByAnArchitectureNotOnTheOpCatalogue) {
  // A future architecture that still computes outside the catalogue: refused by name before any GPU
  // is looked for, so this runs on CPU-only machines too; auto quietly keeps it on the CPU.
  Architecture toy{"toy", nullptr, nullptr};
  LoadOptions options;
  options.device = Device::cuda;
  try {
    placement_for("toy_dir", toy, options);
    FAIL() << "an architecture off the op catalogue was placed on cuda";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "toy_dir: the toy architecture does not run on cuda yet (parts of its forward compute "
                           "outside the op catalogue); use --device cpu");
  }
  options.device_auto = true;
  EXPECT_EQ(placement_for("toy_dir", toy, options), Device::cpu);
  toy.computes_on_cuda = true;
  EXPECT_EQ(placement_for("toy_dir", toy, options), cuda_available() ? Device::cuda : Device::cpu);
}

TEST(LoadOptions, AutoPicksTheCpuWithoutAGpuAndBf16RunsOnTheCpu) {
  LoadOptions options;
  options.device_auto = true;
  options.matrix_dtype = DType::bf16;
  LoadReport report = load_model_with_report(random_model("esm2"), options);
  EXPECT_EQ(report.device, cuda_available() ? Device::cuda : Device::cpu);
  Tensor ids = Tensor::empty({1, 6}, DType::i64);
  for (int64_t i = 0; i < 6; ++i) ids.data<int64_t>()[i] = i == 0 ? 0 : i == 5 ? 2 : 4 + i;
  ForwardResult r = report.model->forward(ids, ForwardRequest{});
  EXPECT_EQ(r.logits.device(), Device::cpu);  // results always come back to the host
  EXPECT_EQ(r.logits.shape(), (Shape{1, 6, 33}));
}
