#!/bin/bash
# bench-pairs.sh: whole-bench runs alternated, for comparisons on a shared machine
# (docs/benchmarks.md). Each run prints one line: the binary, the mode and store, the
# rate, the bench process's CPU per request and, on PostgreSQL, the CPU of every
# postgres process over the run per request (other sessions on the server included).
#
#   bench-pairs.sh ab BIN_A BIN_B MODE DB PAIRS [N] [DURATION]
#       A then B, B then A, ... (MODE card|qr, DB sqlite|pg)
#   bench-pairs.sh ratio BIN DB ROUNDS [N] [DURATION]
#       one binary's card and QR runs alternated at N terminals / clients
#   bench-pairs.sh open BIN DB RATE ROUNDS [N] [DURATION]
#       the same in open loop at RATE per second, N (default 512) in flight:
#       what each sustains (the line adds the median latency, measured from
#       the scheduled send times)
#   bench-pairs.sh capacity BIN DB FROM STEP ROUNDS [N] [DURATION]
#       card and QR capacity sweeps alternated (bench --capacity from FROM
#       by STEP, N (default 512) in flight, DURATION (default 6s) a step):
#       each line gives the sweep's capacity and every step's offered and
#       answered rates
#
# PostgreSQL is POSGUARD_BENCH_PG, by default the local test database.
set -u
PGURL=${POSGUARD_BENCH_PG:-'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'}

pgticks() {
	local t=0 s p
	for p in $(pgrep -x postgres); do
		s=$(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null)
		t=$((t + ${s:-0}))
	done
	echo $t
}

# run BIN MODE DB N DURATION [RATE]
run() {
	local bin=$1 mode=$2 db=$3 n=$4 d=$5 r=${6:-0} args out t0 t1 req rate cpu p50 srv=""
	args=(bench --no-echo --duration "$d" --rate "$r")
	if [ "$mode" = qr ]; then args+=(--mode qr --clients "$n"); else args+=(--terminals "$n"); fi
	[ "$db" = pg ] && args+=(--db "$PGURL")
	t0=$(pgticks)
	out=$("$bin" "${args[@]}" 2>&1)
	t1=$(pgticks)
	req=$(echo "$out" | grep -o '[0-9]* requests' | head -1 | grep -o '[0-9]*')
	rate=$(echo "$out" | grep -o '[0-9]*/s (' | head -1 | grep -o '[0-9]*')
	cpu=$(echo "$out" | grep -o '= [0-9.]*µs per request' | grep -o '[0-9.]*')
	if [ "$db" = pg ] && [ -n "$req" ]; then
		srv="$(((t1 - t0) * 1000000 / $(getconf CLK_TCK) / req))µs"
	fi
	p50=$(echo "$out" | grep -m1 -o 'latency p50 [0-9.]*ms' | grep -o '[0-9.]*ms')
	echo "$(basename "$bin") $mode/$db n=$n offered=$r rate=${rate}/s p50=$p50 cpu=${cpu}µs server=$srv"
	[ -z "$rate" ] && echo "$out" | tail -5
	return 0
}

# sweep BIN MODE DB N DURATION FROM STEP
sweep() {
	local bin=$1 mode=$2 db=$3 n=$4 d=$5 from=$6 step=$7 args out cap steps
	args=(bench --capacity --rate "$from" --rate-step "$step" --duration "$d")
	if [ "$mode" = qr ]; then args+=(--mode qr --clients "$n"); else args+=(--terminals "$n"); fi
	[ "$db" = pg ] && args+=(--db "$PGURL")
	out=$("$bin" "${args[@]}" 2>&1)
	cap=$(echo "$out" | grep -o 'capacity: [0-9]*/s' | grep -o '[0-9]*')
	steps=$(echo "$out" | awk '/offered:/ { p = $0; sub(/.*p99 /, "", p); sub(/ms.*/, "", p); printf "%s%s>%s(p99 %sms)", sep, $1, $3, p; sep = " " }')
	echo "$(basename "$bin") $mode/$db n=$n capacity=${cap}/s steps: $steps"
	[ -z "$cap" ] && echo "$out" | tail -5
	return 0
}

case ${1:-} in
ab)
	[ $# -ge 7 ] || { echo "usage: $0 ab BIN_A BIN_B MODE DB PAIRS [N] [DURATION]" >&2; exit 2; }
	a=$2 b=$3 mode=$4 db=$5 pairs=$6 n=${7:-32} d=${8:-10s}
	for i in $(seq 1 "$pairs"); do
		if [ $((i % 2)) = 1 ]; then run "$a" "$mode" "$db" "$n" "$d"; run "$b" "$mode" "$db" "$n" "$d"
		else run "$b" "$mode" "$db" "$n" "$d"; run "$a" "$mode" "$db" "$n" "$d"; fi
	done
	;;
ratio)
	[ $# -ge 4 ] || { echo "usage: $0 ratio BIN DB ROUNDS [N] [DURATION]" >&2; exit 2; }
	bin=$2 db=$3 rounds=$4 n=${5:-32} d=${6:-10s}
	for i in $(seq 1 "$rounds"); do
		if [ $((i % 2)) = 1 ]; then run "$bin" card "$db" "$n" "$d"; run "$bin" qr "$db" "$n" "$d"
		else run "$bin" qr "$db" "$n" "$d"; run "$bin" card "$db" "$n" "$d"; fi
	done
	;;
open)
	[ $# -ge 5 ] || { echo "usage: $0 open BIN DB RATE ROUNDS [N] [DURATION]" >&2; exit 2; }
	bin=$2 db=$3 r=$4 rounds=$5 n=${6:-512} d=${7:-8s}
	for i in $(seq 1 "$rounds"); do
		if [ $((i % 2)) = 1 ]; then run "$bin" card "$db" "$n" "$d" "$r"; run "$bin" qr "$db" "$n" "$d" "$r"
		else run "$bin" qr "$db" "$n" "$d" "$r"; run "$bin" card "$db" "$n" "$d" "$r"; fi
	done
	;;
capacity)
	[ $# -ge 6 ] || { echo "usage: $0 capacity BIN DB FROM STEP ROUNDS [N] [DURATION]" >&2; exit 2; }
	bin=$2 db=$3 from=$4 step=$5 rounds=$6 n=${7:-512} d=${8:-6s}
	for i in $(seq 1 "$rounds"); do
		if [ $((i % 2)) = 1 ]; then sweep "$bin" card "$db" "$n" "$d" "$from" "$step"; sweep "$bin" qr "$db" "$n" "$d" "$from" "$step"
		else sweep "$bin" qr "$db" "$n" "$d" "$from" "$step"; sweep "$bin" card "$db" "$n" "$d" "$from" "$step"; fi
	done
	;;
*)
	echo "usage: $0 ab|ratio|open|capacity ..." >&2
	exit 2
	;;
esac
