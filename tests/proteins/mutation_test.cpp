#include "proteins/mutation.h"
#include "proteins/variant_set.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

TEST(Mutation, ParsesPlainSingleAndMulti) {
  Variant v = parse_variant("A23V", "t");
  ASSERT_EQ(v.kind, VariantKind::kSubstitutions);
  ASSERT_EQ(v.substitutions.size(), 1u);
  EXPECT_EQ(v.substitutions[0].from, 'A');
  EXPECT_EQ(v.substitutions[0].position, 23);
  EXPECT_EQ(v.substitutions[0].to, 'V');
  Variant m = parse_variant("G45L:A23V", "t");
  ASSERT_EQ(m.substitutions.size(), 2u);
  EXPECT_EQ(m.substitutions[0].position, 23);  // sorted by position
  EXPECT_EQ(m.substitutions[1].position, 45);
  EXPECT_EQ(m.substitutions[1].to, 'L');
}

TEST(Mutation, ParsesHgvs) {
  for (const char* text : {"p.Ala23Val", "p.(Ala23Val)", "p.ALA23VAL"}) {
    Variant v = parse_variant(text, "t");
    ASSERT_EQ(v.substitutions.size(), 1u) << text;
    EXPECT_EQ(v.substitutions[0].from, 'A');
    EXPECT_EQ(v.substitutions[0].to, 'V');
    EXPECT_EQ(v.substitutions[0].position, 23);
  }
  Variant multi = parse_variant("p.[Ala23Val;Gly45Leu]", "t");
  ASSERT_EQ(multi.substitutions.size(), 2u);
  EXPECT_EQ(multi.substitutions[1].from, 'G');
  Variant syn = parse_variant("p.Ala23=", "t");
  ASSERT_EQ(syn.substitutions.size(), 1u);
  EXPECT_EQ(syn.substitutions[0].to, 'A');
}

TEST(Mutation, WildTypeAndUnscorableKinds) {
  for (const char* text : {"WT", "_wt", "", "  "}) EXPECT_EQ(parse_variant(text, "t").kind, VariantKind::kWildType) << text;
  EXPECT_EQ(parse_variant("A23*", "t").kind, VariantKind::kStop);
  EXPECT_EQ(parse_variant("p.Ala23Ter", "t").kind, VariantKind::kStop);
  EXPECT_EQ(parse_variant("p.Ala23fs", "t").kind, VariantKind::kFrameshift);
  EXPECT_EQ(parse_variant("p.Ala23ValfsTer5", "t").kind, VariantKind::kFrameshift);
  EXPECT_EQ(parse_variant("p.Ala23del", "t").kind, VariantKind::kIndel);
  EXPECT_EQ(parse_variant("A23V:G45*", "t").kind, VariantKind::kStop);
}

TEST(Mutation, RejectsMalformedAndUnknownAminoAcids) {
  EXPECT_THROW(parse_variant("A23J", "t"), Error);
  EXPECT_THROW(parse_variant("J23A", "t"), Error);
  EXPECT_THROW(parse_variant("A2x3V", "t"), Error);
  EXPECT_THROW(parse_variant("AV", "t"), Error);
  EXPECT_THROW(parse_variant("A23V:A23G", "t"), Error);
  try {
    parse_variant("A23J", "dms.csv line 4");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "dms.csv line 4: mutation 'A23J': unknown amino acid 'J'");
  }
}

TEST(Mutation, SplitsInlineLists) {
  auto parts = split_variant_list("A23V, G45L:K50R");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1], "G45L:K50R");
}

TEST(Mutation, ValidatesAgainstWildType) {
  WildType wt{"x", "MKLV", 10};
  Variant ok = parse_variant("K11R:V13A", "t");
  validate_variant(ok, wt, "t");
  EXPECT_EQ(ok.substitutions[0].index, 1);
  EXPECT_EQ(ok.substitutions[1].index, 3);
  Variant wrong = parse_variant("A11R", "t");
  try {
    validate_variant(wrong, wt, "f.csv line 2");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "f.csv line 2: mutation A11R: wild type has K at position 11, not A");
  }
  Variant beyond = parse_variant("M14A", "t");
  EXPECT_THROW(validate_variant(beyond, wt, "t"), Error);
  Variant before = parse_variant("M9A", "t");
  EXPECT_THROW(validate_variant(before, wt, "t"), Error);
}

TEST(Mutation, ReadsWildTypeNumbering) {
  std::string dir = test::temp_dir();
  std::ofstream(dir + "/wt.fa") << ">BLAT/24-27 desc\nhpe\nT\n";
  WildType wt = read_wild_type(dir + "/wt.fa", std::nullopt);
  EXPECT_EQ(wt.sequence, "HPET");
  EXPECT_EQ(wt.first_position, 24);
  EXPECT_EQ(read_wild_type(dir + "/wt.fa", 1).first_position, 1);
  std::ofstream(dir + "/plain.fa") << ">p\nMKV\n";
  EXPECT_EQ(read_wild_type(dir + "/plain.fa", std::nullopt).first_position, 1);
  std::ofstream(dir + "/bad.fa") << ">p\nMK1V\n";
  EXPECT_THROW(read_wild_type(dir + "/bad.fa", std::nullopt), Error);
  EXPECT_THROW(read_wild_type(dir + "/missing.fa", std::nullopt), Error);
}

TEST(Mutation, ReadsBundledWildType) {
  WildType wt = read_wild_type(test::source_dir() + "/data/proteins/BLAT_ECOLX.wt.fasta", std::nullopt);
  EXPECT_EQ(wt.sequence.size(), 263u);
  EXPECT_EQ(wt.first_position, 24);
  EXPECT_EQ(wt.sequence.substr(0, 5), "HPETL");
}

}  // namespace
}  // namespace spindle

// Found by fuzz/mutations_fuzz.cpp: an inline list longer than a file name may be (255 bytes)
// made std::filesystem::exists throw, so a long multi-mutant list stopped the run.
TEST(Mutation, LongInlineListIsAListNotAFileName) {
  spindle::WildType wt{.name = "wt", .sequence = std::string(400, 'A'), .first_position = 1};
  std::string list;
  for (int pos = 1; pos <= 100; ++pos) list += (pos > 1 ? ":" : "") + std::string("A") + std::to_string(pos) + "G";
  ASSERT_GT(list.size(), 255u);
  spindle::VariantSet set = spindle::load_variants(list, "mutant", wt);
  ASSERT_EQ(set.variants.size(), 1u);
  EXPECT_EQ(set.variants[0].substitutions.size(), 100u);
}
