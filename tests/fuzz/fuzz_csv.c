/*
 * fuzz_csv: the CSV reader (lib/csvr.c on libcsv, over lib/input.c).
 *
 * The input is one CSV file, read in short pieces of varying size: the
 * header row, then every record until the end or a fatal error. Checks the
 * reader's promises: each record has csvr_ncols() fields, each field is
 * NUL-terminated at csvr_fieldlen() and valid UTF-8 without NUL bytes,
 * column lookups by name find the header's columns, line and record numbers
 * go up, and once -2 is returned every later call returns it.
 */
#include "fuzz_common.h"

#include "csvr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fuzz_fd_mark();
	csvr *r = csvr_new(fuzz_mem_input("fuzz.csv", data, size));
	int got = csvr_header(r);
	if (got < 0) {
		(void)csvr_errmsg(r);
		(void)csvr_errcol(r);
	}
	if (got == 1) {
		size_t ncols = csvr_ncols(r);
		if (ncols == 0)
			fuzz_fail("csvr_header", "a header of no columns", "", 0);
		for (size_t i = 0; i < ncols; i++) {
			const char *name = csvr_colname(r, i);
			if (!name || !*name)
				fuzz_fail("csvr_header", "an empty column name", "", 0);
			if (utf8_check(name, strlen(name)) != UTF8_VALID)
				fuzz_fail("csvr_header",
					  "a column name that is not valid UTF-8", name,
					  strlen(name));
			int col = csvr_col(r, name);
			if (col < 0 || strcmp(csvr_colname(r, (size_t)col), name) != 0)
				fuzz_fail("csvr_col", "a column not found by its name",
					  name, strlen(name));
		}
		long last_line = 0, last_rec = 0;
		while ((got = csvr_next(r)) != 0) {
			long line = csvr_line(r), rec = csvr_record(r);
			if (line < last_line || rec < last_rec ||
			    (got != -2 && rec == last_rec))
				fuzz_fail("csvr_next", "line or record number went back",
					  "", 0);
			last_line = line;
			last_rec = rec;
			if (got == -2) {
				(void)csvr_errmsg(r);
				if (csvr_next(r) != -2)
					fuzz_fail("csvr_next", "read on after -2", "", 0);
				break;
			}
			if (got < 0) {
				(void)csvr_errmsg(r);
				(void)csvr_errcol(r);
				continue;
			}
			for (size_t i = 0; i < ncols; i++) {
				const char *f = csvr_field(r, i);
				size_t len = csvr_fieldlen(r, i);
				if (!f || strlen(f) != len)
					fuzz_fail("csvr_field",
						  "a field not NUL-terminated at its length",
						  f ? f : "", f ? strlen(f) : 0);
				if (utf8_check(f, len) != UTF8_VALID)
					fuzz_fail("csvr_field",
						  "a field that is not valid UTF-8", f, len);
			}
		}
	}
	(void)csvr_name(r);
	csvr_free(r);
	fuzz_fd_check(mark);
	return 0;
}
