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
#                          --quiet to every program run here; common_args
#                          sets it (and quiet_opt) from --quiet
#   value_opts   required  by common_args: the pipeline's options that take
#                          a value, one string, e.g. "--db --keep --match"
#   interrupted_says
#                optional  what Ctrl-C leaves, when it is not "nothing
#                          applied" (backup: "no backup made")
#   keep         optional  --keep DIR: make_workdir checks DIR (private_dir)
#                          and keeps the run's files there at exit, a plan
#                          hold_plan keeps (refused by the guard) with them
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
#   auth         optional  how fetch authenticates: bearer (the default:
#                          $token, from read_token), oauth1 (OAuth 1.0a
#                          signatures by oauth-sign) or oauth2 (client
#                          credentials: a token from $token_url)
#   client_id    oauth1/2  the client id (--client-id)
#   token_url    oauth2    the token endpoint (--token-url)
#   scope        optional  oauth2: the scope asked for (--scope)
#
# Set here, for the pipeline to read:
#   args          common_args: the command line to read, every --opt=value
#                 split in two and the common options taken out
#   error_format  common_args: "json" with --error-format json, else empty
#   ef_opt        common_args: an array, (--error-format json) or empty, for
#                 every program the pipeline runs
#   quiet_opt     common_args: an array, (--quiet) with --quiet or empty,
#                 for the programs whose progress the user asked to silence
#   current_stage stage, apply_stage: the stage running, for Ctrl-C's message
#   applied       an array: the steps applied so far (apply_done), for
#                 Ctrl-C's message
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
#   secret_file, secret_hint
#                      read_secret: the file oauth-sign reads the client
#                      secret from (the user's --secret-file, or a 0600
#                      copy of $ONEROSTER_CLIENT_SECRET in $private) and
#                      where it came from, for messages
#   access_token, token_expires
#                      oauth2_token: the OAuth 2.0 token, in memory only,
#                      and the time (seconds since 1970) from which it is
#                      renewed before use
#   auth_value         auth_header: the Authorization value of the request
#                      at hand (fetch clears it once curl has it)
#   snapshot_pid       snapshot_early: the snapshot running beside the
#                      fetch and extract stages (sync_tail waits for it;
#                      stop_snapshot, at exit, stops it)
#
# Also: every pipeline sets umask 077 at its top (make_workdir again), so
# what a run creates is its owner's alone; make_workdir sets the EXIT
# trap; TMPDIR is where the temporary folders go; every program is taken
# from PATH, which the pipelines start with their own folder (sync-all
# only for rp_version).

# emit LEVEL CODE MESSAGE: one message on stderr: "prog: MESSAGE", or with
# --error-format json an object as the programs write them (program,
# level, code, message).
emit() {
	if [ "${error_format:-}" = json ]; then
		local m=$3 c i hex ch esc
		m=${m//\\/\\\\} m=${m//\"/\\\"} m=${m//$'\t'/\\t} m=${m//$'\n'/\\n} m=${m//$'\r'/\\r}
		# any other control character (a server's text in a message) as
		# \u00XX: JSON allows none raw
		for ((i = 1; i < 32; i++)); do
			[[ $m == *[[:cntrl:]]* ]] || break
			printf -v hex %02x "$i"
			printf -v ch "\\x$hex"
			printf -v esc '\\u%04x' "$i"
			m=${m//"$ch"/$esc}
		done
		c=${2:+,\"code\":\"$2\"}
		printf '{"program":"%s","level":"%s"%s,"message":"%s"}\n' "$prog" "$1" "$c" "$m" >&2
	else
		echo "$prog: $3" >&2
	fi
}
# exit_code_name STATUS: the code a status is named by in JSON messages.
exit_code_name() {
	case $1 in 1) echo bad_data ;; 2) echo usage ;; 3) echo refused ;; 4) echo io_error ;; 130) echo interrupted ;; esac
}

# say MESSAGE...: progress on stderr, unless $quiet.
# die STATUS MESSAGE: the message on stderr, then exit STATUS (a usage
# error, 2, adds the hint to --help).
# usage_error MESSAGE: die 2.
say() { [ -n "${quiet:-}" ] || emit info "" "$*"; }
die() {
	emit error "$(exit_code_name "$1")" "$2"
	[ "$1" != 2 ] || [ "${error_format:-}" = json ] ||
		echo "Try '$prog --help' for more information." >&2
	exit "$1"
}
usage_error() { die 2 "$1"; }
# bad_arg ARG: an argument the pipeline does not take.
bad_arg() {
	case $1 in
	-*) usage_error "unrecognized option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
}

