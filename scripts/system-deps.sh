#!/usr/bin/env bash
# Debian/Ubuntu libraries that Qt needs, even offscreen. Installs them when run as root with
# apt; otherwise prints the command to run.
set -euo pipefail
packages=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
          libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
          libxcb-randr0 libxcb-render-util0 libxcb-image0 libnss3 libasound2 fonts-dejavu-core
          libical3 libical-dev nodejs postgresql poppler-utils)
# The .ics tests run ical.js under Node; NodeSource's nodejs already ships npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Qt needs these system packages: sudo apt-get install ${missing[*]}" >&2
fi
