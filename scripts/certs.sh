#!/usr/bin/env bash
# A small cluster CA for security.mode tls / mtls (docs/security.md), with Debian's openssl:
#   scripts/certs.sh ca DIR                          a new CA: DIR/ca.pem, DIR/ca-key.pem (keep the key offline)
#   scripts/certs.sh issue DIR ROLE NAME [DNS|IP]... a certificate for NAME in ROLE (peer, seed-peer,
#                                                    scheduler, manager): DIR/ROLE-NAME.pem, DIR/ROLE-NAME-key.pem
#   scripts/certs.sh revoke DIR ROLE NAME            revokes it and rewrites DIR/crl.pem (security.crl_file)
# The identity is the URI SAN spiffe://dragonfly/ROLE/NAME; for daemons NAME is host.hostname.
# Extra DNS names or IPs are added as SANs (for clients that check host names). Keys are Ed25519
# (the key a source signs its piece digests with); certificates are valid for DAYS days (default 365).
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1 dir=$2
days=${DAYS:-365}

write_config() {
  cat >"$dir/openssl.cnf" <<CONF
[ ca ]
default_ca = cluster
[ cluster ]
dir = $dir
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/issued
certificate = $dir/ca.pem
private_key = $dir/ca-key.pem
default_md = default
default_crl_days = 30
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
CONF
}

case "$command" in
  ca)
    mkdir -p "$dir/issued"
    chmod 700 "$dir"
    [ -e "$dir/ca.pem" ] && { echo "certs: $dir/ca.pem exists; not overwriting it" >&2; exit 1; }
    openssl genpkey -algorithm ed25519 -out "$dir/ca-key.pem" 2>/dev/null
    chmod 600 "$dir/ca-key.pem"
    openssl req -x509 -new -key "$dir/ca-key.pem" -days $((days * 10)) -subj "/CN=dragonfly cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$dir/ca.pem"
    : >"$dir/index.txt"
    echo 1000 >"$dir/serial"
    echo 1000 >"$dir/crlnumber"
    write_config
    openssl ca -config "$dir/openssl.cnf" -gencrl -out "$dir/crl.pem" -batch 2>/dev/null
    echo "certs: CA in $dir/ca.pem (key $dir/ca-key.pem), empty CRL in $dir/crl.pem"
    ;;
  issue)
    [ $# -ge 4 ] || usage
    role=$3 name=$4
    shift 4
    case "$role" in peer|seed-peer|scheduler|manager) ;; *) echo "certs: unknown role '$role'" >&2; exit 2 ;; esac
    case "$name" in ""|*/*) echo "certs: a name must be non-empty and have no '/'" >&2; exit 2 ;; esac
    [ -e "$dir/openssl.cnf" ] || { echo "certs: no CA in $dir (run: $0 ca $dir)" >&2; exit 1; }
    sans="URI:spiffe://dragonfly/$role/$name"
    for extra in "$@"; do
      if [[ "$extra" =~ ^[0-9.]+$ || "$extra" == *:* ]]; then sans="$sans,IP:$extra"; else sans="$sans,DNS:$extra"; fi
    done
    base="$dir/$role-$name"
    openssl genpkey -algorithm ed25519 -out "$base-key.pem" 2>/dev/null
    chmod 600 "$base-key.pem"
    openssl req -new -key "$base-key.pem" -subj "/CN=$name" -out "$base.csr"
    cat >"$base.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$sans
EXT
    openssl ca -config "$dir/openssl.cnf" -in "$base.csr" -out "$base.pem" -extfile "$base.ext" -days "$days" \
      -notext -batch 2>/dev/null
    rm -f "$base.csr" "$base.ext"
    echo "certs: $base.pem (key $base-key.pem) for spiffe://dragonfly/$role/$name"
    ;;
  revoke)
    [ $# -eq 4 ] || usage
    base="$dir/$3-$4"
    [ -e "$base.pem" ] || { echo "certs: no certificate $base.pem" >&2; exit 1; }
    openssl ca -config "$dir/openssl.cnf" -revoke "$base.pem" -batch 2>/dev/null
    openssl ca -config "$dir/openssl.cnf" -gencrl -out "$dir/crl.pem" -batch 2>/dev/null
    echo "certs: revoked $base.pem; $dir/crl.pem rewritten"
    ;;
  *) usage ;;
esac
