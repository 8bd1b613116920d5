#!/usr/bin/env bats
# oauth-sign: OAuth 1.0a Authorization headers (checked with python3-oauthlib,
# an implementation that is not ours), OAuth 2.0 Basic credentials, token
# answers; the secret only from a file or a descriptor.

setup() {
	load test_helper/common
	load httpd/httpd
	SECRET_FILE=$BATS_TEST_TMPDIR/secret
	(umask 077 && printf '%s\n' 's3cr&t +%/é' > "$SECRET_FILE")
	URL='HTTPS://Roster.Example:443/ims/oneroster/v1p1/users?limit=100&offset=0&filter=givenName%3D%27Zo%C3%AB%27&sort=a+b&x=%7E&empty&q=*'
}

# verify METHOD URL HEADER: python3-oauthlib accepts the header.
verify() {
	"$(httpd_python)" "$BATS_TEST_DIRNAME/httpd/oauth1-verify.py" "$1" "$2" rosterpipetestclient01 "$SECRET_FILE" "$3"
}

@test "oauth-sign: --help, --version, usage errors" {
	run -0 oauth-sign --help
	assert_line --index 0 --partial "usage: oauth-sign --client-id ID"
	run -0 oauth-sign --version
	assert_output "oauth-sign $RP_VERSION"
	run -2 --separate-stderr oauth-sign --secret-file "$SECRET_FILE" "$URL"
	assert_equal "${stderr_lines[0]}" "oauth-sign: --client-id is required"
	run -2 --separate-stderr oauth-sign --client-id c "$URL"
	assert_equal "${stderr_lines[0]}" "oauth-sign: give one of --secret-file F and --secret-fd N"
	# there is no way to give the secret itself on the command line
	run -2 oauth-sign --client-id c --secret 's3cret' "$URL"
	run -2 --separate-stderr oauth-sign --client-id c --secret-file "$SECRET_FILE" --signature-method PLAINTEXT "$URL"
	assert_equal "${stderr_lines[0]}" "oauth-sign: --signature-method: HMAC-SHA256 or HMAC-SHA1, not PLAINTEXT"
	run -2 --separate-stderr oauth-sign --client-id c --secret-file "$SECRET_FILE" /relative
	assert_equal "${stderr_lines[0]}" "oauth-sign: /relative: cannot sign it: not an absolute URL (scheme://host/path)"
}

@test "oauth-sign: a fixed nonce and timestamp give RFC 5849's header, the signature as oauthlib computes it" {
	run -0 oauth-sign --client-id rosterpipetestclient01 --secret-file "$SECRET_FILE" \
		--timestamp 1785585600 --nonce abcdefghijklmnopqrstuvwx "$URL"
	assert_output 'OAuth oauth_consumer_key="rosterpipetestclient01", oauth_nonce="abcdefghijklmnopqrstuvwx", oauth_signature="vEd5M1XV61IDVcIHI7uDaV%2B8PrABv%2FRt7bH%2BHmUMZsI%3D", oauth_signature_method="HMAC-SHA256", oauth_timestamp="1785585600", oauth_version="1.0"'
}

@test "oauth-sign: python3-oauthlib accepts fresh signatures over awkward URLs; a wrong secret or URL is refused" {
	for u in "$URL" 'http://127.0.0.1:8080/ims/oneroster/rostering/v1p2/users?limit=7&offset=14' \
		'http://h.example/p%20q/r?a=1&a=10&a=2&b=&c=%2B%26%3D' 'https://h.example'; do
		run -0 oauth-sign --client-id rosterpipetestclient01 --secret-file "$SECRET_FILE" "$u"
		run -0 verify GET "$u" "$output"
	done
	h=$(oauth-sign --client-id rosterpipetestclient01 --secret-file "$SECRET_FILE" --method post "$URL")
	run -0 verify POST "$URL" "$h"
	run -1 verify GET "$URL" "$h"
	run -1 verify POST "${URL/limit=100/limit=101}" "$h"
	h=$(printf 'another\n' | oauth-sign --client-id rosterpipetestclient01 --secret-file - "$URL")
	run -1 verify GET "$URL" "$h"
}

