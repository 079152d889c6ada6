#!/usr/bin/env bash
# Builds mbedTLS's ssl_server2 (an RFC 9146 DTLS Connection ID peer nobody in this project wrote) into
# tools/peers/.build/mbedtls-ssl_server2, from Debian 13 (trixie)'s source package `mbedtls` (3.6.x) fetched
# with plain apt through a private sources file (one deb-src line for trixie main on the mirror this machine
# already uses); the machine's own apt configuration is not touched. Nothing of mbedTLS is committed.
# Idempotent: exits at once when the binary exists. Needs dpkg-dev (dpkg-source), make and a C compiler.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/.build"
OUT="$BUILD/mbedtls-ssl_server2"
log() { echo "[peers/mbedtls] $*"; }
[[ -x "$OUT" && "${1:-}" != "--force" ]] && { log "present: $OUT"; exit 0; }
for c in dpkg-source make cc; do command -v "$c" >/dev/null || { log "need $c (apt-get install dpkg-dev build-essential)"; exit 1; }; done
MIRROR=$( { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'; grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'; } | grep -v security | grep -E '/debian/?$' | head -1 || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
APT="$BUILD/mbedtls-apt"
mkdir -p "$APT/lists/partial" "$APT/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${MIRROR%/} trixie main" > "$APT/sources.list"
OPTS=(-o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists="$APT/lists" -o Acquire::Retries=3 -q)
log "apt-get update (private lists: trixie deb-src only)"
apt-get "${OPTS[@]}" update >/dev/null
rm -rf "$APT/src"/*
( cd "$APT/src" && apt-get "${OPTS[@]}" source --download-only mbedtls >/dev/null && dpkg-source -x --no-check ./*.dsc mbedtls >/dev/null )
SRC="$APT/src/mbedtls"
log "building $(basename "$(ls "$APT/src"/*.dsc)") (library + ssl_server2)"
# The default configuration of 3.6 has MBEDTLS_SSL_DTLS_CONNECTION_ID with the RFC 9146 format (COMPAT 0).
grep -q '^#define MBEDTLS_SSL_DTLS_CONNECTION_ID$' "$SRC/include/mbedtls/mbedtls_config.h" || { log "CID not enabled in this mbedTLS"; exit 1; }
make -C "$SRC/library" -j2 >/dev/null
make -C "$SRC/programs" -j2 ssl/ssl_server2 >/dev/null
cp "$SRC/programs/ssl/ssl_server2" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
log "built $OUT"
