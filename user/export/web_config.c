// SPDX-License-Identifier: GPL-2.0
/* --web-config: the exporter-toolkit's YAML, with libyaml; bcrypt with crypt_r(). See web_config.h.
 */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "web_config.h"

/* A certificate or key file larger than this is not one. */
#define PEM_MAX (1 << 20)
/* bcrypt: "$2b$" + 2 digits of cost + "$" + 22 of salt + 31 of hash. */
#define BCRYPT_LEN 60

/* Keys the exporter-toolkit knows that uevscope does not serve: refused by name. */
static const char *const tls_unsupported[] = {"cert",
					      "key",
					      "client_auth_type",
					      "client_ca_file",
					      "client_ca",
					      "cipher_suites",
					      "curve_preferences",
					      "min_version",
					      "max_version",
					      "prefer_server_cipher_suites",
					      "client_allowed_sans",
					      NULL};
static const char *const http_unsupported[] = {"http2", "headers", NULL};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static yaml_node_t *node(yaml_document_t *doc, int id)
{
	return yaml_document_get_node(doc, id);
}

/* A plain scalar's text, or NULL for a mapping or sequence. */
static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Every key of a mapping is a scalar, and none is there twice (the toolkit refuses both). */
static int check_keys(yaml_document_t *doc, yaml_node_t *map, const char *where, char *err,
		      size_t errlen)
{
	yaml_node_pair_t *p, *q;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(doc, p->key));

		if (!k)
			return fail(err, errlen, "%s: a key that is not a plain string", where);
		for (q = map->data.mapping.pairs.start; q < p; q++)
			if (!strcmp(k, scalar(node(doc, q->key))))
				return fail(err, errlen, "%s: '%s' is given twice", where, k);
	}
	return 0;
}

static char *resolve(const char *dir, const char *file)
{
	char *out;

	if (file[0] == '/' || !dir || !dir[0])
		return strdup(file);
	if (asprintf(&out, "%s/%s", dir, file) < 0)
		return NULL;
	return out;
}

/* The whole of a small file, NUL-terminated; NULL with errno set. */
static char *read_small(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int bad;

	if (!f)
		return NULL;
	buf = malloc(PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, PEM_MAX + 1, f);
	bad = ferror(f) ? EIO : n > PEM_MAX ? EFBIG : 0;
	fclose(f);
	if (bad) {
		free(buf);
		errno = bad;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int read_pem(const char *what, const char *path, const char *marker, char **out, char *err,
		    size_t errlen)
{
	*out = read_small(path, NULL);
	if (!*out)
		return fail(err, errlen, "cannot read the %s %s: %s", what, path, strerror(errno));
	if (!strstr(*out, marker))
		return fail(err, errlen, "the %s %s is not PEM (no '%s' line)", what, path, marker);
	return 0;
}

static int parse_tls(yaml_document_t *doc, yaml_node_t *map, const char *dir, struct web_config *wc,
		     char *err, size_t errlen)
{
	yaml_node_pair_t *p;
	const char *cert = NULL, *key = NULL;

	if (map->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "tls_server_config: wants cert_file and key_file");
	if (check_keys(doc, map, "tls_server_config", err, errlen))
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(doc, p->key)), *v = scalar(node(doc, p->value));

		if (listed(tls_unsupported, k))
			return fail(err, errlen,
				    "tls_server_config: %s is not supported by uevscope (only "
				    "cert_file and key_file)",
				    k);
		if (strcmp(k, "cert_file") && strcmp(k, "key_file"))
			return fail(err, errlen, "tls_server_config: unknown key '%s'", k);
		if (!v || !v[0])
			return fail(err, errlen, "tls_server_config: %s wants a file name", k);
		if (!strcmp(k, "cert_file"))
			cert = v;
		else
			key = v;
	}
	if (!cert || !key)
		return fail(err, errlen, "tls_server_config: wants both cert_file and key_file");
	wc->cert_file = resolve(dir, cert);
	wc->key_file = resolve(dir, key);
	if (!wc->cert_file || !wc->key_file)
		return fail(err, errlen, "out of memory");
	if (read_pem("certificate", wc->cert_file, "-----BEGIN CERTIFICATE-----", &wc->cert_pem,
		     err, errlen) ||
	    read_pem("key", wc->key_file, "PRIVATE KEY-----", &wc->key_pem, err, errlen))
		return -1;
	return 0;
}

static int parse_users(yaml_document_t *doc, yaml_node_t *map, struct web_config *wc, char *err,
		       size_t errlen)
{
	yaml_node_pair_t *p;
	size_t n;

	if (map->type == YAML_SCALAR_NODE && !map->data.scalar.length)
		return 0; /* "basic_auth_users:" with nothing under it */
	if (map->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "basic_auth_users: wants 'user: bcrypt hash' lines");
	if (check_keys(doc, map, "basic_auth_users", err, errlen))
		return -1;
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	wc->users = calloc(n ? n : 1, sizeof(*wc->users));
	if (!wc->users)
		return fail(err, errlen, "out of memory");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(doc, p->key)), *v = scalar(node(doc, p->value));
		struct web_user *u = &wc->users[wc->nusers];

		if (!k[0] || strchr(k, ':'))
			return fail(err, errlen, "basic_auth_users: '%s' cannot be a user name", k);
		if (!v || !bcrypt_hash_valid(v))
			return fail(
			    err, errlen,
			    "basic_auth_users: %s: not a bcrypt hash ($2y$10$...); make one "
			    "with 'htpasswd -nBC 10 %s'",
			    k, k);
		u->name = strdup(k);
		u->hash = strdup(v);
		if (!u->name || !u->hash) {
			free(u->name);
			free(u->hash);
			return fail(err, errlen, "out of memory");
		}
		wc->nusers++;
	}
	return 0;
}

