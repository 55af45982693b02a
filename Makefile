# Two entry points (see README): `make demo` runs the main job, `make test` the
# test suite. Both create .venv from requirements.lock on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
export MUJOCO_GL ?= egl
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test install lock bench clean-venv

$(VENV)/.installed: requirements.lock pyproject.toml envs/rgb_stacking_env/pyproject.toml scripts/install.sh
	bash scripts/install.sh

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/chef-pipeline --config=pipeline:demo --run_name=demo $(ARGS)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	$(PY) -m pytest $(ARGS)

# Every benchmark that needs no input (offline_throughput.py needs --datasets=...).
bench: $(VENV)/.installed
	for b in $(filter-out benchmarks/offline_throughput.py,$(wildcard benchmarks/*.py)); do $(PY) $$b || exit 1; done

# Re-resolve requirements.in into requirements.lock (needs network).
lock: $(VENV)/.installed
	$(VENV)/bin/uv pip compile requirements.in --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --no-header -o requirements.lock

clean-venv:
	rm -rf $(VENV)
