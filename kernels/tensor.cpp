#include "kernels/tensor.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "kernels/backend.h"

namespace spindle {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: return 4;
    case DType::bf16: return 2;
    case DType::f16: return 2;
    case DType::i32: return 4;
    case DType::i64: return 8;
    case DType::u8: return 1;
    case DType::i8: return 1;
  }
  SPINDLE_ASSERT(false);
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::bf16: return "bf16";
    case DType::f16: return "f16";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::u8: return "u8";
    case DType::i8: return "i8";
  }
  SPINDLE_ASSERT(false);
}

const char* device_name(Device device) { return device == Device::cpu ? "cpu" : "cuda"; }

std::string shape_str(const Shape& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("shape " + shape_str(shape) + " has a negative dimension");
    if (__builtin_mul_overflow(n, d, &n))
      throw Error("shape " + shape_str(shape) + " has too many elements (overflows 64 bits)");
  }
  return n;
}

size_t shape_nbytes(const Shape& shape, size_t elem, const std::string& what) {
  int64_t n = 0;
  try {
    n = shape_numel(shape);
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  size_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<size_t>(n), elem, &bytes) ||
      bytes > static_cast<size_t>(INT64_MAX))
    throw Error(what + ": shape " + shape_str(shape) + " is too large (byte size overflows 64 bits)");
  return bytes;
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device), owned_(true) {
  if (device == Device::cpu) {
    size_t rounded = (bytes + 63) / 64 * 64;
    data_ = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
    if (!data_) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes");
  } else {
    data_ = cuda_alloc(bytes);
  }
}

Storage::Storage(void* data, size_t bytes, Device device, std::shared_ptr<void> keep_alive)
    : data_(data), bytes_(bytes), device_(device), owned_(false), keep_alive_(std::move(keep_alive)) {}

Storage::~Storage() {
  if (!owned_) return;
  if (device_ == Device::cpu) std::free(data_);
  else cuda_free(data_);
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) SPINDLE_ASSERT(d >= 0);
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.device_ = device;
  t.storage_ = std::make_shared<Storage>(t.nbytes(), device);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (device == Device::cpu) {
    std::memset(t.raw(), 0, t.nbytes());
  } else {
    std::vector<char> zero(t.nbytes(), 0);
    copy_bytes(t.raw(), device, zero.data(), Device::cpu, t.nbytes());
  }
  return t;
}

Tensor Tensor::wrap(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> keep_alive,
                    Device device) {
  Tensor t;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.device_ = device;
  t.storage_ = std::make_shared<Storage>(data, t.nbytes(), device, std::move(keep_alive));
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  SPINDLE_ASSERT(static_cast<int64_t>(values.size()) == shape_numel(shape));
  Tensor t = empty(shape);
  std::memcpy(t.raw(), values.data(), values.size() * sizeof(float));
  return t;
}

int64_t Tensor::dim(int64_t i) const {
  if (i < 0) i += ndim();
  SPINDLE_ASSERT(i >= 0 && i < ndim());
  return shape_[i];
}

void* Tensor::raw() const {
  SPINDLE_ASSERT(storage_ != nullptr);
  return static_cast<char*>(storage_->data()) + offset_;
}

template <typename T>
static constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<int8_t>() { return DType::i8; }

template <typename T>
Tensor Tensor::from_values(const std::vector<T>& values, Device device) {
  Tensor t = empty({static_cast<int64_t>(values.size())}, dtype_of<T>());
  std::memcpy(t.raw(), values.data(), values.size() * sizeof(T));
  return device == Device::cpu ? t : t.to(device);
}
template Tensor Tensor::from_values(const std::vector<float>&, Device);
template Tensor Tensor::from_values(const std::vector<int64_t>&, Device);
template Tensor Tensor::from_values(const std::vector<uint8_t>&, Device);

template <typename T>
T* Tensor::data() const {
  if constexpr (std::is_same_v<T, uint16_t>) {
    SPINDLE_ASSERT(dtype_ == DType::bf16 || dtype_ == DType::f16);
  } else {
    SPINDLE_ASSERT(dtype_ == dtype_of<T>());
  }
  return static_cast<T*>(raw());
}
template float* Tensor::data<float>() const;
template int32_t* Tensor::data<int32_t>() const;
template int64_t* Tensor::data<int64_t>() const;
template uint8_t* Tensor::data<uint8_t>() const;
template int8_t* Tensor::data<int8_t>() const;
template uint16_t* Tensor::data<uint16_t>() const;

