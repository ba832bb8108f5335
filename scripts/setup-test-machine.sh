#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Chromium (the e2e browser; never a downloaded one),
# GDAL's ogrinfo (GeoPackage checks), poppler-utils (PDF checks), a font, openssl (the sync tests make their own CA)
# and the npm packages. Electron's binary is skipped: everything but the desktop window runs without it.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(chromium gdal-bin poppler-utils fonts-dejavu-core openssl)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
