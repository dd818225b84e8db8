#include "kernels/op_checks.h"

#include <string>

namespace spindle::ops::detail {

void require(const Tensor& t, Device device, const char* op, const char* arg, DType dtype) {
  if (!t.defined()) throw Error(std::string(op) + ": argument '" + arg + "' is undefined");
  if (t.device() != device)
    throw Error(std::string(op) + ": argument '" + arg + "' is on " + device_name(t.device()) + " but the op runs on " +
                device_name(device) + " (all inputs must be on one device)");
  if (t.dtype() != dtype)
    throw Error(std::string(op) + ": argument '" + arg + "' must be " + dtype_name(dtype) + ", got " + t.describe());
}

void require(const Tensor& t, Device device, const char* op, const char* arg, const Shape& shape, DType dtype) {
  require(t, device, op, arg, dtype);
  if (t.shape() != shape)
    throw Error(std::string(op) + ": argument '" + arg + "' must be " + dtype_name(dtype) + shape_str(shape) +
                ", got " + t.describe());
}

void require_rank(const Tensor& t, Device device, const char* op, const char* arg, int64_t ndim, DType dtype) {
  require(t, device, op, arg, dtype);
  if (t.ndim() != ndim)
    throw Error(std::string(op) + ": argument '" + arg + "' must be " + dtype_name(dtype) + " of rank " +
                std::to_string(ndim) + ", got " + t.describe());
}

}  // namespace spindle::ops::detail
