#include "docout.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"
#include "xalloc.h"

struct out {
	FILE *f;
	bool html;
	bool para_open;
	/* the table being filled (Markdown pads it, so it is written whole
	 * at out_table_end) */
	int ncols;
	unsigned numeric;
	char **cells; /* row-major, the headings first, escaped */
	size_t nrows, cap; /* cap: cells */
};

out *out_new(FILE *f, bool html)
{
	out *o = xcalloc(1, sizeof *o);
	o->f = f;
	o->html = html;
	return o;
}

int out_free(out *o)
{
	int rc = ferror(o->f) ? -1 : 0;
	for (size_t i = 0; i < o->nrows * (size_t)o->ncols; i++)
		free(o->cells[i]);
	free(o->cells);
	free(o);
	return rc;
}

/* ---- escaping -------------------------------------------------------- */

static bool word(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z') ||
	       u >= 0x80;
}

/*
 * text escaped for the format, as a new string. Control characters
 * (a tab, a line end, ESC of a terminal sequence) become spaces. In
 * Markdown, the characters that start markup (\ ` * _ < [ |) are
 * backslash-escaped, so a name renders as written; in HTML, < > & ".
 */
static char *escape(const out *o, const char *text)
{
	struct strbuf b = {0};
	for (const char *p = text ? text : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f) {
			strbuf_put(&b, " ", 1);
		} else if (o->html) {
			const char *e = c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;"
					: c == '"' ? "&quot;" : NULL;
			strbuf_put(&b, e ? e : p, e ? strlen(e) : 1);
		} else {
			/* an underscore inside a word (term_ids) is no markup */
			bool inword = c == '_' && p > text && word(p[-1]) && word(p[1]);
			if (strchr("\\`*_<[|", c) && !inword)
				strbuf_put(&b, "\\", 1);
			strbuf_put(&b, p, 1);
		}
	}
	return strbuf_str(&b);
}

static void write_escaped(out *o, const char *text)
{
	char *e = escape(o, text);
	fputs(e, o->f);
	free(e);
}

/* Columns a string takes in a terminal: combining marks none, East Asian
 * wide and full-width characters two, others one. */
