#!/usr/bin/env bash
# Self-test of the interop peers: installs them if needed (install.sh), prints versions, checks python3-gammu
# and tshark, then runs selftest.mjs, which starts every peer through peers.mjs and does real DTLS handshakes
# plus application data with the reference clients. Closes with "N passed, N failed"; exit 1 on any failure.
# Usage: bash tools/peers/selftest.sh [REGEX]   (REGEX limits the selftest.mjs checks by name)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

bash "$HERE/install.sh" || { echo "install.sh failed"; echo "0 passed, 1 failed"; exit 1; }

echo "--- versions"
dpkg-query -W -f '${Package} ${Version}\n' openssl libssl3 gnutls-bin libgnutls30 libcoap3-bin golang-go \
  golang-github-pion-dtls.v2-dev tshark python3-gammu
openssl version
gnutls-serv --version | head -1
coap-server-gnutls -h 2>&1 | grep -m1 -E '^coap-server-gnutls v'
coap-server-gnutls -h 2>&1 | grep -m1 'TLS Library'
coap-server-openssl -h 2>&1 | grep -m1 'TLS Library'
go version
tshark -v 2>/dev/null | head -1

pre_pass=0; pre_fail=0
pre() { # name, command...
  local name=$1; shift
  if out=$("$@" 2>&1); then pre_pass=$((pre_pass + 1)); echo "ok   $name${out:+ - $out}"
  else pre_fail=$((pre_fail + 1)); echo "FAIL $name"; echo "$out" | sed 's/^/     /'; fi
}
echo "--- checks"
# Debian's python3: `python3` on PATH may be another interpreter without the gammu module.
pre "python3-gammu decodes an SMS-DELIVER (8-bit data + UDH)" /usr/bin/python3 -c '
import gammu
d = gammu.DecodePDU(bytes.fromhex("07911326040000F0440B911346610089F60004208062917314080A0605040B8423F0C0FFEE"), SMSC=True)
assert d["Coding"] == "8bit" and d["Text"] == b"\xc0\xff\xee" and d["UDH"]["Text"] == bytes.fromhex("0605040B8423F0"), d
print("gammu", gammu.Version()[0], d["Number"], d["Coding"], d["Text"].hex())'
pre "tshark -v" sh -c 'tshark -v 2>/dev/null | head -1'

out=$(mktemp)
node "$HERE/selftest.mjs" "$@" | tee "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
rc=${PIPESTATUS[0]}
read -r p f < <(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$out" | tail -1)
rm -f "$out"
p=${p:-0}; f=${f:-1}
echo "=== peers selftest"
echo "$((p + pre_pass)) passed, $((f + pre_fail)) failed"
[[ $rc -eq 0 && $pre_fail -eq 0 ]]
