# Shared by the pipelines (sourced, not run): the work folder, stages that
# stop the run, the fetch loop with retries, the tail of every sync
# (snapshot, diff-roster, apply), and the store's schools.
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
#   keep         optional  --keep DIR: make_workdir checks DIR (private_dir)
#                          and keeps the run's files there at exit
#   db           required  the store, for snapshot_early and sync_tail
#   match        optional  --match LIST, passed to diff-roster (sync_tail)
#   apply_opts   required  an array (may be empty) of options for apply:
#                          --dry-run, --force, --max-delete-* (sync_tail)
#   base_url     required  the server without a trailing "/"; fetch shows
#                          the URLs it gets without it
#   timeout      required  seconds per request (fetch)
#   retries      required  attempts per request (fetch)
#   retry_delay  required  seconds before the first retry, doubled at each
#                          further one, unless Retry-After says (fetch)
#
# Set here, for the pipeline to read:
#   work          make_workdir: the work folder for the stages' files, a
#                 fresh one made 0700: inside --keep DIR, whose files move
#                 into DIR at exit (publish_work), or a temporary one,
#                 removed at exit. Name files "$work/NAME"; with --keep
#                 they end up as DIR/NAME
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
# Also: every pipeline sets umask 077 at its top (make_workdir again), so
# what a run creates is its owner's alone; make_workdir sets the EXIT
# trap; TMPDIR is where the temporary folders go; every program is taken
# from PATH, which the pipelines start with their own folder (sync-all
# only for rp_version).

# say MESSAGE...: progress on stderr, unless $quiet.
# die STATUS MESSAGE: the message on stderr, then exit STATUS.
say() { [ -n "${quiet:-}" ] || echo "$prog: $*" >&2; }
die() { echo "$prog: $2" >&2; exit "$1"; }

# rp_version: the version of the programs beside the pipeline, which the
# Makefile builds into them (RP_VERSION), so that there is only one; for
# --version: `v=$(rp_version); echo "$prog $v"`.
rp_version() { local v; v=$(apply --version) && echo "${v#apply }"; }

# private_dir DIR: an output folder (--keep, --out, --report, backups)
# that cannot be turned against the user. DIR is made (0700, parents
# too) when it is not there; an existing DIR is used only when it is a
# folder of the user's own (a symbolic link to it must be the user's too)
# that neither group nor others can write to; otherwise the run stops,
# exit 4, naming it. Owner and mode bits are what is checked, not whether
# a write fails, so that it holds for root too.
private_dir() {
	local dir=$1 uid owner mode
	uid=$(id -u)
	if [ ! -e "$dir" ] && [ ! -L "$dir" ]; then
		mkdir -p -m 700 -- "$dir" || die 4 "$dir: cannot make the folder"
	fi
	if [ -L "$dir" ]; then
		owner=$(stat -c %u -- "$dir")
		[ "$owner" = "$uid" ] || die 4 "$dir: a symbolic link of another user's; refused"
	fi
	[ -d "$dir" ] || die 4 "$dir: not a folder"
	owner=$(stat -L -c %u -- "$dir") mode=$(stat -L -c %a -- "$dir")
	[ "$owner" = "$uid" ] ||
		die 4 "$dir: the folder belongs to another user (uid $owner); refused"
	[ $((8#$mode & 8#022)) -eq 0 ] ||
		die 4 "$dir: the folder can be written by others (mode $(printf %04o $((8#$mode)))); refused"
}

# make_workdir: sets $work, a fresh folder (0700) for the stages' files:
# with $keep, inside it (checked by private_dir, made 0700), and the
# files move into $keep at exit (publish_work); otherwise a temporary one
# removed at exit. Nothing is ever opened in $keep itself, so a link
# planted there under one of our names is replaced, never written
# through. Secrets never go to $work: $private is a separate folder,
# always removed.
make_workdir() {
	umask 077
	[ -z "${keep:-}" ] || private_dir "$keep"
	private=$(mktemp -d "${TMPDIR:-/tmp}/$prog.private.XXXXXX")
	if [ -n "${keep:-}" ]; then
		chmod 700 "$keep"
		work=$(mktemp -d "$keep/.work.XXXXXX")
		trap 'stop_snapshot; publish_work; rm -rf "$private"' EXIT
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXX")
		trap 'stop_snapshot; rm -rf "$work" "$private"' EXIT
	fi
}

# publish_work: at exit with --keep (after a failure too): each file and
# folder of $work is renamed to $keep/NAME, replacing what had that name
# there (a planted symbolic link is removed, never followed); $work goes.
publish_work() {
	local f name
	[ -n "${keep:-}" ] && [ -d "${work:-}" ] || return 0
	for f in "$work"/* "$work"/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		name=${f##*/}
		{ rm -rf -- "${keep:?}/$name" && mv -fT -- "$f" "$keep/$name"; } ||
			echo "$prog: could not keep $name in $keep" >&2
	done
	rmdir -- "$work" 2> /dev/null || true
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
# $apply_opts) of $db, the files in $work.
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
	local status=0 quiet_opt=()
	[ -z "${quiet:-}" ] || quiet_opt=(--quiet)
	apply --db "$db" "${apply_opts[@]}" "${quiet_opt[@]}" "$work/plan.ndjson" || status=$?
	[ "$status" -eq 0 ] || die "$status" "stage apply failed (exit $status)"
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
