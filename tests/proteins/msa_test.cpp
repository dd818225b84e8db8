#include "proteins/msa.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "proteins/amino_acids.h"
#include "proteins/mutation.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

std::string write(const std::string& name, const std::string& text) {
  std::string path = test::temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string row_text(const FocusAlignment& a, size_t row) {
  std::string s;
  for (size_t c = 0; c < a.n_columns; ++c) s.push_back(kAlphabet[a.states[row * a.n_columns + c]]);
  return s;
}

TEST(Msa, A2mStripsInsertsAndFocusGapColumns) {
  // Focus: lower-case 'm' is an insert residue (numbered, not modelled); '-' at match column 3 is
  // a focus gap (column dropped); '.' is padding.
  std::string path = write("f.a2m",
                           ">focus/10-14\nmKL-VW\n"
                           ">s1\n.KIAVW\n"
                           ">s2 with description\nqKL-a.V-\n");
  FocusAlignment a = read_focus_alignment(path);
  EXPECT_EQ(a.focus_sequence, "MKLVW");
  ASSERT_TRUE(a.focus_start.has_value());
  EXPECT_EQ(*a.focus_start, 10);
  EXPECT_EQ(a.n_columns, 4u);
  EXPECT_EQ(a.n_sequences, 3u);
  EXPECT_EQ(row_text(a, 0), "KLVW");
  EXPECT_EQ(row_text(a, 1), "KIVW");
  EXPECT_EQ(row_text(a, 2), "KLV-");
  EXPECT_EQ(a.column_residue, (std::vector<int64_t>{1, 2, 3, 4}));
  WildType wt{"w", "MKLVW", 10};
  number_focus_columns(a, wt, path);
  EXPECT_EQ(a.column_position, (std::vector<int64_t>{11, 12, 13, 14}));
}

TEST(Msa, A3mAndAlignedFastaAndGzip) {
  FocusAlignment a3m = read_focus_alignment(write("f.a3m", ">f\nMKV\n>s\nMaaKV\n>t\n-K-\n"));
  EXPECT_EQ(a3m.n_columns, 3u);
  EXPECT_EQ(row_text(a3m, 1), "MKV");
  EXPECT_EQ(row_text(a3m, 2), "-K-");
  FocusAlignment fasta = read_focus_alignment(write("f.fasta", ">f\nMK\nV\n>s\nM-V\n"));
  EXPECT_EQ(row_text(fasta, 1), "M-V");
}

TEST(Msa, StockholmInterleavedWithFocusGap) {
  std::string path = write("f.sto",
                           "# STOCKHOLM 1.0\n#=GF ID test\n"
                           "focus/5-8   MK-L\nother       MRAL\n#=GC RF xxxx\n\n"
                           "focus/5-8   v.\nother       va\n//\n");
  FocusAlignment a = read_focus_alignment(path);
  EXPECT_EQ(a.focus_sequence, "MKLV");
  EXPECT_EQ(a.n_columns, 3u);  // M K L; '-' column dropped, 'v' is an insert
  EXPECT_EQ(row_text(a, 1), "MRL");
  EXPECT_EQ(*a.focus_start, 5);
}

TEST(Msa, DropsRowsWithNonStandardResidues) {
  FocusAlignment a = read_focus_alignment(write("x.a2m", ">f\nMKV\n>s\nMXV\n>t\nMKI\n"));
  EXPECT_EQ(a.n_sequences, 2u);
  EXPECT_EQ(a.n_dropped, 1u);
  // As plmc: an unknown letter anywhere in the row drops it, in an unmodelled column (focus lower
  // case) or an insert too; the letters of the 20 amino acids in either case and the gaps do not.
  FocusAlignment b = read_focus_alignment(write("y.a2m", ">f\nmKVa\n>s\nxKVa\n>t\nKVbc\n>u\nKV.\n>v\n-Va\n"));
  EXPECT_EQ(b.n_columns, 2u);
  EXPECT_EQ(b.n_sequences, 3u);  // f, u, v
  EXPECT_EQ(b.n_dropped, 2u);    // s (x in a focus lower-case column), t (b, c in inserts)
}

TEST(Msa, RejectsEmptyRaggedAndMalformed) {
  EXPECT_THROW(read_focus_alignment(write("empty.a2m", "")), Error);
  EXPECT_THROW(read_focus_alignment(write("blank.a2m", "\n\n")), Error);
  try {
    read_focus_alignment(write("ragged.a2m", ">f\nMKV\n>s\nMK\n"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ragged alignment: sequence s has 2 aligned columns, the focus has 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(read_focus_alignment(write("junk.a2m", "hello\n")), Error);
  EXPECT_THROW(read_focus_alignment(write("missing.a2m", "")+"nope"), Error);
}

TEST(Msa, FocusMustMatchWildType) {
  std::string path = write("f.a2m", ">focus/2-4\nKLV\n");
  FocusAlignment a = read_focus_alignment(path);
  WildType wt{"w", "MKLV", 1};
  number_focus_columns(a, wt, path);
  EXPECT_EQ(a.column_position, (std::vector<int64_t>{2, 3, 4}));
  WildType other{"w", "MKAV", 1};
  try {
    number_focus_columns(a, other, path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": focus sequence focus/2-4 differs from the wild type at residue 3 (focus L, wild type A)");
  }
  // Without a range the focus is found inside the wild type.
  std::string bare = write("b.a2m", ">focus\nLV\n");
  FocusAlignment b = read_focus_alignment(bare);
  number_focus_columns(b, wt, bare);
  EXPECT_EQ(b.column_position, (std::vector<int64_t>{3, 4}));
  EXPECT_THROW(number_focus_columns(b, other, bare), Error);
}

TEST(Msa, ReadsBundledBlatAlignment) {
  std::string path = test::source_dir() + "/data/proteins/BLAT_ECOLX.every5.a2m";
  FocusAlignment a = read_focus_alignment(path);
  EXPECT_EQ(a.n_sequences + a.n_dropped, 1681u);
  EXPECT_EQ(a.focus_sequence.size(), 263u);
  EXPECT_EQ(a.n_columns, 253u);  // 10 lower-case focus residues are inserts
  WildType wt = read_wild_type(test::source_dir() + "/data/proteins/BLAT_ECOLX.wt.fasta", std::nullopt);
  number_focus_columns(a, wt, path);
  EXPECT_EQ(a.column_position.front(), 29);  // "hpetl" (24-28) are inserts
}

}  // namespace
}  // namespace spindle
