#!/usr/bin/env bash
# Installs the benchmark alone (no chef) into a fresh virtualenv with pip and runs its own tests
# there: the check that envs/rgb_stacking_env is a standalone package. Needs network (PyPI).
#   bash scripts/check_env_package.sh [VENV_DIR]
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
VENV=${1:-$(mktemp -d)/rgb_stacking_env_venv}
python3.11 -m venv "$VENV"
"$VENV/bin/pip" install -q "$REPO/envs/rgb_stacking_env[test]"
rm -rf "$REPO/envs/rgb_stacking_env/build"
cd "$(mktemp -d)"  # Not the repository: the installed package is what is tested.
if "$VENV/bin/python" -c "import chef" 2>/dev/null; then
  echo "error: chef is importable in the benchmark-only environment" >&2; exit 1
fi
MUJOCO_GL=${MUJOCO_GL:-egl} "$VENV/bin/python" -m pytest -p no:cacheprovider -q "$REPO/envs/rgb_stacking_env/tests"
