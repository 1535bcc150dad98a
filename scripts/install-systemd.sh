#!/bin/sh
# Installs soak long as a systemd service: soak-long.service (a run, resumed on failure),
# soak-long-resume.service (resumes an interrupted run at boot), soak-long.timer (weekly new runs)
# and their start script. Idempotent: run it again after an update.
#
#   scripts/install-systemd.sh [--root DIR] [--soak-bin PATH]
#
#   --root DIR       install under DIR (for tests and packaging): DIR/etc/systemd/system/...,
#                    DIR/usr/local/lib/soak/...; systemctl is not run
#   --soak-bin PATH  the soak command the service runs [default: soak on PATH, else this
#                    checkout's dist/src/cli/main.js through a small shim that runs it with node]
#
# /etc/soak/soak-long.env (SOAK_BIN, SOAK_ARGS) is written only if absent: yours is kept.
# Without --root, on a machine booted with systemd, it then runs systemctl daemon-reload and
# enables soak-long.timer and soak-long-resume.service (--now); elsewhere it prints those commands.
set -eu

prog=install-systemd.sh
die() {
  printf '%s: %s\n' "$prog" "$1" >&2
  exit 2
}
say() { printf '%s\n' "$*"; }

root=
soak_bin=
while [ $# -gt 0 ]; do
  case $1 in
    --root)
      [ $# -ge 2 ] || die "--root needs a directory"
      root=$2
      shift
      ;;
    --root=*) root=${1#--root=} ;;
    --soak-bin)
      [ $# -ge 2 ] || die "--soak-bin needs a path"
      soak_bin=$2
      shift
      ;;
    --soak-bin=*) soak_bin=${1#--soak-bin=} ;;
    -h | --help)
      sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *) die "unknown argument '$1' (--help lists the options)" ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")/.." && pwd)
src=$here/systemd
for f in soak-long.service soak-long-resume.service soak-long.timer soak-long-start; do
  [ -f "$src/$f" ] || die "missing $src/$f: run this script from a soak checkout"
done
if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
elif [ "$(id -u)" != 0 ]; then
  die "installing into /etc and /usr/local needs root (or give --root DIR)"
fi

unit_dir=$root/etc/systemd/system
lib_dir=$root/usr/local/lib/soak
env_dir=$root/etc/soak
env_file=$env_dir/soak-long.env

# The soak command, as the service will see it (absolute, outside /home and /root: ProtectHome=yes).
shim=
if [ -n "$soak_bin" ]; then
  case $soak_bin in
    /*) ;;
    *)
      bin_dir=$(cd "$(dirname "$soak_bin")" 2>/dev/null && pwd) || die "--soak-bin $soak_bin: no such directory"
      soak_bin=$bin_dir/$(basename "$soak_bin")
      ;;
  esac
  if [ ! -f "$soak_bin" ] || [ ! -x "$soak_bin" ]; then die "--soak-bin $soak_bin is not an executable file (for this checkout's dist/, leave --soak-bin out)"; fi
elif soak_bin=$(command -v soak 2>/dev/null) && [ -n "$soak_bin" ]; then
  :
elif [ -f "$here/dist/src/cli/main.js" ]; then
  node=$(command -v node 2>/dev/null) || die "node not found on PATH, and no soak command: give --soak-bin PATH"
  shim=$here/dist/src/cli/main.js
  soak_bin=/usr/local/lib/soak/soak
else
  die "no soak command found: install soak (npm install -g), build this checkout (npm run build), or give --soak-bin PATH"
fi
case $soak_bin$shim in
  /home/* | /root/* | /run/user/*) say "warning: $soak_bin${shim:+ ($shim)} is under a home directory, which the service cannot read (ProtectHome=yes)" >&2 ;;
esac

install_file() { # mode source destination: copied only if it differs
  if [ -f "$3" ] && cmp -s "$2" "$3"; then
    chmod "$1" "$3"
    say "unchanged $3"
  else
    cp "$2" "$3.tmp"
    chmod "$1" "$3.tmp"
    mv -f "$3.tmp" "$3"
    say "installed $3"
  fi
}

mkdir -p "$unit_dir" "$lib_dir" "$env_dir"
install_file 0755 "$src/soak-long-start" "$lib_dir/soak-long-start"
if [ -n "$shim" ]; then
  tmp=$lib_dir/soak.new
  printf '#!/bin/sh\n# soak from the checkout %s, run with %s\nexec "%s" "%s" "$@"\n' "$here" "$node" "$node" "$shim" >"$tmp"
  install_file 0755 "$tmp" "$lib_dir/soak"
  rm -f "$tmp"
fi
for unit in soak-long.service soak-long-resume.service soak-long.timer; do
  install_file 0644 "$src/$unit" "$unit_dir/$unit"
done

if [ -e "$env_file" ]; then
  say "kept $env_file as it is (this install would have written SOAK_BIN=$soak_bin)"
else
  cat >"$env_file.tmp" <<ENV
# soak long under systemd (soak-long.service, soak-long-resume.service); read at every start.
# The soak command.
SOAK_BIN=$soak_bin
# Extra flags for new runs (soak long --help), e.g.
#   SOAK_ARGS=--workload cache,webhook --metrics-port 9464
# A resume keeps its run's settings; of these it takes only --metrics-port, --metrics-host,
# --strict and --quiet.
SOAK_ARGS=
ENV
  chmod 0644 "$env_file.tmp"
  mv -f "$env_file.tmp" "$env_file"
  say "wrote $env_file"
fi

enable="systemctl enable --now soak-long.timer soak-long-resume.service"
if [ -n "$root" ]; then
  say "installed under $root; on the target: systemctl daemon-reload && $enable"
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  # shellcheck disable=SC2086 # a command line
  $enable
  say "enabled: soak-long.timer ($(systemctl show -P NextElapseUSecRealtime soak-long.timer 2>/dev/null || echo 'next start: systemctl list-timers soak-long.timer')), soak-long-resume.service at boot"
else
  say "systemd is not running here (not PID 1); where it is: systemctl daemon-reload && $enable"
fi
