# Helpers for bats tests that need the test HTTP server (tests/httpd/httpd.py).
#
#   setup()    { load test_helper/common; load httpd/httpd; }
#   teardown() { httpd_stop; }
#
#   httpd_start clever "$root" --fault 429:/v3.0/users:1:0
#   curl -H "Authorization: Bearer $(cat "$HTTPD_TOKEN_FILE")" "$HTTPD_URL/v3.0/users"
#
# httpd_start MODE ROOT [httpd.py option...]
#   Starts the server in the background on 127.0.0.1 (any free port) and waits
#   at most 10 s for it to listen.  Exports HTTPD_TOKEN_FILE (holds the token
#   test-token-123 and a newline), HTTPD_TOKEN, HTTPD_URL
#   (http://127.0.0.1:PORT), HTTPD_LOG (the request log) and HTTPD_PID; and,
#   for --auth oauth1 / oauth2, HTTPD_CLIENT_ID (rosterpipetestclient01),
#   HTTPD_SECRET (a secret with characters that need encoding) and
#   HTTPD_SECRET_FILE (it and a newline, 0600), which the server is given.
#   Options after ROOT go to httpd.py as they are (--fault SPEC,
#   --max-seconds S, --auth oauth2, ...).  Returns 1, with the reason on
#   stderr, if the server does not come up.  One server at a time: a running
#   one is stopped first.
# httpd_stop
#   Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it, and
#   the spare one too.  Safe to call when none is running, so it can sit in
#   teardown.
# httpd_spare_start MODE ROOT [httpd.py option...]
#   A second server beside the first (start it first or after: httpd_start
#   leaves it running), e.g. the "other host" a link must not reach:
#   SPARE_URL, SPARE_LOG ($BATS_TEST_TMPDIR/spare.log), SPARE_PID.  Same
#   token, test-token-123.  httpd_stop stops it.
httpd_start() {
	local mode=$1 root=$2
	shift 2 || { echo "usage: httpd_start MODE ROOT [option...]" >&2; return 2; }
	httpd_main_stop
	local dir=$BATS_TEST_TMPDIR
	export HTTPD_TOKEN=test-token-123
	export HTTPD_TOKEN_FILE=$dir/httpd.token
	export HTTPD_LOG=$dir/httpd.log
	local portfile=$dir/httpd.port
	printf '%s\n' "$HTTPD_TOKEN" >"$HTTPD_TOKEN_FILE"
	export HTTPD_CLIENT_ID=rosterpipetestclient01
	export HTTPD_SECRET='s3cr&t +%/=é"x\'
	export HTTPD_SECRET_FILE=$dir/httpd.secret
	(umask 077 && printf '%s\n' "$HTTPD_SECRET" >"$HTTPD_SECRET_FILE")
	rm -f "$portfile" "$portfile.tmp"
	# fd 3 closed: bats waits for every holder of it before it ends a test.
	"$(httpd_python)" "$BATS_TEST_DIRNAME/httpd/httpd.py" --mode "$mode" --root "$root" \
		--port 0 --port-file "$portfile" --token-file "$HTTPD_TOKEN_FILE" \
		--client-id "$HTTPD_CLIENT_ID" --client-secret-file "$HTTPD_SECRET_FILE" \
		--log "$HTTPD_LOG" "$@" </dev/null >/dev/null 3>&- &
	export HTTPD_PID=$!
	if ! httpd_wait_port httpd_start "$portfile" "$HTTPD_PID"; then
		httpd_main_stop
		return 1
	fi
	export HTTPD_URL=http://127.0.0.1:$httpd_port
}

# httpd_wait_port CALLER PORTFILE PID: sets httpd_port to the port a
# server just started writes to PORTFILE, within 10 s; 1 (the reason on
# stderr) when it exits first or writes none. Not in a $(...): the exit
# status is waited for here, and only the parent shell can wait for it.
httpd_wait_port() {
	local i
	for ((i = 0; i < 200; i++)); do
		if [ -s "$2" ]; then
			httpd_port=$(cat "$2")
			return 0
		fi
		if ! kill -0 "$3" 2>/dev/null; then
			wait "$3" 2>/dev/null
			echo "$1: the server exited before listening (status $?)" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "$1: no port file after 10 s" >&2
	return 1
}

# httpd_kill PID: SIGTERM, SIGKILL after 5 s, and waits for it.
httpd_kill() {
	local i
	kill -TERM "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

httpd_stop() {
	httpd_spare_stop
	httpd_main_stop
}

httpd_main_stop() {
	[ -n "${HTTPD_PID:-}" ] || return 0
	local pid=$HTTPD_PID
	unset HTTPD_PID HTTPD_URL
	httpd_kill "$pid"
}

httpd_spare_start() {
	local mode=$1 root=$2 dir=$BATS_TEST_TMPDIR
	shift 2
	httpd_spare_stop
	export SPARE_LOG=$dir/spare.log
	local portfile=$dir/spare.port
	printf '%s\n' test-token-123 >"$dir/spare.token"
	rm -f "$portfile" "$portfile.tmp"
	"$(httpd_python)" "$BATS_TEST_DIRNAME/httpd/httpd.py" --mode "$mode" --root "$root" \
		--port 0 --port-file "$portfile" --token-file "$dir/spare.token" \
		--log "$SPARE_LOG" "$@" </dev/null >/dev/null 3>&- &
	export SPARE_PID=$!
	if ! httpd_wait_port httpd_spare_start "$portfile" "$SPARE_PID"; then
		httpd_spare_stop
		return 1
	fi
	export SPARE_URL=http://127.0.0.1:$httpd_port
}

httpd_spare_stop() {
	[ -n "${SPARE_PID:-}" ] || return 0
	local pid=$SPARE_PID
	unset SPARE_PID SPARE_URL
	httpd_kill "$pid"
}

# httpd_python: a python3 that has python3-oauthlib (Debian's package, for
# the OAuth checks): the first python3 on PATH when it has it, else
# /usr/bin/python3 (where a python3 of pyenv or a venv comes first on PATH).
httpd_python() {
	if [ -z "${HTTPD_PYTHON:-}" ]; then
		local py
		HTTPD_PYTHON=python3
		for py in python3 /usr/bin/python3; do
			if "$py" -c 'import oauthlib' 2>/dev/null; then
				HTTPD_PYTHON=$py
				break
			fi
		done
		export HTTPD_PYTHON
	fi
	printf '%s\n' "$HTTPD_PYTHON"
}
