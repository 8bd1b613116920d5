#!/usr/bin/env bash
# shellcheck disable=SC2016 # check NAME eval '...': expanded later, on purpose
# Self-test of the test HTTP server (httpd.py) and its bats helpers
# (httpd.bash), with curl.  Prints "N passed, N failed"; exits 1 on a failure.
# Usage: tests/httpd/selftest.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'httpd_stop; rm -rf "$tmp"' EXIT

# httpd.bash expects the bats variables.
export BATS_TEST_DIRNAME BATS_TEST_TMPDIR
BATS_TEST_DIRNAME=$(dirname "$here")
BATS_TEST_TMPDIR=$tmp
# shellcheck source=httpd.bash
. "$here/httpd.bash"

passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf 'not ok %s\n' "$1"; [ $# -lt 2 ] || printf '#   %s\n' "$2"; }
# check NAME COMMAND...: one result from a command's exit status.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "failed: $*"; fi
}

# req [curl option...] PATH: GET $HTTPD_URL/PATH with the token; sets $code,
# $tmp/body and $tmp/hdr (headers, CR stripped).  `noauth` as the first
# argument sends no Authorization header.
req() {
	local auth=(-H "Authorization: Bearer ${HTTPD_TOKEN:-}")
	if [ "$1" = noauth ]; then auth=(); shift; fi
	local n=$#
	local url=$HTTPD_URL${!n}
	code=$(curl -sS -o "$tmp/body" -D "$tmp/hdr.raw" -w '%{http_code}' "${auth[@]}" \
		"${@:1:n-1}" "$url" 2>"$tmp/curl.err")
	curl_rc=$?
	tr -d '\r' <"$tmp/hdr.raw" >"$tmp/hdr"
}
# The value of one response header ("" when absent).
header() { sed -n "s/^$1: //Ip" "$tmp/hdr" | head -n 1; }
# py EXPR: evaluates a Python expression with d = the JSON response body.
py() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/body" "$1" 2>&1; }
# is NAME GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got [$2], want [$3]"; fi
}

# ---------------------------------------------------------------- data
mkdir -p "$tmp/clever" "$tmp/or"
cat >"$tmp/clever/users.json" <<'EOF'
{"data":[
 {"data":{"id":"5f0000000000000000000001","name":{"first":"Ada","last":"One"},"roles":{"student":{"sis_id":"S1"}}},"uri":"/v3.0/users/5f0000000000000000000001"},
 {"data":{"id":"5f0000000000000000000002","name":{"first":"Bo","last":"Two"},"roles":{"student":{"sis_id":"S2"}}},"uri":"/v3.0/users/5f0000000000000000000002"},
 {"data":{"id":"5f0000000000000000000003","name":{"first":"Cy","last":"Three"},"roles":{"teacher":{"sis_id":"T3"}}},"uri":"/v3.0/users/5f0000000000000000000003"}
],"links":[]}
EOF
for e in districts schools terms courses sections; do
	cp "$tmp/clever/users.json" "$tmp/clever/$e.json"
done
cat >"$tmp/or/users.json" <<'EOF'
{"users":[
 {"sourcedId":"u-1","status":"active","role":"student","givenName":"Ada","familyName":"One"},
 {"sourcedId":"u-2","status":"active","role":"student","givenName":"Bo","familyName":"Two"},
 {"sourcedId":"u-3","status":"active","role":"teacher","givenName":"Cy","familyName":"Three"}
]}
EOF
sed 's/"users"/"classes"/' "$tmp/or/users.json" >"$tmp/or/classes.json"
sed 's/"users"/"courses"/' "$tmp/or/users.json" >"$tmp/or/courses.json"
sed 's/"users"/"enrollments"/' "$tmp/or/users.json" >"$tmp/or/enrollments.json"
sed 's/"users"/"academicSessions"/' "$tmp/or/users.json" >"$tmp/or/academicSessions.json"
sed 's/"users"/"demographics"/' "$tmp/or/users.json" >"$tmp/or/demographics.json"
# no orgs.json: a missing file is a collection not served (404)

U1=5f0000000000000000000001 U2=5f0000000000000000000002 U3=5f0000000000000000000003

