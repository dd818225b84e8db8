// End to end: `spindle score` on the bundled BLAT_ECOLX scan, and its one-line errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/test_paths.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;

std::string data(const std::string& name) { return test::source_dir() + "/data/proteins/" + name; }

std::string score_cmd(const std::string& args) {
  return test::spindle_binary() + " score --wt " + data("BLAT_ECOLX.wt.fasta") + " " + args;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Exit 1, exactly one stderr line "spindle: error: ..." containing `needle`, and no output file.
void expect_clean_failure(const std::string& args, const std::string& needle) {
  std::string out = test::temp_dir() + "/out.csv";
  auto r = test::run_command(score_cmd(args + " -o " + out));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto err = lines_of(r.err);
  ASSERT_EQ(err.size(), 1u) << r.err;
  EXPECT_EQ(err[0].rfind("spindle: error: ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find(needle), std::string::npos) << err[0];
  EXPECT_FALSE(fs::exists(out));
  for (auto& entry : fs::directory_iterator(fs::path(out).parent_path()))
    EXPECT_EQ(entry.path().filename().string().find("out.csv"), std::string::npos) << entry.path();
}

TEST(ScoreCli, IndependentSitesOnBundledScanKeepsColumnsAndReportsSpearman) {
  if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build";
  std::string out = test::temp_dir() + "/scores.csv";
  auto r = test::run_command(score_cmd("--msa " + data("BLAT_ECOLX.every5.a2m") + " --mutations " +
                                       data("BLAT_ECOLX_Ranganathan2015.csv") +
                                       " --model independent -t 2 --eval --score-col log_fitness -o " + out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = lines_of(slurp(out));
  ASSERT_EQ(rows.size(), 4808u);
  EXPECT_EQ(rows[0], "mutant,log_fitness,n_mut,independent");
  EXPECT_EQ(rows[1].rfind("V29A,0.046784507999999995,1,", 0), 0u) << rows[1];
  // Golden: Spearman of the independent-sites model on the every-5th subsample.
  auto eval = lines_of(r.out);
  ASSERT_EQ(eval.size(), 2u) << r.out;
  EXPECT_EQ(eval[0], "model\tn\tspearman\tauc\tndcg@10%\tauc_labels");
  EXPECT_EQ(eval[1].rfind("independent\t4807\t0.5951\t0.8027\t", 0), 0u) << eval[1];
}

TEST(ScoreCli, PottsInlineMutationsSaveAndReloadGiveIdenticalScores) {
  if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build";
  std::string dir = test::temp_dir();
  // The first 200 records of the bundled alignment keep the fit quick.
  {
    std::ifstream in(data("BLAT_ECOLX.every5.a2m"));
    std::ofstream small(dir + "/small.a2m");
    int records = 0;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] == '>' && ++records > 200) break;
      small << line << '\n';
    }
  }
  std::string muts = "--mutations 'V29A,V29A:K30E,WT,p.Val29Ala,H24A,V29*' --model all";
  auto fit = test::run_command(score_cmd("--msa " + dir + "/small.a2m " + muts +
                                         " --max-iter 2 -t 2 --save-model " + dir + "/blat.model -o " + dir + "/fit.csv"));
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_NE(fit.err.find("2 of 6 variants not scorable"), std::string::npos) << fit.err;
  auto load = test::run_command(score_cmd("--load-model " + dir + "/blat.model " + muts + " -o " + dir + "/load.csv"));
  ASSERT_EQ(load.exit_code, 0) << load.err;
  std::string fitted = slurp(dir + "/fit.csv");
  EXPECT_EQ(fitted, slurp(dir + "/load.csv"));
  auto rows = lines_of(fitted);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0], "mutant,potts,independent");
  EXPECT_EQ(rows[3], "WT,0,0");
  EXPECT_EQ(rows[5], "H24A,,");  // insert column of the focus: not a model column
  EXPECT_EQ(rows[6], "V29*,,");
  // p.Val29Ala is V29A; the double mutant is not the sum of singles (couplings).
  auto field = [](const std::string& row, int k) {
    std::stringstream s(row);
    std::string f;
    for (int i = 0; i <= k; ++i) std::getline(s, f, ',');
    return f;
  };
  EXPECT_EQ(field(rows[1], 1), field(rows[4], 1));
  EXPECT_FALSE(field(rows[2], 1).empty());
  // Gaps are missing data by default (plmc -g); --gap-state fits the gap as a 21st state instead,
  // which changes the Potts score but not the independent one.
  EXPECT_NE(fit.err.find("potts: gaps as missing data (plmc -g)"), std::string::npos) << fit.err;
  auto state = test::run_command(score_cmd("--msa " + dir + "/small.a2m " + muts + " --max-iter 2 -t 2 --gap-state -o " +
                                           dir + "/state.csv"));
  ASSERT_EQ(state.exit_code, 0) << state.err;
  EXPECT_NE(state.err.find("potts: gaps as a 21st state"), std::string::npos) << state.err;
  auto state_rows = lines_of(slurp(dir + "/state.csv"));
  ASSERT_EQ(state_rows.size(), 7u);
  EXPECT_NE(field(state_rows[1], 1), field(rows[1], 1));
  EXPECT_EQ(field(state_rows[1], 2), field(rows[1], 2));
}

