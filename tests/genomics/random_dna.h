// Random DNA for the genomics tests: uniform A/C/G/T, optionally with N at a given rate.
#pragma once

#include <random>
#include <string>

namespace spindle::test {

inline std::string random_dna(size_t n, std::mt19937& rng, double n_rate = 0) {
  std::string s(n, 'A');
  std::uniform_real_distribution<double> u(0, 1);
  for (char& c : s) c = n_rate > 0 && u(rng) < n_rate ? 'N' : "ACGT"[rng() % 4];
  return s;
}

}  // namespace spindle::test