static int parse_doc(yaml_document_t *doc, const char *dir, struct web_config *wc, char *err,
		     size_t errlen)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *p;

	if (!root || (root->type == YAML_SCALAR_NODE && !root->data.scalar.length))
		return 0; /* an empty file: plain HTTP, no users, as with the toolkit */
	if (root->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "wants a mapping (tls_server_config:, basic_auth_users:)");
	if (check_keys(doc, root, "the top level", err, errlen))
		return -1;
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(doc, p->key));
		yaml_node_t *v = node(doc, p->value);

		if (!strcmp(k, "tls_server_config")) {
			if (parse_tls(doc, v, dir, wc, err, errlen))
				return -1;
		} else if (!strcmp(k, "basic_auth_users")) {
			if (parse_users(doc, v, wc, err, errlen))
				return -1;
		} else if (!strcmp(k, "http_server_config")) {
			yaml_node_pair_t *q;

			if (v->type == YAML_SCALAR_NODE && !v->data.scalar.length)
				continue;
			if (v->type != YAML_MAPPING_NODE)
				return fail(err, errlen, "http_server_config: wants a mapping");
			if (check_keys(doc, v, "http_server_config", err, errlen))
				return -1;
			for (q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
				k = scalar(node(doc, q->key));
				return fail(
				    err, errlen,
				    listed(http_unsupported, k)
					? "http_server_config: %s is not supported by uevscope"
					: "http_server_config: unknown key '%s'",
				    k);
			}
		} else {
			return fail(err, errlen,
				    "unknown key '%s' (uevscope knows tls_server_config, "
				    "basic_auth_users)",
				    k);
		}
	}
	return 0;
}

int web_config_parse(const char *text, size_t len, const char *dir, struct web_config *wc,
		     char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;

	memset(wc, 0, sizeof(*wc));
	if (!yaml_parser_initialize(&parser))
		return fail(err, errlen, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = fail(err, errlen, "not YAML: %s at line %zu", parser.problem,
			  parser.problem_mark.line + 1);
		yaml_parser_delete(&parser);
		return rc;
	}
	rc = parse_doc(&doc, dir, wc, err, errlen);
	yaml_document_delete(&doc);
	/* A second document ("---") would be ignored by a reader that stops at the first. */
	if (!rc && yaml_parser_load(&parser, &doc)) {
		if (yaml_document_get_root_node(&doc))
			rc = fail(err, errlen, "more than one YAML document");
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (rc)
		web_config_free(wc);
	return rc;
}

int web_config_load(const char *path, struct web_config *wc, char *err, size_t errlen)
{
	char msg[384], *text, *dir, *slash;
	size_t len;
	int rc;

	memset(wc, 0, sizeof(*wc));
	text = read_small(path, &len);
	if (!text)
		return fail(err, errlen, "cannot read --web-config %s: %s", path, strerror(errno));
	dir = strdup(path);
	if (!dir) {
		free(text);
		return fail(err, errlen, "out of memory");
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	rc = web_config_parse(text, len, slash && slash == dir ? "/" : dir, wc, msg, sizeof(msg));
	if (rc)
		fail(err, errlen, "--web-config %s: %s", path, msg);
	free(dir);
	free(text);
	return rc;
}

void web_config_free(struct web_config *wc)
{
	size_t i;

	for (i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	free(wc->cert_file);
	free(wc->key_file);
	if (wc->key_pem)
		explicit_bzero(wc->key_pem, strlen(wc->key_pem));
	free(wc->key_pem);
	free(wc->cert_pem);
	memset(wc, 0, sizeof(*wc));
}

bool bcrypt_hash_valid(const char *h)
{
	static const char b64[] =
	    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != BCRYPT_LEN || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) ||
	    h[3] != '$' || h[6] != '$' || h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	return strspn(h + 7, b64) == BCRYPT_LEN - 7;
}

bool bcrypt_check(const char *hash, const char *password)
{
	struct crypt_data *cd;
	unsigned char diff = 0;
	const char *out;
	size_t i;

	if (!bcrypt_hash_valid(hash))
		return false;
	cd = calloc(1, sizeof(*cd)); /* 32 KiB: not on a connection thread's stack */
	if (!cd)
		return false;
	out = crypt_r(password, hash, cd);
	if (!out || strlen(out) != BCRYPT_LEN) {
		free(cd);
		return false;
	}
	for (i = 0; i < BCRYPT_LEN; i++)
		diff |= (unsigned char)(out[i] ^ hash[i]);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return diff == 0;
}

bool web_config_auth(const struct web_config *wc, const char *user, const char *password)
{
	size_t i;

	if (!wc->nusers || !user || !password)
		return false;
	for (i = 0; i < wc->nusers; i++)
		if (!strcmp(wc->users[i].name, user))
			return bcrypt_check(wc->users[i].hash, password);
	/* The same work as for a known user (the first user's hash has a configured cost). */
	bcrypt_check(wc->users[0].hash, password);
	return false;
}