# common_args "$@": what every pipeline does with its command line before
# reading its own options: sets $args to it with each --opt=value split
# into --opt value (for the options of $value_opts), and --quiet and
# --error-format json|text taken out (setting $quiet and $quiet_opt,
# $error_format and $ef_opt). An option of $value_opts without its value, or with an empty
# one, --opt=value for any other option, and a bad --error-format are
# usage errors (exit 2), as they are for the programs. Also sets Ctrl-C's
# trap (on_interrupt). Call it after the pipeline's variables are set to
# their defaults, then `set -- "${args[@]}"`.
common_args() {
	args=() ef_opt=() quiet_opt=()
	[ -z "${quiet:-}" ] || quiet_opt=(--quiet)
	local name
	trap on_interrupt INT
	while [ $# -gt 0 ]; do
		case $1 in
		--)
			# the end of the options; the pipelines' loops take what
			# follows as operands (one beginning with - is still refused)
			shift
			args+=("$@")
			break ;;
		--*=*)
			name=${1%%=*}
			case " $value_opts --error-format " in
			*" $name "*) set -- "$name" "${1#*=}" "${@:2}"; continue ;;
			esac
			usage_error "unrecognized option '$name', or one that takes no value: '$1'" ;;
		--quiet) quiet=1 quiet_opt=(--quiet) ;;
		--error-format)
			[ $# -ge 2 ] || usage_error "option '$1' requires an argument"
			case $2 in
			json) error_format=json ef_opt=(--error-format json) ;;
			text) error_format= ef_opt=() ;;
			*) usage_error "--error-format: expected json or text, not $2" ;;
			esac
			shift ;;
		*)
			case " $value_opts " in
			*" $1 "*)
				[ $# -ge 2 ] || usage_error "option '$1' requires an argument"
				[ -n "$2" ] || usage_error "option '$1' requires a value, not an empty one"
				args+=("$1" "$2")
				shift ;;
			*) args+=("$1") ;;
			esac ;;
		esac
		shift
	done
}

# on_interrupt: Ctrl-C (SIGINT). The program running then has said what
# it left (each exits 130 on its own message); this says where the
# pipeline was and what it had applied, and exits 130.
on_interrupt() {
	trap - INT
	local where=${current_stage:+ in stage $current_stage} done=nothing
	[ ${#applied[@]} -eq 0 ] || done="only ${applied[*]}"
	case ${current_stage:-} in
	apply*) emit error interrupted "interrupted$where (a plan is applied whole or not at all: apply says which); ${done/nothing/nothing else} applied before it" ;;
	*) emit error interrupted "interrupted$where; ${interrupted_says:-$done applied}" ;;
	esac
	exit 130
}
applied=()
# apply_done STEP: STEP's plan is applied (for Ctrl-C's message).
apply_done() { applied+=("$1"); }

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
# a write fails, so that it holds for root too. The folder is then made
# 0700: what goes in it is the user's alone (group and others may have
# had read access to an existing one).
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
	chmod 700 -- "$dir" || die 4 "$dir: cannot make it 0700"
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
	snapshot --db "$db" --quiet "${ef_opt[@]}" > "$work/state.ndjson" 2> "$private/snapshot.err" &
	snapshot_pid=$!
}
stop_snapshot() {
	[ -z "${snapshot_pid:-}" ] || kill "$snapshot_pid" 2> /dev/null || true
}