Tensor Tensor::select(int64_t i) const {
  SPINDLE_ASSERT(ndim() >= 1 && i >= 0 && i < shape_[0]);
  Tensor t = *this;
  t.shape_ = Shape(shape_.begin() + 1, shape_.end());
  t.offset_ = offset_ + static_cast<size_t>(i) * t.nbytes();
  return t;
}

Tensor Tensor::slice(int64_t begin, int64_t end) const {
  SPINDLE_ASSERT(ndim() >= 1 && 0 <= begin && begin <= end && end <= shape_[0]);
  Tensor t = *this;
  size_t row_bytes = shape_[0] == 0 ? 0 : nbytes() / shape_[0];
  t.shape_[0] = end - begin;
  t.offset_ = offset_ + static_cast<size_t>(begin) * row_bytes;
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  Shape resolved = shape;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < resolved.size(); ++i) {
    if (resolved[i] == -1) infer_at = static_cast<int64_t>(i);
    else known *= resolved[i];
  }
  if (infer_at >= 0) resolved[infer_at] = known == 0 ? 0 : numel() / known;
  SPINDLE_ASSERT(shape_numel(resolved) == numel());
  Tensor t = *this;
  t.shape_ = resolved;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_, device_);
  copy_bytes(t.raw(), device_, raw(), device_, nbytes());
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return *this;
  Tensor t = empty(shape_, dtype_, device);
  copy_bytes(t.raw(), device, raw(), device_, nbytes());
  return t;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  SPINDLE_ASSERT(device_ == Device::cpu);
  Tensor t = empty(shape_, dtype);
  const int64_t n = numel();
  auto read_f32 = [&](int64_t i) -> float {
    switch (dtype_) {
      case DType::f32: return static_cast<const float*>(raw())[i];
      case DType::bf16: return bf16_to_f32(static_cast<const uint16_t*>(raw())[i]);
      case DType::f16: return f16_to_f32(static_cast<const uint16_t*>(raw())[i]);
      case DType::i32: return static_cast<float>(static_cast<const int32_t*>(raw())[i]);
      case DType::i64: return static_cast<float>(static_cast<const int64_t*>(raw())[i]);
      case DType::u8: return static_cast<float>(static_cast<const uint8_t*>(raw())[i]);
      case DType::i8: return static_cast<float>(static_cast<const int8_t*>(raw())[i]);
    }
    return 0.f;
  };
  if ((dtype_ == DType::i32 || dtype_ == DType::i64) && (dtype == DType::i32 || dtype == DType::i64)) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = dtype_ == DType::i32 ? static_cast<const int32_t*>(raw())[i]
                                        : static_cast<const int64_t*>(raw())[i];
      if (dtype == DType::i32) t.data<int32_t>()[i] = static_cast<int32_t>(v);
      else t.data<int64_t>()[i] = v;
    }
    return t;
  }
  for (int64_t i = 0; i < n; ++i) {
    float v = read_f32(i);
    switch (dtype) {
      case DType::f32: t.data<float>()[i] = v; break;
      case DType::bf16: t.data<uint16_t>()[i] = f32_to_bf16(v); break;
      case DType::f16: t.data<uint16_t>()[i] = f32_to_f16(v); break;
      case DType::i32: t.data<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DType::i64: t.data<int64_t>()[i] = static_cast<int64_t>(v); break;
      case DType::u8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case DType::i8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
    }
  }
  return t;
}

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype_)) + shape_str(shape_) + " " + device_name(device_);
}

float bf16_to_f32(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) { mant <<= 1; --exp; }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  int32_t exp = static_cast<int32_t>((bits >> 23) & 0xffu) - 127 + 15;
  uint32_t mant = bits & 0x7fffffu;
  if (((bits >> 23) & 0xffu) == 0xffu) return sign | 0x7c00u | (mant ? 0x200u : 0);
  if (exp >= 31) return sign | 0x7c00u;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return sign | static_cast<uint16_t>(half);
  }
  uint32_t half = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1))) ++half;
  return sign | static_cast<uint16_t>(half);
}

}  // namespace spindle
