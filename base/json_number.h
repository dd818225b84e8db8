// Whole numbers from JSON files (config.json, safetensors headers, manifests, model headers)
// without undefined behaviour. nlohmann's get<int64_t>() casts a float straight to the integer
// (1e300 overflows: undefined) and wraps unsigned values above the type's range; json_integer
// accepts only whole numbers in range (Python may write 512.0) and otherwise throws an
// nlohmann::json::exception, which each reader already turns into its one-line error naming the
// file.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

namespace spindle {

class JsonNumberError : public nlohmann::json::exception {
 public:
  explicit JsonNumberError(const std::string& what) : exception(0, what.c_str()) {}
};

template <typename Int>
Int json_integer(const nlohmann::json& value) {
  using limits = std::numeric_limits<Int>;
  const std::string range = "[" + std::to_string(limits::min()) + ", " + std::to_string(limits::max()) + "]";
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(limits::max())) throw JsonNumberError(std::to_string(u) + " is outside " + range);
    return static_cast<Int>(u);
  }
  if (value.is_number_integer()) {
    const int64_t i = value.get<int64_t>();
    if (i < static_cast<int64_t>(limits::min()) ||
        (i > 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(limits::max())))
      throw JsonNumberError(std::to_string(i) + " is outside " + range);
    return static_cast<Int>(i);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // max + 1 is a power of two, exact in double, so the comparison is exact at the top end.
    const double upper = static_cast<double>(limits::max()) + 1.0;
    if (!std::isfinite(d) || d != std::trunc(d) || d < static_cast<double>(limits::min()) || d >= upper)
      throw JsonNumberError(value.dump() + " is not a whole number in " + range);
    return static_cast<Int>(d);
  }
  throw JsonNumberError(value.dump() + " is not a number");
}

}  // namespace spindle
