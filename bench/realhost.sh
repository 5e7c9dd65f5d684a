#!/usr/bin/env bash
# realhost.sh: the real host of two posguard builds, A/B, each as its own
# process. See usage() and docs/benchmarks.md, "The real host before and
# after".
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/realhost.sh [options] BIN_A BIN_B sqlite|postgres

Measures `posguard serve` of two builds the same way, alternating A, B, A, B…
Each run: a fresh simnet process (the upstream), a fresh store seeded with the
bench world by that build's `posguard seed`, that build's `posguard serve`
(--upstream-timeout 2s), then ONE driver binary's `posguard bench --host …
--world … --no-echo --json --watch …`. The driver reports sales/s and answers,
and the CPU (utime + stime from /proc/PID/stat, read at the start and end of
its measured time) per request of the serve process and of simnet. On
PostgreSQL the script also reads the CPU of the database's backends that serve
the run's database, over the middle of the measured time (timed by sleeps),
per request at the driver's rate.

The driver (default BIN_B) writes the bench world (bench --write-world), runs
simnet and drives the load for every run, so only serve (and seed) differ
between A and B. It needs `bench --write-world` and `bench --watch`.

options:
  --pairs N          A/B pairs (default 3)
  --driver BIN       driver binary (default BIN_B)
  --terminals N      terminals, one connection each (default 256)
  --duration D       measured time (default 10s)
  --warmup D         driver's warm-up before it (default 2s)
  --pg URL           PostgreSQL server (default $TEST_DATABASE_URL, else
                     postgres://postgres@127.0.0.1:5432/test?sslmode=disable);
                     each run gets a fresh database (CREATE DATABASE through
                     psql), dropped after it
  --a-args "ARGS"    more serve flags for A (e.g. "--risk off")
  --b-args "ARGS"    more serve flags for B (e.g. "--cpuprofile /tmp/b.prof")
  --out DIR          where runs are kept (default a new temp directory):
                     run-N-A|B/ with the driver's JSON, serve's and simnet's
                     logs; summary.tsv
  --keep             keep the SQLite files (deleted by default)
  --ledger           after the measured time, count how much of the journal
                     the ledger had posted, then let serve run until its
                     poster has caught up with the journal (up to 10 min),
                     and report serve's CPU over its whole life per sale in
                     the journal: the whole job, ledger included, per sale
                     (ledger.tsv; SQLite needs the sqlite3 command)
  -h, --help         this text

example:
  go build -o /tmp/pg-new ./cmd/posguard
  bench/realhost.sh --pairs 3 /tmp/posguard-base /tmp/pg-new sqlite
  bench/realhost.sh --pairs 3 /tmp/posguard-base /tmp/pg-new postgres
EOF
}

pairs=3 driver="" terminals=256 duration=10s warmup=2s
pg="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
a_args="" b_args="" out="" keep=0 ledger=0
while [[ $# -gt 0 ]]; do
	case "$1" in
	--pairs) pairs=$2; shift 2 ;;
	--driver) driver=$2; shift 2 ;;
	--terminals) terminals=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--pg) pg=$2; shift 2 ;;
	--a-args) a_args=$2; shift 2 ;;
	--b-args) b_args=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--ledger) ledger=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "realhost: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) break ;;
	esac
done
if [[ $# -ne 3 ]]; then
	usage >&2
	exit 2
fi
bin_a=$1 bin_b=$2 store=$3
driver=${driver:-$bin_b}
case "$store" in sqlite | postgres) ;; *) echo "realhost: store must be sqlite or postgres" >&2; exit 2 ;; esac
for b in "$bin_a" "$bin_b" "$driver"; do
	[[ -x $b ]] || { echo "realhost: $b is not an executable" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "realhost: needs jq" >&2; exit 2; }
command -v curl >/dev/null || { echo "realhost: needs curl" >&2; exit 2; }
if [[ $ledger == 1 && $store == sqlite ]]; then
	command -v sqlite3 >/dev/null || { echo "realhost: --ledger on SQLite needs the sqlite3 command" >&2; exit 2; }
fi
if [[ $store == postgres ]]; then
	command -v psql >/dev/null || { echo "realhost: needs psql for a fresh database per run" >&2; exit 2; }
fi
out=${out:-$(mktemp -d /tmp/realhost.XXXXXX)}
mkdir -p "$out"

# Processes this script started, stopped on any exit.
started=()
pg_db=""
cleanup() {
	local i
	# Newest first: serve drains before simnet goes.
	for ((i = ${#started[@]} - 1; i >= 0; i--)); do
		kill "${started[i]}" 2>/dev/null || true
		wait "${started[i]}" 2>/dev/null || true
	done
	started=()
	if [[ -n $pg_db ]]; then
		psql -q "$pg" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
		pg_db=""
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port VAR sets VAR to a TCP port below the ephemeral range (so no outgoing
# connection takes it meanwhile) that no socket uses and this script has not
# handed out yet.
lo_ephemeral=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
declare -A handed_out
free_port() {
	local p
	while :; do
		p=$((10000 + RANDOM % (lo_ephemeral - 10000)))
		[[ -n ${handed_out[$p]:-} ]] && continue
		if [[ -z $(ss -Htan "sport = :$p" 2>/dev/null) ]]; then
			handed_out[$p]=1
			printf -v "$1" '%s' "$p"
			return
		fi
	done
}

# wait_http URL PID: until URL answers, or fail when PID has ended or after 60 s.
wait_http() {
	local url=$1 pid=$2 i
	for ((i = 0; i < 600; i++)); do
		if curl -s -o /dev/null "$url"; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# pg_url DB prints the --pg URL with its database replaced by DB.
pg_url() {
	local base=${pg%%\?*} query=""
	[[ $pg == *\?* ]] && query="?${pg#*\?}"
	echo "${base%/*}/$1$query"
}

# secs D prints a duration given as N or Ns in seconds.
secs() {
	[[ $1 =~ ^([0-9]+(\.[0-9]+)?)s?$ ]] || { echo "realhost: duration $1: want seconds, e.g. 10s" >&2; exit 2; }
	echo "${BASH_REMATCH[1]}"
}
duration_s=$(secs "$duration") warmup_s=$(secs "$warmup")

# pg_ticks prints the summed utime+stime (in USER_HZ ticks) of the
# database's backends serving $pg_db.
pg_ticks() {
	local pids
	pids=$(psql -Atq "$pg" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$pg_db'")
	for p in $pids; do
		# Fields after the command name: utime and stime are the 12th and 13th.
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null || true
	done | awk '{ t += $12 + $13 } END { print t + 0 }'
}

# pg_sample DIR: the CPU ticks of the PostgreSQL backends serving the run's
# database, read over the middle of the driver's measured time (from about
# one second into it to one second before its end, in steady state, timed
# by sleeps from the driver's start), into DIR/pg.samples: start time,
# ticks, end time, ticks. The backends are listed at both ends: a connection
# the pool opened in between counts from its start.
pg_sample() {
	local span t0 t1 c0 c1
	span=$(awk -v d="$duration_s" 'BEGIN { s = d - 2; if (s < 0.5) s = d / 2; print s }')
	sleep "$(awk -v w="$warmup_s" -v d="$duration_s" -v s="$span" 'BEGIN { print w + (d - s) / 2 + 0.3 }')"
	t0=$(date +%s.%N) c0=$(pg_ticks)
	sleep "$span"
	t1=$(date +%s.%N) c1=$(pg_ticks)
	echo "$t0 $c0 $t1 $c1" >"$1/pg.samples"
}

# pg_per_request DIR: the backends' CPU per request from DIR/pg.samples, at
# the rate the driver measured (DIR/bench.json), added to bench.json as
# .posguard.postgres_cpu_per_txn_us.
pg_per_request() {
	local t0 c0 t1 c1
	read -r t0 c0 t1 c1 <"$1/pg.samples"
	jq --argjson c "$((c1 - c0))" --argjson t0 "$t0" --argjson t1 "$t1" \
		'.posguard.postgres_cpu_per_txn_us = (($c / 100 / ($t1 - $t0)) * 1e6 / .posguard.throughput_per_s | . * 10 | round / 10)' \
		"$1/bench.json" >"$1/bench.json.new"
	mv "$1/bench.json.new" "$1/bench.json"
}

# store_query DIR SQL prints SQL's one value, read from the run's store.
store_query() {
	if [[ $store == sqlite ]]; then
		sqlite3 -cmd '.timeout 5000' "$1/posguard.db" "$2"
	else
		psql -Atq "$(pg_url "$pg_db")" -c "$2"
	fi
}

# proc_ticks PID prints utime+stime of PID in USER_HZ ticks.
proc_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# ledger_catch_up DIR N LABEL PID: how much of the journal the ledger held
# when the driver stopped, then, polling every half second, the time until
# the poster's cursor reaches the journal's last event; serve's CPU over its
# whole life (start-up, warm-up, measured time, catch-up) per sale in the
# journal, appended to ledger.tsv.
ledger_catch_up() {
	local dir=$1 n=$2 label=$3 pid=$4 txns posted behind t0 t1 i
	local q_behind="SELECT (SELECT coalesce(max(id), 0) FROM txn_events) - coalesce((SELECT value FROM ledger_cursors WHERE name = 'ledger.journal'), 0)"
	txns=$(store_query "$dir" "SELECT count(*) FROM transactions")
	posted=$(store_query "$dir" "SELECT count(*) FROM ledger_postings")
	t0=$(date +%s.%N)
	for ((i = 0; i < 1200; i++)); do
		behind=$(store_query "$dir" "$q_behind")
		((behind <= 0)) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	t1=$(date +%s.%N)
	txns=$(store_query "$dir" "SELECT count(*) FROM transactions")
	local ticks hz
	ticks=$(proc_ticks "$pid") hz=$(getconf CLK_TCK)
	awk -v n="$n" -v l="$label" -v txns="$txns" -v posted="$posted" -v t0="$t0" -v t1="$t1" \
		-v ticks="$ticks" -v hz="$hz" -v behind="$behind" 'BEGIN {
		printf "%s\t%s\t%d\t%.1f\t%.1f\t%s\t%.0f\n", n, l, txns, 100 * posted / txns, t1 - t0,
			(behind <= 0 ? "yes" : "no"), ticks / hz * 1e6 / txns }' >>"$out/ledger.tsv"
	tail -n 1 "$out/ledger.tsv"
}

world=$out/world.yaml
"$driver" bench --terminals "$terminals" --write-world "$world" >/dev/null

# one_run N LABEL BIN ARGS: one measured run of BIN's serve.
one_run() {
	local n=$1 label=$2 bin=$3 extra=$4
	local dir=$out/run-$n-$label
	mkdir -p "$dir"
	local net_port adm_port term_port http_port
	free_port net_port
	free_port adm_port
	free_port term_port
	free_port http_port
	uptime >"$dir/uptime"

	"$driver" simnet --addr "127.0.0.1:$net_port" --admin-addr "127.0.0.1:$adm_port" --cards "$world" \
		--seed 1 --log-level warn >"$dir/simnet.log" 2>&1 &
	local simnet_pid=$!
	started+=("$simnet_pid")
	wait_http "http://127.0.0.1:$adm_port/faults" "$simnet_pid" || { echo "realhost: simnet did not start (see $dir/simnet.log)" >&2; exit 1; }

	local dsn
	if [[ $store == sqlite ]]; then
		dsn=sqlite:$dir/posguard.db
	else
		pg_db=realhost_$$_${n}_${label}
		pg_db=${pg_db,,}
		psql -q "$pg" -c "CREATE DATABASE $pg_db" >/dev/null
		dsn=$(pg_url "$pg_db")
	fi
	"$bin" seed --db "$dsn" --host-key-file "$dir/hostkey" "$world" >"$dir/seed.log" 2>&1 ||
		{ echo "realhost: seed failed (see $dir/seed.log)" >&2; exit 1; }
	# shellcheck disable=SC2086 # extra holds flags split on purpose
	"$bin" serve --db "$dsn" --host-key-file "$dir/hostkey" --terminal-addr "127.0.0.1:$term_port" \
		--http-addr "127.0.0.1:$http_port" --network "iso8583://127.0.0.1:$net_port" --upstream-timeout 2s \
		--log-level warn $extra >"$dir/serve.log" 2>&1 &
	local serve_pid=$!
	started+=("$serve_pid")
	wait_http "http://127.0.0.1:$http_port/healthz" "$serve_pid" || { echo "realhost: serve did not start (see $dir/serve.log)" >&2; exit 1; }

	local watch=(--watch "serve=$serve_pid" --watch "simnet=$simnet_pid")
	"$driver" bench --host "127.0.0.1:$term_port" --world "$world" --terminals "$terminals" \
		--duration "$duration" --warmup "$warmup" --no-echo --json "${watch[@]}" >"$dir/bench.json" &
	local driver_pid=$!
	started+=("$driver_pid")
	if [[ $store == postgres ]]; then
		pg_sample "$dir"
	fi
	wait "$driver_pid" || { echo "realhost: the driver failed (see $dir/bench.json)" >&2; exit 1; }
	unset 'started[${#started[@]}-1]'
	if [[ $store == postgres ]]; then
		pg_per_request "$dir"
	fi
	if [[ $ledger == 1 ]]; then
		ledger_catch_up "$dir" "$n" "$label" "$serve_pid"
	fi

	cleanup
	[[ $keep == 1 ]] || rm -f "$dir"/posguard.db*
	jq -r --arg n "$n" --arg build "$label" --arg load "$(sed 's/.*load average: //' "$dir/uptime")" '
		.posguard as $p
		| def cpu($name): ([$p.processes[]? | select(.name == $name) | .cpu_per_txn_us] | first // null);
		[$n, $build, ($p.throughput_per_s | round), ($p.codes | to_entries | map("\(.key):\(.value)") | join(",")),
		 (cpu("serve") | if . == null then "-" else round end),
		 (cpu("simnet") | if . == null then "-" else round end),
		 ($p.postgres_cpu_per_txn_us | if . == null then "-" else round end),
		 ($p.cpu_per_txn_us | round), ($p.latency.p99_us / 1000 | round), $load] | @tsv' "$dir/bench.json" >>"$out/summary.tsv"
	tail -n 1 "$out/summary.tsv"
}

if [[ $ledger == 1 ]]; then
	printf 'pair\tbuild\tsales in the journal\tposted when the load stopped %%\tcatch-up s\tcaught up\tserve µs per sale, whole life\n' >"$out/ledger.tsv"
fi
printf 'pair\tbuild\tsales/s\tanswers\tserve µs/req\tsimnet µs/req\tpostgres µs/req\tdriver µs/req\tp99 ms\tload (1, 5, 15 min)\n' >"$out/summary.tsv"
echo "realhost: $store, A=$bin_a B=$bin_b driver=$driver, $pairs pairs, $terminals terminals, $duration; runs in $out"
head -n 1 "$out/summary.tsv"
for ((i = 1; i <= pairs; i++)); do
	one_run "$i" A "$bin_a" "$a_args"
	one_run "$i" B "$bin_b" "$b_args"
done
echo
echo "medians:"
for label in A B; do
	awk -F'\t' -v l="$label" '
		NR > 1 && $2 == l { n++; t[n] = $3; s[n] = $5 }
		function median(a, n,   i, j, x) {
			for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END { if (n) printf "%s: %s sales/s, serve %s µs per request (%d runs)\n", l, median(t, n), median(s, n), n }' "$out/summary.tsv"
done
if [[ $ledger == 1 ]]; then
	echo
	echo "the whole job, ledger included (ledger.tsv):"
	cat "$out/ledger.tsv"
fi
