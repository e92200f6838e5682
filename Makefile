# pyo3-detach + jsrun. `make demo` runs the main job, `make test` every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PY311 ?= python3.11
TEST_PACKAGES := hypothesis mypy pytest-run-parallel
VENVS := target/venvs
# The free-threaded interpreter: $PYTHON_FT, python3.14t/3.13t on PATH, or built once
# into ~/.cache (scripts/python-ft).
PYFT = $(shell scripts/python-ft)

help:
	@echo "make demo   - build the example extension for free-threaded Python and show the GIL staying off"
	@echo "make test   - every test: Rust (unit, UI, expansion snapshots, doc) and Python on 3.11 and free-threaded"
	@echo "make wheels - jsrun wheels for every interpreter found into dist/, then checked"
	@echo "make bench  - benchmarks: our jsrun vs jsrun 0.3.0, quickjs, mini-racer (table, JSON + PNG in bench-results/; BENCH_ARGS=--quick)"

.PHONY: help demo test test-lint test-wheels test-jsrun-parallel wheels bench test-package test-matrix test-rust test-python test-python-311 test-python-ft test-jsrun test-jsrun-311 test-jsrun-ft python-ft

python-ft:
	@scripts/python-ft >/dev/null

# Build an example extension into a venv: $(call develop,VENV_PYTHON,TARGET_DIR,MANIFEST)
define develop
	VIRTUAL_ENV=$$(dirname $$(dirname $(1))) CARGO_TARGET_DIR=$(2) maturin develop -q -m $(3) >/dev/null
endef

demo: python-ft
	@py=$$(scripts/venv $(PYFT) $(VENVS)/ft $(TEST_PACKAGES)); \
	$(call develop,$$py,target/ft,examples/detach-demo/Cargo.toml); \
	$$py -W error::RuntimeWarning examples/detach-demo/demo.py

test: test-rust test-package test-lint test-python test-jsrun test-wheels test-matrix

test-rust:
	cargo test --workspace --all-targets
	cargo test --workspace --doc
	# adopters building abi3 wheels: the limited API must be enough
	cargo check -q --lib -p pyo3-detach --features pyo3/abi3-py310

test-python: test-python-311 test-python-ft

# The GitHub Actions workflows (.github/workflows) pass actionlint (+ shellcheck).
test-lint:
	scripts/actionlint

# The crates are publishable (metadata, license, readme; verifies the packaged build).
test-package:
	cargo package -q -p pyo3-detach -p pyo3-detach-macros -p pyo3-detach-model --allow-dirty

# pyo3-detach against PyO3 0.27, 0.28, 0.29 and 0.30 (UI + runtime tests, examples
# type-checked for a free-threaded target).
test-matrix: python-ft
	scripts/pyo3-matrix

# tests/gil-control: PyO3 0.27 without #[ft_module], the negative control.
test-python-311:
	@py=$$(scripts/venv $(PY311) $(VENVS)/py311 $(TEST_PACKAGES)); \
	$(call develop,$$py,target/py311,examples/detach-demo/Cargo.toml); \
	$(call develop,$$py,target/py311,examples/blocking-queue/Cargo.toml); \
	$(call develop,$$py,target/py311-control,tests/gil-control/Cargo.toml); \
	$$py -m pytest -q tests/python

test-python-ft: python-ft
	@py=$$(scripts/venv $(PYFT) $(VENVS)/ft $(TEST_PACKAGES)); \
	$(call develop,$$py,target/ft,examples/detach-demo/Cargo.toml); \
	$(call develop,$$py,target/ft,examples/blocking-queue/Cargo.toml); \
	$(call develop,$$py,target/ft-control,tests/gil-control/Cargo.toml); \
	PYTHON_GIL=0 $$py -W error::RuntimeWarning -m pytest -q tests/python

# jsrun (runtime/): its own crate and lock file, built into the same venvs.
test-jsrun: test-jsrun-311 test-jsrun-ft test-jsrun-parallel

test-jsrun-311:
	@py=$$(scripts/venv $(PY311) $(VENVS)/py311 $(TEST_PACKAGES)); \
	$(call develop,$$py,target/py311-jsrun,runtime/Cargo.toml); \
	$$py -m pytest -q runtime/tests

test-jsrun-ft: python-ft
	@py=$$(scripts/venv $(PYFT) $(VENVS)/ft $(TEST_PACKAGES)); \
	$(call develop,$$py,target/ft-jsrun,runtime/Cargo.toml); \
	PYTHON_GIL=0 $$py -W error::RuntimeWarning -m pytest -q runtime/tests

# Benchmarks (issue 6): builds our jsrun in release, peers from PyPI in their own venv,
# every scenario in its own process; prints the table, writes bench-results/. bench/README.md
BENCH_ARGS ?=
bench: python-ft
	$(PY311) bench/run.py $(BENCH_ARGS)

# Every jsrun test body in 4 threads at once (pytest-run-parallel), as NumPy and SciPy
# test their free-threading support; tests that cannot are marked thread_unsafe.
test-jsrun-parallel: test-jsrun-ft
	@py=$$(scripts/venv $(PYFT) $(VENVS)/ft $(TEST_PACKAGES)); \
	PYTHON_GIL=0 $$py -W error::RuntimeWarning -m pytest -q --parallel-threads=4 runtime/tests

# jsrun wheels for every interpreter found (manylinux_2_28 via zig), then checked:
# exact tags, fresh-venv install, GIL stays off, smoke + suite, auditwheel, ft-readiness.
wheels: python-ft
	scripts/build-wheels
	scripts/check-wheels

# The same in `make test`, with an unoptimised build. The suite runs against the
# installed wheels too (about a minute): the GIL wheel is an abi3 build, which
# test-jsrun (a version-specific development build) does not exercise.
test-wheels: python-ft
	PROFILE=dev scripts/build-wheels
	scripts/check-wheels