# ---------------------------------------------------------------- Clever
echo "# clever: paging, auth, errors"
httpd_start clever "$tmp/clever" 2>"$tmp/err1" || { bad "clever server starts" "$(cat "$tmp/err1")"; exit 1; }
check "HTTPD_URL is http://127.0.0.1:PORT" eval '[[ $HTTPD_URL =~ ^http://127\.0\.0\.1:[0-9]+$ ]]'
check "token file holds test-token-123" eval '[ "$(cat "$HTTPD_TOKEN_FILE")" = test-token-123 ]'

req "/v3.0/users?limit=2"
is "page 1: 200" "$code" 200
is "page 1: content type" "$(header Content-Type)" "application/json; charset=utf-8"
is "page 1: 2 records" "$(py 'len(d["data"])')" 2
is "page 1: records in file order" "$(py '[i["data"]["id"] for i in d["data"]]')" "['$U1', '$U2']"
is "page 1: items keep uri" "$(py 'd["data"][0]["uri"]')" "/v3.0/users/$U1"
is "page 1: self link" "$(py '[l["uri"] for l in d["links"] if l["rel"]=="self"]')" "['/v3.0/users?limit=2']"
next=$(py '[l["uri"] for l in d["links"] if l["rel"]=="next"][0]')
is "page 1: next link" "$next" "/v3.0/users?limit=2&starting_after=$U2"
is "page 1: links are self and next only" "$(py '[l["rel"] for l in d["links"]]')" "['self', 'next']"
req "$next"
is "page 2: 200" "$code" 200
is "page 2: the last record" "$(py '[i["data"]["id"] for i in d["data"]]')" "['$U3']"
is "page 2: no next link" "$(py '[l["rel"] for l in d["links"]]')" "['self']"
is "page 2: self link is the request" "$(py 'd["links"][0]["uri"]')" "$next"
req "/v3.1/users?limit=2"
is "v3.1: 200" "$code" 200
is "v3.1: items' uri in v3.1" "$(py 'd["data"][0]["uri"]')" "/v3.1/users/$U1"
is "v3.1: next link in v3.1" "$(py '[l["uri"] for l in d["links"] if l["rel"]=="next"][0]')" "/v3.1/users?limit=2&starting_after=$U2"
req "/v3.2/users"
is "v3.2: 404" "$code" 404
req "/v3.0/users"
is "default limit 100: all 3, no next" "$(py '(len(d["data"]), len(d["links"]))')" "(3, 1)"
req "/v3.0/users?limit=3"
is "limit = count: no next" "$(py '[l["rel"] for l in d["links"]]')" "['self']"
req "/v3.0/users?starting_after=$U3"
is "after the last: empty data" "$code $(py 'd')" "200 {'data': [], 'links': [{'rel': 'self', 'uri': '/v3.0/users?starting_after=$U3'}]}"
req "/v3.0/users?starting_after=nope"
is "starting_after an unknown id: 400" "$code $(py 'd')" "400 {'message': 'starting_after: no users record has id nope'}"
req "/v3.0/users?limit=10001"
is "limit 10001: 413 with a message" "$code $(py '"message" in d')" "413 True"
req "/v3.0/users?limit=10000"
is "limit 10000: 200" "$code" 200
for l in 0 -1 x 2.5 ''; do
	req "/v3.0/users?limit=$l"
	is "limit=$l: 400" "$code $(py '"message" in d')" "400 True"
done
req "/v3.0/students"
is "unknown entity: 404 Not Found" "$code $(py 'd')" "404 {'message': 'Not Found'}"
req "/v3.0/users/$U1"
is "single-record path: 404" "$code" 404
req noauth "/v3.0/users"
is "no token: 401 Unauthorized" "$code $(py 'd')" "401 {'message': 'Unauthorized'}"
req noauth -H "Authorization: Bearer wrong" "/v3.0/users"
is "wrong token: 401" "$code" 401
req noauth -H "Authorization: bearer $HTTPD_TOKEN" "/v3.0/users"
is "lower-case bearer: 401" "$code" 401
req noauth -H "Authorization: Bearer  $HTTPD_TOKEN" "/v3.0/users"
is "two spaces: 401" "$code" 401
req noauth -H "Authorization: Bearer $HTTPD_TOKEN" -H "Authorization: Bearer $HTTPD_TOKEN" "/v3.0/users"
is "two Authorization headers: 401" "$code" 401
req noauth "/v3.0/students"
is "no token on an unknown path: 401 first" "$code" 401
req -X POST "/v3.0/users"
is "POST: 405" "$code $(header Allow)" "405 GET"
code=$(curl -sS -o /dev/null -o /dev/null -w '%{http_code}:%{num_connects} ' \
	-H "Authorization: Bearer $HTTPD_TOKEN" "$HTTPD_URL/v3.0/users?limit=1" "$HTTPD_URL/v3.0/users?limit=2")