# stage NAME OUT PROG ARG...: runs PROG (one of ours: it is given
# $ef_opt) with its output in OUT; a failure ends the run with the stage's
# own exit status, before anything (more) is applied. PROG's progress
# line, on a terminal, is the stage's.
stage() {
	local name=$1 out=$2 status=0
	shift 2
	say "$name"
	current_stage=$name
	"$1" "${ef_opt[@]}" "${@:2}" > "$out" || status=$?
	current_stage=
	if [ "$status" -ne 0 ]; then
		emit error "$(exit_code_name "$status")" "stage $name failed (exit $status); ${applied[*]:+only ${applied[*]} applied, }nothing ${applied[*]:+else }applied"
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

# read_secret FILE VAR: the OAuth client secret, from --secret-file FILE
# (when FILE is not empty) or the environment variable VAR, never argv;
# sets $secret_file, the file oauth-sign reads it from (VAR's value is
# copied into $private, 0600, and VAR unset), and $secret_hint. Call after
# make_workdir.
read_secret() {
	if [ -n "$1" ]; then
		[ -r "$1" ] && [ -s "$1" ] || die 2 "--secret-file $1: cannot read it, or it is empty"
		secret_file=$1
		secret_hint="--secret-file $1"
	else
		[ -n "${!2:-}" ] || die 2 "no client secret: give --secret-file FILE or set \$$2"
		secret_file=$private/client-secret
		(umask 077 && printf '%s\n' "${!2}" > "$secret_file")
		secret_hint="\$$2"
		unset "$2" # the programs run from here need not see it
	fi
}

# curl_quote STRING: STRING as a double-quoted value of curl's --config
# syntax (backslash and double quote escaped).
curl_quote() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

# backoff ATTEMPT WHAT HEADERS: the wait before another attempt of a
# request that answered 429, 5xx, not at all or cut short (Retry-After when
# the answer says, else retry_delay doubled at each attempt; at most 300 s),
# said with the caller's local $why, then slept; or, after $retries
# attempts, the run stops (exit 4).
backoff() {
	local attempt=$1 what=$2 headers=$3 wait after
	if [ "$attempt" -ge "$retries" ]; then
		die 4 "$what: giving up after $attempt attempts ($why)"
	fi
	after=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$headers" 2>/dev/null | head -n 1)
	wait=${after:-$((retry_delay * (1 << (attempt - 1))))}
	[ "$wait" -le 300 ] || wait=300
	say "$what: $why; retrying in ${wait}s (attempt $((attempt + 1)) of $retries)"
	sleep "$wait"
}

# oauth2_token: a new OAuth 2.0 token (client credentials grant, RFC 6749
# 4.4) from $token_url, the client authenticated by HTTP Basic (oauth-sign
# --basic; curl reads the header from its standard input); sets
# $access_token (kept in memory only: the answer's file in $private is
# removed at once) and $token_expires (renewed a tenth of its life before
# it ends, at least 1 s and at most 60 s; never when the answer gives no
# expires_in: then a 401 renews it). 429,
# 5xx and network failures are retried as fetch does; a refused credential
# (400, 401) stops the run (exit 4) naming the URL.
oauth2_token() {
	local attempt=0 code basic got life now margin answer=$private/token.json why
	local headers=$private/token.headers
	while :; do
		attempt=$((attempt + 1))
		basic=$(oauth-sign --basic --client-id "$client_id" --secret-file "$secret_file") ||
			die 4 "cannot make the client credentials for $token_url"
		code=$({
			printf 'header = %s\n' "$(curl_quote "Authorization: $basic")"
			printf 'data = "grant_type=client_credentials"\n'
			[ -z "${scope:-}" ] || printf 'data-urlencode = %s\n' "$(curl_quote "scope=$scope")"
		} | curl --config - --silent --show-error --max-time "$timeout" \
			--header 'Accept: application/json' --output "$answer" \
			--dump-header "$headers" --write-out '%{http_code}' "$token_url" \
			2> "$private/curl.err") || code=000
		basic=
		case $code in
		200) break ;;
		400 | 401)
			why=$(oauth-sign --token "$answer" 2>&1 > /dev/null | sed -n 's/.*the server refused the request: //p' | head -n 1)
			rm -f "$answer"
			die 4 "POST $token_url: HTTP $code: the client credentials were refused${why:+ ($why)}; check --client-id, --scope and $secret_hint" ;;
		429 | 5?? | 000)
			why=${code/000/network error: $(tail -n 1 "$private/curl.err")}
			backoff "$attempt" "POST $token_url" "$headers" ;;
		*)
			rm -f "$answer"
			die 4 "POST $token_url: HTTP $code" ;;
		esac
	done
	got=$(oauth-sign --token "$answer" 2> "$private/token.err") || {
		rm -f "$answer"
		die 4 "POST $token_url: no token in the answer: $(sed 's/^oauth-sign: [^:]*: //' "$private/token.err")"
	}
	rm -f "$answer"
	access_token=${got%%$'\t'*}
	life=${got#*$'\t'}
	token_expires=
	if [ -n "$life" ]; then
		printf -v now '%(%s)T' -1
		margin=$((life / 10))
		[ "$margin" -ge 1 ] || margin=1
		[ "$margin" -le 60 ] || margin=60
		token_expires=$((now + life - margin))
	fi
	say "a token from $token_url${life:+ for ${life}s}"
}

