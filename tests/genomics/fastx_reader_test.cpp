// FASTA/FASTQ reading through htslib: plain and gzip input, validation errors.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "genomics/fastx_reader.h"
#include "genomics/reference.h"
#include "models/sequence.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

std::string write_text(const std::string& name, const std::string& text) {
  std::string path = test::temp_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string write_gzip(const std::string& name, const std::string& text) {
  std::string path = test::temp_dir() + "/" + name;
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  return path;
}

std::string error_of(const std::string& path, BasePolicy policy = BasePolicy::strict_acgtn) {
  try {
    FastxReader reader(path, policy);
    SeqRecord rec;
    while (reader.next(rec)) {
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kFastq = "@r1/1 extra words\nACGTNacgt\n+\nIIIIIIIII\n@r2\nGGCC\n+\n!!!!\n";

TEST(FastxReader, ReadsPlainFastqUpperCasingAndSplittingComments) {
  FastxReader reader(write_text("a.fq", kFastq));
  SeqRecord rec;
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.name, "r1/1");
  EXPECT_EQ(rec.comment, "extra words");
  EXPECT_EQ(rec.seq, "ACGTNACGT");
  EXPECT_EQ(rec.qual, "IIIIIIIII");
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.name, "r2");
  EXPECT_EQ(rec.seq, "GGCC");
  EXPECT_FALSE(reader.next(rec));
  EXPECT_EQ(reader.count(), 2);
}

TEST(FastxReader, GzipGivesTheSameRecordsAsPlain) {
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "@q" + std::to_string(i) + "\nACGTACGTAC\n+\nFFFFFFFFFF\n";
  FastxReader plain(write_text("b.fq", big)), gz(write_gzip("b.fq.gz", big));
  SeqRecord a, b;
  int n = 0;
  while (plain.next(a)) {
    ASSERT_TRUE(gz.next(b));
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.seq, b.seq);
    ++n;
  }
  EXPECT_FALSE(gz.next(b));
  EXPECT_EQ(n, 5000);
}

TEST(FastxReader, MultiLineFastaAndIupacPolicy) {
  std::string path = write_text("r.fa", ">chr1 desc\nACGT\nRYAC\n>chr2\nTTTT\n");
  Reference ref = load_reference(path);
  ASSERT_EQ(ref.contigs.size(), 2u);
  EXPECT_EQ(ref.contigs[0].seq, "ACGTNNAC");
  EXPECT_EQ(ref.contigs[1].name, "chr2");
  EXPECT_EQ(ref.total_length(), 12u);
  EXPECT_NE(error_of(path).find("invalid base 'R'"), std::string::npos);  // reads are strict
}

TEST(FastxReader, TruncatedGzipIsAnError) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "@q" + std::to_string(i) + "\nACGTACGTACGGATTACA\n+\nFFFFFFFFFFFFFFFFFF\n";
  std::string path = write_gzip("t.fq.gz", big);
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  std::string err = error_of(path);
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST(FastxReader, ValidationErrorsNameFileAndRecord) {
  std::string bad_base = write_text("x.fq", "@ok\nACGT\n+\nIIII\n@bad\nACXT\n+\nIIII\n");
  std::string err = error_of(bad_base);
  EXPECT_NE(err.find(bad_base), std::string::npos);
  EXPECT_NE(err.find("record bad"), std::string::npos);
  EXPECT_NE(err.find("invalid base 'X'"), std::string::npos);

  std::string short_qual = write_text("q.fq", "@r\nACGT\n+\nII\n");
  EXPECT_NE(error_of(short_qual).find("quality"), std::string::npos);

  std::string empty = write_text("empty.fq", "");
  EXPECT_NE(error_of(empty).find("no FASTA/FASTQ records"), std::string::npos);

  EXPECT_NE(error_of(test::temp_dir() + "/missing.fq").find("cannot open"), std::string::npos);
}

TEST(FastxReader, ReverseComplement) {
  EXPECT_EQ(reverse_complement("AACGTN"), "NACGTT");
  EXPECT_EQ(reverse_complement(""), "");
}

}  // namespace
}  // namespace spindle

namespace spindle {
namespace {

// Issue 16: kseq hands back a FASTQ record cut before its '+' line as a FASTA record; the reader
// must call it an error naming the file and the record instead of accepting it.
TEST(FastxReader, FastqRecordCutBeforePlusLineIsAnError) {
  const std::string full = "@r1\nACGTACGT\n+\nIIIIIIII\n@r2\nGGGGCCCC\n+\nIIIIIIII\n";
  for (const std::string& cut : {std::string("@r1\nACGTACGT\n+\nIIIIIIII\n@r2\nGGGGCCCC\n"),
                                 std::string("@r1\nACGTACGT\n+\nIIIIIIII\n@r2\nGGGG"),
                                 std::string("@r1\nACGTACGT\n")}) {
    const std::string path = write_text("cut.fq", cut);
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find(path + ": record "), std::string::npos) << msg;
    EXPECT_NE(msg.find("no '+' quality line"), std::string::npos) << msg;
    EXPECT_NE(error_of(write_gzip("cut.fq.gz", cut)).find("no '+' quality line"), std::string::npos);
  }
  EXPECT_NE(error_of(write_text("cut2.fq", "@r1\nACGTACGT\n+\nIIIIIIII\n@r2\nGGGGCCCC\n")).find("record 2 (r2)"),
            std::string::npos);
  // Whole FASTQ and FASTA files still read.
  EXPECT_EQ(error_of(write_text("ok.fq", full)), "");
  EXPECT_EQ(error_of(write_text("ok.fa", ">a\nACGT\nACGT\n>b\nGG\n")), "");
  EXPECT_EQ(error_of(write_text("ok1.fa", ">a\nACGT\n")), "");
}

}  // namespace
}  // namespace spindle