@test "oauth-sign: every call has a fresh nonce of 24 letters and digits and the clock's time, whatever SOURCE_DATE_EPOCH says" {
	nonces=$(for i in 1 2 3 4 5; do
		oauth-sign --client-id c --secret-file "$SECRET_FILE" http://h/x | grep -o 'oauth_nonce="[^"]*"'
	done)
	assert_equal "$(sort -u <<<"$nonces" | wc -l)" 5
	grep -qvE '^oauth_nonce="[A-Za-z0-9]{24}"$' <<<"$nonces" && fail "a nonce of another form: $nonces"
	ts=$(oauth-sign --client-id c --secret-file "$SECRET_FILE" http://h/x | sed 's/.*oauth_timestamp="\([0-9]*\)".*/\1/')
	now=$(date +%s)
	[ $((now - ts)) -le 5 ] && [ $((ts - now)) -le 5 ] || fail "timestamp $ts, clock $now"
}

@test "oauth-sign: the secret from a descriptor or standard input; an empty or unreadable one" {
	a=$(oauth-sign --client-id c --secret-file "$SECRET_FILE" --timestamp 1 --nonce n http://h/x)
	b=$(oauth-sign --client-id c --secret-fd 3 --timestamp 1 --nonce n http://h/x 3< "$SECRET_FILE")
	c=$(oauth-sign --client-id c --secret-file - --timestamp 1 --nonce n http://h/x < "$SECRET_FILE")
	d=$(printf 's3cr&t +%%/é\r\n' | oauth-sign --client-id c --secret-file - --timestamp 1 --nonce n http://h/x)
	assert_equal "$b" "$a"
	assert_equal "$c" "$a"
	assert_equal "$d" "$a"
	run -2 --separate-stderr oauth-sign --client-id c --secret-file /dev/null http://h/x
	assert_equal "$stderr" "oauth-sign: /dev/null: no secret (the first line is empty)"
	run -4 --separate-stderr oauth-sign --client-id c --secret-file "$BATS_TEST_TMPDIR/none" http://h/x
	assert_equal "$stderr" "oauth-sign: --secret-file $BATS_TEST_TMPDIR/none: No such file or directory"
	refute_output --partial 's3cr'
}

@test "oauth-sign --basic: RFC 6749 client credentials, form-encoded then base64" {
	run -0 oauth-sign --basic --client-id 'a b:c' --secret-file - <<<'p+%&'
	assert_output "Basic YStiJTNBYzpwJTJCJTI1JTI2"
	run -0 bash -c 'oauth-sign --basic --client-id rosterpipe --secret-fd 3 3<<<"s3cret" | cut -c7- | base64 -d'
	assert_output "rosterpipe:s3cret"
	run -2 oauth-sign --basic --client-id c --secret-file "$SECRET_FILE" http://h/x
}

@test "oauth-sign --token: the token and its lifetime; error answers name the server's code, never the token" {
	run -0 oauth-sign --token <<<'{"access_token":"tok-123","token_type":"Bearer","expires_in":3600,"scope":"x"}'
	assert_output $'tok-123\t3600'
	printf '{\n "access_token": "tok-9",\n "token_type": "bearer"\n}\n' > "$BATS_TEST_TMPDIR/answer"
	run -0 oauth-sign --token "$BATS_TEST_TMPDIR/answer"
	assert_output $'tok-9\t'
	run -1 --separate-stderr oauth-sign --token <<<'{"error":"invalid_client","error_description":"Client\nauthentication failed"}'
	assert_equal "$stderr" "oauth-sign: <stdin>: the server refused the request: invalid_client: Client?authentication failed"
	assert_output ""
	run -1 --separate-stderr oauth-sign --token <<<'{"access_token":"tok-123","token_type":"mac"}'
	assert_equal "$stderr" "oauth-sign: <stdin>: the token_type is not Bearer"
	run -1 --separate-stderr oauth-sign --token <<<'{"access_token":"tok-'
	assert_equal "$stderr" "oauth-sign: <stdin>: the answer is not a JSON object"
	run -2 oauth-sign --token --client-id c
}
