#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "names.h"

struct nsr_docker {
	CURL *curl;
	char socket[256];
};

struct body {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	char *d = realloc(b->data, b->len + size * n + 1);

	if (!d)
		return 0;
	memcpy(d + b->len, p, size * n);
	b->data = d;
	b->len += size * n;
	d[b->len] = 0;
	return size * n;
}

int nsr_docker_open(nsr_docker **out, nsr_error *e)
{
	const char *host = getenv("DOCKER_HOST");
	nsr_docker *d;

	if (host && *host && strncmp(host, "unix://", 7))
		return nsr_failmsg(e, -EINVAL, "DOCKER_HOST=%s: only unix:// addresses are supported", host);
	if (!(d = calloc(1, sizeof *d)) || !(d->curl = curl_easy_init())) {
		free(d);
		return nsr_fail(e, -ENOMEM, "Docker Engine");
	}
	snprintf(d->socket, sizeof d->socket, "%s",
		 host && *host ? host + 7 : "/var/run/docker.sock");
	*out = d;
	return 0;
}

void nsr_docker_close(nsr_docker *d)
{
	if (!d)
		return;
	curl_easy_cleanup(d->curl);
	free(d);
}

/* One request; *status is the HTTP status; *reply the parsed JSON (or NULL).
 * A failure to talk to the daemon at all is the error returned. */
static int request(nsr_docker *d, const char *method, const char *path, json_t *send,
		   long *status, json_t **reply, nsr_error *e)
{
	char url[512], *payload = NULL;
	struct body b = { 0 };
	struct curl_slist *hdr = NULL;
	CURLcode rc;

	snprintf(url, sizeof url, "http://docker%s", path);
	curl_easy_reset(d->curl);
	curl_easy_setopt(d->curl, CURLOPT_UNIX_SOCKET_PATH, d->socket);
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT, 120L);
	if (send) {
		payload = json_dumps(send, JSON_COMPACT);
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, payload ? payload : "{}");
	} else if (!strcmp(method, "POST"))
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, "");
	rc = curl_easy_perform(d->curl);
	curl_slist_free_all(hdr);
	free(payload);
	if (rc != CURLE_OK) {
		free(b.data);
		return nsr_failmsg(e, rc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO,
				   "Docker Engine at %s: %s (is dockerd running?)", d->socket,
				   curl_easy_strerror(rc));
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, status);
	*reply = b.data ? json_loads(b.data, 0, NULL) : NULL;
	free(b.data);
	return 0;
}

/* The daemon's {"message": ...} for a failed request, as an error. */
static int api_fail(nsr_error *e, long status, json_t *reply, const char *what,
		    const char *name)
{
	const char *msg = json_string_value(json_object_get(reply, "message"));
	int code = status == 404 ? -ENOENT : status == 409 ? -EEXIST : -EIO;

	nsr_failmsg(e, code, "%s %s: %s", what, name, msg ? msg : "the Docker Engine refused");
	json_decref(reply);
	return code;
}

static json_t *strings(char *const v[])
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int nsr_docker_create(nsr_docker *d, const char *name, const char *image,
		      char *const cmd[], char *const env[], const char *lab,
		      char id[65], nsr_error *e)
{
	char path[256];
	json_t *req, *reply = NULL;
	long status = 0;
	int err;

	if (nsr_name_invalid(name))
		return nsr_failmsg(e, -EINVAL, "container name \"%s\": %s", name, nsr_name_invalid(name));
	req = json_pack("{s:s, s:{s:s}, s:{s:s}}", "Image", image,
			"Labels", "nsrun.lab", lab,
			"HostConfig", "NetworkMode", "none");
	if (!req)
		return nsr_fail(e, -ENOMEM, "container %s", name);
	if (cmd && cmd[0])
		json_object_set_new(req, "Cmd", strings(cmd));
	if (env && env[0])
		json_object_set_new(req, "Env", strings(env));
	json_object_set_new(req, "Hostname", json_string(name));
	snprintf(path, sizeof path, "/containers/create?name=%s", name);
	err = request(d, "POST", path, req, &status, &reply, e);
	json_decref(req);
	if (err < 0)
		return err;
	if (status != 201)
		return api_fail(e, status, reply, "container", name);
	snprintf(id, 65, "%s", json_string_value(json_object_get(reply, "Id")) ?: "");
	json_decref(reply);
	return 0;
}

/* A container's name or ID as it may go in a request's path. */
static int check_ref(const char *ref, nsr_error *e)
{
	if (!*ref || strchr(ref, '/') || strchr(ref, '?') || strchr(ref, '#') || strlen(ref) > 128)
		return nsr_failmsg(e, -EINVAL, "container \"%s\": not a name or an ID", ref);
	return 0;
}

/* method on path (with %s for ref) with no body, whose success is status
 * ok1 or ok2; what names the action in errors. */
static int action(nsr_docker *d, const char *method, const char *path_fmt, const char *ref,
		  long ok1, long ok2, const char *what, nsr_error *e)
{
	char path[300];
	json_t *reply = NULL;
	long status = 0;
	int err;

	if ((err = check_ref(ref, e)) < 0)
		return err;
	snprintf(path, sizeof path, path_fmt, ref);
	if ((err = request(d, method, path, NULL, &status, &reply, e)) < 0)
		return err;
	if (status != ok1 && status != ok2)
		return api_fail(e, status, reply, what, ref);
	json_decref(reply);
	return 0;
}

int nsr_docker_start(nsr_docker *d, const char *id, nsr_error *e)
{
	return action(d, "POST", "/containers/%s/start", id, 204, 304, "start container", e);
}

int nsr_docker_inspect(nsr_docker *d, const char *ref, nsr_container *c, nsr_error *e)
{
	char path[300];
	json_t *reply = NULL, *state, *labels;
	long status = 0;
	const char *s;
	int err;

	memset(c, 0, sizeof *c);
	if ((err = check_ref(ref, e)) < 0)
		return err;
	snprintf(path, sizeof path, "/containers/%s/json", ref);
	if ((err = request(d, "GET", path, NULL, &status, &reply, e)) < 0)
		return err;
	if (status != 200)
		return api_fail(e, status, reply, "container", ref);
	snprintf(c->id, sizeof c->id, "%s", json_string_value(json_object_get(reply, "Id")) ?: "");
	s = json_string_value(json_object_get(reply, "Name"));
	snprintf(c->name, sizeof c->name, "%s", s ? s + (*s == '/') : "");
	state = json_object_get(reply, "State");
	c->pid = (pid_t)json_integer_value(json_object_get(state, "Pid"));
	c->running = json_is_true(json_object_get(state, "Running"));
	labels = json_object_get(json_object_get(reply, "Config"), "Labels");
	s = json_string_value(json_object_get(labels, "nsrun.lab"));
	snprintf(c->lab, sizeof c->lab, "%s", s ? s : "");
	json_decref(reply);
	return 0;
}

int nsr_docker_remove(nsr_docker *d, const char *ref, nsr_error *e)
{
	return action(d, "DELETE", "/containers/%s?force=1", ref, 204, 404, "remove container", e);
}