is "keep-alive: two requests on one connection" "$code" "200:1 200:0 "
pid=$HTTPD_PID
httpd_stop
wait "$pid" 2>/dev/null
is "SIGTERM: exit status 0" "$?" 0
is "stderr is empty" "$(cat "$tmp/err1")" ""
check "log: one line per request" grep -qx "GET /v3.0/users?limit=2 200 auth=ok" "$HTTPD_LOG"
check "log: bad auth noted" grep -qx "GET /v3.0/users 401 auth=bad" "$HTTPD_LOG"
check "log: 413 noted" grep -qx "GET /v3.0/users?limit=10001 413 auth=ok" "$HTTPD_LOG"
check "log: no token" eval '! grep -q -e test-token-123 -e wrong -e Bearer -e Authorization "$HTTPD_LOG"'
cp "$HTTPD_LOG" "$tmp/clever.log"

echo "# clever: faults"
httpd_start clever "$tmp/clever" \
	--fault 429:/v3.0/users:2:3 --fault 500:/v3.0/sections:1 --fault 401:/v3.0/terms \
	--fault truncate:/v3.0/schools:2 --fault hang:/v3.0/courses:2 \
	--fault 429:/v3.0/districts:1:0 2>"$tmp/err2" || { bad "clever fault server starts" "$(cat "$tmp/err2")"; exit 1; }
req "/v3.0/users?limit=2"
is "429 #1: status, Retry-After" "$code $(header Retry-After)" "429 3"
check "429 #1: X-RateLimit-Reset is a Unix time" eval '[[ $(header X-RateLimit-Reset) =~ ^[0-9]{10}$ ]]'
is "429 #1: JSON error body" "$(py 'd')" "{'message': 'Too Many Requests'}"
req "/v3.0/users?limit=2&starting_after=$U1"
is "429 #2 (another query, same path)" "$code" 429
req "/v3.0/users?limit=2"
is "429 then served: request 3 is 200" "$code $(py 'len(d["data"])')" "200 2"
req "/v3.0/districts"
is "429 with Retry-After: 0" "$code $(header Retry-After)" "429 0"
req "/v3.0/districts"
is "429 N=1: second is 200" "$code" 200
req "/v3.0/sections"
is "500 #1" "$code $(py '"message" in d')" "500 True"
req "/v3.0/sections"
is "500 N=1: second is 200" "$code" 200
for i in 1 2 3; do
	req "/v3.0/terms"
	is "401 fault with the right token, #$i" "$code $(py 'd')" "401 {'message': 'Unauthorized'}"
done
req "/v3.0/schools"
full=$(wc -c <"$tmp/body")
is "truncate K=2: request 1 is whole JSON" "$code $(py 'len(d["data"])')" "200 3"
req "/v3.0/schools"
got=$(wc -c <"$tmp/body")
is "truncate K=2: request 2 is 200" "$code $curl_rc" "200 0"
is "truncate: Content-Length = bytes sent" "$(header Content-Length)" "$got"
is "truncate: half the body" "$got" "$((full / 2))"
check "truncate: JSON does not parse" eval '! python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/body" 2>/dev/null'
req "/v3.0/schools"
is "truncate: request 3 is whole again" "$code $(py 'len(d["data"])')" "200 3"
t0=$(date +%s.%N)
req --max-time 0.5 "/v3.0/courses"
is "hang: first request times out (curl 28)" "$curl_rc" 28
req --max-time 5 "/v3.0/courses"
t1=$(date +%s.%N)
is "hang: second request is answered at once" "$code $(py 'len(d["data"])')" "200 3"
check "hang: second request did not wait for the first" python3 -c "import sys; sys.exit(not float(sys.argv[2]) - float(sys.argv[1]) < 1.5)" "$t0" "$t1"
req --max-time 5 "/v3.0/users?limit=1"
is "other paths unaffected by faults" "$code" 200
httpd_stop
is "fault run: stderr is empty (hung handler and dropped client)" "$(cat "$tmp/err2")" ""
check "log: fault named" grep -qx "GET /v3.0/users?limit=2 429 auth=ok fault=429" "$HTTPD_LOG"
check "log: 401 fault with a good token" grep -qx "GET /v3.0/terms 401 auth=ok fault=401" "$HTTPD_LOG"
check "log: truncate" grep -qx "GET /v3.0/schools 200 auth=ok fault=truncate" "$HTTPD_LOG"
check "log: no token" eval '! grep -q -e test-token-123 -e Bearer "$HTTPD_LOG"'

