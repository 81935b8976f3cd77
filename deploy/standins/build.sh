#!/bin/sh
# Builds the stand-in base images (README.md here). Needs the two imported
# Debian root filesystems debian-local:trixie and debian-local:bookworm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp -r "$here/python" "$ctx/python"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/python/host-ca-certificates.crt"
docker build -t python:3.12-slim "$ctx/python"
docker build -t postgres:15 "$here/postgres"
docker build -t nginx:1.27 "$here/nginx"
