# Shared by the pipelines (sourced, not run): the work folder, stages that
# stop the run, the fetch loop with retries, the tail of every sync
# (snapshot, diff-roster, apply; a plan the guard refuses held for review),
# and the store's schools.
#
# Sourcing this file defines functions and sets no variable. The functions
# take their inputs as arguments where a call names them (the files, the
# store of switch_plan), and share the following variables with the
# pipeline. The pipelines run under `set -euo pipefail`: a variable marked
# "required" must be set before the function that reads it is called; an
# "optional" one may be left unset (read as empty).
#
# Set by the pipeline, read here:
#   prog         required  the pipeline's name, which starts every message
#                          (say, die, stage, make_workdir, sync_tail)
#   quiet        optional  non-empty: no progress messages (say), and
#                          apply --quiet (sync_tail)
#   keep         optional  --keep DIR: make_workdir uses DIR as the work
#                          folder instead of a temporary one, and
#                          hold_plan keeps a refused plan there
#   db           required  the store, for snapshot_early, sync_tail and
#                          apply_or_hold (a refused plan is held beside it)
#   match        optional  --match LIST, passed to diff-roster (sync_tail)
#   apply_opts   required  an array (may be empty) of options for apply:
#                          --dry-run, --force, --max-delete-*, --guard-floor,
#                          --during-freeze (sync_tail, apply_or_hold; the
#                          guard's limits go to plan-report too)
#   base_url     required  the server without a trailing "/"; fetch shows
#                          the URLs it gets without it
#   timeout      required  seconds per request (fetch)
#   retries      required  attempts per request (fetch)
#   retry_delay  required  seconds before the first retry, doubled at each
#                          further one, unless Retry-After says (fetch)
#
# Set here, for the pipeline to read:
#   work          make_workdir: the work folder (--keep DIR, kept, or a
#                 temporary one, removed at exit) for the stages' files
#   private       make_workdir: a temporary folder readable by its owner
#                 alone, always removed at exit: secrets, headers, scratch
#   http_headers  fetch: the file holding the headers of the last answer
#
# Set and read here only:
#   token, token_hint  read_token: the bearer token and where it came from
#                      (for fetch's message when it is refused)
#   snapshot_pid       snapshot_early: the snapshot running beside the
#                      fetch and extract stages (sync_tail waits for it;
#                      stop_snapshot, at exit, stops it)
#
# Also: make_workdir sets umask 077 and the EXIT trap; TMPDIR is where the
# temporary folders go; every program is taken from PATH, which the
# pipelines start with their own folder (sync-all only for rp_version).

# say MESSAGE...: progress on stderr, unless $quiet.
# die STATUS MESSAGE: the message on stderr, then exit STATUS.
say() { [ -n "${quiet:-}" ] || echo "$prog: $*" >&2; }
die() { echo "$prog: $2" >&2; exit "$1"; }

# rp_version: the version of the programs beside the pipeline, which the
# Makefile builds into them (RP_VERSION), so that there is only one; for
# --version: `v=$(rp_version); echo "$prog $v"`.
rp_version() { local v; v=$(apply --version) && echo "${v#apply }"; }

# make_workdir: sets $work, the work folder: $keep (created 0700) or a
# temporary one removed at exit. Secrets never go there: $private is a
# separate folder, always removed.
make_workdir() {
	umask 077
	private=$(mktemp -d "${TMPDIR:-/tmp}/$prog.private.XXXXXX")
	if [ -n "${keep:-}" ]; then
		mkdir -p "$keep" && chmod 700 "$keep"
		work=$keep
		trap 'stop_snapshot; rm -rf "$private"' EXIT
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXX")
		trap 'stop_snapshot; rm -rf "$work" "$private"' EXIT
	fi
}

# The store's snapshot does not depend on the feed: snapshot_early starts
# it beside the fetch, extract and normalize stages (on two cores it comes
# almost free: 7 s of a million-user district's 29 s unchanged sync), and
# sync_tail waits for it. A plan still carries the snapshot's version, so
# a change to the store in between is caught by apply's staleness check.
# Reads $db, writes $work/state.ndjson, sets $snapshot_pid (none when the
# store does not exist yet: sync_tail starts from an empty state then).
snapshot_early() {
	store_missing "$db" && return 0
	snapshot --db "$db" > "$work/state.ndjson" 2> "$private/snapshot.err" &
	snapshot_pid=$!
}
stop_snapshot() {
	[ -z "${snapshot_pid:-}" ] || kill "$snapshot_pid" 2> /dev/null || true
}

# stage NAME OUT CMD...: runs CMD with its output in OUT; a failure ends the
# run with the stage's own exit status, before anything is applied.
stage() {
	local name=$1 out=$2 status=0
	shift 2
	say "$name"
	"$@" > "$out" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "$prog: stage $name failed (exit $status); nothing applied" >&2
		exit "$status"
	fi
}

