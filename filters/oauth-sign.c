/* oauth-sign: the Authorization header of one request to a OneRoster
 * server (OAuth 1.0a, or OAuth 2.0's client credentials), so that shell
 * pipelines hand signed requests to curl without a secret on any command
 * line; and a token endpoint's answer read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "oauth.h"
#include "opts.h"
#include "xalloc.h"

static const char usage[] =
	"usage: oauth-sign --client-id ID (--secret-file F | --secret-fd N) [--method M] URL\n"
	"       oauth-sign --basic --client-id ID (--secret-file F | --secret-fd N)\n"
	"       oauth-sign --token [FILE]\n"
	"\n"
	"Prints the value of an Authorization header (one line), so that a script\n"
	"hands it to curl on curl's standard input: the secret is read from a file\n"
	"or a file descriptor, never from the command line.\n"
	"\n"
	"  URL                  OAuth 1.0a (RFC 5849), as OneRoster 1.1 servers ask:\n"
	"                       OAuth oauth_consumer_key=\"ID\", oauth_nonce=...,\n"
	"                       oauth_signature=..., signed with HMAC-SHA256 over the\n"
	"                       method, the URL and every query parameter, with a\n"
	"                       fresh nonce (getrandom) and the clock's time (not\n"
	"                       SOURCE_DATE_EPOCH: servers refuse old timestamps)\n"
	"  --basic              Basic base64(ID:SECRET), each form-encoded first\n"
	"                       (RFC 6749 2.3.1): an OAuth 2.0 token request's\n"
	"                       client authentication\n"
	"  --token              reads a token endpoint's JSON answer (FILE or standard\n"
	"                       input) and prints the access token and expires_in\n"
	"                       (seconds; empty when the answer gives none), separated\n"
	"                       by a tab; an error answer, or one without a Bearer\n"
	"                       token, is exit 1 naming the server's error code\n"
	"\n"
	"  --client-id ID       the client id (OAuth 1.0a: the consumer key)\n"
	"  --secret-file F      the client secret: the first line of F (- standard input)\n"
	"  --secret-fd N        the client secret: the first line read from descriptor N\n"
	"  --method M           the request's method (default GET)\n"
	"  --signature-method S HMAC-SHA256 (default) or HMAC-SHA1\n"
	"  --timestamp T, --nonce N\n"
	"                       fixed values instead of the clock and a fresh nonce,\n"
	"                       for tests (a server refuses a nonce it has seen)\n"
	"  -h, --help           this help;  --version  the version\n"
	"\n"
	"Exit status: 0 success, 1 a token answer that holds no token, 2 usage error\n"
	"(no secret, a URL that cannot be signed), 4 a secret that cannot be read or\n"
	"no randomness.\n";

enum {
	OPT_CLIENT_ID = RP_OPT_FIRST_PROGRAM_OPTION,
	OPT_SECRET_FILE,
	OPT_SECRET_FD,
	OPT_METHOD,
	OPT_SIGNATURE_METHOD,
	OPT_TIMESTAMP,
	OPT_NONCE,
	OPT_BASIC,
	OPT_TOKEN,
};

/* Everything read from fd, up to max bytes; NULL with errno on error. */
static char *read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The secret: the first line of a file or descriptor, without its line
 * end. Exits 4 when it cannot be read, 2 when it is empty. */
static char *read_secret(const char *file, long fd)
{
	const char *name = file ? file : "--secret-fd";
	bool own = false;
	if (file && strcmp(file, "-") != 0) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			rp_die(RP_EXIT_IO, "--secret-file %s: %s", file, strerror(errno));
		own = true;
	} else if (file) {
		fd = STDIN_FILENO;
	}
	size_t len;
	char *s = read_all((int)fd, 64 * 1024, &len);
	if (!s)
		rp_die(RP_EXIT_IO, "%s: cannot read the secret: %s", name, strerror(errno));
	if (own)
		close((int)fd);
	size_t line = strcspn(s, "\n");
	while (line > 0 && s[line - 1] == '\r')
		line--;
	if (line < len)
		memset(s + line, 0, len - line);
	if (line == 0 || memchr(s, '\0', line))
		rp_die(RP_EXIT_USAGE, "%s: %s", name,
		       line ? "the secret holds a NUL byte" : "no secret (the first line is empty)");
	return s;
}