# ---------------------------------------------------------------- OneRoster
echo "# oneroster: paging, auth, errors"
B=/ims/oneroster/v1p1
httpd_start oneroster "$tmp/or" 2>"$tmp/err3" || { bad "oneroster server starts" "$(cat "$tmp/err3")"; exit 1; }
req "$B/users?limit=2"
is "page 1: 200, 2 records" "$code $(py '[u["sourcedId"] for u in d["users"]]')" "200 ['u-1', 'u-2']"
is "page 1: only the collection key" "$(py 'list(d)')" "['users']"
is "page 1: X-Total-Count" "$(header X-Total-Count)" 3
is "page 1: Link rel=next" "$(header Link)" "<$HTTPD_URL$B/users?limit=2&offset=2>; rel=\"next\""
req "$B/users?limit=2&offset=2"
is "page 2: the last record" "$code $(py '[u["sourcedId"] for u in d["users"]]')" "200 ['u-3']"
is "page 2: X-Total-Count" "$(header X-Total-Count)" 3
is "page 2: no Link header" "$(grep -ci '^link:' "$tmp/hdr")" 0
req "$B/users"
is "defaults limit 100 offset 0: all 3, no Link" "$(py 'len(d["users"])') $(grep -ci '^link:' "$tmp/hdr")" "3 0"
req "$B/users?offset=5"
is "offset past the end: empty page" "$code $(py 'd') $(header X-Total-Count)" "200 {'users': []} 3"
req "$B/orgs"
is "missing data file: 404 (a collection not served)" "$code" 404
req "$B/classes?limit=1&offset=1"
is "other collection, own key" "$(py '[c["sourcedId"] for c in d["classes"]]')" "['u-2']"
req "$B/users?limit=0"
is "limit=0: 400 imsx" "$code $(py 'd["imsx_statusInfo"]["imsx_codeMajor"]')" "400 failure"
req "$B/users?offset=-1"
is "offset=-1: 400" "$code" 400
req "$B/students"
is "unknown collection: 404 imsx" "$code $(py 'd["imsx_statusInfo"]["imsx_codeMajor"], d["imsx_statusInfo"]["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]')" "404 ('failure', 'unknownobject')"
req noauth "$B/users"
is "no token: 401 imsx" "$code $(py 'd["imsx_statusInfo"]["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]')" "401 unauthorisedrequest"
req noauth -H "Authorization: Bearer wrong-token-xyz" "$B/users"
is "wrong token: 401" "$code" 401
httpd_stop
check "log: one line per request" grep -qx "GET $B/users?limit=2&offset=2 200 auth=ok" "$HTTPD_LOG"
check "log: bad auth noted" grep -qx "GET $B/users 401 auth=bad" "$HTTPD_LOG"
check "log: no token" eval '! grep -q -e test-token-123 -e Bearer -e wrong-token-xyz "$HTTPD_LOG"'

echo "# oneroster: faults"
httpd_start oneroster "$tmp/or" \
	--fault "429:$B/users:1:0" --fault "500:$B/classes:2" --fault "401:$B/courses" \
	--fault "truncate:$B/enrollments:1" --fault "hang:$B/academicSessions:3" \
	2>"$tmp/err4" || { bad "oneroster fault server starts" "$(cat "$tmp/err4")"; exit 1; }
