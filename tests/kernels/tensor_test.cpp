#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "kernels/io/npy.h"
#include "kernels/tensor.h"
#include "tests/test_paths.h"

using namespace spindle;

TEST(Tensor, ViewsShareStorage) {
  Tensor t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor row = t.select(1);
  EXPECT_EQ(row.shape(), (Shape{2}));
  EXPECT_FLOAT_EQ(row.data<float>()[0], 3.f);
  Tensor rows = t.slice(1, 3);
  rows.data<float>()[0] = 30.f;
  EXPECT_FLOAT_EQ(t.data<float>()[2], 30.f);
  EXPECT_EQ(t.reshape({-1}).shape(), (Shape{6}));
}

TEST(Tensor, HalfPrecisionRoundTrip) {
  for (float v : {0.f, 1.f, -2.5f, 3.140625f, 65504.f, 1e-3f}) {
    EXPECT_FLOAT_EQ(f16_to_f32(f32_to_f16(v)), f16_to_f32(f32_to_f16(f16_to_f32(f32_to_f16(v)))));
    EXPECT_NEAR(bf16_to_f32(f32_to_bf16(v)), v, std::abs(v) * 4e-3f);
    EXPECT_NEAR(f16_to_f32(f32_to_f16(v)), v, std::abs(v) * 1e-3f + 1e-7f);
  }
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
}

TEST(Npy, RoundTripFloatAndInt) {
  std::string dir = test::temp_dir();
  Tensor f = Tensor::from_vector({1.5f, -2.f, 3.25f, 0.f, 7.f, 8.f}, {2, 3});
  write_npy(dir + "/f.npy", f);
  Tensor g = read_npy(dir + "/f.npy");
  ASSERT_EQ(g.shape(), f.shape());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.data<float>()[i], f.data<float>()[i]);

  Tensor ids = Tensor::empty({4}, DType::i64);
  for (int i = 0; i < 4; ++i) ids.data<int64_t>()[i] = 1000000000000LL * i;
  write_npy(dir + "/i.npy", ids);
  Tensor back = read_npy(dir + "/i.npy");
  ASSERT_EQ(back.dtype(), DType::i64);
  EXPECT_EQ(back.data<int64_t>()[3], 3000000000000LL);
  // No temporary left behind.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2);
}

static std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Streamed rows give the very bytes write_npy gives for the whole matrix, for any row count
// (the header is rewritten in place at the end), and nothing under the final name before commit.
TEST(Npy, RowWriterStreamsTheBytesOfWriteNpy) {
  std::string dir = test::temp_dir();
  for (int64_t n : {0, 1, 7, 1000}) {
    Tensor m = Tensor::empty({n, 5});
    for (int64_t i = 0; i < n * 5; ++i) m.data<float>()[i] = 0.25f * static_cast<float>(i) - 3.0f;
    write_npy(dir + "/whole.npy", m);
    std::filesystem::remove(dir + "/streamed.npy");  // the previous round's
    {
      OutputFile out(dir + "/streamed.npy");
      NpyRowWriter rows(out, DType::f32, 5);
      for (int64_t i = 0; i < n; i += 3) rows.append(m.data<float>() + i * 5, std::min<int64_t>(3, n - i));
      EXPECT_EQ(rows.rows(), n);
      rows.finish();
      EXPECT_FALSE(std::filesystem::exists(dir + "/streamed.npy"));
      out.commit();
    }
    EXPECT_EQ(file_bytes(dir + "/streamed.npy"), file_bytes(dir + "/whole.npy")) << n << " rows";
    EXPECT_EQ(read_npy(dir + "/streamed.npy").shape(), (Shape{n, 5}));
  }
  OutputFile out("-");
  EXPECT_THROW(NpyRowWriter(out, DType::f32, 5), Error);
}

TEST(Npy, TruncatedAndEmptyFilesAreErrors) {
  std::string dir = test::temp_dir();
  Tensor f = Tensor::zeros({100});
  write_npy(dir + "/f.npy", f);
  std::filesystem::resize_file(dir + "/f.npy", 200);
  EXPECT_THROW(read_npy(dir + "/f.npy"), Error);
  std::filesystem::resize_file(dir + "/f.npy", 0);
  try {
    read_npy(dir + "/f.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f.npy: empty file"), std::string::npos);
  }
}

namespace {
// A .npy file with a hand-written header dictionary and `data_bytes` zero bytes of data.
std::string crafted_npy(const std::string& path, const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  file += header + std::string(data_bytes, '\0');
  std::ofstream(path, std::ios::binary) << file;
  return path;
}
}  // namespace

// Issue 16: a shape whose element or byte count overflows 64 bits used to wrap to 0 bytes and be
// accepted; it must be an Error naming the file.
TEST(Npy, OverflowingAndNegativeShapesAreErrors) {
  std::string dir = test::temp_dir();
  const std::vector<std::string> shapes = {"(4611686018427387904, 1)", "(4294967296, 4294967296)",
                                           "(3, 6148914691236517206)", "(99999999999999999999, 1)",
                                           "(-1, 4)"};
  for (const std::string& shape : shapes) {
    std::string path = crafted_npy(dir + "/bad.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", 16);
    try {
      read_npy(path);
      ADD_FAILURE() << "accepted shape " << shape;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad.npy"), std::string::npos) << e.what();
    }
  }
  // The same writer gives a readable file for a sane shape.
  std::string ok = crafted_npy(dir + "/ok.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16);
  EXPECT_EQ(read_npy(ok).shape(), (Shape{2, 2}));
}

TEST(Tensor, ShapeNumelChecksOverflow) {
  EXPECT_EQ(shape_numel({3, 4}), 12);
  EXPECT_THROW(shape_numel({int64_t{1} << 32, int64_t{1} << 32}), Error);
  EXPECT_THROW(shape_numel({2, -3}), Error);
  EXPECT_THROW(shape_nbytes({int64_t{1} << 62, 1}, 4, "x"), Error);
  EXPECT_EQ(shape_nbytes({2, 3}, 4, "x"), 24u);
}
