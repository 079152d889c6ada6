#!/usr/bin/env bash
# Generates test credentials for the interop peers with openssl (all P-256, ecdsa-with-SHA256):
#   ca.key ca.crt                      test CA (CN=xs-lwm2m test CA)
#   server.key server.crt              CN=localhost, SAN DNS:localhost IP:127.0.0.1, signed by the CA
#   client.key client.crt              CN=client1 (clientAuth), signed by the CA
#   server.pub.pem client.pub.pem      raw public keys (SubjectPublicKeyInfo, PEM) for RPK
#   server.pub.der client.pub.der      the same SubjectPublicKeyInfo, DER
#   *.key are PKCS#8 PEM; *.sec1.key the same keys as SEC1 "EC PRIVATE KEY" PEM; *.key.der PKCS#8 DER;
#   *.crt.der certificates in DER.
# Idempotent: existing files are kept (delete the directory to regenerate).
# Usage: bash tools/peers/certs.sh DIR
set -euo pipefail
DIR="${1:?usage: certs.sh DIR}"
mkdir -p "$DIR"
cd "$DIR"

newkey() { # name
  [[ -s $1.key ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1.key" 2>/dev/null
  [[ -s $1.sec1.key ]] || openssl ec -in "$1.key" -out "$1.sec1.key" 2>/dev/null
  [[ -s $1.key.der ]] || openssl pkcs8 -topk8 -nocrypt -in "$1.key" -outform DER -out "$1.key.der"
  [[ -s $1.pub.pem ]] || openssl pkey -in "$1.key" -pubout -out "$1.pub.pem"
  [[ -s $1.pub.der ]] || openssl pkey -in "$1.key" -pubout -outform DER -out "$1.pub.der"
}
sign() { # name subject extensions
  if [[ ! -s $1.crt ]]; then
    printf '%s\n' "$3" > "$1.ext"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
  fi
  [[ -s $1.crt.der ]] || openssl x509 -in "$1.crt" -outform DER -out "$1.crt.der"
}

newkey ca
if [[ ! -s ca.crt ]]; then
  openssl req -x509 -new -key ca.key -subj "/CN=xs-lwm2m test CA" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
fi
[[ -s ca.crt.der ]] || openssl x509 -in ca.crt -outform DER -out ca.crt.der
newkey server
sign server "/CN=localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
newkey client
sign client "/CN=client1" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
openssl verify -CAfile ca.crt server.crt client.crt >/dev/null
echo "[peers/certs] credentials in $(pwd)"