# auth_header URL: the Authorization header's value for a GET of URL:
# the bearer token; an OAuth 1.0a signature made for this request (fresh
# nonce and timestamp); or the OAuth 2.0 token, got or renewed first when
# there is none or it is about to expire (so call it in this shell, not in
# a subshell: $access_token must outlive it). Sets $auth_value.
auth_header() {
	local now
	case ${auth:-bearer} in
	bearer) auth_value="Bearer $token" ;;
	oauth1)
		auth_value=$(oauth-sign --client-id "$client_id" --secret-file "$secret_file" "$1") ||
			die 4 "cannot sign the request for ${1#"$base_url"}" ;;
	oauth2)
		printf -v now '%(%s)T' -1
		if [ -z "${access_token:-}" ] || { [ -n "${token_expires:-}" ] && [ "$now" -ge "$token_expires" ]; }; then
			oauth2_token
		fi
		auth_value="Bearer $access_token" ;;
	esac
}

# refused CODE SHOWN: the message for a request answered 401 or 403.
refused() {
	case ${auth:-bearer} in
	bearer) echo "GET $2: HTTP $1: the token was refused; check $token_hint" ;;
	oauth1) echo "GET $2: HTTP $1: the signature was refused; check --client-id, $secret_hint and the clock" ;;
	oauth2) echo "GET $2: HTTP $1: the token was refused${3:+ $3}; check --client-id, --scope and $secret_hint" ;;
	esac
}

# fetch [--allow-404] [--check FUNC] URL OUT: GET with the credentials
# (auth_header; handed to curl on its standard input, so they never show in
# a process list), retrying 429 and 5xx and network failures with backoff
# (Retry-After honoured) up to $retries attempts. With --check, FUNC OUT
# runs on each 200: it returns 0 when the page reads, 1 when it is not
# whole JSON (a page cut short: retried like a 5xx), or stops the run
# itself. An OAuth 2.0 token refused (401) is renewed once per request.
# Sets $http_headers (a file) for callers that read them. With
# --allow-404, a 404 returns 44 (the caller decides); 401/403, and other
# statuses, stop the run (exit 4).
fetch() {
	local allow_404= check=
	while :; do
		case $1 in
		--allow-404) allow_404=1; shift ;;
		--check) check=$2; shift 2 ;;
		*) break ;;
		esac
	done
	local url=$1 out=$2 attempt=0 code shown=${1#"$base_url"} renewed= status why
	http_headers=$private/headers
	while :; do
		attempt=$((attempt + 1))
		auth_header "$url"
		code=$(printf 'header = %s\n' "$(curl_quote "Authorization: $auth_value")" |
			curl --config - --silent --show-error --max-time "$timeout" \
				--output "$out" --dump-header "$http_headers" \
				--write-out '%{http_code}' "$url" 2> "$private/curl.err") || code=000
		auth_value=
		case $code in
		200)
			status=0
			[ -z "$check" ] || "$check" "$out" || status=$?
			[ "$status" -ne 0 ] || return 0
			why="the page is cut short (not whole JSON)"
			backoff "$attempt" "GET $shown" /dev/null ;;
		401)
			if [ "${auth:-bearer}" = oauth2 ] && [ -z "$renewed" ]; then
				# expired or revoked: one new token, and this request again
				renewed=1 access_token=
				say "GET $shown: the token was refused (401); getting a new one"
				attempt=$((attempt - 1))
				continue
			fi
			die 4 "$(refused "$code" "$shown" ${renewed:+"(a new one too)"})" ;;
		403)
			die 4 "$(refused "$code" "$shown")" ;;
		404)
			[ -z "$allow_404" ] || return 44
			die 4 "GET $shown: HTTP 404 (is --base-url right?)" ;;
		429 | 5?? | 000)
			why=${code/000/network error: $(tail -n 1 "$private/curl.err")}
			backoff "$attempt" "GET $shown" "$http_headers" ;;
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
			emit error "$(exit_code_name "$status")" "stage snapshot failed (exit $status); nothing applied"
			exit "$status"
		fi
	elif ! store_missing "$db"; then
		stage snapshot "$work/state.ndjson" snapshot "${quiet_opt[@]}" --db "$db"
	else
		say "snapshot: $db does not exist yet; starting from an empty store"
		: > "$work/state.ndjson"
	fi
	local match_opt=()
	[ -z "${match:-}" ] || match_opt=(--match "$match")
	stage diff "$work/plan.ndjson" diff-roster "${quiet_opt[@]}" --state "$work/state.ndjson" "${match_opt[@]}" "$1"
	apply_or_hold "$work/plan.ndjson" "$work/state.ndjson"
}

