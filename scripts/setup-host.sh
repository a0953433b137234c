#!/usr/bin/env bash
# Installs what the hotline needs on a Debian/Ubuntu host, once; later runs only check.
#   - host packages: redis-server, sip-tester (SIPp), espeak-ng, sox, debootstrap; for the
#     deployment files' checks, systemd (systemd-analyze) and docker-compose (`config` needs
#     no engine)
#   - Asterisk 20+: the host's own if it has one, else a private Debian-sid root with
#     Asterisk 22 in it, kept in $IVR_CACHE_DIR (outside the checkout) and reused.
# Progress goes to stderr; the Asterisk root's path is printed on stdout.
set -euo pipefail

CACHE_DIR="${IVR_CACHE_DIR:-/var/cache/city-hotline}"
ROOT="$CACHE_DIR/asterisk-root"
HOST_PACKAGES=(redis-server sip-tester espeak-ng sox debootstrap python3-venv postgresql chromium chromium-driver kamailio
               systemd docker-compose)

say() { printf '[setup] %s\n' "$*" >&2; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        say "this step needs root (apt-get, debootstrap, chroot): run it as root"
        exit 1
    fi
}

missing_packages() {
    local pkg
    for pkg in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || echo "$pkg"
    done
}

install_host_packages() {
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    [ -z "${missing// /}" ] && return 0
    need_root
    say "installing host packages: $missing(log: $CACHE_DIR/apt-host.log)"
    mkdir -p "$CACHE_DIR"
    apt-get update -qq >"$CACHE_DIR/apt-host.log" 2>&1 \
        || say "apt-get update failed; trying with the cached lists"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
        >>"$CACHE_DIR/apt-host.log" 2>&1 \
        || { say "installing $missing failed, see $CACHE_DIR/apt-host.log"; exit 1; }
    # The package's own Kamailio service would take SIP port 5060 on every address: the
    # cluster starts Kamailio with its own configuration (README "Cluster"), so keep it off.
    case " $missing " in
        *" kamailio "*) if [ -d /run/systemd/system ]; then
                            systemctl disable --now kamailio.service >/dev/null 2>&1 || true
                        fi ;;
    esac
}

host_asterisk_ok() {
    command -v asterisk >/dev/null || return 1
    local major
    major=$(asterisk -V 2>/dev/null | sed -n 's/^Asterisk \([0-9]*\).*/\1/p')
    [ -n "$major" ] && [ "$major" -ge 20 ]
}

# The first deb mirror of the host's apt configuration (never written to a file).
host_mirror() {
    local uri
    uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '{print $2}' | grep -v security | head -1 || true)
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || { say "no apt mirror found in /etc/apt"; exit 1; }
    echo "$uri"
}

build_asterisk_root() {
    need_root
    local tmp="$ROOT.partial"
    rm -rf "$tmp"
    mkdir -p "$CACHE_DIR"
    local mirror
    mirror=$(host_mirror)
    say "first run: building a private Debian-sid root for Asterisk in $ROOT (about 1 minute)"
    say "  [1/3] debootstrap (minbase)"
    debootstrap --variant=minbase sid "$tmp" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 \
        || { say "debootstrap failed, see $CACHE_DIR/debootstrap.log"; exit 1; }
    say "  [2/3] apt-get update inside the root"
    chroot "$tmp" apt-get -qq -o Acquire::Check-Valid-Until=false update >&2
    say "  [3/3] installing asterisk and its English sounds"
    DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y -qq --no-install-recommends \
        asterisk asterisk-core-sounds-en-gsm >"$CACHE_DIR/apt-asterisk.log" 2>&1 \
        || { say "installing asterisk failed, see $CACHE_DIR/apt-asterisk.log"; exit 1; }
    chroot "$tmp" apt-get clean
    mv "$tmp" "$ROOT"
    say "Asterisk root ready: $(chroot "$ROOT" asterisk -V)"
}

main() {
    install_host_packages
    if [ "${IVR_ASTERISK:-auto}" != private ] && host_asterisk_ok; then
        say "using the host's $(asterisk -V)"
        echo "/"
        return
    fi
    [ -x "$ROOT/usr/sbin/asterisk" ] || build_asterisk_root
    echo "$ROOT"
}

main "$@"