req "$B/users?limit=2"
is "429: Retry-After 0, imsx server_busy" "$code $(header Retry-After) $(py 'd["imsx_statusInfo"]["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]')" "429 0 server_busy"
req "$B/users?limit=2"
is "429 N=1: retry is 200" "$code $(header X-Total-Count)" "200 3"
req "$B/classes"
is "500 #1" "$code $(py 'd["imsx_statusInfo"]["imsx_codeMajor"]')" "500 failure"
req "$B/classes"
is "500 #2" "$code" 500
req "$B/classes"
is "500 N=2: third is 200" "$code" 200
req "$B/courses"
is "401 fault with the right token" "$code" 401
req "$B/enrollments?limit=2"
got=$(wc -c <"$tmp/body")
is "truncate K=1: 200" "$code $curl_rc" "200 0"
is "truncate: Content-Length = bytes sent" "$(header Content-Length)" "$got"
is "truncate: paging headers kept" "$(header X-Total-Count)" 3
check "truncate: JSON does not parse" eval '! python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/body" 2>/dev/null'
req "$B/enrollments?limit=2"
is "truncate: request 2 is whole" "$(py 'len(d["enrollments"])')" 2
t0=$(date +%s.%N)
req --max-time 0.4 "$B/academicSessions"
is "hang: times out" "$curl_rc" 28
req "$B/academicSessions"
is "hang: next request is answered" "$code" 200
pid=$HTTPD_PID
kill -TERM "$pid"
wait "$pid"
is "SIGTERM while a handler hangs: exit status 0" "$?" 0
t1=$(date +%s.%N)
check "SIGTERM while a handler hangs: quick exit" python3 -c "import sys; sys.exit(not float(sys.argv[2]) - float(sys.argv[1]) < 2)" "$t0" "$t1"
unset HTTPD_PID
is "fault run: stderr is empty" "$(cat "$tmp/err4")" ""
check "log: hang noted with its final status" grep -qx "GET $B/academicSessions 200 auth=ok" "$HTTPD_LOG"

# ---------------------------------------------------------------- OAuth, 1.2
echo "# oneroster: OAuth 2.0 client credentials, 1.2 paths, more faults"
B2=/ims/oneroster/rostering/v1p2
httpd_start oneroster "$tmp/or" --auth oauth2 --or-version 1.2 --token-requests 2 \
	--scope roster-core.readonly --fault "reset:$B2/classes:1" --fault "503:$B2/courses:1:2" \
	--fault "403:$B2/enrollments" 2>"$tmp/err6" || { bad "oauth2 server starts" "$(cat "$tmp/err6")"; exit 1; }
basic=$(printf '%s:%s' "$HTTPD_CLIENT_ID" "$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$HTTPD_SECRET")" | base64 -w0)
req noauth -H "Authorization: Basic $basic" -d grant_type=client_credentials -d scope=roster-core.readonly /oauth/token
is "token: 200, Bearer, expires_in, no-store" "$code $(py 'd["token_type"], d["expires_in"]') $(header Cache-Control)" "200 ('Bearer', 3600) no-store"
tok=$(py 'd["access_token"]')
req noauth -H "Authorization: Basic $basic" -d grant_type=client_credentials /oauth/token
is "token without the scope: 400 invalid_scope" "$code $(py 'd')" "400 {'error': 'invalid_scope'}"
req noauth -H "Authorization: Basic $(printf '%s:wrong' "$HTTPD_CLIENT_ID" | base64 -w0)" -d grant_type=client_credentials /oauth/token
is "wrong secret: 401 invalid_client, Basic challenge" "$code $(py 'd') $(header WWW-Authenticate)" "401 {'error': 'invalid_client'} Basic realm=\"rosterpipe-test\""
req noauth -H "Authorization: Basic $basic" -d grant_type=password /oauth/token
is "another grant: 400 unsupported_grant_type" "$code $(py 'd["error"]')" "400 unsupported_grant_type"
req noauth -H "Authorization: Bearer $tok" "$B2/users?limit=1"
is "1.2 path with the token: 200" "$code $(py 'len(d["users"])')" "200 1"
req noauth -H "Authorization: Bearer $tok" "$B/users?limit=1"
is "1.1 path on a 1.2 server: 404" "$code" 404
req noauth -H "Authorization: Bearer $tok" "$B2/users?limit=1"
is "token past 2 requests: 401 invalid_token" "$code $(header WWW-Authenticate)" "401 Bearer realm=\"rosterpipe-test\", error=\"invalid_token\", error_description=\"The access token expired\""
req noauth -H "Authorization: Basic $basic" -d grant_type=client_credentials -d scope=roster-core.readonly /oauth/token
tok=$(py 'd["access_token"]')
req noauth -H "Authorization: Bearer $tok" "$B2/classes"
is "reset: the transfer breaks (curl 18 or 56)" "$curl_rc" "$( [ "$curl_rc" = 56 ] && echo 56 || echo 18)"
req noauth -H "Authorization: Bearer $tok" "$B2/courses"
is "503 with Retry-After" "$code $(header Retry-After)" "503 2"
req noauth -H "Authorization: Basic $basic" -d grant_type=client_credentials -d scope=roster-core.readonly /oauth/token
tok=$(py 'd["access_token"]')
req noauth -H "Authorization: Bearer $tok" "$B2/enrollments"
is "403 fault: insufficient_scope" "$code $(header WWW-Authenticate)" "403 Bearer realm=\"rosterpipe-test\", error=\"insufficient_scope\""
httpd_stop
is "oauth2 run: stderr is empty" "$(cat "$tmp/err6")" ""
check "log: token requests, never a token or secret" eval 'grep -q "^POST /oauth/token 200 auth=ok$" "$HTTPD_LOG" && ! grep -q -e "$tok" -e Basic "$HTTPD_LOG"'