# read_token FILE VAR: the bearer token from --token-file FILE (when FILE
# is not empty) or the environment variable VAR, never argv; sets $token,
# and $token_hint for fetch's message when the token is refused.
read_token() {
	if [ -n "$1" ]; then
		[ -r "$1" ] || die 2 "--token-file $1: cannot read it"
		token=$(head -n 1 "$1" | tr -d '\r\n')
	else
		token=${!2:-}
	fi
	[ -n "$token" ] || die 2 "no token: give --token-file FILE or set \$$2"
	token_hint="--token-file or \$$2"
}

# fetch [--allow-404] URL OUT: GET with the token (handed to curl on its
# standard input, so it never shows in a process list), retrying 429 and
# 5xx and network failures with backoff (Retry-After honoured) up to
# $retries attempts. Sets $http_headers (a file) for callers that read
# them. With --allow-404, a 404 returns 44 (the caller decides); 401/403,
# and other statuses, stop the run (exit 4).
fetch() {
	local allow_404=
	[ "$1" != --allow-404 ] || { allow_404=1; shift; }
	local url=$1 out=$2 attempt=0 code wait after shown=${1#"$base_url"}
	http_headers=$private/headers
	while :; do
		attempt=$((attempt + 1))
		code=$(printf 'header = "Authorization: Bearer %s"\n' "$token" |
			curl --config - --silent --show-error --max-time "$timeout" \
				--output "$out" --dump-header "$http_headers" \
				--write-out '%{http_code}' "$url" 2> "$private/curl.err") || code=000
		case $code in
		200) return 0 ;;
		401 | 403)
			die 4 "GET $shown: HTTP $code: the token was refused; check $token_hint" ;;
		404)
			[ -z "$allow_404" ] || return 44
			die 4 "GET $shown: HTTP 404 (is --base-url right?)" ;;
		429 | 5?? | 000)
			if [ "$attempt" -ge "$retries" ]; then
				[ "$code" != 000 ] || code="network error: $(tail -n 1 "$private/curl.err")"
				die 4 "GET $shown: giving up after $attempt attempts ($code)"
			fi
			after=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$http_headers" 2>/dev/null | head -n 1)
			wait=${after:-$((retry_delay * (1 << (attempt - 1))))}
			[ "$wait" -le 300 ] || wait=300
			say "GET $shown: ${code/000/network error}; retrying in ${wait}s (attempt $((attempt + 1)) of $retries)"
			sleep "$wait" ;;
		*)
			die 4 "GET $shown: HTTP $code" ;;
		esac
	done
}

# store_missing DB: true when the store is not there: a SQLite file that
# does not exist. A PostgreSQL database is made by its administrator; when
# it holds no store yet, it reads as an empty one (snapshot prints version
# 0, apply makes the tables).
store_missing() {
	case $1 in postgresql://* | postgres://*) return 1 ;; esac
	[ ! -e "$1" ]
}

# sync_tail CANONICAL: the end of every sync: snapshot (or the one
# snapshot_early started), diff-roster (with $match) and apply (with
# $apply_opts) of $db, the files in $work; a plan the delete guard
# refuses is held for review (apply_or_hold).
sync_tail() {
	if [ -n "${snapshot_pid:-}" ]; then
		local status=0
		say snapshot
		wait "$snapshot_pid" || status=$?
		snapshot_pid=
		cat "$private/snapshot.err" >&2
		if [ "$status" -ne 0 ]; then
			echo "$prog: stage snapshot failed (exit $status); nothing applied" >&2
			exit "$status"
		fi
	elif ! store_missing "$db"; then
		stage snapshot "$work/state.ndjson" snapshot --db "$db"
	else
		say "snapshot: $db does not exist yet; starting from an empty store"
		: > "$work/state.ndjson"
	fi
	local match_opt=()
	[ -z "${match:-}" ] || match_opt=(--match "$match")
	stage diff "$work/plan.ndjson" diff-roster --state "$work/state.ndjson" "${match_opt[@]}" "$1"
	apply_or_hold "$work/plan.ndjson" "$work/state.ndjson"
}

# apply_or_hold PLAN STATE: apply PLAN to $db (with $apply_opts, and
# --quiet when $quiet). A failure ends the run with apply's exit status;
# when it is the delete guard that refused (exit 3, and the same plan
# passes a dry run with --force: not a stale plan, a frozen store or
# another store's plan, which --force would not pass either), the plan is
# held for review first (hold_plan), so that a person can let it through.
apply_or_hold() {
	local plan=$1 state=$2 status=0 quiet_opt=()
	[ -z "${quiet:-}" ] || quiet_opt=(--quiet)
	apply --db "$db" "${apply_opts[@]}" "${quiet_opt[@]}" "$plan" || status=$?
	if [ "$status" -eq 3 ] &&
		apply --db "$db" "${apply_opts[@]}" --dry-run --force --quiet "$plan" 2> /dev/null; then
		hold_plan "$plan" "$state"
	fi
	[ "$status" -eq 0 ] || die "$status" "stage apply failed (exit $status)"
}

