/*
 * parse-ndjson FILE...: parses every line of each file with cJSON and frees
 * it, nothing else; prints the number of lines. The anchor beside which
 * bench/run.sh times diff-roster: reading its two inputs with a general
 * JSON library is the least a program comparing them could do.
 *
 * cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L $(pkg-config --cflags libcjson) \
 *    -o bench/parse-ndjson bench/parse-ndjson.c $(pkg-config --libs libcjson)
 */
#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	long lines = 0, bad = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		ssize_t n;
		while ((n = getline(&line, &cap, f)) > 0) {
			cJSON *o = cJSON_ParseWithLength(line, (size_t)n);
			bad += o == NULL;
			cJSON_Delete(o);
			lines++;
		}
		fclose(f);
	}
	free(line);
	printf("%ld lines, %ld not JSON\n", lines, bad);
	return 0;
}