echo "# oneroster: OAuth 1.0a signatures checked by oauthlib"
httpd_start oneroster "$tmp/or" --auth oauth1 2>"$tmp/err7" || { bad "oauth1 server starts" "$(cat "$tmp/err7")"; exit 1; }
sign() { "$(httpd_python)" -c 'import sys; from oauthlib.oauth1 import Client, SIGNATURE_HMAC_SHA256 as M
c = Client(sys.argv[1], client_secret=open(sys.argv[2]).readline().rstrip("\n"), signature_method=M)
print(c.sign(sys.argv[3])[1]["Authorization"])' "$HTTPD_CLIENT_ID" "$HTTPD_SECRET_FILE" "$HTTPD_URL$1"; }
h=$(sign "$B/users?limit=2&offset=1")
req noauth -H "Authorization: $h" "$B/users?limit=2&offset=1"
is "a signed request: 200" "$code $(py 'len(d["users"])')" "200 2"
req noauth -H "Authorization: $h" "$B/users?limit=2&offset=1"
is "the same nonce again: 401, OAuth challenge" "$code $(header WWW-Authenticate)" "401 OAuth realm=\"rosterpipe-test\""
h=$(sign "$B/users?limit=2&offset=1")
req noauth -H "Authorization: $h" "$B/users?limit=2&offset=2"
is "a signature for another query: 401" "$code" 401
httpd_stop
is "oauth1 run: stderr is empty" "$(cat "$tmp/err7")" ""

# ---------------------------------------------------------------- lifetime, usage
echo "# lifetime and usage"
httpd_start oneroster "$tmp/or" --max-seconds 0.5 2>"$tmp/err5"
pid=$HTTPD_PID
sleep 1.2
if kill -0 "$pid" 2>/dev/null; then
	bad "--max-seconds 0.5: gone after 1.2 s"
else
	ok "--max-seconds 0.5: gone after 1.2 s"
	wait "$pid"
	is "--max-seconds: exit status 0" "$?" 0
fi
unset HTTPD_PID
is "--max-seconds: stderr is empty" "$(cat "$tmp/err5")" ""
check "port file written atomically (no .tmp left)" eval '[ -s "$tmp/httpd.port" ] && [ ! -e "$tmp/httpd.port.tmp" ]'

py_run() { python3 "$here/httpd.py" --root "$tmp/or" --token-file "$HTTPD_TOKEN_FILE" --max-seconds 5 "$@" 2>"$tmp/usage.err" >/dev/null; }
py_run --mode oneroster --fault "429:$B/users:1"
is "bad fault spec: exit 2" "$? $(grep -c 'expected 429:PATH:N:S' "$tmp/usage.err")" "2 1"
py_run --mode oneroster --fault "429:/v3.0/users:1:0"
is "fault path of the other mode: exit 2" "$?" 2
py_run --mode clever --fault "boom:/v3.0/users"
is "unknown fault kind: exit 2" "$?" 2
py_run --mode nope
is "bad mode: exit 2" "$?" 2
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(3)' >"$tmp/busy" &
busy=$!
for _ in $(seq 40); do [ -s "$tmp/busy" ] && break; sleep 0.05; done
py_run --mode clever --port "$(cat "$tmp/busy")"
is "port in use: exit 1, one line on stderr" "$? $(wc -l <"$tmp/usage.err")" "1 1"
kill "$busy" 2>/dev/null
wait "$busy" 2>/dev/null

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