# held_dir DB: where a refused plan of DB is held when no --keep folder
# is given: beside a SQLite file (DB.held), or for a PostgreSQL store,
# which has no folder of its own, $HOME/.rosterpipe/held.
held_dir() {
	case $1 in
	postgresql://* | postgres://*)
		[ -n "${HOME:-}" ] || return 1
		echo "$HOME/.rosterpipe/held" ;;
	sqlite:*) echo "${1#sqlite:}.held" ;;
	*) echo "$1.held" ;;
	esac
}

# db_shown DB: DB as a command line may show it: a password in a
# PostgreSQL URI (user:PASSWORD@, or password=) left out; libpq takes it
# from ~/.pgpass then.
db_shown() {
	printf '%s\n' "$1" | sed -E 's#^(postgres(ql)?://[^:/@]*):[^@/]*@#\1@#; s#([?&])password=[^&]*(&|$)#\1#; s#[?&]$##'
}

# hold_plan PLAN STATE: keeps a plan the delete guard refused, with its
# report (plan-report: Markdown and HTML), in $keep or else held_dir
# (created 0700, files 0600: they hold personal data), as
# plan-ID.{ndjson,md,html} (ID: the plan id's first 12 characters; the
# same plan refused again is the same files), and names them on stderr
# with the command that applies the plan after review. A dry run keeps
# nothing beside the store (only in --keep DIR when given).
hold_plan() {
	local plan=$1 state=$2 dir id base i dry= report_opts=() force=(--force)
	for ((i = 0; i < ${#apply_opts[@]}; i++)); do
		case ${apply_opts[i]} in
		--max-delete-ratio | --max-delete-count | --guard-floor)
			report_opts+=("${apply_opts[i]}" "${apply_opts[i + 1]}")
			i=$((i + 1)) ;;
		--during-freeze) force+=(--during-freeze) ;;
		--dry-run) dry=1 ;;
		esac
	done
	if [ -n "${keep:-}" ]; then
		dir=$keep
	elif [ -n "$dry" ]; then
		echo "$prog: dry run: the delete guard would refuse this plan; give --keep DIR to keep it and its report" >&2
		return 0
	elif ! dir=$(held_dir "$db"); then
		echo "$prog: \$HOME is not set: the refused plan is not kept; give --keep DIR" >&2
		return 0
	fi
	id=$(head -n 1 "$plan" | ndjson-fields --where type=plan --fields plan_id) || id=
	[ -n "$id" ] || id=$(sha256sum < "$plan" | cut -c 1-64)
	if ! { mkdir -p "$dir" && chmod 700 "$dir" && dir=$(cd "$dir" && pwd) &&
		base=$dir/plan-${id:0:12} && rm -f "$base.ndjson" && cp "$plan" "$base.ndjson" &&
		chmod 600 "$base.ndjson"; }; then
		echo "$prog: cannot keep the refused plan in $dir" >&2
		return 0
	fi
	echo "$prog: the delete guard refused the plan; it is held for review: $base.ndjson" >&2
	if plan-report --quiet --state "$state" "${report_opts[@]}" "$base.ndjson" > "$base.md" &&
		plan-report --quiet --state "$state" --format html "${report_opts[@]}" "$base.ndjson" > "$base.html"; then
		chmod 600 "$base.md" "$base.html"
		echo "$prog: its report, by school and by name: $base.md (and $base.html)" >&2
	else
		echo "$prog: plan-report failed; review the plan itself" >&2
	fi
	# quoted for a shell where a path needs it, so the line can be pasted
	printf '%s: after review, let it through once with: apply --db %q %s %q\n' \
		"$prog" "$(db_shown "$db")" "${force[*]}" "$base.ndjson" >&2
}

# switch_plan DB VALUE FLAG... [-- SCHOOL...]: set operations turning the
# flags (import_enabled, automation_enabled) to VALUE for the schools named
# (all when none), only where they differ, so running it twice is harmless.
switch_plan() {
	local db=$1 value=$2 flags=() schools=() fields=id line id cells f set
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); fields+=",$1"; shift; done
	[ $# -eq 0 ] || { shift; schools=("$@"); }
	snapshot --db "$db" --entity school |
		ndjson-fields --where type=school --fields "$fields" |
		while IFS= read -r line; do
			# id, then one cell per flag; split by hand, since
			# `IFS=$'\t' read` would merge empty cells (absent flags)
			id=${line%%$'\t'*} cells=${line#*$'\t'}$'\t'
			if [ ${#schools[@]} -gt 0 ]; then
				case " ${schools[*]} " in *" $id "*) ;; *) continue ;; esac
			fi
			set=
			for f in "${flags[@]}"; do
				[ "${cells%%$'\t'*}" = "$value" ] || set="$set${set:+,}\"$f\":$value"
				cells=${cells#*$'\t'}
			done
			[ -z "$set" ] || printf '{"type":"op","op":"set","entity":"school","id":"%s","set":{%s}}\n' "$id" "$set"
		done
}

# all_schools DB: the store ids of all schools, one a line.
all_schools() {
	snapshot --db "$1" --entity school | ndjson-fields --where type=school --fields id
}
