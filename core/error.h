/*
 * error.h -- errors that keep the kernel's reason and name the object.
 *
 * Every core call returns 0 or a negative errno and, on failure, fills an
 * nsr_error with "<what> <object>: <strerror>", e.g.
 * "veth eth0 in router: File exists".  The core never prints.
 */
#ifndef NSR_ERROR_H
#define NSR_ERROR_H

typedef struct nsr_error {
	int code;		/* negative errno, 0 when no error */
	char msg[512];
} nsr_error;

/* Fill e with the formatted prefix, ": ", strerror(-code); return code. */
int nsr_fail(nsr_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like nsr_fail but the message is exactly the formatted text. */
int nsr_failmsg(nsr_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