static size_t width(const char *s)
{
	size_t w = 0;
	unsigned long c;
	while ((c = utf8_next(&s)) != 0) {
		if ((c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
		    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
		    (c >= 0xfe20 && c <= 0xfe2f) || c == 0x200b || c == 0x200d)
			continue;
		bool wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
			    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
			    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
			    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
			    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
		w += wide ? 2 : 1;
	}
	return w;
}

/* ---- the document ---------------------------------------------------- */

static const char css[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
	"color:#1a1a1a;margin:2em auto;max-width:70em;padding:0 1em;line-height:1.4}\n"
	"h1{font-size:1.6em;margin-bottom:.3em}\n"
	"h2{font-size:1.3em;border-bottom:2px solid #444;padding-bottom:.15em;margin-top:1.8em}\n"
	"h3{font-size:1.05em;margin:1.2em 0 .3em}\n"
	"table{border-collapse:collapse;margin:.3em 0 1em;font-size:.92em}\n"
	"th,td{border:1px solid #b8b8b8;padding:.2em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#ececec}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"tbody tr:nth-child(even){background:#f7f7f7}\n"
	".refused{color:#a40000}\n"
	".passes{color:#1d6b1d}\n"
	"p.verdict{font-size:1.1em;padding:.4em .7em;border-left:5px solid #1d6b1d;background:#f2f8f2}\n"
	"p.verdict.refused{border-left-color:#a40000;background:#fbf0f0}\n"
	"p.note{color:#444}\n"
	"@media print{body{margin:0;max-width:none;font-size:10pt}"
	"section.school{break-before:page}h2,h3{break-after:avoid}"
	"thead{display:table-header-group}tr{break-inside:avoid}"
	"tbody tr:nth-child(even){background:none}"
	"p.verdict{border:1px solid #000;background:none}"
	".refused,.passes{color:#000}}\n";

void out_doc_begin(out *o, const char *title)
{
	if (o->html) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>", o->f);
		write_escaped(o, title);
		fprintf(o->f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	}
	out_heading(o, 1, title);
}

void out_doc_end(out *o)
{
	if (o->html)
		fputs("</body>\n</html>\n", o->f);
}

void out_section_begin(out *o, const char *cls, const char *id)
{
	if (!o->html)
		return;
	fprintf(o->f, "<section class=\"%s\" id=\"", cls);
	write_escaped(o, id);
	fputs("\">\n", o->f);
}

void out_section_end(out *o)
{
	if (o->html)
		fputs("</section>\n", o->f);
}

void out_heading(out *o, int level, const char *text)
{
	if (o->html) {
		fprintf(o->f, "<h%d>", level);
		write_escaped(o, text);
		fprintf(o->f, "</h%d>\n", level);
	} else {
		fprintf(o->f, "%.*s ", level, "######");
		write_escaped(o, text);
		fputs("\n\n", o->f);
	}
}

void out_para_begin(out *o, const char *cls)
{
	if (o->html) {
		if (cls)
			fprintf(o->f, "<p class=\"%s\">", cls);
		else
			fputs("<p>", o->f);
	}
	o->para_open = true;
}

void out_text(out *o, const char *text)
{
	write_escaped(o, text);
}

void out_strong(out *o, const char *text, const char *cls)
{
	if (o->html) {
		if (cls)
			fprintf(o->f, "<strong class=\"%s\">", cls);
		else
			fputs("<strong>", o->f);
	} else {
		fputs("**", o->f);
	}
	write_escaped(o, text);
	fputs(o->html ? "</strong>" : "**", o->f);
}

void out_para_end(out *o)
{
	fputs(o->html ? "</p>\n" : "\n\n", o->f);
	o->para_open = false;
}

/* ---- tables ---------------------------------------------------------- */

static void add_row(out *o, const char *const *cells)
{
	if ((o->nrows + 1) * (size_t)o->ncols > o->cap) {
		o->cap = (o->nrows + 1) * (size_t)o->ncols * 2;
		o->cells = xrealloc(o->cells, o->cap * sizeof *o->cells);
	}
	for (int i = 0; i < o->ncols; i++)
		o->cells[o->nrows * (size_t)o->ncols + (size_t)i] = escape(o, cells[i]);
	o->nrows++;
}

void out_table(out *o, int ncols, const char *const *heads, unsigned numeric)
{
	o->ncols = ncols;
	o->numeric = numeric;
	o->nrows = 0;
	add_row(o, heads);
}

void out_row(out *o, const char *const *cells)
{
	add_row(o, cells);
}

static void html_table(out *o)
{
	fputs("<table>\n<thead><tr>", o->f);
	for (size_t r = 0; r < o->nrows; r++) {
		if (r == 1)
			fputs("<tbody>\n", o->f);
		if (r > 0)
			fputs("<tr>", o->f);
		for (int i = 0; i < o->ncols; i++) {
			const char *tag = r ? "td" : "th";
			if (o->numeric >> i & 1)
				fprintf(o->f, "<%s class=\"n\">", tag);
			else
				fprintf(o->f, "<%s>", tag);
			fputs(o->cells[r * (size_t)o->ncols + (size_t)i], o->f);
			fprintf(o->f, "</%s>", tag);
		}
		fputs(r ? "</tr>\n" : "</tr></thead>\n", o->f);
	}
	fputs(o->nrows > 1 ? "</tbody>\n</table>\n" : "</table>\n", o->f);
}

static void pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

static void md_table(out *o)
{
	size_t *w = xcalloc((size_t)o->ncols, sizeof *w);
	for (size_t r = 0; r < o->nrows; r++)
		for (int i = 0; i < o->ncols; i++) {
			size_t cw = width(o->cells[r * (size_t)o->ncols + (size_t)i]);
			w[i] = cw > w[i] ? cw : w[i];
		}
	for (int i = 0; i < o->ncols; i++)
		w[i] = w[i] < 3 ? 3 : w[i];
	for (size_t r = 0; r < o->nrows; r++) {
		for (int i = 0; i < o->ncols; i++) {
			const char *c = o->cells[r * (size_t)o->ncols + (size_t)i];
			size_t fill = w[i] - width(c);
			bool right = r > 0 && (o->numeric >> i & 1);
			fputs("| ", o->f);
			if (right)
				pad(o->f, fill);
			fputs(c, o->f);
			if (!right)
				pad(o->f, fill);
			fputc(' ', o->f);
		}
		fputs("|\n", o->f);
		if (r == 0) {
			for (int i = 0; i < o->ncols; i++) {
				fputs("|", o->f);
				for (size_t k = 0; k < w[i] + 2 - (o->numeric >> i & 1); k++)
					fputc('-', o->f);
				if (o->numeric >> i & 1)
					fputc(':', o->f);
			}
			fputs("|\n", o->f);
		}
	}
	fputc('\n', o->f);
	free(w);
}

void out_table_end(out *o)
{
	if (o->html)
		html_table(o);
	else
		md_table(o);
	for (size_t i = 0; i < o->nrows * (size_t)o->ncols; i++)
		free(o->cells[i]);
	o->nrows = 0;
}
