#!/bin/bash
# Container health check for the sightline image: GET /healthz on the port from
# SIGHTLINE_LISTEN, with bash's /dev/tcp (debian:bookworm-slim has bash but no
# curl or wget; this avoids adding ~5 MB to the image for one probe).
# Exit 0 when the server answers HTTP 200, 1 otherwise (Docker's contract).
set -u
listen="${SIGHTLINE_LISTEN:-127.0.0.1:8000}"
port="${listen##*:}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
    "HTTP/1."[01]" 200"*) exit 0 ;;
    *) exit 1 ;;
esac
