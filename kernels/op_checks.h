// Argument checks shared by the tensor-level ops (kernels/ops*.cpp), so every op names a bad
// argument the same way: the op, the argument, what was expected and what came.
#pragma once

#include "kernels/tensor.h"

namespace spindle::ops::detail {

// t is defined, of `dtype` and on `device` (the device the op runs on: its first tensor's).
void require(const Tensor& t, Device device, const char* op, const char* arg, DType dtype = DType::f32);
// ... and of exactly `shape`.
void require(const Tensor& t, Device device, const char* op, const char* arg, const Shape& shape,
             DType dtype = DType::f32);
// ... and of rank `ndim`.
void require_rank(const Tensor& t, Device device, const char* op, const char* arg, int64_t ndim,
                  DType dtype = DType::f32);

// Rows of a tensor seen as [rows, last dimension] (a scalar is one row).
inline int64_t rows_of(const Tensor& t) { return t.ndim() == 0 ? 1 : t.numel() / t.dim(-1); }

}  // namespace spindle::ops::detail
