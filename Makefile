# Turnpike: `make run` serves config/turnpike.yaml on 127.0.0.1:8080; `make test` runs every test.
# Both install what is missing on Debian 12 (apt as root; otherwise they print the command).
SHELL := /bin/bash
JOBS ?= 2
CONFIG ?= config/turnpike.yaml
RELEASE_DIR := build/release
DEBUG_DIR := build/debug

# Libraries (checked with dpkg) and tools (checked on PATH, named by the package providing them).
BUILD_LIBS := libpoco-dev libboost-dev libboost-filesystem-dev libyaml-cpp-dev nlohmann-json3-dev \
  libcurl4-openssl-dev libsqlite3-dev liblua5.4-dev libsecp256k1-dev libssl-dev libpq-dev
BUILD_TOOLS := cmake:cmake g++:g++ make:make ccache:ccache pkg-config:pkg-config
TEST_LIBS := libgtest-dev libgmock-dev libbenchmark-dev
TEST_TOOLS := node:nodejs npm:npm promtool:prometheus curl:curl

.PHONY: all build run test deps test-deps bench clean help

all: build

help:
	@echo "make run    build (Release) and serve $(CONFIG) on 127.0.0.1:8080"
	@echo "make test   build (Debug) and run every test"
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

build: deps
	@cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DTURNPIKE_BUILD_TESTS=OFF -DTURNPIKE_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(RELEASE_DIR) -j$(JOBS)

run: build
	@mkdir -p data
	./$(RELEASE_DIR)/turnpike serve --config $(CONFIG)

test: test-deps
	@cmake -S . -B $(DEBUG_DIR) -DCMAKE_BUILD_TYPE=Debug -DTURNPIKE_BUILD_TESTS=ON -DTURNPIKE_BUILD_BENCH=ON >/dev/null
	@cmake --build $(DEBUG_DIR) -j$(JOBS)
	@cd tests/clients && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }
	@cd $(DEBUG_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 600

bench: test-deps
	@cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DTURNPIKE_BUILD_TESTS=OFF -DTURNPIKE_BUILD_BENCH=ON >/dev/null
	@cmake --build $(RELEASE_DIR) -j$(JOBS)
	./bench/run_compare.sh

clean:
	rm -rf build
