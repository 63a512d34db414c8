#!/usr/bin/env bash
# Installs the checking tools CI uses, each from its own registry at a pinned
# version, into .tools/ (git-ignored). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
MOTO_VERSION=5.2.5 # the emulator of the deploy tier; __tests__/deploy/emulator-gaps.mjs is pinned to it
ACTIONLINT_VERSION=v1.7.12
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS/bin"

# The browser test drives Debian's chromium (or a Chrome the machine already has).
if [ ! -x /usr/bin/chromium ] && [ ! -x /usr/bin/google-chrome ]; then
  echo "== installing chromium from Debian"
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

if [ ! -x "$TOOLS/venv/bin/checkov" ] || ! "$TOOLS/venv/bin/checkov" --version | grep -qx "$CHECKOV_VERSION"; then
  echo "== installing checkov $CHECKOV_VERSION from PyPI"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi
ln -sf "$TOOLS/venv/bin/checkov" "$TOOLS/bin/checkov"

if [ ! -x "$TOOLS/bin/actionlint" ] || ! "$TOOLS/bin/actionlint" -version | head -1 | grep -qx "${ACTIONLINT_VERSION#v}"; then
  echo "== installing actionlint $ACTIONLINT_VERSION from the Go module proxy"
  GOBIN="$TOOLS/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

# The deploy tier (npm run test:deploy) starts moto_server from this venv itself.
if [ ! -x "$TOOLS/moto-venv/bin/moto_server" ] || ! "$TOOLS/moto-venv/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')"; then
  echo "== installing moto[server] $MOTO_VERSION from PyPI"
  python3 -m venv "$TOOLS/moto-venv"
  "$TOOLS/moto-venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