# apply_stage ARG...: the apply stage: apply with ARG..., --quiet with
# $quiet and $ef_opt, named for Ctrl-C's message; returns apply's status.
apply_stage() {
	local status=0
	current_stage=apply
	apply "${quiet_opt[@]}" "${ef_opt[@]}" "$@" || status=$?
	current_stage=
	return "$status"
}

# run_apply ARG...: apply_stage ARG...; its failure ends the run with its
# status.
run_apply() {
	local status=0
	apply_stage "$@" || status=$?
	[ "$status" -eq 0 ] || die "$status" "stage apply failed (exit $status)"
}

# apply_or_hold PLAN STATE: apply PLAN to $db with $apply_opts
# (apply_stage). A failure ends the run with apply's exit status; when it
# is the delete guard that refused (exit 3, and the same plan passes a dry
# run with --force: not a stale plan, a frozen store or another store's
# plan, which --force would not pass either), the plan is held for review
# first (hold_plan), so that a person can let it through.
apply_or_hold() {
	local plan=$1 state=$2 status=0
	apply_stage --db "$db" "${apply_opts[@]}" "$plan" || status=$?
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
# PostgreSQL URI left out as every program's messages leave it out
# (db_display_name in lib/store/db.c): user:PASSWORD@ (up to the
# authority's last "@"), and every query parameter whose name,
# percent-decoded as libpq decodes it, is "password"; libpq takes it from
# ~/.pgpass then.
db_shown() {
	local db=$1 scheme rest auth tail query out p sep='?'
	case $db in
	postgresql://* | postgres://*) ;;
	*) printf '%s\n' "$db"; return 0 ;;
	esac
	scheme=${db%%://*}:// rest=${db#*://}
	auth=${rest%%[/?#]*}
	tail=${rest:${#auth}}
	[[ $auth != *@* ]] || { p=${auth%@*}; auth=${p%%:*}@${auth##*@}; }
	out=$scheme$auth${tail%%\?*}
	if [[ $tail == *\?* ]]; then
		query="${tail#*\?}&"
		while [ -n "$query" ]; do
			p=${query%%&*} query=${query#*&}
			[ -n "$p" ] && ! is_password_param "${p%%=*}" || continue
			out+=$sep$p sep='&'
		done
	fi
	printf '%s\n' "$out"
}

# is_password_param NAME: whether NAME, its %XX escapes decoded, is
# "password".
is_password_param() {
	local s=$1 name= c
	while [ -n "$s" ]; do
		if [[ $s =~ ^%([0-9A-Fa-f]{2}) ]]; then
			printf -v c "\\x${BASH_REMATCH[1]}"
			s=${s:3}
		else
			c=${s:0:1} s=${s:1}
		fi
		name+=$c
	done
	[ "$name" = password ]
}

# held_file FILE COMMAND...: COMMAND's output as FILE: written to a file
# created new beside it (mktemp: O_EXCL, 0600 whatever the umask), renamed
# over FILE once whole, so that a link planted at FILE is replaced, never
# written through, and a failure leaves no half file.
held_file() {
	local file=$1 tmp
	shift
	tmp=$(mktemp "${file%/*}/.held.XXXXXX") || return 1
	if "$@" > "$tmp" && mv -fT -- "$tmp" "$file"; then
		return 0
	fi
	rm -f -- "$tmp"
	return 1
}

# hold_plan PLAN STATE: keeps a plan the delete guard refused, with its
# report (plan-report: Markdown and HTML), as plan-ID.{ndjson,md,html}
# (ID: the plan id's first 12 characters; the same plan refused again is
# the same files), and names them on stderr with the command that applies
# the plan after review. With --keep DIR they are written in the run's
# folder ($work) and move into DIR with the other files at exit
# (publish_work); else in held_dir, a folder checked by private_dir (the
# user's own, writable by no one else; made 0700, or set to 0700). Every file
# is created new, 0600 (held_file): they hold personal data. A dry run
# keeps nothing beside the store (only in --keep DIR when given).
hold_plan() {
	local plan=$1 state=$2 dir shown id name i dry= report_opts=() force=(--force)
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
		# make_workdir checked DIR; nothing is opened in DIR itself
		dir=$work
		shown=$(cd "$keep" && pwd) || shown=$keep
	elif [ -n "$dry" ]; then
		emit info "" "dry run: the delete guard would refuse this plan; give --keep DIR to keep it and its report"
		return 0
	elif ! dir=$(held_dir "$db"); then
		emit warning "" "\$HOME is not set: the refused plan is not kept; give --keep DIR"
		return 0
	elif ! (private_dir "$dir") || ! dir=$(cd "$dir" && pwd); then
		# private_dir named what is wrong; the run still exits 3
		emit warning "" "cannot keep the refused plan in $dir"
		return 0
	else
		shown=$dir
	fi
	id=$(head -n 1 "$plan" | ndjson-fields --where type=plan --fields plan_id) || id=
	[ -n "$id" ] || id=$(sha256sum < "$plan" | cut -c 1-64)
	name=plan-${id:0:12}
	if ! held_file "$dir/$name.ndjson" cat "$plan"; then
		emit warning "" "cannot keep the refused plan in $shown"
		return 0
	fi
	emit info "" "the delete guard refused the plan; it is held for review: $shown/$name.ndjson"
	if held_file "$dir/$name.md" plan-report --quiet "${ef_opt[@]}" --state "$state" "${report_opts[@]}" "$dir/$name.ndjson" &&
		held_file "$dir/$name.html" plan-report --quiet "${ef_opt[@]}" --state "$state" --format html "${report_opts[@]}" "$dir/$name.ndjson"; then
		emit info "" "its report, by school and by name: $shown/$name.md (and $shown/$name.html)"
	else
		emit warning "" "plan-report failed; review the plan itself"
	fi
	# quoted for a shell where a path needs it, so the line can be pasted
	local cmd
	printf -v cmd 'apply --db %q %s %q' "$(db_shown "$db")" "${force[*]}" "$shown/$name.ndjson"
	emit info "" "after review, let it through once with: $cmd"
}

# switch_plan DB VALUE FLAG... [-- SCHOOL...]: set operations turning the
# flags (import_enabled, automation_enabled) to VALUE for the schools named
# (all when none), only where they differ, so running it twice is harmless.
switch_plan() {
	local db=$1 value=$2 flags=() schools=() fields=id line id cells f set
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); fields+=",$1"; shift; done
	[ $# -eq 0 ] || { shift; schools=("$@"); }
	snapshot --db "$db" --quiet "${ef_opt[@]}" --entity school |
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

# school_label DB ID: how messages name a school, as normalize's
# readiness check does: "NAME" (number N, id ID), the parts it has; empty
# when the store holds no school ID.
school_label() {
	local line name number
	# the store read to a file first: a snapshot that fails inside a
	# pipe would read as a store without the school
	snapshot --db "$1" --quiet "${ef_opt[@]}" --entity school > "$work/schools.ndjson" ||
		return
	line=$(ndjson-fields --where type=school --where "id=$2" --fields id,name,school_number \
		"$work/schools.ndjson") || return
	[ -n "$line" ] || return 0
	line=${line#*$'\t'} name=${line%%$'\t'*} number=${line#*$'\t'}
	printf '%s(%sid %s)\n' "${name:+\"$name\" }" "${number:+number $number, }" "$2"
}

