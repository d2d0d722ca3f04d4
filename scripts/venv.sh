# Sourced by the other scripts: make sure .venv exists with cpplan and its test extras installed.
need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
py=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    py="$candidate"; break
  fi
done
if [ -z "$py" ]; then echo "cpplan needs Python 3.11 or newer (apt-get install python3)." >&2; exit 1; fi
if [ ! -x .venv/bin/python ]; then
  if ! "$py" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    echo "== Installing python3-venv =="
    need_root apt-get update -qq
    need_root apt-get install -y -qq python3-venv python3-pip >/dev/null
    "$py" -m venv .venv
  fi
fi
stamp=.venv/.cpplan-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== Installing cpplan and its dependencies into .venv =="
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$stamp"
fi
