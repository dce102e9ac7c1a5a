#!/usr/bin/env bash
# End-to-end against a real Slurm: installs Debian's slurm-wlm and munge when absent, starts munged,
# slurmctld and slurmd on this machine (a one-node cluster whose configuration this script writes
# into a temporary folder, on free ports, with its own munge key; nothing system-wide is changed),
# then: `lineage batch submit --slurm` over the mini zoo as a job array, kill one array task
# mid-audit (SIGKILL to the whole task, as a node failure would), let the others finish,
# resubmit only the unfinished shard with --only-unfinished, and check that `batch collect` sees
# every item done, the verdicts are right, finished items were not redone, and every report is
# byte-identical to a local run. Skips (exit 77) with the reason when the daemons cannot start.
#   bash tests/cli/batch_slurm.sh <path-to-lineage> <source-dir>
set -uo pipefail
lineage=$(readlink -f "$1")
zoo="$2/tests/data/minizoo"
skip() { echo "batch_slurm: SKIP: $*" >&2; exit 77; }
[ -d "$zoo/A" ] || skip "mini zoo not found at $zoo"
[ "$(id -u)" -eq 0 ] || skip "starting slurmctld/slurmd/munged needs root"

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null ||
   ! command -v munged >/dev/null; then
    echo "batch_slurm: installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1; } ||
        skip "apt-get install slurm-wlm munge failed"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lineage-batch-slurm.XXXXXX")
chmod 711 "$tmp"
teardown() {
    # Jobs of this test's own cluster first (slurmstepd outlives slurmd), then the daemons.
    if [ -n "${SLURM_CONF:-}" ] && [ -s "$tmp/slurmctld.pid" ]; then
        scancel --user="$(id -un)" 2>/dev/null
        for _ in $(seq 1 20); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
    fi
    for f in "$tmp/slurmd.pid" "$tmp/slurmctld.pid" "$tmp/munge/munged.pid"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    sleep 1
    rm -rf "$tmp"
}
trap teardown EXIT

# 2. Daemons: munged with its own key and socket, then a one-node Slurm on two free ports.
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chmod 711 "$tmp/munge"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 600 "$tmp/munge/munge.key"
munged --force --socket="$tmp/munge/munge.socket.2" --key-file="$tmp/munge/munge.key" \
    --log-file="$tmp/log/munged.log" --pid-file="$tmp/munge/munged.pid" \
    --seed-file="$tmp/munge/munged.seed" || skip "munged did not start: $(tail -3 "$tmp/log/munged.log" 2>/dev/null)"
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname -s 2>/dev/null || hostname)
cat >"$tmp/slurm.conf" <<CONF
ClusterName=lineagetest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket.2
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
MinJobAge=600
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
NodeName=localhost NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -f "$SLURM_CONF" -i || skip "slurmctld did not start: $(tail -3 "$tmp/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" -N localhost || skip "slurmd did not start: $(tail -3 "$tmp/log/slurmd.log" 2>/dev/null)"
up=0
for _ in $(seq 1 60); do
    [ "$(sinfo -h -N -o %T 2>/dev/null)" = "idle" ] && { up=1; break; }
    sleep 0.5
done
[ $up -eq 1 ] || skip "the Slurm node did not come up: $(sinfo 2>&1 | tail -2); $(tail -3 "$tmp/log/slurmd.log" 2>/dev/null)"
echo "ok   one-node Slurm up ($(sinfo -V), ports $ctld_port/$slurmd_port)"

