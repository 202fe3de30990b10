// SPDX-License-Identifier: GPL-2.0
/*
 * export --web-config without a network: the exporter-toolkit YAML (what is
 * taken, what is refused and how), bcrypt against known hashes, the basic-auth
 * check, and Accept-Encoding (gzip;q=0 refuses gzip).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/gzip.h"
#include "export/web_config.h"
#include "unit.h"

/*
 * Published bcrypt test vectors: Openwall's crypt_blowfish 1.3, wrapper.c,
 * tests[] (https://www.openwall.com/crypt/), the reference for $2a$/$2b$/$2y$.
 */
#define OW_UU	 "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" /* "U*U" */
#define OW_UUU	 "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK" /* "U*U*" */
#define OW_EMPTY "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy" /* "" */
/*
 * Made for this test: python3 -c "import crypt; print(crypt.crypt('hunter2',
 * '\$2y\$04\$abcdefghijklmnopqrstuu'))" and the same with '\$2b\$10\$...'.
 */
#define HUNTER2_2Y "$2y$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm"
#define S3CRET_2B  "$2b$10$0123456789abcdefghijkeUB6JF2coV1oAJUJ8VmmQLj0k0tL15dG"

static char dir[] = "/tmp/uevscope-webcfg-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_bcrypt_vectors(void)
{
	CHECK(bcrypt_check(OW_UU, "U*U"));
	CHECK(bcrypt_check(OW_UUU, "U*U*"));
	CHECK(bcrypt_check(OW_EMPTY, ""));
	CHECK(!bcrypt_check(OW_UU, "U*U*"));
	CHECK(!bcrypt_check(OW_UUU, "U*U"));
	CHECK(bcrypt_check(HUNTER2_2Y, "hunter2"));
	CHECK(!bcrypt_check(HUNTER2_2Y, "hunter3"));
	CHECK(!bcrypt_check(HUNTER2_2Y, "hunter2 "));
	CHECK(bcrypt_check(S3CRET_2B, "s3cret"));
	CHECK(!bcrypt_check(S3CRET_2B, "S3cret"));
}

static void test_bcrypt_malformed(void)
{
	CHECK(bcrypt_hash_valid(OW_UU));
	CHECK(bcrypt_hash_valid(HUNTER2_2Y));
	/* Not bcrypt: a SHA-512 crypt, a plain password, cost out of range, cut short. */
	CHECK(
	    !bcrypt_hash_valid("$6$salt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS"));
	CHECK(!bcrypt_hash_valid("hunter2"));
	CHECK(!bcrypt_hash_valid("$2y$03$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm"));
	CHECK(!bcrypt_hash_valid("$2y$32$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm"));
	CHECK(!bcrypt_hash_valid("$2x$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm"));
	CHECK(!bcrypt_hash_valid("$2y$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXV"));
	CHECK(!bcrypt_hash_valid("$2y$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRX!m"));
	/* A malformed hash never matches, whatever crypt_r() would make of it. */
	CHECK(!bcrypt_check("hunter2", "hunter2"));
	CHECK(!bcrypt_check("", ""));
}

