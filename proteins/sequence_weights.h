// Sequence reweighting for MSA models (EVmutation/plmc): each sequence's weight is 1 / the number
// of sequences (itself included) identical to it at (1 - theta) * L or more model columns (plmc's
// rule), so clusters of near-identical homologues count once. theta 0.2 is "80% identity".
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spindle {

struct FocusAlignment;

// Weights per row of `alignment` (same order). theta in [0, 1]; threads <= 0 uses OpenMP's default.
// O(N^2 L) byte comparisons, split over threads.
std::vector<float> compute_sequence_weights(const FocusAlignment& alignment, double theta, int threads);

// Raw form: `states` is n x length row-major.
std::vector<float> compute_sequence_weights(const uint8_t* states, size_t n, size_t length, double theta, int threads);

}  // namespace spindle
