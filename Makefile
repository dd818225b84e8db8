# The two commands of the README: `make demo` and `make test`. Both install what is missing,
# build Release with every core, then run. `make build` only builds.
# `make sanitize` (the test suite under ASan + UBSan) and `make fuzz` (every libFuzzer target for
# FUZZ_SECONDS) share one clang build in SANITIZE_DIR; CI runs both after `make test`.
BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)

.PHONY: all setup build test demo bench clean sanitize-build sanitize fuzz

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)/spindle

# clang: libFuzzer needs it, and one instrumented build then serves both targets. No CUDA (no GPU
# in CI, and nvcc's host code is not what the sanitizers are for); no benchmarks.
sanitize-build: setup
	@CC=clang CXX=clang++ cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only" -DSPINDLE_CUDA=OFF \
	  -DSPINDLE_SANITIZE=ON -DSPINDLE_FUZZ=ON -DSPINDLE_BENCH=OFF >/dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS)

sanitize: sanitize-build
	@cd $(SANITIZE_DIR) && \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

fuzz: sanitize-build
	@bash scripts/fuzz.sh $(SANITIZE_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
