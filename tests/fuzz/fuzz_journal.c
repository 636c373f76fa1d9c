/*
 * libFuzzer target: the journal reader.  Any bytes (a torn, corrupt or
 * hostile journal) must parse without a crash, and every record it keeps
 * must be valid: names that are names, PIDs that are PIDs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nsr_labinfo info;

	if (nsr_journal_parse((const char *)data, size, &info) == 0) {
		for (int i = 0; i < info.nrec; i++) {
			const nsr_record *r = &info.rec[i];

			if (!strcmp(r->kind, "ns") && nsr_name_invalid(r->arg[0]))
				abort();
			if (!strcmp(r->kind, "proc") && (atol(r->arg[0]) <= 1 || atol(r->arg[0]) > 4194304))
				abort();
		}
	}
	nsr_labinfo_free(&info);
	return 0;
}
