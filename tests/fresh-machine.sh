#!/usr/bin/env bash
# fresh-machine.sh - the README's two commands on a Debian 12 that has none
# of the project's packages, as a newcomer would type them.
#
#   tests/fresh-machine.sh [--test] [--keep] [REPO]
#
# As root: debootstrap a minbase Debian 12 (bookworm) into a temporary
# directory, from the mirror this machine's apt already uses (the base is
# cached as a tarball in $FRESH_CACHE, default /var/tmp/switchboard-fresh,
# so later runs skip debootstrap), add only make, git and ca-certificates,
# clone REPO (default: this checkout's repository, its committed HEAD) and
# then, inside the chroot:
#   1. as an ordinary user, `make` stops with one message naming the
#      `apt-get install` line (no compiler or linker errors);
#   2. as root, `make run` builds everything on the first try and serves
#      /health;
#   3. every `bin/switchboard ...` line of the README's quick start runs and
#      does what the text says (the simulated SMS becomes a task), and
#      `bin/switchboard doctor` reports no FAIL;
#   4. on a copy of the fresh machine made before 2, `make install` as
#      root works on the first try;
#   5. with --test, `make test` passes there too (slow: the whole suite).
# Everything it mounted or started is stopped and removed at the end, also
# when it fails (--keep leaves the chroot directory for a look).  Prints TAP.
#
# Downloaded packages go through the host's /var/cache/apt/archives (bound
# into the chroot) unless FRESH_APT_CACHE=0: the chroot still installs
# every package itself, only the download is shared.
set -u
MODE_TEST=0 KEEP=0 SRC=
for a in "$@"; do
    case $a in
    --test) MODE_TEST=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) SRC=$a ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$ROOT}
CACHE=${FRESH_CACHE:-/var/tmp/switchboard-fresh}
SUITE=bookworm

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
diag() { printf '# %s\n' "$@"; }
bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" = 0 ] || bail "needs root (debootstrap, chroot, mounts); run it as root or with sudo"
unset SWITCHBOARD_ALLOW_ROOT SWITCHBOARD_DATA SWITCHBOARD_DB SWITCHBOARD_PUBLIC_URL  # a newcomer has none

apt_host() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1; }
}
command -v debootstrap >/dev/null || apt_host debootstrap || bail "cannot install debootstrap"
command -v curl >/dev/null || apt_host curl || bail "cannot install curl"

