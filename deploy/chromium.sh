#!/usr/bin/env bash
# Debian's Chromium for the browser tests of the web pages (tests/web/): Playwright drives it
# headless through executable_path; no browser is ever downloaded (`playwright install` is not used).
#
# Usage:
#   deploy/chromium.sh install    apt-get install chromium (and a CJK font, for the pages' Chinese)
#                                 if either is missing
#
# Run it after any other apt-get of the same set-up, never beside it: two apt-gets at once fight
# over the dpkg lock (./ow test chains it after deploy/postgres.sh install).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

log() { printf '[chromium.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cmd_install() {
    local t0=$SECONDS
    if [[ -x $CHROMIUM ]] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
        log "already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") (checked in $((SECONDS - t0)) s)"
        return 0
    fi
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "Chromium is not installed and installing it needs root"
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    log "Chromium or its CJK font not found: apt-get update && apt-get install chromium fonts-noto-cjk"
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk
    [[ -x $CHROMIUM ]] || die "apt-get finished but $CHROMIUM is still missing"
    log "installed $("$CHROMIUM" --version 2>/dev/null) in $((SECONDS - t0)) s"
}

case "${1:-}" in
    install) cmd_install ;;
    *) echo "usage: deploy/chromium.sh install" >&2; exit 2 ;;
esac
