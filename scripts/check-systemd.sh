#!/bin/bash
# npm run check:systemd: the units in systemd/ under a real systemd, booted as PID 1 of a throwaway
# container made here: new PID, mount and network namespaces, and an overlay of this machine's /
# whose writes go to a directory of their own, so that nothing outside it changes (systemd-tmpfiles
# empties /tmp at boot, for one). Needs root, unshare and overlayfs; no image, no network.
#
# As a user would: scripts/install-systemd.sh, then
#   1. `systemctl start soak-long` with a short run, kill -9 of soak mid-run: Restart=on-failure must
#      resume the same run directory, which must end complete with one resume;
#   2. a second run, and the whole container killed mid-run (power loss): at the next boot
#      soak-long-resume.service must resume that run to its deadline.
# And the hardening must hold: a dynamic user owns the runs, the service sees / read-only.
# Prints what it saw; exits 1 on the first failure, with the services' journal.
#
#   scripts/check-systemd.sh [--duration 150s]
set -euo pipefail

duration=150s
[ "${1:-}" = --duration ] && duration=${2:?--duration needs a value}
here=$(cd "$(dirname "$0")/.." && pwd)
runs=/var/lib/soak/runs
init=
say() { printf 'check-systemd: %s\n' "$*"; }
in_box() { nsenter -t "$init" -a -r -w "$@"; }
die() {
  say "FAILED: $*" >&2
  if [ -n "$init" ]; then
    say "the services' journal:" >&2
    in_box journalctl -u soak-long -u soak-long-resume --no-pager -n 40 -o short-monotonic >&2 || true
  fi
  exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (namespaces, mounts)"
[ -f "$here/dist/src/cli/main.js" ] || die "build first: npm run build"
[ -x /lib/systemd/systemd ] || die "no /lib/systemd/systemd: apt-get install systemd"

# Not under /dev/shm: the container sees this machine's /dev, and DynamicUser's RemoveIPC empties
# /dev/shm of the dynamic user's files, which would reach into the overlay's upper layer.
box=$(mktemp -d "${TMPDIR:-/tmp}/soak-systemd.XXXXXX")
mkdir "$box/upper" "$box/work" "$box/root"
# Kills the container whole: its systemd, and the unshare that made it (--kill-child: its death
# takes the container's PID 1 with it, so one that never came up is not left running either).
container=
power_off() {
  for pid in $init $container; do kill -9 "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do kill -0 $init $container 2>/dev/null || break; sleep 0.1; done
  init=
  container=
}
trap 'power_off; rm -rf "$box"' EXIT

# Boots the container on $box's upper layer (kept from one boot to the next, as a disk is) into
# target $1. Its root is the overlay made root by pivot_root (from under a chroot, systemd cannot
# make the user namespace PrivateUsers= needs). udev is masked (the devices are this machine's), and
# so is every service this machine's admin enabled for multi-user.target, but soak's.
boot() {
  local target=$1 started=$box/started
  rm -f "$started"
  unshare --pid --fork --kill-child --mount --net --propagation private bash -c '
    set -e
    box=$1
    mount -t overlay overlay -o "lowerdir=/,upperdir=$box/upper,workdir=$box/work" "$box/root"
    mount -t proc proc "$box/root/proc"
    mount --rbind /sys "$box/root/sys"
    mount --rbind /dev "$box/root/dev"
    units=$box/root/etc/systemd/system
    for unit in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-udev-trigger.service; do
      ln -sf /dev/null "$units/$unit"
    done
    for wanted in "$units"/multi-user.target.wants/*; do
      case ${wanted##*/} in soak-*) ;; *) ln -sf /dev/null "$units/${wanted##*/}" ;; esac
    done
    ip link set lo up
    echo "$3" >"$2"
    cd "$box/root"
    mkdir -p .oldroot
    pivot_root . .oldroot
    umount -l /.oldroot
    exec /lib/systemd/systemd --system --unit="$3"
  ' _ "$box" "$started" "$target" >/dev/null 2>&1 &
  container=$!
  disown "$container"
  for _ in $(seq 50); do [ -s "$started" ] && break; sleep 0.2; done
  [ -s "$started" ] || die "the container did not start"
  for _ in $(seq 50); do
    init=$(pgrep -f -n -- "^/lib/systemd/systemd --system --unit=$target\$" || true)
    [ -n "$init" ] && break
    sleep 0.2
  done
  [ -n "$init" ] || die "systemd did not start in the container"
  local state=
  for _ in $(seq 60); do
    state=$(in_box systemctl is-system-running 2>/dev/null || true)
    case $state in running | degraded) break ;; esac
    sleep 1
  done
  say "booted: systemd $(in_box systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1 of the container ($target, $state)"
}

