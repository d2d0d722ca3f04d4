#!/usr/bin/env bash
# Run the whole test suite, browser tests included (installs Chromium, Pango and DejaVu through apt when missing).
# Usage: scripts/test.sh [pytest args]   (CPPLAN_TEST_DATABASE_URL=postgresql://... to run on PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
if [ ! -x /usr/bin/chromium ]; then
  echo "== Installing Chromium for the browser tests =="
  need_root apt-get update -qq
  need_root apt-get install -y -qq chromium >/dev/null
fi
if ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  echo "== Installing Pango and the DejaVu fonts for the plan's PDF (WeasyPrint) =="
  need_root apt-get update -qq
  need_root apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
