#!/usr/bin/env bash
# Installs the pnpm version pinned in package.json ("packageManager") when it is not on PATH already.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=$(node -p 'require("./package.json").packageManager.replace(/^pnpm@/, "")')
if [ "$(pnpm --version 2>/dev/null || true)" = "$wanted" ]; then
  exit 0
fi
echo "berth: installing pnpm@$wanted (pinned in package.json) with npm" >&2
if ! npm install --global "pnpm@$wanted" >/dev/null; then
  echo "berth: could not install pnpm@$wanted globally; run 'npm install --global pnpm@$wanted' with the rights it needs, then try again" >&2
  exit 1
fi