static void test_yaml_full(void)
{
	static const char text[] = "# the exporter-toolkit's own example layout\n"
				   "tls_server_config:\n"
				   "  cert_file: server.crt\n"
				   "  key_file: /abs/ignored/../server.key\n"
				   "basic_auth_users:\n"
				   "  prometheus: " HUNTER2_2Y "\n"
				   "  alice: '" S3CRET_2B "'\n";
	const char *at = strstr(text, "/abs/ignored/..");
	char buf[1024], err[256] = "", want[160];
	struct web_config wc;
	int rc;

	write_file("server.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	write_file("server.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
	/* An absolute key_file is taken as it is: point it at the test folder. */
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, dir,
		 at + strlen("/abs/ignored/.."));
	rc = web_config_parse(buf, strlen(buf), dir, &wc, err, sizeof(err));
	if (rc) {
		unit_fail(__FILE__, __LINE__, "refused: %s", err);
		return;
	}
	snprintf(want, sizeof(want), "%s/server.crt", dir);
	CHECK_STR(want, wc.cert_file);
	snprintf(want, sizeof(want), "%s/server.key", dir);
	CHECK_STR(want, wc.key_file);
	CHECK_CONTAINS(wc.cert_pem, "BEGIN CERTIFICATE");
	CHECK_CONTAINS(wc.key_pem, "BEGIN PRIVATE KEY");
	CHECK_UINT(2, wc.nusers);
	CHECK_STR("prometheus", wc.users[0].name);
	CHECK_STR(S3CRET_2B, wc.users[1].hash);
	CHECK(web_config_auth(&wc, "prometheus", "hunter2"));
	CHECK(web_config_auth(&wc, "alice", "s3cret"));
	CHECK(!web_config_auth(&wc, "alice", "hunter2"));
	CHECK(!web_config_auth(&wc, "prometheus", ""));
	CHECK(!web_config_auth(&wc, "bob", "hunter2"));
	CHECK(!web_config_auth(&wc, NULL, NULL));
	web_config_free(&wc);
	CHECK(wc.users == NULL && wc.cert_pem == NULL);
}

static int parse(const char *text, struct web_config *wc)
{
	char err[256] = "";

	return web_config_parse(text, strlen(text), dir, wc, err, sizeof(err));
}

static void test_yaml_partial(void)
{
	struct web_config wc;

	/* Users only: plain HTTP with basic auth. */
	CHECK_INT(0, parse("basic_auth_users:\n  u: " OW_UU "\n", &wc));
	CHECK_UINT(1, wc.nusers);
	CHECK_NULL(wc.cert_pem);
	CHECK(web_config_auth(&wc, "u", "U*U"));
	web_config_free(&wc);
	/* An empty file and an empty section: nothing required, as with the toolkit. */
	CHECK_INT(0, parse("", &wc));
	CHECK_UINT(0, wc.nusers);
	CHECK(!web_config_auth(&wc, "u", "U*U"));
	web_config_free(&wc);
	CHECK_INT(0, parse("basic_auth_users:\nhttp_server_config:\n", &wc));
	web_config_free(&wc);
}

/* Refused, with one line naming what is wrong. */
static void refused(int line, const char *text, const char *want)
{
	char err[256] = "";
	struct web_config wc;

	if (!web_config_parse(text, strlen(text), dir, &wc, err, sizeof(err))) {
		web_config_free(&wc);
		unit_fail(__FILE__, line, "accepted: %s", text);
	} else if (!strstr(err, want) || strchr(err, '\n')) {
		unit_fail(__FILE__, line, "error '%s' does not say '%s'", err, want);
	} else if (wc.users || wc.cert_pem || wc.nusers) {
		unit_fail(__FILE__, line, "left allocations behind");
	}
}

