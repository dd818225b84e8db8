// Issue 15: models compute only through the op catalogue, so the same forward runs on CPU and CUDA
// tensors. A thread-parallel loop in models/ is arithmetic on host memory that a CUDA run could
// not execute; this keeps such loops in kernels/, where every op has a CUDA twin.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/test_paths.h"

namespace fs = std::filesystem;

TEST(ModelsUseOps, NoParallelLoopsOutsideKernels) {
  const fs::path models = fs::path(spindle::test::source_dir()) / "models";
  ASSERT_TRUE(fs::exists(models)) << models;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(models)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".cpp" && ext != ".h") continue;
    ++files;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const char* banned : {"#pragma omp", "<omp.h>", "parallel_for"})
      EXPECT_EQ(text.str().find(banned), std::string::npos)
          << entry.path() << " contains '" << banned << "': move the loop into an op (kernels/op_table.h)";
  }
  EXPECT_GT(files, 20);
}
