/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `uevscope export --web-config FILE`: the Prometheus exporter-toolkit's web
 * configuration (YAML), the part uevscope serves: a TLS certificate and key
 * (tls_server_config: cert_file, key_file) and basic-auth users with bcrypt
 * hashes (basic_auth_users:). Anything else the toolkit knows is refused by
 * name rather than ignored, so a file never asks for more than it gets.
 */
#ifndef UEVSCOPE_WEB_CONFIG_H
#define UEVSCOPE_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct web_user {
	char *name;
	char *hash; /* bcrypt: $2a$, $2b$ or $2y$ */
};

struct web_config {
	char *cert_file; /* as resolved: relative to the file's folder */
	char *key_file;
	char *cert_pem; /* the files' contents, read at load time; NULL without TLS */
	char *key_pem;
	struct web_user *users;
	size_t nusers;
};

/*
 * Parses YAML text; relative file names are resolved against dir (the
 * config file's folder), and the certificate and key are read. 0, or -1
 * with one line in err.
 */
int web_config_parse(const char *text, size_t len, const char *dir, struct web_config *wc,
		     char *err, size_t errlen);
/* Reads and parses path. 0, or -1 with one line in err (which names the file). */
int web_config_load(const char *path, struct web_config *wc, char *err, size_t errlen);
void web_config_free(struct web_config *wc);

/* A well-formed bcrypt hash ($2a$/$2b$/$2y$, cost 04-31, 53 characters of salt and hash). */
bool bcrypt_hash_valid(const char *hash);
/* password hashes to hash (crypt_r(), compared in constant time). */
bool bcrypt_check(const char *hash, const char *password);
/*
 * user and password match a configured user. An unknown user costs a
 * bcrypt too, so the time taken does not say which users exist.
 */
bool web_config_auth(const struct web_config *wc, const char *user, const char *password);

#endif /* UEVSCOPE_WEB_CONFIG_H */
