// Without nvcc the CUDA twins still link: each throws Error. No CUDA tensor can be allocated in such
// a build (cuda_alloc throws), so the dispatch never reaches these.
#ifndef SPINDLE_HAVE_CUDA

#include "kernels/cuda/cuda_ops.h"
#include "kernels/error.h"

namespace spindle::cuda {
namespace {
[[noreturn]] void unavailable(const char* op) {
  throw Error(std::string(op) + ": spindle was built without CUDA");
}
}  // namespace

void gemm_f32(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t, float,
              float*, int64_t) { unavailable("gemm_f32"); }
void gemm_bf16(bool, bool, int64_t, int64_t, int64_t, float, const uint16_t*, int64_t, const uint16_t*, int64_t,
               float, float*, int64_t) { unavailable("gemm_bf16"); }
void gemm_f16(bool, bool, int64_t, int64_t, int64_t, float, const uint16_t*, int64_t, const uint16_t*, int64_t,
              float, float*, int64_t) { unavailable("gemm_f16"); }
bool is_device_pointer(const void*) { return false; }
void gemm_f32_strided_batched(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, int64_t,
                              const float*, int64_t, int64_t, float, float*, int64_t, int64_t, int64_t) {
  unavailable("gemm_f32_strided_batched");
}
void bias_rows(float*, const float*, int64_t, int64_t, bool) { unavailable("linear"); }
void layer_norm(const float*, const float*, const float*, float, int64_t, int64_t, float*) { unavailable("layer_norm"); }
void rms_norm(const float*, const float*, float, int64_t, int64_t, float*) { unavailable("rms_norm"); }
void gelu_erf(float*, int64_t) { unavailable("gelu_erf"); }
void gelu_tanh(float*, int64_t) { unavailable("gelu_tanh"); }
void silu(float*, int64_t) { unavailable("silu"); }
void softplus(float*, int64_t) { unavailable("softplus"); }
void softmax(float*, int64_t, int64_t) { unavailable("softmax"); }
void add(float*, const float*, int64_t) { unavailable("add"); }
void embedding(const int64_t*, int64_t, const float*, int64_t, int64_t, float*) { unavailable("embedding"); }
void causal_conv1d(const float*, const float*, const float*, int64_t, int64_t, int64_t, int64_t, float*) {
  unavailable("causal_conv1d");
}
void fft_conv(const float*, const float*, bool, int64_t, int64_t, float*) { unavailable("fft_conv"); }
void selective_scan(const cpu::SelectiveScanParams&) { unavailable("selective_scan"); }
void ssd_scan_chunked(const cpu::SsdParams&) { unavailable("ssd_scan"); }
void attention(const cpu::AttentionParams&) { unavailable("attention"); }
void attention_tensor_cores(const cpu::AttentionParams&) { unavailable("attention"); }
void axial_row_logits(const cpu::AxialRowShape&, const float*, const float*, float, float*, bool) {
  unavailable("axial_row_logits");
}
void axial_row_softmax(int64_t, int64_t, const uint8_t*, float, float*) { unavailable("axial_row_softmax"); }
void axial_row_apply(const cpu::AxialRowShape&, const float*, const float*, float*) { unavailable("axial_row_apply"); }

}  // namespace spindle::cuda

#endif  // SPINDLE_HAVE_CUDA