service() { in_box systemctl show -P "$2" "$1"; }

# Waits for a run directory other than $1 with samples in it; prints its path.
new_run() {
  local dir
  for _ in $(seq 60); do
    dir=$(in_box sh -c "ls -d $runs/long-* 2>/dev/null" | grep -vx -- "${1:-}" | tail -1 || true)
    if [ -n "$dir" ] && in_box test -s "$dir/samples.csv"; then
      printf '%s\n' "$dir"
      return
    fi
    sleep 1
  done
  die "no new run directory with samples under $runs"
}

# Waits until unit $1 is inactive, then checks that run $2 ended complete with $3 resumes.
ended_complete() {
  for _ in $(seq 900); do
    [ "$(service "$1" ActiveState)" = inactive ] && break
    sleep 1
  done
  [ "$(service "$1" ActiveState)" = inactive ] || die "$1 did not end"
  say "$1 ended: result $(service "$1" Result), exit status $(service "$1" ExecMainStatus)"
  [ "$(service "$1" Result)" = success ] || die "$1 ended in $(service "$1" Result)"
  say "events.csv: $(in_box grep ',resume,' "$2/events.csv" | cut -d, -f6- | tr '\n' ' ')"
  node -e '
    const [text, resumes] = process.argv.slice(1);
    const s = JSON.parse(text);
    if (s.complete !== true) throw new Error("summary.json is not complete");
    const n = (s.run.resumes ?? []).length;
    console.log(`check-systemd: summary.json complete, verdict ${s.verdict}, ${n} resume(s): ${s.workloads.map((w) => `${w.name} ${w.verdict}`).join(", ")}`);
    if (n !== Number(resumes)) throw new Error(`summary.json lists ${n} resumes, not ${resumes}`);
  ' "$(in_box cat "$2/summary.json")" "$3" || die "summary.json of $2"
}

boot basic.target
in_box "$here/scripts/install-systemd.sh" | sed 's/^/  /'
in_box sed -i "s|^SOAK_ARGS=.*|SOAK_ARGS=--workload cache --threads 1 --duration $duration --report-every 30s|" /etc/soak/soak-long.env
in_box systemd-analyze verify /etc/systemd/system/soak-long.service /etc/systemd/system/soak-long-resume.service /etc/systemd/system/soak-long.timer ||
  die "systemd-analyze verify"
say "enabled: soak-long.timer $(in_box systemctl is-enabled soak-long.timer), soak-long-resume.service $(in_box systemctl is-enabled soak-long-resume.service)"

say "1. Restart=on-failure after kill -9"
in_box systemctl start soak-long.service
first=$(new_run) || exit 1
main=$(service soak-long MainPID)
user=$(in_box stat -c %U "$first")
root_mount=$(in_box awk '$5 == "/" { print $6 }' "/proc/$main/mountinfo")
say "running: $first, owned by $user (DynamicUser); the service sees / mounted $root_mount (ProtectSystem=strict)"
[ "$user" != root ] || die "the run directory is root's: DynamicUser did not apply"
case ,$root_mount, in *,ro,*) ;; *) die "the service's / is not read-only" ;; esac
sleep 40
say "kill -9 of soak after 40 s ($(in_box sh -c "wc -l <$first/samples.csv") sample rows)"
in_box systemctl kill --signal=SIGKILL --kill-whom=main soak-long.service
sleep 2
say "after the kill: $(service soak-long ActiveState)/$(service soak-long SubState) (RestartSec=30s)"
for _ in $(seq 60); do
  [ "$(service soak-long NRestarts)" -ge 1 ] && [ "$(service soak-long SubState)" = running ] && break
  sleep 1
done
[ "$(service soak-long NRestarts)" -ge 1 ] || die "systemd did not restart the service"
say "restarted ($(service soak-long NRestarts) restart); runs: $(in_box ls $runs | tr '\n' ' ')"
[ "$(in_box ls $runs | wc -l)" = 1 ] || die "the restart started a second run instead of resuming"
ended_complete soak-long.service "$first" 1

say "2. power loss mid-run, then boot"
in_box systemctl start soak-long.service
second=$(new_run "$first") || exit 1
sleep 40
rows=$(in_box sh -c "wc -l <$second/samples.csv")
power_off
say "the container killed whole after 40 s of $second ($rows sample rows)"
boot multi-user.target
for _ in $(seq 60); do
  [ "$(service soak-long-resume SubState)" = running ] && break
  sleep 1
done
say "at boot: soak-long-resume.service $(service soak-long-resume ActiveState)/$(service soak-long-resume SubState)"
ended_complete soak-long-resume.service "$second" 1
[ "$(in_box ls $runs | wc -l)" = 2 ] || die "runs: $(in_box ls $runs | tr '\n' ' '), not the two"
say "passed"
