# Turnpike: `make run` serves config/turnpike.yaml on 127.0.0.1:8080; `make test` runs every test,
# then again under ASan+UBSan, then every fuzz target for FUZZ_SECONDS; `make fuzz` only fuzzes.
# Both install what is missing on Debian 12 (apt as root; otherwise they print the command).
SHELL := /bin/bash
JOBS ?= 2
CONFIG ?= config/turnpike.yaml
RELEASE_DIR := build/release
DEBUG_DIR := build/debug
SANITIZE_DIR := build/sanitize
FUZZ_SECONDS ?= 60

# Libraries (checked with dpkg) and tools (checked on PATH, named by the package providing them).
BUILD_LIBS := libpoco-dev libboost-dev libboost-filesystem-dev libyaml-cpp-dev nlohmann-json3-dev \
  libcurl4-openssl-dev libsqlite3-dev liblua5.4-dev libsecp256k1-dev libssl-dev libpq-dev
BUILD_TOOLS := cmake:cmake g++:g++ make:make ccache:ccache pkg-config:pkg-config
TEST_LIBS := libgtest-dev libgmock-dev libbenchmark-dev
TEST_TOOLS := node:nodejs npm:npm promtool:prometheus curl:curl
# The ASan+UBSan build and the fuzz targets: clang, with libFuzzer and the sanitizer runtimes.
SANITIZE_LIBS := libclang-rt-14-dev
SANITIZE_TOOLS := clang:clang clang++:clang
# -O1 -g1, as the sanitizers recommend: much faster than -O0 under ASan, and line tables suffice for reports.
SANITIZE_CONFIGURE := cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1" "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
  -DTURNPIKE_SANITIZE=ON -DTURNPIKE_BUILD_FUZZ=ON -DTURNPIKE_BUILD_TESTS=ON -DTURNPIKE_BUILD_BENCH=OFF

.PHONY: all build run test fuzz deps test-deps sanitize-deps bench clean help

all: build

help:
	@echo "make run    build (Release) and serve $(CONFIG) on 127.0.0.1:8080"
	@echo "make test   build (Debug) and run every test; again under ASan+UBSan; fuzz FUZZ_SECONDS (60) per target"
	@echo "make fuzz   build the fuzz targets and run each for FUZZ_SECONDS (60), two at a time"
	@echo "make bench  gateway vs direct vs nginx vs Portkey (bench/README.md; DUR=10 RUNS=3 by default)"

define ensure_packages
	@missing=""; \
	for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	for t in $(2); do command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call ensure_packages,$(BUILD_LIBS),$(BUILD_TOOLS))

test-deps: deps
	$(call ensure_packages,$(TEST_LIBS),$(TEST_TOOLS))

sanitize-deps: test-deps
	$(call ensure_packages,$(SANITIZE_LIBS),$(SANITIZE_TOOLS))

build: deps
	@cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DTURNPIKE_BUILD_TESTS=OFF -DTURNPIKE_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(RELEASE_DIR) -j$(JOBS)

run: build
	@mkdir -p data
	./$(RELEASE_DIR)/turnpike serve --config $(CONFIG)

test: sanitize-deps
	@cmake -S . -B $(DEBUG_DIR) -DCMAKE_BUILD_TYPE=Debug -DTURNPIKE_BUILD_TESTS=ON -DTURNPIKE_BUILD_BENCH=ON >/dev/null
	@cmake --build $(DEBUG_DIR) -j$(JOBS)
	@cd tests/clients && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }
	@cd $(DEBUG_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 600
	@$(SANITIZE_CONFIGURE) >/dev/null
	@cmake --build $(SANITIZE_DIR) -j$(JOBS)
	@tests/sanitizers/run_suite.sh $(SANITIZE_DIR) $(JOBS)
	@tests/fuzz/run_fuzzers.sh $(SANITIZE_DIR) $(FUZZ_SECONDS) $(JOBS)

fuzz: sanitize-deps
	@$(SANITIZE_CONFIGURE) >/dev/null
	@cmake --build $(SANITIZE_DIR) -j$(JOBS) --target fuzz_targets
	@tests/fuzz/run_fuzzers.sh $(SANITIZE_DIR) $(FUZZ_SECONDS) $(JOBS)

bench: test-deps
	@cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DTURNPIKE_BUILD_TESTS=OFF -DTURNPIKE_BUILD_BENCH=ON >/dev/null
	@cmake --build $(RELEASE_DIR) -j$(JOBS)
	./bench/run_compare.sh

clean:
	rm -rf build
