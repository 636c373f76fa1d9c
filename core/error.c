#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "error.h"

int nsr_fail(nsr_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return code;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof e->msg) {
		struct rlimit rl;

		n += snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(-code));
		/* an exhausted resource, named: which limit, and how large */
		if (code == -EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0 && (size_t)n < sizeof e->msg)
			snprintf(e->msg + n, sizeof e->msg - n, " (this process's limit of open files, "
				 "ulimit -n, is %llu; root may raise it up to fs.nr_open)",
				 (unsigned long long)rl.rlim_cur);
		else if (code == -ENFILE && (size_t)n < sizeof e->msg)
			snprintf(e->msg + n, sizeof e->msg - n, " (the machine's limit, fs.file-max)");
	}
	e->code = code;
	return code;
}

int nsr_failmsg(nsr_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}
