#!/usr/bin/env bash
# Installs the third-party peers the test suites use (Debian packages: test/node needs python3-gammu and
# libcoap, test/interop all of them) and builds our pion/dtls echo server and DTLS relay into
# tools/peers/.build/{pion-echo,pion-relay}. `npm test` runs it first, before any suite (test/harness/run-all.mjs).
# Idempotent: when everything is present it exits 0 at once. Safe as root with no TTY (CI=true).
# Usage: bash tools/peers/install.sh [--force-build]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/.build"
PION_SRC=/usr/share/gocode/src/github.com/pion/dtls/v2
FORCE_BUILD=0
[[ "${1:-}" == "--force-build" ]] && FORCE_BUILD=1

log() { echo "[peers/install] $*"; }

# package -> probe (a command that succeeds when the package's part we need is there)
declare -A PROBE=(
  [openssl]="command -v openssl"
  [gnutls-bin]="command -v gnutls-serv && command -v gnutls-cli"
  [libcoap3-bin]="command -v coap-server-gnutls && command -v coap-server-openssl && command -v coap-server-notls && command -v coap-client-gnutls"
  [golang-go]="command -v go"
  [golang-github-pion-dtls.v2-dev]="test -f $PION_SRC/config.go"
  [tshark]="command -v tshark"
  [python3-gammu]="/usr/bin/python3 -c 'import gammu'"
  # to build mbedTLS's ssl_server2 from Debian's source package (build-mbedtls.sh)
  [dpkg-dev]="command -v dpkg-source"
  [gcc]="command -v cc"
  [make]="command -v make"
)
ORDER=(openssl gnutls-bin libcoap3-bin golang-go golang-github-pion-dtls.v2-dev tshark python3-gammu dpkg-dev gcc make)

missing=()
for p in "${ORDER[@]}"; do
  if ! bash -c "${PROBE[$p]}" >/dev/null 2>&1; then missing+=("$p"); fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
  else
    SUDO=
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "missing: ${missing[*]}"
  t0=$(date +%s)
  # tshark's postinst asks whether non-root users may capture: answer no, never prompt.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections
  APT_OPTS=(-q -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
  log "apt-get update"
  $SUDO apt-get "${APT_OPTS[@]}" update >/dev/null </dev/null
  log "apt-get install --no-install-recommends ${missing[*]}"
  for try in 1 2; do
    if $SUDO apt-get "${APT_OPTS[@]}" install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null; then break; fi
    [[ $try -eq 2 ]] && { log "ERROR: apt-get install failed"; exit 1; }
    log "apt-get install failed; updating the lists and trying once more"
    $SUDO apt-get "${APT_OPTS[@]}" update >/dev/null </dev/null || true
  done
  log "installed in $(( $(date +%s) - t0 )) s"
  for p in "${missing[@]}"; do
    bash -c "${PROBE[$p]}" >/dev/null 2>&1 || { log "ERROR: $p still not usable after install"; exit 1; }
  done
else
  log "all Debian packages present"
fi

# ---- our pion/dtls peers (GOPATH mode, offline, against Debian's /usr/share/gocode) ----
# pion-echo: a DTLS echo server; pion-relay: DTLS PSK in front of a plain-UDP LwM2M server.
build_go() { # name: builds tools/peers/<name>/main.go into .build/<name> when missing or older than its source
  local name=$1 src="$HERE/$1/main.go" bin="$BUILD/$1" dir="$BUILD/gopath/src/xslwm2m/$1"
  if [[ $FORCE_BUILD -eq 0 && -x "$bin" && ! "$src" -nt "$bin" ]]; then
    log "$name up to date ($bin)"
    return
  fi
  log "building $name"
  mkdir -p "$BUILD/cache"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src" "$dir/main.go"
  (
    cd "$dir"
    GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$BUILD/gopath:/usr/share/gocode" \
      GOCACHE="$BUILD/cache" go build -o "$bin.tmp" .
  )
  mv "$bin.tmp" "$bin"
  log "built $bin"
}
build_go pion-echo
build_go pion-relay

# ---- mbedTLS ssl_server2 (RFC 9146 Connection ID peer), from Debian trixie's source package ----
# A peer that cannot be built fails this step (and so `npm test`), never a silent skip.
if [[ $(id -u) -eq 0 ]] || [[ -x "$BUILD/mbedtls-ssl_server2" ]]; then
  bash "$HERE/build-mbedtls.sh" || { log "ERROR: mbedTLS ssl_server2 not built (the Connection ID interop suite needs it)"; exit 1; }
else
  log "ERROR: not root: cannot build mbedTLS ssl_server2 (apt-get source needs the private apt lists); run this script as root"
  exit 1
fi
log "done"
