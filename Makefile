# SPDX-License-Identifier: MIT
# Front door: `make demo` runs the main job on the bundled data, `make check` runs every test.
# Both install missing Debian packages first (scripts/deps.sh) and build with CMake.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build demo check test-asan fuzz bench clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCX_WERROR=$(if $(CI),ON,OFF) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: maker_hedge on the bundled Binance BTCUSDT spot + USD-M data (session in sessions/).
demo: build
	./$(BUILD)/cexarb backtest

check: build
	@bash tools/checksrc
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory fuzz

# The same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCX_WERROR=$(if $(CI),ON,OFF) \
	  -DCMAKE_C_COMPILER=clang -DCX_SANITIZER=address,undefined >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS)

# Every libFuzzer target, seeded with the real data, for a bounded time each.
FUZZ_SECONDS ?= 20
fuzz: deps
	@cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DCX_BUILD_FUZZ=ON -DCX_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS)
	bash fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

bench: deps
	@cmake -S . -B $(BUILD)-bench -DCMAKE_BUILD_TYPE=Release -DCX_BUILD_BENCH=ON -DCX_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD)-bench -j $(JOBS)
	bash bench/run.sh $(BUILD)-bench

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz $(BUILD)-bench
