// `spindle score --model DIR --scoring ...` end to end with a tiny random ESM-2 written here and
// the bundled BLAT_ECOLX wild type: the column is named after the mode, per-site marginals add up
// over a double mutant, and modes the model cannot do are usage errors (exit 2).
#include <cmath>

#include "models/random_esm.h"
#include "tests/cli/cli_util.h"

using namespace spindle;

namespace {

std::string model_dir() {
  static std::string dir;
  if (dir.empty()) {
    dir = test::temp_dir() + "/esm";
    write_random_esm2(dir, {32, 2, 4, 64, 1026, 3});
  }
  return dir;
}

std::string wt_fasta() { return test::source_dir() + "/data/proteins/BLAT_ECOLX.wt.fasta"; }

// The last column of each data row of a CSV.
std::vector<double> last_column(const std::string& csv, std::string* header) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, *header);
  std::vector<double> values;
  while (std::getline(in, line)) values.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  return values;
}

}  // namespace

TEST(ScoreLmCli, MaskedMarginalColumnIsAdditive) {
  if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build: no CLI";
  const std::string out = test::temp_dir() + "/out.csv";
  auto r = test::run_spindle("score --wt " + wt_fasta() + " --model " + model_dir() +
                             " --scoring masked-marginal --mutations V29A,E26K,E26K:V29A -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string header;
  auto v = last_column(test::read_text(out), &header);
  EXPECT_EQ(header, "mutant,masked-marginal");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_NEAR(v[2], v[0] + v[1], 1e-3 * (1 + std::abs(v[2])));
}

TEST(ScoreLmCli, ModesTheModelCannotDoAreUsageErrors) {
  if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build: no CLI";
  auto r = test::run_spindle("score --wt " + wt_fasta() + " --model " + model_dir() +
                             " --scoring ar --mutations V29A -o " + test::temp_dir() + "/x.csv");
  test::expect_one_line_error(r, "causal", 2);
  r = test::run_spindle("score --wt " + wt_fasta() + " --model " + model_dir() +
                        " --scoring best --mutations V29A -o " + test::temp_dir() + "/x.csv");
  test::expect_one_line_error(r, "--scoring", 2);
}
