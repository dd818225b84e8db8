// Tensor: a dtype, a shape and row-major contiguous storage on a device.
// Storage is reference-counted and may be borrowed (e.g. a memory-mapped checkpoint): a view keeps
// its owner alive. Views over the leading dimension are cheap (select, slice); reshape never copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"

namespace spindle {

enum class DType : uint8_t { f32, bf16, f16, i32, i64, u8, i8 };
enum class Device : uint8_t { cpu, cuda };

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);
const char* device_name(Device device);

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& shape);
// Number of elements; throws Error when a dimension is negative or the product overflows int64.
int64_t shape_numel(const Shape& shape);
// Bytes of a shape with `elem`-byte elements; throws Error naming `what` (a file, a tensor) when a
// dimension is negative or the element count or byte count overflows.
size_t shape_nbytes(const Shape& shape, size_t elem, const std::string& what);

// Owns (or borrows) a block of bytes on one device.
class Storage {
 public:
  // Allocates `bytes` on `device` (64-byte aligned on CPU).
  Storage(size_t bytes, Device device);
  // Borrows `data`; `keep_alive` holds whatever owns it (may be null for static memory).
  Storage(void* data, size_t bytes, Device device, std::shared_ptr<void> keep_alive);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::cpu;
  bool owned_ = false;
  std::shared_ptr<void> keep_alive_;
};

class Tensor {
 public:
  Tensor() = default;

  // Uninitialised tensor.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  // Borrows memory owned by `keep_alive` (nullptr: caller guarantees lifetime).
  static Tensor wrap(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> keep_alive,
                     Device device = Device::cpu);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  // A 1-D tensor of `values` on `device` (f32, i64 or u8 by T): host-built masks, positions and
  // index lists on their way to the device a model computes on.
  template <typename T>
  static Tensor from_values(const std::vector<T>& values, Device device);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  const Shape& shape() const { return shape_; }
  int64_t ndim() const { return static_cast<int64_t>(shape_.size()); }
  // Size of dimension i; negative i counts from the end.
  int64_t dim(int64_t i) const;
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  void* raw() const;
  // Typed pointer; checks that T matches the dtype.
  template <typename T>
  T* data() const;

  // Views (no copy): row i of the leading dimension, rows [begin, end), or the same bytes reshaped.
  Tensor select(int64_t i) const;
  Tensor slice(int64_t begin, int64_t end) const;
  Tensor reshape(const Shape& shape) const;

  // Deep copy, optionally converting dtype (f32 <-> bf16/f16, i32 <-> i64) or device.
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;

  std::string describe() const;  // "f32[2, 3] cpu"

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;  // bytes into storage
  Shape shape_;
  DType dtype_ = DType::f32;
  Device device_ = Device::cpu;
};

// bf16/f16 scalar conversions (round to nearest even).
float bf16_to_f32(uint16_t v);
uint16_t f32_to_bf16(float v);
float f16_to_f32(uint16_t v);
uint16_t f32_to_f16(float v);

}  // namespace spindle