TEST(ScoreCli, BadInputsFailWithOneLineAndNoOutput) {
  if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build";
  std::string dir = test::temp_dir();
  std::string msa = " --msa " + data("BLAT_ECOLX.every5.a2m");
  std::string csv = " --mutations " + data("BLAT_ECOLX_Ranganathan2015.csv");
  // Focus differs from the wild type: a wild type with residue 30 changed.
  std::ofstream(dir + "/other_wt.fa") << ">BLAT_ECOLX/24-286\nHPETLVAVKDAEDQLGARVGYIELDLNSGKILESFRPEERFPMMSTFKVLLCGAVLSRVDAGQEQLGRRIHYSQNDLVEYSPVTEKHLTDGMTVRELCSAAITMSDNTAANLLLTTIGGPKELTAFLHNMGDHVTRLDRWEPELNEAIPNDERDTTMPAAMATTLRKLLTGELLTLASRQQLIDWMEADKVAGPLLRSALPAGWFIADKSGAGERGSRGIIAALGPDGKPSRIVVIYTTGSQATMDERNRQIAEIGASLIKHW\n";
  {
    std::string out = dir + "/o.csv";
    auto r = test::run_command(test::spindle_binary() + " score --wt " + dir + "/other_wt.fa" + msa +
                               " --mutations A30V -o " + out);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("differs from the wild type at residue 30 (focus K, wild type A)"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
  std::ofstream(dir + "/empty.a2m") << "";
  expect_clean_failure("--msa " + dir + "/empty.a2m" + csv, "empty alignment");
  std::ofstream(dir + "/ragged.a2m") << ">BLAT_ECOLX/24-28\nHPETL\n>x\nHPET\n";
  expect_clean_failure("--msa " + dir + "/ragged.a2m" + csv, "ragged alignment");
  expect_clean_failure(msa + " --mutations W300A", "beyond the wild-type sequence (24-286)");
  expect_clean_failure(msa + " --mutations V29J", "unknown amino acid 'J'");
  expect_clean_failure(msa + " --mutations A29V", "wild type has V at position 29, not A");
  std::ofstream(dir + "/nomut.csv") << "variant,log_fitness\nV29A,0.1\n";
  expect_clean_failure(msa + " --mutations " + dir + "/nomut.csv", "no column 'mutant'");
  expect_clean_failure(msa + " --mutations " + dir + "/missing.csv", "no such variant file");
}

TEST(ScoreCli, UsageErrorsExitTwo) {
  if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build";
  auto r = test::run_command(score_cmd("--mutations V29A -o x.csv"));  // neither --msa nor --load-model
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = test::run_command(score_cmd("--msa " + data("BLAT_ECOLX.every5.a2m") + " --mutations V29A --min-decrease 0 -o x.csv"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--min-decrease"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace spindle
