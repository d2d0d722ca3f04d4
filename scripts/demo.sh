#!/usr/bin/env bash
# Install cpplan into .venv, build the demo database on SQLite and serve it.
# Usage: scripts/demo.sh [PORT]        (default port 5000; CPPLAN_DEMO_PASSWORD to choose the password)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-5000}"
source scripts/venv.sh
export CPPLAN_DEMO=1
password="${CPPLAN_DEMO_PASSWORD:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')}"
echo "== Building the demo database (instance/cpplan.sqlite) =="
.venv/bin/flask --app cpplan demo --reset --password "$password"
echo
echo "== cpplan runs at http://127.0.0.1:${port}/  (Ctrl+C stops it) =="
echo "   Log in as admin@example.org, coordinator@example.org, facilitator@example.org,"
echo "   member@example.org or police@example.org with the password: ${password}"
exec .venv/bin/gunicorn --workers 2 --bind "127.0.0.1:${port}" --access-logfile - wsgi:app
