# Thin wrapper: install missing Debian packages, configure, build, run.
# `make demo` and `make test` are the whole set-up on a fresh Debian 12 machine (as root).

PACKAGES := libboost1.81-dev libboost-iostreams1.81-dev libboost-math1.81-dev libeigen3-dev \
            libcli11-dev nlohmann-json3-dev libbenchmark-dev catch2 libfmt-dev cmake ninja-build \
            libzstd-dev python3-jsonschema g++ \
            libboost-mpi1.81-dev openmpi-bin libopenmpi-dev \
            libhiredis-dev libpq-dev redis-server postgresql-15 \
            pybind11-dev python3-dev python3-pytest python3-pandas
JOBS ?= $(shell nproc)

.PHONY: deps clang-deps build demo demo-live test asan-test fuzz install bench clean playground

# Installs those of the Debian packages $(1) that are missing.
install_missing = missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get -o DPkg::Lock::Timeout=300 update && \
	  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends $$missing; \
	fi

deps:
	@$(call install_missing,$(PACKAGES))
	@# Node.js and npm: the build installs uPlot (inlined into HTML reports) from the npm registry.
	@# NodeSource's nodejs package ships npm; Debian's own needs the npm package beside it.
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "installing: nodejs (for npm)"; \
	  apt-get -o DPkg::Lock::Timeout=300 update && \
	  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends nodejs && \
	  { command -v npm >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends npm; }; \
	fi

# The sanitizer and fuzz builds use Debian's clang-16 (libFuzzer, and llvm-symbolizer for
# readable sanitizer reports).
CLANG_PACKAGES := clang-16 libclang-rt-16-dev llvm-16
clang-deps:
	@$(call install_missing,$(CLANG_PACKAGES))

build: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

demo: build
	./build/release/cachelab run

# One scenario against a private Redis and PostgreSQL that cachelab starts and removes.
demo-live: build
	./build/release/cachelab live scenarios/live/cache-aside.json --report

test: build
	ctest --preset release -j $(JOBS)

asan-test: deps clang-deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer ctest --preset asan -j $(JOBS)

# libFuzzer targets (tests/fuzz/), each run FUZZ_SECONDS from the committed seeds plus
# what earlier runs found; crashes land in build/$(FUZZ_TREE)/crashes/<target>/.
# FUZZ_TREE=asan runs the sanitizer tree's targets instead (edge counters only, no
# comparison tracing): CI's short runs, which then build no tree of their own.
FUZZ_SECONDS ?= 60
FUZZ_TREE ?= fuzz
fuzz: deps clang-deps
	cmake --preset $(FUZZ_TREE)
	cmake --build --preset $(FUZZ_TREE) --target fuzzers -j $(JOBS)
	ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer FUZZ_BUILD=build/$(FUZZ_TREE) \
	  tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(JOBS)

# The WebAssembly build for the playground page (playground/CMakeLists.txt) with
# Debian's emscripten; its JS optimizer finds acorn through NODE_PATH.
playground: build
	@$(call install_missing,emscripten)
	NODE_PATH=/usr/share/nodejs emcmake cmake -S playground -B build/wasm -G Ninja
	NODE_PATH=/usr/share/nodejs cmake --build build/wasm -j $(JOBS)

# The CLI into $(PREFIX)/bin (default /usr/local/bin) and the Python package
# into $(PREFIX)/lib/python3/dist-packages/cachelab (python/CMakeLists.txt).
PREFIX ?= /usr/local
install: build
	cmake --install build/release --prefix $(PREFIX)

bench: build
	./build/release/cachelab_bench

clean:
	rm -rf build
