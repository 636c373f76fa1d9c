/*
 * replay.c -- a libFuzzer target's corpus, each input once, without
 * libFuzzer (gcc builds, ctest): the regression cases of every crash found
 * so far, and the seeds, must still pass.  A target that finds a bug
 * aborts; this exits 0 when every input went through.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (argc != 2 || !(d = opendir(argv[1]))) {
		fprintf(stderr, "usage: %s CORPUS-DIRECTORY\n", argv[0]);
		return 2;
	}
	while ((de = readdir(d))) {
		char path[4096];
		FILE *f;
		uint8_t *buf;
		long size;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
		if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) < 0 || !(buf = malloc((size_t)size + 1)) ||
		    fread(buf, 1, (size_t)size, f) != (size_t)size) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], path);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)size);
		free(buf);
		n++;
	}
	closedir(d);
	printf("%d inputs of %s: no crash\n", n, argv[1]);
	return n > 0 ? 0 : 1;
}