# The Debian mirror of this machine's apt sources (deb822 or one-line).
mirror=$(grep -hs -m1 -E '^URIs:.*debian/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | head -n1)
[ -n "$mirror" ] || mirror=$(grep -hs -E '^deb +(\[[^]]*\] +)?https?://[^ ]*debian/? ' /etc/apt/sources.list \
    /etc/apt/sources.list.d/*.list | head -n1 | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}')
mirror=${mirror:-http://deb.debian.org/debian}
security=$(grep -hs -m1 -E '^URIs:.*debian-security/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | head -n1)

base=$CACHE/$SUITE-minbase.tar
if [ ! -s "$base" ]; then
    diag "debootstrap --variant=minbase $SUITE from $mirror (cached in $base)"
    mkdir -p "$CACHE"
    tmpb=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
    if debootstrap --variant=minbase "$SUITE" "$tmpb" "$mirror" >"$CACHE/debootstrap.log" 2>&1 &&
       tar -C "$tmpb" -cf "$base.tmp" . && mv "$base.tmp" "$base"; then
        rm -rf "$tmpb"
    else
        tail -n 5 "$CACHE/debootstrap.log" | sed 's/^/# /'; rm -rf "$tmpb" "$base.tmp"
        bail "debootstrap failed (log: $CACHE/debootstrap.log)"
    fi
fi

R=$(mktemp -d /var/tmp/switchboard-fresh-root.XXXXXX)
roots=("$R")
mounted=()
RUNPID=
cleanup() {
    if [ -n "$RUNPID" ]; then
        kill -INT -- -"$RUNPID" 2>/dev/null
        for _ in $(seq 50); do kill -0 -- -"$RUNPID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- -"$RUNPID" 2>/dev/null
    fi
    # Anything else still running inside a chroot (a stray worker).
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null)
        for d in "${roots[@]}"; do [ "$r" = "$d" ] && kill -KILL "${p#/proc/}" 2>/dev/null; done
    done
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null; done
    for d in "${roots[@]}"; do
        if [ "$KEEP" = 1 ]; then diag "kept $d"; else rm -rf --one-file-system "$d"; fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mnt() { mount "$@" && mounted+=("${@: -1}"); }
# mount_root DIR: what a running Debian has: /proc, /dev, /sys, and the
# shared download cache.
mount_root() {
    mnt -t proc proc "$1/proc"
    mnt --bind /dev "$1/dev"
    mnt --bind /dev/pts "$1/dev/pts"
    mnt -t tmpfs -o mode=1777 tmpfs "$1/dev/shm"
    mnt -t sysfs sysfs "$1/sys"
    if [ "${FRESH_APT_CACHE:-1}" = 1 ] && [ -d /var/cache/apt/archives ]; then
        mnt --bind /var/cache/apt/archives "$1/var/cache/apt/archives"
    fi
}

tar -C "$R" -xf "$base" || bail "cannot unpack $base"
chmod 755 "$R"  # mktemp made it 0700: it is the chroot's /, which every user reads
cp /etc/resolv.conf "$R/etc/resolv.conf"
{
    echo "deb $mirror $SUITE main"
    echo "deb $mirror $SUITE-updates main"
    [ -n "$security" ] && echo "deb $security $SUITE-security main"
} > "$R/etc/apt/sources.list"
mount_root "$R"
in_root() { chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM=dumb LANG=C.UTF-8 /bin/bash -c "$1"; }

chroot "$R" /bin/sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make git ca-certificates' \
    >"$R/base-tools.log" 2>&1
ok $? "a minbase $SUITE with only make, git and ca-certificates added"
git clone -q "$SRC" "$R/root/switchboard"
ok $? "git clone of $SRC"
diag "commit $(git -C "$R/root/switchboard" rev-parse --short HEAD)"

# 1. An ordinary user on the fresh machine: one clear message, exit 1.
in_root 'useradd -m newcomer && git clone -q /root/switchboard /home/newcomer/switchboard && chown -R newcomer: /home/newcomer'
out=$(chroot "$R" /usr/bin/env -i HOME=/home/newcomer PATH=/usr/bin:/bin LANG=C.UTF-8 \
      /bin/su -s /bin/bash newcomer -c 'cd ~/switchboard && make' 2>&1); rc=$?
[ $rc != 0 ] && grep -q 'sudo apt-get install .*libfcgi-dev' <<<"$out" && ! grep -qiE 'undefined reference|error:|No such file' <<<"$out"
ok $? "as an ordinary user, make stops with the apt-get install line and no compiler error (exit $rc)"
[ $rc != 0 ] && grep -q 'sudo apt-get install' <<<"$out" || sed 's/^/#   /' <<<"$out" | tail -n 8

# A copy of this fresh machine, for `make install` on the first try (4).
R2=$(mktemp -d /var/tmp/switchboard-fresh-root.XXXXXX)
roots+=("$R2")
for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" || umount -l "${mounted[$i]}"; done; mounted=()
cp -a "$R/." "$R2/" && chmod 755 "$R2"
mount_root "$R"

# 2. Root: make run on the first try.
port=8080
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
    diag "port 8080 is busy on this machine; make run PORT=$port"
fi
url=http://127.0.0.1:$port
start=$(date +%s)
setsid chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM=dumb LANG=C.UTF-8 /bin/bash -c "cd /root/switchboard && exec make run PORT=$port" >"$R/make-run.log" 2>&1 &
RUNPID=$!
health=
for _ in $(seq 1800); do
    health=$(curl -fs -m 2 "$url/health" 2>/dev/null) && [ -n "$health" ] && break
    health=
    kill -0 "$RUNPID" 2>/dev/null || break
    sleep 0.5
done
[ -n "$health" ]
ok $? "make run as root serves $url/health on the first try ($(( $(date +%s) - start )) s)"
if [ -z "$health" ]; then
    grep -m5 -iE 'error|undefined|fail|refus' "$R/make-run.log" | sed 's/^/#   /'
    tail -n 10 "$R/make-run.log" | sed 's/^/#   /'
    echo "1..$n"; exit 1
fi
grep -q 'password:' "$R/make-run.log"
ok $? "make run printed the first administrator's one-time password"

# 3. The README's quick start: every bin/switchboard line, as written.
readme_cmds=$(awk '/^## The two commands/{on=1; next} /^## /{on=0} on && /^bin\/switchboard /' "$R/root/switchboard/README.md")
[ -n "$readme_cmds" ]
ok $? "the README's quick start has bin/switchboard examples"
env_port=""
[ "$port" = 8080 ] || env_port="export SWITCHBOARD_PUBLIC_URL=$url;"
while IFS= read -r cmd; do
    [ -n "$cmd" ] || continue
    out=$(in_root "cd /root/switchboard && $env_port $cmd" 2>&1); rc=$?
    ok $rc "README: $cmd"
    [ $rc = 0 ] || sed 's/^/#   /' <<<"$out" | tail -n 5
done <<<"$readme_cmds"
# The simulated SMS becomes a task (the worker started by make run).
tasks=0
for _ in $(seq 100); do
    tasks=$(in_root "cd /root/switchboard && bin/switchboard sql 'SELECT count(*) FROM tasks'" 2>/dev/null)
    [ "${tasks:-0}" -gt 0 ] 2>/dev/null && break
    sleep 0.2
done
[ "${tasks:-0}" -gt 0 ] 2>/dev/null
ok $? "the simulated SMS became a task ($tasks)"
for cmd in 'bin/switchboard --help' 'bin/switchboard config' 'bin/switchboard-gen'; do
    out=$(in_root "cd /root/switchboard && $env_port $cmd" 2>&1); rc=$?
    ok $rc "$cmd"
    [ $rc = 0 ] || sed 's/^/#   /' <<<"$out" | tail -n 5
done
doc=$(in_root "cd /root/switchboard && $env_port bin/switchboard doctor" 2>&1); rc=$?
! grep -q '^FAIL' <<<"$doc" && [ $rc = 0 ]
ok $? "bin/switchboard doctor reports no FAIL on what make run set up"
grep -E '^(FAIL|WARN)' <<<"$doc" | sed 's/^/#   /'

kill -INT -- -"$RUNPID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$RUNPID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$RUNPID" 2>/dev/null && ! curl -fs -m 1 "$url/health" >/dev/null 2>&1
ok $? "Ctrl-C stops what make run started"
RUNPID=

# 4. On the copy made before make run: as root, `make install` on the
#    first try (it installs the packages and builds first).
mount_root "$R2"
out=$(chroot "$R2" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      TERM=dumb LANG=C.UTF-8 /bin/bash -c 'cd /root/switchboard && make install DESTDIR=/tmp/stage PREFIX=/usr/local' 2>&1); rc=$?
[ $rc = 0 ] && chroot "$R2" /tmp/stage/usr/local/bin/switchboard --version >/dev/null 2>&1 &&
    [ -d "$R2/tmp/stage/usr/local/share/switchboard/templates" ]
ok $? "on another fresh copy, make install as root works on the first try"
[ $rc = 0 ] || sed 's/^/#   /' <<<"$out" | tail -n 5

# 5. The whole suite on the fresh machine.
if [ "$MODE_TEST" = 1 ]; then
    start=$(date +%s)
    # (in the background, so that an interrupt reaches the trap at once)
    in_root 'cd /root/switchboard && make test' >"$R/make-test.log" 2>&1 &
    wait $!
    ok $? "make test on the fresh machine ($(( $(date +%s) - start )) s)"
    grep '^make test:' "$R/make-test.log" | sed 's/^/# /'
    grep -E '^(not ok|Result|Files=)|FAIL|Wstat|Failed test|Dubious' "$R/make-test.log" | head -n 30 | sed 's/^/#   /'
fi

echo "1..$n"
[ "$failed" = 0 ]
