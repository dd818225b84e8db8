// Test helper: alignment rows (strings over the amino-acid alphabet and '-') as the state codes
// the protein models take, row after row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proteins/amino_acids.h"

namespace spindle::test {

inline std::vector<uint8_t> encode_rows(const std::vector<std::string>& rows) {
  std::vector<uint8_t> out;
  for (const auto& r : rows)
    for (char c : r) out.push_back(state_of(c));
  return out;
}

}  // namespace spindle::test
