#include "kernels/io/npy.h"

#include <cstdint>
#include <cstring>
#include <regex>

#include "base/mapped_file.h"
#include "base/output_file.h"

namespace spindle {

static const char* npy_descr(DType dtype) {
  switch (dtype) {
    case DType::f32: return "<f4";
    case DType::f16: return "<f2";
    case DType::i32: return "<i4";
    case DType::i64: return "<i8";
    case DType::u8: return "|u1";
    case DType::i8: return "|i1";
    case DType::bf16: break;
  }
  throw Error(std::string("cannot write ") + dtype_name(dtype) + " to .npy (no NumPy dtype)");
}

std::string npy_header(DType dtype, const Shape& shape) {
  std::string dict = std::string("{'descr': '") + npy_descr(dtype) + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += std::to_string(shape[i]) + ", ";
  if (shape.size() > 1) dict.resize(dict.size() - 2);
  if (shape.size() == 1) dict.resize(dict.size() - 1);  // "(5,)"
  dict += "), }";
  // magic(6) + version(2) + len(2) + dict + padding + '\n', total a multiple of 64.
  size_t total = 10 + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string header("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(dict.size());
  header.push_back(static_cast<char>(len & 0xff));
  header.push_back(static_cast<char>(len >> 8));
  return header + dict;
}

Tensor read_npy(const std::string& path) {
  auto file = MappedFile::open(path);
  const unsigned char* p = file->data();
  size_t size = file->size();
  if (size == 0) throw Error(path + ": empty file, expected a .npy array");
  if (size < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) throw Error(path + ": not a .npy file (bad magic)");
  int major = p[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = p[8] | (p[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw Error(path + ": truncated .npy header");
    header_len = p[8] | (p[9] << 8) | (static_cast<size_t>(p[10]) << 16) | (static_cast<size_t>(p[11]) << 24);
    header_start = 12;
  } else {
    throw Error(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_start + header_len > size) throw Error(path + ": truncated .npy header");
  std::string header(reinterpret_cast<const char*>(p + header_start), header_len);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    throw Error(path + ": .npy header has no dtype");
  std::string descr = m[1];
  DType dtype;
  if (descr == "<f4") dtype = DType::f32;
  else if (descr == "<f2") dtype = DType::f16;
  else if (descr == "<i4") dtype = DType::i32;
  else if (descr == "<i8") dtype = DType::i64;
  else if (descr == "|u1" || descr == "<u1") dtype = DType::u8;
  else throw Error(path + ": unsupported .npy dtype '" + descr + "' (need float32, float16, int32, int64 or uint8)");
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    throw Error(path + ": Fortran-order .npy arrays are not supported");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw Error(path + ": .npy header has no shape");
  Shape shape;
  std::string dims = m[1];
  std::regex num("-?\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    const std::string d = it->str();
    if (d[0] == '-') throw Error(path + ": .npy shape (" + dims + ") has a negative dimension");
    try {
      shape.push_back(std::stoll(d));
    } catch (const std::out_of_range&) {
      throw Error(path + ": .npy shape (" + dims + ") has a dimension too large for 64 bits");
    }
  }

  size_t data_start = header_start + header_len;
  size_t need = shape_nbytes(shape, dtype_size(dtype), path);
  if (size - data_start < need)
    throw Error(path + ": truncated .npy data (" + std::to_string(size - data_start) + " of " +
                std::to_string(need) + " bytes)");
  Tensor t = Tensor::empty(shape, dtype);
  std::memcpy(t.raw(), p + data_start, need);
  return t;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  OutputFile out(path);
  write_npy(out, tensor);
  out.commit();
}

void write_npy(OutputFile& out, const Tensor& tensor) {
  Tensor cpu = tensor.to(Device::cpu);
  out.write(npy_header(cpu.dtype(), cpu.shape()));
  out.write(cpu.raw(), cpu.nbytes());
}

NpyRowWriter::NpyRowWriter(OutputFile& out, DType dtype, int64_t cols) : out_(out), dtype_(dtype), cols_(cols) {
  if (out.path() == "-") throw Error("stdout: a streamed .npy array needs a file, not stdout");
  const std::string header = npy_header(dtype, {0, cols});
  // The real header replaces this one in place, so its length may not depend on the row count.
  // It does not: a 2-D header is 68 bytes plus the digits of both dimensions (at most 106 for
  // 64-bit counts) padded to 128.
  SPINDLE_ASSERT(header.size() == npy_header(dtype, {INT64_MAX, cols}).size());
  header_bytes_ = header.size();
  out_.write(header);
}

void NpyRowWriter::append(const void* rows, int64_t n) {
  out_.write(rows, static_cast<size_t>(n * cols_) * dtype_size(dtype_));
  rows_ += n;
}

void NpyRowWriter::finish() {
  const std::string header = npy_header(dtype_, {rows_, cols_});
  SPINDLE_ASSERT(header.size() == header_bytes_);
  out_.overwrite(0, header.data(), header.size());
}

}  // namespace spindle