/* A server's words in a message: printable ASCII, at most 200 bytes. */
static void printable(char *s)
{
	size_t n = 0;
	for (char *p = s; *p && n < 200; p++, n++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	s[n] = '\0';
}

static int token_answer(const char *file)
{
	int fd = STDIN_FILENO;
	const char *name = file && strcmp(file, "-") != 0 ? file : "<stdin>";
	if (file && strcmp(file, "-") != 0 && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		rp_die(RP_EXIT_IO, "%s: %s", file, strerror(errno));
	size_t len;
	char *json = read_all(fd, 1024 * 1024, &len);
	if (!json)
		rp_die(RP_EXIT_IO, "%s: %s", name, strerror(errno));
	if (fd != STDIN_FILENO)
		close(fd);
	long expires;
	char *error = NULL;
	const char *why = NULL;
	char *token = oauth2_token(json, len, &expires, &error, &why);
	free(json);
	if (!token) {
		if (error)
			printable(error);
		rp_warnx("%s: %s%s%s", name, why, error ? ": " : "", error ? error : "");
		free(error);
		return RP_EXIT_DATA;
	}
	if (expires >= 0)
		printf("%s\t%ld\n", token, expires);
	else
		printf("%s\t\n", token);
	memset(token, 0, strlen(token));
	free(token);
	return fflush(stdout) || ferror(stdout) ? RP_EXIT_IO : RP_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"client-id", required_argument, NULL, OPT_CLIENT_ID},
		{"secret-file", required_argument, NULL, OPT_SECRET_FILE},
		{"secret-fd", required_argument, NULL, OPT_SECRET_FD},
		{"method", required_argument, NULL, OPT_METHOD},
		{"signature-method", required_argument, NULL, OPT_SIGNATURE_METHOD},
		{"timestamp", required_argument, NULL, OPT_TIMESTAMP},
		{"nonce", required_argument, NULL, OPT_NONCE},
		{"basic", no_argument, NULL, OPT_BASIC},
		{"token", no_argument, NULL, OPT_TOKEN},
		{0},
	};
	const char *client_id = NULL, *secret_file = NULL, *method = "GET";
	const char *sigmethod = "HMAC-SHA256", *timestamp = NULL, *nonce = NULL;
	long secret_fd = -1;
	bool basic = false, token = false;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		switch (c) {
		case OPT_CLIENT_ID: client_id = optarg; break;
		case OPT_SECRET_FILE: secret_file = optarg; break;
		case OPT_SECRET_FD:
			secret_fd = rp_parse_count(optarg, "--secret-fd", usage);
			break;
		case OPT_METHOD: method = optarg; break;
		case OPT_SIGNATURE_METHOD: sigmethod = optarg; break;
		case OPT_TIMESTAMP: timestamp = optarg; break;
		case OPT_NONCE: nonce = optarg; break;
		case OPT_BASIC: basic = true; break;
		case OPT_TOKEN: token = true; break;
		}
	}
	argc -= optind;
	argv += optind;

	if (token) {
		if (basic || client_id || secret_file || secret_fd >= 0 || argc > 1)
			rp_usage_error(usage, "--token takes one FILE (or none) and no other option");
		return token_answer(argc ? argv[0] : NULL);
	}
	if (!client_id || !*client_id)
		rp_usage_error(usage, "--client-id is required");
	if ((secret_file != NULL) == (secret_fd >= 0))
		rp_usage_error(usage, "give one of --secret-file F and --secret-fd N");
	if (strcmp(sigmethod, "HMAC-SHA256") != 0 && strcmp(sigmethod, "HMAC-SHA1") != 0)
		rp_usage_error(usage, "--signature-method: HMAC-SHA256 or HMAC-SHA1, not %s",
			       sigmethod);
	if (basic ? argc != 0 : argc != 1)
		rp_usage_error(usage, basic ? "--basic takes no URL" : "expected one URL");

	char *secret = read_secret(secret_file, secret_fd);
	char *header;
	const char *why = NULL;
	if (basic) {
		header = oauth2_basic(client_id, secret);
	} else {
		char now[32], fresh[OAUTH_NONCE_LEN + 1];
		if (!timestamp) {
			snprintf(now, sizeof now, "%lld", (long long)time(NULL));
			timestamp = now;
		}
		if (!nonce) {
			if (!oauth_nonce(fresh))
				rp_die(RP_EXIT_IO, "no randomness for a nonce: %s", strerror(errno));
			nonce = fresh;
		}
		struct oauth1_request rq = {
			.method = method,
			.url = argv[0],
			.consumer_key = client_id,
			.consumer_secret = secret,
			.signature_method = sigmethod,
			.timestamp = timestamp,
			.nonce = nonce,
			.version = true,
		};
		header = oauth1_header(&rq, &why);
	}
	memset(secret, 0, strlen(secret));
	free(secret);
	if (!header)
		rp_usage_error(usage, "%s: cannot sign it: %s", argv[0], why);
	puts(header);
	memset(header, 0, strlen(header));
	free(header);
	return fflush(stdout) || ferror(stdout) ? RP_EXIT_IO : RP_EXIT_OK;
}
