#!/usr/bin/env bash
# Installs what reprise needs on a Debian/Ubuntu machine: apt packages (libpcap for capture,
# tcpdump/tshark/redis/nginx for tests and benchmarks, wrk for the raw benchmark, iproute2 for
# test hosts, nftables for the packet-loss test), npm dependencies, and reprise's native addon
# (native/pcap: the libpcap binding and the raw sender) built against the local Node headers.
# Quick when everything is already there. Pass --quiet to print only what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0; [ "${1:-}" = "--quiet" ] && quiet=1
say() { [ $quiet = 1 ] || echo "setup: $*"; }

need_apt=()
[ -e /usr/include/pcap/pcap.h ] || need_apt+=(libpcap-dev)
command -v tcpdump >/dev/null || need_apt+=(tcpdump)
command -v tshark >/dev/null || need_apt+=(tshark)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v nft >/dev/null || need_apt+=(nftables)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v nginx >/dev/null || need_apt+=(nginx-light)
command -v wrk >/dev/null || need_apt+=(wrk)
command -v script >/dev/null || need_apt+=(bsdutils)
command -v make >/dev/null && command -v g++ >/dev/null || need_apt+=(make g++ python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need_apt[*]} (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    # Debian starts these services on install; reprise's tests start their own instances.
    for svc in redis-server nginx; do
      command -v systemctl >/dev/null && systemctl disable --now "$svc" >/dev/null 2>&1 || true
      service "$svc" stop >/dev/null 2>&1 || true
    done
  else
    echo "setup: missing ${need_apt[*]}; install them (as root: apt-get install ${need_apt[*]})" >&2
  fi
fi

# node-gyp must build the native addons against this Node's own headers, never download them.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -e "$node_prefix/include/node/common.gypi" ]; then export npm_config_nodedir="$node_prefix"; fi

stamp=node_modules/.reprise-installed
if [ ! -e "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "installing npm dependencies"
  # npm ci refuses lock files whose optional platform packages the registry here leaves out,
  # so install from the lock with npm install.
  npm install --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi
# reprise's own addon (live capture, raw sending). Without libpcap-dev everything else still runs.
pcap_addon=native/pcap/build/Release/reprise_pcap.node
if [ -e /usr/include/pcap/pcap.h ]; then
  if [ ! -e "$pcap_addon" ] || [ -n "$(find native/pcap/*.c native/pcap/*.h native/pcap/binding.gyp -newer "$pcap_addon" -print -quit)" ]; then
    say "building the native addon (native/pcap)"
    gyp_nodedir=()
    [ -n "${npm_config_nodedir:-}" ] && gyp_nodedir=(--nodedir="$npm_config_nodedir")
    (cd native/pcap && ../../node_modules/.bin/node-gyp rebuild "${gyp_nodedir[@]}" --loglevel=error) >/dev/null ||
      echo "setup: the native addon did not build: live capture (record, intercept) and raw replay are unavailable" >&2
  fi
else
  echo "setup: no libpcap headers: live capture (record, intercept) and raw replay will not work until libpcap-dev is installed" >&2
fi
# Bundle the CLI so that it starts fast (bin/reprise.js falls back to the sources when stale).
if [ ! -e dist/reprise.js ] || [ -n "$(find src package.json -newer dist/reprise.js -print -quit)" ]; then
  say "bundling the CLI"
  node scripts/build.mjs
fi
exit 0