static void test_yaml_refused(void)
{
	unsigned int before = unit_st.nfail;

	refused(__LINE__, "tls_server_config:\n  cert_file: server.crt\n",
		"wants both cert_file and key_file");
	refused(__LINE__,
		"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		"  client_ca_file: ca.crt\n",
		"client_ca_file is not supported by uevscope");
	refused(__LINE__,
		"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		"  min_version: TLS13\n",
		"min_version is not supported");
	refused(__LINE__, "tls_server_config:\n  cert_file: none.crt\n  key_file: server.key\n",
		"cannot read the certificate");
	refused(__LINE__, "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n",
		"is not PEM (no '-----BEGIN CERTIFICATE-----' line)");
	refused(__LINE__, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n",
		"is not PEM");
	refused(__LINE__, "tls_server_config: yes\n", "wants cert_file and key_file");
	refused(__LINE__, "basic_auth_users:\n  bob: hunter2\n", "bob: not a bcrypt hash");
	refused(__LINE__, "basic_auth_users:\n  bob: " OW_UU "\n  bob: " OW_UUU "\n",
		"'bob' is given twice");
	refused(__LINE__, "basic_auth_users:\n  'a:b': " OW_UU "\n", "'a:b' cannot be a user name");
	refused(__LINE__, "basic_auth_users:\n  - bob\n", "wants 'user: bcrypt hash' lines");
	refused(__LINE__, "basic_auth_user:\n  bob: " OW_UU "\n", "unknown key 'basic_auth_user'");
	refused(__LINE__, "http_server_config:\n  http2: false\n", "http2 is not supported");
	refused(__LINE__, "- a\n- b\n", "wants a mapping");
	refused(__LINE__, "tls_server_config: [\n", "not YAML");
	refused(__LINE__, "basic_auth_users: {}\n---\ntls_server_config: {}\n",
		"more than one YAML document");
	CHECK_UINT(before, unit_st.nfail);
}

static void test_load_names_file(void)
{
	char err[256] = "", path[128];
	struct web_config wc;

	snprintf(path, sizeof(path), "%s/web.yml", dir);
	write_file("web.yml",
		   "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
	CHECK_INT(0, web_config_load(path, &wc, err, sizeof(err)));
	CHECK_CONTAINS(wc.cert_file, "/server.crt");
	web_config_free(&wc);
	CHECK_INT(-1, web_config_load("/nonexistent/web.yml", &wc, err, sizeof(err)));
	CHECK_STR("cannot read --web-config /nonexistent/web.yml: No such file or directory", err);
	write_file("web.yml", "tls_server_config:\n  cert_file: x.crt\n  key_file: server.key\n");
	CHECK_INT(-1, web_config_load(path, &wc, err, sizeof(err)));
	CHECK_CONTAINS(err, "web.yml: cannot read the certificate");
}

static void test_accept_encoding(void)
{
	CHECK(gzip_accepted("gzip"));
	CHECK(gzip_accepted("gzip, deflate"));
	CHECK(gzip_accepted("deflate, GZIP;q=0.5"));
	CHECK(gzip_accepted("x-gzip"));
	CHECK(gzip_accepted("*"));
	CHECK(gzip_accepted("identity;q=1, *;q=0.1"));
	CHECK(gzip_accepted("gzip;q=1.000"));
	CHECK(gzip_accepted("gzip ; q=0.001"));
	CHECK(!gzip_accepted(NULL));
	CHECK(!gzip_accepted(""));
	CHECK(!gzip_accepted("gzip;q=0"));
	CHECK(!gzip_accepted("gzip;q=0.000"));
	CHECK(!gzip_accepted("gzip; q=0, deflate"));
	CHECK(!gzip_accepted("*;q=0"));
	CHECK(!gzip_accepted("gzip;q=0, *"));
	CHECK(!gzip_accepted("identity"));
	CHECK(!gzip_accepted("deflate, br"));
	CHECK(!gzip_accepted("gzipx"));
	CHECK(!gzip_accepted("gzip;q=abc"));
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	unit_suite("web_config");
	RUN(test_bcrypt_vectors, "bcrypt: Openwall's published vectors and $2y$/$2b$ hashes");
	RUN(test_bcrypt_malformed, "bcrypt: malformed hashes refused, never matched");
	RUN(test_yaml_full, "yaml: TLS files resolved and read, users, auth checked");
	RUN(test_yaml_partial, "yaml: users alone, an empty file, empty sections");
	RUN(test_yaml_refused, "yaml: unsupported, unknown, repeated, malformed: one line each");
	RUN(test_load_names_file, "yaml: errors from a file name the file");
	RUN(test_accept_encoding, "Accept-Encoding: gzip;q=0 refuses, * accepts, no header none");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		perror("rm");
	return unit_exit();
}
