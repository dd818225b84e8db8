# The two commands of the README: `make demo` and `make test`. Both install what is missing,
# build Release with every core, then run. `make build` only builds.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build test demo bench clean

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

clean:
	rm -rf $(BUILD_DIR)
