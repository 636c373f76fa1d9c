/*
 * docker.h -- the Docker Engine API over its unix socket (libcurl, jansson).
 *
 * No docker CLI.  The socket is DOCKER_HOST when it is a unix:// address,
 * else /var/run/docker.sock.  Containers nsrun creates carry the label
 * nsrun.lab=LAB, so teardown removes only its own.
 */
#ifndef NSR_DOCKER_H
#define NSR_DOCKER_H

#include <sys/types.h>

#include "error.h"

typedef struct nsr_docker nsr_docker;

typedef struct nsr_container {
	char id[65];
	char name[128];
	pid_t pid;		/* .State.Pid; 0 when not running */
	int running;
	char lab[72];		/* the nsrun.lab label, "" when none */
} nsr_container;

int nsr_docker_open(nsr_docker **d, nsr_error *e);
void nsr_docker_close(nsr_docker *d);

/* Create a container with no network (docker run --net=none), labelled
 * nsrun.lab=lab; cmd and env are NULL-terminated (either may be NULL). */
int nsr_docker_create(nsr_docker *d, const char *name, const char *image,
		      char *const cmd[], char *const env[], const char *lab,
		      char id[65], nsr_error *e);
int nsr_docker_start(nsr_docker *d, const char *id, nsr_error *e);

/* Look a container up by name or ID; -ENOENT when there is none. */
int nsr_docker_inspect(nsr_docker *d, const char *ref, nsr_container *c, nsr_error *e);

/* Stop and remove (force); a container already gone is not an error. */
int nsr_docker_remove(nsr_docker *d, const char *ref, nsr_error *e);

#endif
