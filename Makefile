# The two commands: `make run` (the whole stack, in the foreground) and
# `make test` (everything). Both install what is missing first.
.PHONY: deps build build-debug run test bench stop clean

JOBS ?= $(shell nproc)

deps:
	@tools/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

run: build
	@tools/run-foreground.sh

stop:
	@deploy/local/stack stop

test: deps
	@tools/test.sh

bench: build
	@bench/ping.sh

clean:
	rm -rf build