export SOURCE_DATE_EPOCH=1700000000  # byte-identical reports across runs
failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
wait_job() {  # wait_job JOBID: until no task of the job is pending or running (max 4 min)
    for _ in $(seq 1 480); do
        [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    fail "job $1 still in the queue after 4 minutes: $(squeue -j "$1")"
    return 1
}

# 3. Manifest: four candidates, one per shard; C (last shard) is slowed by two extra bases so
# that the kill lands while it is being audited.
printf 'sft\t%s/A-sft\nperm\t%s/A-permrot\nB\t%s/B\nC\t%s/C\t%s/B\t%s/A-sft\n' \
    "$zoo" "$zoo" "$zoo" "$zoo" "$zoo" "$zoo" >"$tmp/m.tsv"
flags=(--base "$zoo/A" --no-activations)
out="$tmp/out"

"$lineage" batch submit "$tmp/m.tsv" --out "$out" "${flags[@]}" >/dev/null 2>&1
rc=$?; [ $rc -eq 2 ] && ok "submit without --slurm: exit 2" || fail "submit without --slurm: exit $rc"

job=$("$lineage" batch submit "$tmp/m.tsv" --out "$out" "${flags[@]}" --slurm --shards 4 --array-max 2 \
      --time 10 2>"$tmp/submit.err")
rc=$?
[ $rc -eq 0 ] && [[ "$job" =~ ^[0-9]+$ ]] && ok "submitted job array $job" ||
    { fail "submit: exit $rc, job '$job': $(cat "$tmp/submit.err")"; exit 1; }
grep -q '^#SBATCH --array=0-3%2$' "$out/slurm/batch.sbatch" && ok "script: --array=0-3%2" || fail "script array line"

# 4. Kill task 3 (item C) mid-audit: SIGKILL to every process of the task.
killed=0
for _ in $(seq 1 1200); do
    if ls "$out/work" 2>/dev/null | grep -q '^C@'; then
        scancel --signal=KILL --full "${job}_3" && killed=1
        break
    fi
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    sleep 0.1
done
[ $killed -eq 1 ] && ok "killed task ${job}_3 while it audited C" || fail "could not catch task 3 mid-audit"
wait_job "$job"
state3=$(scontrol show job "${job}_3" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1)
echo "     task 3 ended with $state3"
"$lineage" batch collect "$out" >"$tmp/c1.out" 2>&1
grep -q "^4 items: 3 done" "$tmp/c1.out" && ok "after the kill: 3 done, C not done ($(head -1 "$tmp/c1.out"))" ||
    fail "after the kill: $(cat "$tmp/c1.out")"
[ ! -e "$out/items/C" ] && ok "no half-written result for C" || fail "items/C exists after the kill"
stamps_before=$(stat -c '%n %Y %i' "$out"/items/*/done.json)

# 5. Resubmit only the unfinished shard.
job2=$("$lineage" batch submit "$tmp/m.tsv" --out "$out" "${flags[@]}" --slurm --shards 4 --array-max 2 \
       --time 10 --only-unfinished 2>"$tmp/submit2.err")
rc=$?
[ $rc -eq 0 ] && [[ "$job2" =~ ^[0-9]+$ ]] && ok "resubmitted as job $job2" || fail "resubmit: exit $rc: $(cat "$tmp/submit2.err")"
grep -q "(array 3%2," "$tmp/submit2.err" && ok "resubmission holds task 3 only" || fail "resubmission: $(cat "$tmp/submit2.err")"
wait_job "$job2"
"$lineage" batch collect "$out" >"$tmp/c2.out" 2>&1
grep -q "^4 items: 4 done (.*), 0 failed, 0 partial, 0 pending" "$tmp/c2.out" && ok "collect: $(head -1 "$tmp/c2.out")" ||
    fail "final collect: $(cat "$tmp/c2.out"); task log: $(cat "$out"/slurm/*.out 2>/dev/null | tail -5)"
stamps_after=$(echo "$stamps_before" | while read -r f _; do stat -c '%n %Y %i' "$f"; done)
[ "$stamps_before" = "$stamps_after" ] && ok "finished items untouched by the resubmission" || fail "finished items were redone"
ls "$out"/slurm/"${job2}"_3.out >/dev/null 2>&1 && grep -q "task 3/4" "$out/slurm/${job2}_3.out" &&
    ok "the resubmitted task ran shard 3/4 under Slurm" || fail "no log of the resubmitted task"

# 6. Identical to a local run.
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/local" "${flags[@]}" --jobs 2 >/dev/null 2>&1 || fail "local reference run"
same=1
for id in sft perm B C; do
    for f in report.json report.md report.html; do
        cmp -s "$tmp/local/items/$id/$f" "$out/items/$id/$f" || { same=0; fail "$id/$f differs from the local run"; }
    done
done
[ $same -eq 1 ] && ok "Slurm reports byte-identical to a local run"
for id in sft perm; do
    grep -q '"verdict": "fail"' "$out/items/$id/done.json" || fail "$id should fail (derived from A)"
done

[ $failures -eq 0 ] || { echo "batch_slurm: $failures failure(s)" >&2; exit 1; }
echo "batch_slurm: ok"
