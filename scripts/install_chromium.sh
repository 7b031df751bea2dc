#!/usr/bin/env bash
# Install Debian's headless-capable Chromium for the dashboard's browser tests.
# Playwright's own browser download needs internet we do not have; Debian's package
# comes through apt, which we do have. Idempotent: does nothing when already installed.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
# Fonts too: without them CJK text and emoji render as boxes in the screenshots.
PACKAGES=(chromium fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core)
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ -x "$CHROMIUM" ] && [ ${#missing[@]} -eq 0 ]; then
    echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "error: need root (or sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
echo "installed: $("$CHROMIUM" --version)"
