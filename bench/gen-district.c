/* gen-district: a deterministic synthetic school district, as a OneRoster 1.1
 * CSV package and as Clever Data API v3.0 list pages, for the benchmark.
 *
 *   cc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror \
 *      -D_POSIX_C_SOURCE=200809L -o bench/gen-district bench/gen-district.c
 *
 * Standard library (and POSIX mkdir/unlink/clock_gettime) only. Everything
 * comes from --seed through a splitmix64 hash and an xorshift64* stream:
 * the same arguments give the same bytes. See bench/README.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NONE16 0xFFFFu
#define NONE32 0xFFFFFFFFu
#define PAGE_ITEMS 10000
#define MAX_EPS 64

static const char usage_text[] =
	"usage: gen-district --out DIR [--users N] [--schools N] [--sections N]\n"
	"                    [--enrollments-per-student N] [--seed S] [--year 1|2]\n"
	"                    [--format oneroster|clever|both]\n"
	"\n"
	"Writes a synthetic district: DIR/oneroster/ (a OneRoster 1.1 CSV package)\n"
	"and DIR/clever/ (Clever v3.0 list pages). Same arguments, same bytes.\n"
	"\n"
	"  --users N                   users in year 1 (default 1000000)\n"
	"  --schools N                 schools (default users/2500, at least 2)\n"
	"  --sections N                sections (default users*0.04)\n"
	"  --enrollments-per-student N classes per student (default 6)\n"
	"  --seed S                    seed (default 1)\n"
	"  --year 1|2                  2: the same district a school year later\n"
	"  --format F                  oneroster, clever or both (default both)\n";

static const char *prog = "gen-district";

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("out of memory");
	p = realloc(p, n && size ? n * size : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* ---------------------------------------------------------------- random */

static uint64_t g_seed;

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A stateless draw for (what, who, which): the same person gets the same
 * name whichever other draws were made. */
static uint64_t h3(uint64_t tag, uint64_t a, uint64_t b)
{
	return mix64(mix64(mix64(g_seed ^ (tag * 0x100000001b3ULL)) ^ a) ^ b);
}

/* A percentage (per mille) decision. */
static bool chance(uint64_t tag, uint64_t a, uint64_t b, unsigned per_mille)
{
	return h3(tag, a, b) % 1000 < per_mille;
}

typedef struct {
	uint64_t s;
} rng;

static void rng_init(rng *r, uint64_t stream)
{
	r->s = mix64(g_seed ^ mix64(stream));
	if (!r->s)
		r->s = 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_next(rng *r) /* xorshift64* */
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static uint32_t rng_below(rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

enum {
	T_ROLES = 1, T_GIVEN, T_FAMILY, T_MIDDLE, T_HASMID, T_EMAIL, T_GRADE,
	T_SCHOOL, T_STAFFSCH, T_WEIGHT, T_TERM, T_PERIOD, T_ROOM, T_OFFSET,
	T_TLEAVE, T_ECHANGE, T_MOVE, T_RENUM, T_NEWGRADE, T_PROMOTE,
};

/* ------------------------------------------------------------ the output */

static struct {
	FILE *f;
	char path[4096];
	size_t n;
	char buf[1 << 20];
} ob;

static uint64_t bytes_total;

static void o_flush(void)
{
	if (ob.n && fwrite(ob.buf, 1, ob.n, ob.f) != ob.n)
		die("%s: %s", ob.path, strerror(errno));
	bytes_total += ob.n;
	ob.n = 0;
}

static void o_open(const char *dir, const char *name)
{
	int len = snprintf(ob.path, sizeof ob.path, "%s/%s", dir, name);
	if (len < 0 || (size_t)len >= sizeof ob.path)
		die("%s/%s: path too long", dir, name);
	ob.f = fopen(ob.path, "wb");
	if (!ob.f)
		die("%s: %s", ob.path, strerror(errno));
	ob.n = 0;
}

static void o_close(void)
{
	o_flush();
	if (fclose(ob.f) != 0)
		die("%s: %s", ob.path, strerror(errno));
	ob.f = NULL;
}

static inline void o_room(size_t k)
{
	if (ob.n + k > sizeof ob.buf)
		o_flush();
}

static inline void o_mem(const char *s, size_t len)
{
	if (len > sizeof ob.buf) {
		o_flush();
		if (fwrite(s, 1, len, ob.f) != len)
			die("%s: %s", ob.path, strerror(errno));
		bytes_total += len;
		return;
	}
	o_room(len);
	memcpy(ob.buf + ob.n, s, len);
	ob.n += len;
}

static inline void o_str(const char *s)
{
	o_mem(s, strlen(s));
}

static inline void o_ch(char c)
{
	o_room(1);
	ob.buf[ob.n++] = c;
}

/* v in decimal, zero-padded to width digits (more if it needs them). */
static inline void o_pad(uint64_t v, int width)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i < width)
		tmp[i++] = '0';
	o_room((size_t)i);
	while (i)
		ob.buf[ob.n++] = tmp[--i];
}

static inline void o_u(uint64_t v)
{
	o_pad(v, 1);
}

/* A CSV field, quoted when it must be. */
static void o_csv(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		o_str(s);
		return;
	}
	o_ch('"');
	for (; *s; s++) {
		if (*s == '"')
			o_ch('"');
		o_ch(*s);
	}
	o_ch('"');
}

/* A JSON string. */
static void o_js(const char *s)
{
	o_ch('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			o_ch('\\');
			o_ch((char)c);
		} else if (c < 0x20) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\u%04x", c);
			o_str(esc);
		} else {
			o_ch((char)c);
		}
	}
	o_ch('"');
}

/* ------------------------------------------------------------- the world */

struct name {
	const char *s, *ascii;
};

static const struct name given_names[] = {
	{"Olivia", "olivia"},	  {"Liam", "liam"},	    {"Emma", "emma"},
	{"Noah", "noah"},	  {"Ava", "ava"},	    {"Elijah", "elijah"},
	{"Sophia", "sophia"},	  {"Mateo", "mateo"},	    {"Isabella", "isabella"},
	{"Lucas", "lucas"},	  {"Mia", "mia"},	    {"Ethan", "ethan"},
	{"Amara", "amara"},	  {"Aiden", "aiden"},	    {"Chloé", "chloe"},
	{"José", "jose"},	  {"Zoë", "zoe"},	    {"Hannah", "hannah"},
	{"Omar", "omar"},	  {"Aisha", "aisha"},	    {"Priya", "priya"},
	{"Wei", "wei"},		  {"Yuki", "yuki"},	    {"Kwame", "kwame"},
	{"Ngozi", "ngozi"},	  {"Dmitri", "dmitri"},	    {"Anya", "anya"},
	{"Fatima", "fatima"},	  {"Jamal", "jamal"},	    {"Keisha", "keisha"},
	{"Malik", "malik"},	  {"Tomás", "tomas"},	    {"Inés", "ines"},
	{"Raúl", "raul"},	  {"Andrés", "andres"},	    {"Søren", "soren"},
	{"Björn", "bjorn"},	  {"Siobhán", "siobhan"},   {"Renée", "renee"},
	{"François", "francois"}, {"Łukasz", "lukasz"},	    {"Thảo", "thao"},
	{"Grace", "grace"},	  {"Ella", "ella"},	    {"Jacob", "jacob"},
	{"Mason", "mason"},	  {"Logan", "logan"},	    {"Harper", "harper"},
	{"Camila", "camila"},	  {"Diego", "diego"},	    {"Samuel", "samuel"},
	{"Leah", "leah"},	  {"Nora", "nora"},	    {"Aaliyah", "aaliyah"},
	{"Mohammed", "mohammed"}, {"Ximena", "ximena"},	    {"Hiroshi", "hiroshi"},
	{"Minh", "minh"},	  {"Sofía", "sofia"},	    {"Gabriel", "gabriel"},
};

static const struct name family_names[] = {
	{"Smith", "smith"},	    {"Johnson", "johnson"},   {"Williams", "williams"},
	{"Brown", "brown"},	    {"Jones", "jones"},	      {"García", "garcia"},
	{"Miller", "miller"},	    {"Davis", "davis"},	      {"Rodríguez", "rodriguez"},
	{"Martínez", "martinez"},   {"Hernández", "hernandez"}, {"López", "lopez"},
	{"González", "gonzalez"},   {"Wilson", "wilson"},     {"Anderson", "anderson"},
	{"Thomas", "thomas"},	    {"Taylor", "taylor"},     {"Moore", "moore"},
	{"Jackson", "jackson"},	    {"Martin", "martin"},     {"Lee", "lee"},
	{"Pérez", "perez"},	    {"Thompson", "thompson"}, {"White", "white"},
	{"Harris", "harris"},	    {"Sánchez", "sanchez"},   {"Clark", "clark"},
	{"Ramírez", "ramirez"},	    {"Lewis", "lewis"},	      {"Robinson", "robinson"},
	{"Walker", "walker"},	    {"Young", "young"},	      {"Allen", "allen"},
	{"King", "king"},	    {"Wright", "wright"},     {"Scott", "scott"},
	{"Torres", "torres"},	    {"Nguyễn", "nguyen"},     {"Nguyen", "nguyen"},
	{"Trần", "tran"},	    {"Lê", "le"},	      {"Hill", "hill"},
	{"Flores", "flores"},	    {"Green", "green"},	      {"Adams", "adams"},
	{"Baker", "baker"},	    {"Rivera", "rivera"},     {"Campbell", "campbell"},
	{"Carter", "carter"},	    {"Kim", "kim"},	      {"Patel", "patel"},
	{"Chen", "chen"},	    {"Wang", "wang"},	      {"Okafor", "okafor"},
	{"Müller", "muller"},	    {"Schmidt", "schmidt"},   {"O'Brien", "obrien"},
	{"Kowalski", "kowalski"},   {"Lindqvist", "lindqvist"}, {"Yamamoto", "yamamoto"},
	{"Haddad", "haddad"},	    {"Khan", "khan"},	      {"Dubois", "dubois"},
	{"Rossi", "rossi"},	    {"Åberg", "aberg"},	      {"Smith-Jones", "smith-jones"},
	{"Okoye", "okoye"},	    {"Becker", "becker"},     {"Silva", "silva"},
};

#define NGIVEN (sizeof given_names / sizeof *given_names)
#define NFAMILY (sizeof family_names / sizeof *family_names)

static const char *const place_names[] = {
	"Lincoln", "Washington", "Jefferson", "Roosevelt", "Franklin",
	"Maple Grove", "Cedar Ridge", "Birchwood", "Oak Hill", "Riverside",
	"Lakeview", "Hillcrest", "Westfield", "Eastgate", "Northgate",
	"Southridge", "Pine Valley", "Willow Creek", "Meadowbrook", "Fairview",
	"Brookside", "Highland", "Parkside", "Valley View", "Greenfield",
	"Stonebridge", "Harborview", "Sierra Vista", "Mountain View", "César Chávez",
	"Prairie", "Summit", "Evergreen", "Clearwater", "Foothill",
	"Mesa Verde", "Bayside", "Rosewood", "Aspen", "Juniper",
};
#define NPLACES (sizeof place_names / sizeof *place_names)

static const struct subject {
	const char *title, *code, *clever;
} subjects[] = {
	{"Mathematics", "MATH", "math"},
	{"English Language Arts", "ELA", "english/language arts"},
	{"Science", "SCI", "science"},
	{"Social Studies", "SOC", "social studies"},
	{"Art", "ART", "arts and music"},
	{"Music", "MUS", "arts and music"},
	{"Physical Education", "PE", "PE and health"},
	{"World Languages", "WL", "language"},
	{"Computer Science", "CS", "technology and engineering"},
};
#define NSUBJECTS (sizeof subjects / sizeof *subjects)

static const char *const grade_codes[] = {
	"KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
};
static const char *const grade_words[] = {
	"Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
};
static const char *const grade_titles[] = {
	"Kindergarten", "Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5", "Grade 6",
	"Grade 7", "Grade 8", "Grade 9", "Grade 10", "Grade 11", "Grade 12",
};

enum band { B_ELEM, B_MIDDLE, B_HIGH, B_SECONDARY };
static const char *const band_suffix[] = {
	"Elementary", "Middle School", "High School", "Secondary School",
};

enum role { R_STUDENT, R_TEACHER, R_DISTRICT_ADMIN, R_SCHOOL_ADMIN, R_AIDE };

enum { F_GONE = 1, F_NEW = 2, F_CHANGED = 4, F_RENUMBERED = 8 };

struct user {
	uint32_t num;	 /* OneRoster sourcedId u%07u */
	uint32_t sis;	 /* SIS number, kept when the SIS renumbers */
	uint16_t school; /* NONE16: the district office */
	int8_t grade;	 /* 0 = KG .. 12, -1: not a student */
	uint8_t role;
	uint16_t given, family, middle; /* middle NONE16: none */
	uint8_t email;			/* 0 none, 1 given.family.N, 2 changed */
	uint8_t flags;
};

struct school {
	uint8_t band, lo, hi;
	uint32_t weight;
	uint32_t pair_first; /* pairs (school, grade) lo..hi */
	uint32_t sec_first, sec_count;
	uint32_t pool_ctr, pool_off;
	uint32_t t_first, t_count; /* into teachers_by_school */
};

struct pair { /* a grade of a school */
	uint32_t school;
	uint8_t grade;
	uint32_t students;
	uint32_t sec_first, sec_count;
	uint32_t ctr, off;
};

struct course {
	uint32_t school;
	uint8_t grade, subject, variant;
};

struct section {
	uint32_t school, course, teacher;
	uint8_t grade, term, period; /* term: 0 full year, 1 fall, 2 spring */
	uint16_t room, ordinal;
};

struct year {
	int end;
	const char *title, *fall, *spring, *start, *fall_end, *spring_start, *stop;
	const char *stamp;
};

static const struct year years[2] = {
	{2026, "2025-2026", "Fall 2025", "Spring 2026", "2025-08-20", "2026-01-16",
	 "2026-01-20", "2026-06-10", "2025-08-01T00:00:00.000Z"},
	{2027, "2026-2027", "Fall 2026", "Spring 2027", "2026-08-19", "2027-01-15",
	 "2027-01-19", "2027-06-09", "2026-08-01T00:00:00.000Z"},
};

static struct {
	/* arguments */
	uint64_t nusers, nschools, nsections, eps, seed;
	int year;
	bool oneroster, clever;
	const char *out;

	struct user *users;
	size_t nu, ucap;
	uint32_t *order; /* users in sourcedId order, the gone left out */
	size_t norder;

	struct school *schools;
	struct pair *pairs;
	size_t npairs;
	struct course *courses;
	size_t ncourses;
	struct section *sections;
	uint32_t *teachers_by_school;

	/* per grade: the schools that teach it and their cumulative weights */
	uint32_t *grade_schools[13], *grade_cum[13], grade_n[13];

	/* section -> students */
	uint32_t *sec_off, *sec_fill, *sec_students;
	uint64_t student_enrollments, teacher_enrollments, enroll_first;

	char *cids; /* users' Clever ids, 24 hex each */

	/* churn, year 2 */
	size_t graduated, arrived, promoted_out, moved, t_left, email_changed,
		renumbered;
} g;

/* ------------------------------------------------------------------- ids */

enum { E_DISTRICT = 1, E_SCHOOL, E_TERM, E_COURSE, E_SECTION, E_USER };

/* 24 hex digits, like a Clever ObjectID: a "timestamp" that grows with the
 * OneRoster number (so pages come in ascending id order, as Clever's do)
 * and 64 bits hashed from the OneRoster id. Seed-independent. */
static void clever_id(char *out, int entity, uint64_t num)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t ts = 0x688c0400u + (uint32_t)num;
	uint64_t h = mix64(mix64((uint64_t)entity * 0x9e3779b97f4a7c15ULL) ^ num);
	for (int i = 7; i >= 0; i--, ts >>= 4)
		out[i] = hex[ts & 15];
	for (int i = 23; i >= 8; i--, h >>= 4)
		out[i] = hex[h & 15];
}

static inline void o_cid(int entity, uint64_t num)
{
	char id[24];
	clever_id(id, entity, num);
	o_ch('"');
	o_mem(id, 24);
	o_ch('"');
}

static inline void o_user_cid(uint32_t u)
{
	o_ch('"');
	o_mem(g.cids + (size_t)u * 24, 24);
	o_ch('"');
}

static inline void o_school_id(uint32_t s)
{
	o_str("sch");
	o_pad(s + 1, 4);
}

static inline void o_user_id(uint32_t u)
{
	o_ch('u');
	o_pad(g.users[u].num, 7);
}

static uint32_t term_num(int which) /* 0 the year, 1 fall, 2 spring */
{
	return (uint32_t)years[g.year - 1].end * 10 + (uint32_t)which;
}

static void o_term_id(int which)
{
	static const char *const prefix[] = {"sy-", "t1-", "t2-"};
	o_str(prefix[which]);
	o_u((uint64_t)years[g.year - 1].end);
}

/* --------------------------------------------------------------- helpers */

/* Splits total over n weights, at least min_each each when it can,
 * largest remainders first; the same input, the same split. */
struct rem {
	uint64_t r;
	size_t i;
};

static int cmp_rem(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;
	if (x->r != y->r)
		return x->r > y->r ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void apportion(uint64_t total, const uint64_t *w, size_t n,
		      uint32_t *out)
{
	if (n == 0)
		return;
	uint64_t base = total >= n ? 1 : 0, sum = 0;
	uint64_t rest = total - base * n;
	for (size_t i = 0; i < n; i++)
		sum += w[i];
	struct rem *rems = xcalloc(n, sizeof *rems);
	uint64_t given = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t share = sum ? rest * w[i] / sum : rest / n;
		rems[i].r = sum ? rest * w[i] % sum : 0;
		rems[i].i = i;
		out[i] = (uint32_t)(base + share);
		given += share;
	}
	qsort(rems, n, sizeof *rems, cmp_rem);
	for (size_t k = 0; given < rest; k = (k + 1) % n, given++)
		out[rems[k].i]++;
	free(rems);
}

/* A school that teaches grade gr, by weight; r a random number. */
static uint32_t pick_school(int gr, uint64_t r)
{
	uint32_t n = g.grade_n[gr], *cum = g.grade_cum[gr];
	uint32_t x = (uint32_t)(r % cum[n - 1]);
	uint32_t lo = 0, hi = n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return g.grade_schools[gr][lo];
}

static struct user *new_user(void)
{
	if (g.nu == g.ucap) {
		g.ucap = g.ucap ? g.ucap + g.ucap / 4 : 1024;
		g.users = xrealloc(g.users, g.ucap, sizeof *g.users);
	}
	struct user *u = &g.users[g.nu++];
	memset(u, 0, sizeof *u);
	u->school = NONE16;
	u->grade = -1;
	u->middle = NONE16;
	return u;
}

/* Name, email; the draws are keyed on the SIS number. */
static void dress(struct user *u)
{
	u->given = (uint16_t)(h3(T_GIVEN, u->sis, 0) % NGIVEN);
	u->family = (uint16_t)(h3(T_FAMILY, u->sis, 0) % NFAMILY);
	if (chance(T_HASMID, u->sis, 0, 250))
		u->middle = (uint16_t)(h3(T_MIDDLE, u->sis, 0) % NGIVEN);
	u->email = chance(T_EMAIL, u->sis, 0, 850) ? 1 : 0;
}

/* ------------------------------------------------------------- year one */

static void build_schools(void)
{
	size_t S = g.nschools;
	g.schools = xcalloc(S, sizeof *g.schools);
	size_t nhigh, nmid, nelem;
	if (S == 2) {
		nelem = 1, nmid = 0, nhigh = 1;
	} else {
		nhigh = S * 20 / 100 ? S * 20 / 100 : 1;
		nmid = S * 22 / 100 ? S * 22 / 100 : 1;
		nelem = S - nhigh - nmid;
	}
	for (size_t i = 0; i < S; i++) {
		struct school *s = &g.schools[i];
		if (i < nelem)
			s->band = B_ELEM, s->lo = 0, s->hi = 5;
		else if (i < nelem + nmid)
			s->band = B_MIDDLE, s->lo = 6, s->hi = 8;
		else if (S == 2)
			s->band = B_SECONDARY, s->lo = 6, s->hi = 12;
		else
			s->band = B_HIGH, s->lo = 9, s->hi = 12;
		s->weight = 70 + (uint32_t)(h3(T_WEIGHT, i, 0) % 61);
	}
	for (int gr = 0; gr < 13; gr++) {
		g.grade_schools[gr] = xcalloc(S, sizeof(uint32_t));
		g.grade_cum[gr] = xcalloc(S, sizeof(uint32_t));
		uint32_t n = 0, cum = 0;
		for (size_t i = 0; i < S; i++)
			if (g.schools[i].lo <= gr && gr <= g.schools[i].hi) {
				cum += g.schools[i].weight;
				g.grade_schools[gr][n] = (uint32_t)i;
				g.grade_cum[gr][n++] = cum;
			}
		g.grade_n[gr] = n;
	}
	g.npairs = 0;
	for (size_t i = 0; i < S; i++) {
		g.schools[i].pair_first = (uint32_t)g.npairs;
		g.npairs += (size_t)(g.schools[i].hi - g.schools[i].lo + 1);
	}
	g.pairs = xcalloc(g.npairs, sizeof *g.pairs);
	for (size_t i = 0; i < S; i++)
		for (int gr = g.schools[i].lo; gr <= g.schools[i].hi; gr++) {
			struct pair *p = &g.pairs[g.schools[i].pair_first + gr -
						  g.schools[i].lo];
			p->school = (uint32_t)i;
			p->grade = (uint8_t)gr;
		}
}

static void build_users(void)
{
	uint64_t N = g.nusers;
	uint64_t nteach = N * 6 / 100, nstaff;
	if (nteach < g.nschools)
		nteach = g.nschools;
	nstaff = N * 2 / 100 ? N * 2 / 100 : 2;
	uint64_t nstu = N - nteach - nstaff;
	uint64_t ndadm = nstaff / 10 ? nstaff / 10 : 1;
	uint64_t nsadm = nstaff * 3 / 10 ? nstaff * 3 / 10 : 1;
	if (ndadm + nsadm > nstaff)
		nsadm = nstaff - ndadm;

	/* roles dealt over the ids: an id says nothing of its role */
	uint8_t *roles = xcalloc(N, 1);
	size_t k = 0;
	for (uint64_t i = 0; i < nstu; i++)
		roles[k++] = R_STUDENT;
	for (uint64_t i = 0; i < nteach; i++)
		roles[k++] = R_TEACHER;
	for (uint64_t i = 0; i < ndadm; i++)
		roles[k++] = R_DISTRICT_ADMIN;
	for (uint64_t i = 0; i < nsadm; i++)
		roles[k++] = R_SCHOOL_ADMIN;
	while (k < N)
		roles[k++] = R_AIDE;
	rng r;
	rng_init(&r, T_ROLES);
	for (size_t i = N - 1; i > 0; i--) {
		uint32_t j = rng_below(&r, (uint32_t)(i + 1));
		uint8_t t = roles[i];
		roles[i] = roles[j];
		roles[j] = t;
	}

	g.ucap = N + N / 5 + 16;
	g.users = xcalloc(g.ucap, sizeof *g.users);
	g.nu = 0;
	for (uint64_t i = 0; i < N; i++) {
		struct user *u = new_user();
		u->num = (uint32_t)(i + 1);
		u->sis = 1000000u + u->num;
		u->role = roles[i];
		dress(u);
		if (u->role == R_STUDENT) {
			u->grade = (int8_t)(h3(T_GRADE, u->sis, 0) % 13);
			u->school = (uint16_t)pick_school(u->grade,
							  h3(T_SCHOOL, u->sis, 0));
			g.pairs[g.schools[u->school].pair_first + (uint32_t)u->grade -
				g.schools[u->school].lo].students++;
		}
	}
	free(roles);

	/* staff by school size; the first of each kind one to a school */
	uint64_t *cum = xcalloc(g.nschools, sizeof *cum), tot = 0;
	for (size_t s = 0; s < g.nschools; s++) {
		struct school *sc = &g.schools[s];
		for (int gr = sc->lo; gr <= sc->hi; gr++)
			tot += g.pairs[sc->pair_first + gr - sc->lo].students + 1;
		cum[s] = tot;
	}
	size_t seen[5] = {0};
	for (size_t i = 0; i < g.nu; i++) {
		struct user *u = &g.users[i];
		if (u->role == R_STUDENT || u->role == R_DISTRICT_ADMIN)
			continue;
		size_t nth = seen[u->role]++;
		if (nth < g.nschools) {
			u->school = (uint16_t)nth;
			continue;
		}
		uint64_t x = h3(T_STAFFSCH, u->sis, 0) % tot;
		size_t lo = 0, hi = g.nschools - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (cum[mid] > x)
				hi = mid;
			else
				lo = mid + 1;
		}
		u->school = (uint16_t)lo;
	}
	free(cum);
}

static void build_sections(void)
{
	uint64_t *w = xcalloc(g.npairs, sizeof *w);
	uint32_t *count = xcalloc(g.npairs, sizeof *count);
	for (size_t p = 0; p < g.npairs; p++)
		w[p] = g.pairs[p].students;
	apportion(g.nsections, w, g.npairs, count);
	free(w);

	g.sections = xcalloc(g.nsections, sizeof *g.sections);
	g.courses = xcalloc(g.nsections, sizeof *g.courses);
	uint32_t sec = 0;
	for (size_t s = 0; s < g.nschools; s++) {
		struct school *sc = &g.schools[s];
		sc->sec_first = sec;
		for (int gr = sc->lo; gr <= sc->hi; gr++) {
			struct pair *p = &g.pairs[sc->pair_first + gr - sc->lo];
			uint32_t m = count[sc->pair_first + gr - sc->lo];
			p->sec_first = sec;
			p->sec_count = m;
			if (m == 0)
				continue;
			uint32_t nc = (m + 5) / 10 ? (m + 5) / 10 : 1;
			uint32_t nsub = sc->band == B_ELEM ? 7 : (uint32_t)NSUBJECTS;
			uint32_t c0 = (uint32_t)g.ncourses;
			for (uint32_t c = 0; c < nc; c++) {
				struct course *co = &g.courses[g.ncourses++];
				co->school = (uint32_t)s;
				co->grade = (uint8_t)gr;
				co->subject = (uint8_t)(c % nsub);
				co->variant = (uint8_t)(c / nsub > 250 ? 250 : c / nsub);
			}
			for (uint32_t j = 0; j < m; j++, sec++) {
				struct section *se = &g.sections[sec];
				uint64_t h = h3(T_TERM, sec, 0);
				se->school = (uint32_t)s;
				se->grade = (uint8_t)gr;
				se->course = c0 + j % nc;
				se->ordinal = (uint16_t)(j / nc + 1);
				se->term = h % 100 < 70 ? 0 : h % 100 < 85 ? 1 : 2;
				se->period = (uint8_t)(1 + h3(T_PERIOD, sec, 0) % 8);
				se->room = (uint16_t)(100 + h3(T_ROOM, sec, 0) % 300);
				se->teacher = NONE32;
			}
		}
		sc->sec_count = sec - sc->sec_first;
	}
	free(count);

	/* each section has a teacher of its school, dealt round */
	uint32_t *per = xcalloc(g.nschools, sizeof *per);
	for (size_t i = 0; i < g.nu; i++)
		if (g.users[i].role == R_TEACHER)
			per[g.users[i].school]++;
	uint32_t at = 0;
	for (size_t s = 0; s < g.nschools; s++) {
		g.schools[s].t_first = at;
		g.schools[s].t_count = 0;
		at += per[s];
	}
	g.teachers_by_school = xcalloc(at, sizeof(uint32_t));
	for (size_t i = 0; i < g.nu; i++)
		if (g.users[i].role == R_TEACHER) {
			struct school *sc = &g.schools[g.users[i].school];
			g.teachers_by_school[sc->t_first + sc->t_count++] = (uint32_t)i;
		}
	free(per);
	for (size_t s = 0; s < g.nschools; s++) {
		struct school *sc = &g.schools[s];
		for (uint32_t j = 0; j < sc->sec_count && sc->t_count; j++)
			g.sections[sc->sec_first + j].teacher =
				g.teachers_by_school[sc->t_first + j % sc->t_count];
	}
}

/* ----------------------------------------------------------- enrollments */

/* Deals each student, in sourcedId order, into eps sections of its grade
 * at its school (the whole school when the grade has fewer sections),
 * consecutive students into consecutive sections from a random start.
 * count: only count; else fill sec_students. */
static uint64_t deal(int year, bool count)
{
	uint64_t total = 0;
	for (size_t p = 0; p < g.npairs; p++) {
		g.pairs[p].ctr = 0;
		g.pairs[p].off = g.pairs[p].sec_count
					 ? (uint32_t)(h3(T_OFFSET, p, (uint64_t)year) %
						      g.pairs[p].sec_count)
					 : 0;
	}
	for (size_t s = 0; s < g.nschools; s++) {
		struct school *sc = &g.schools[s];
		sc->pool_ctr = 0;
		sc->pool_off = sc->sec_count ? (uint32_t)(h3(T_OFFSET, s, 100 +
							     (uint64_t)year) %
						       sc->sec_count)
					     : 0;
	}
	for (size_t k = 0; k < g.norder; k++) {
		uint32_t ui = g.order[k];
		const struct user *u = &g.users[ui];
		if (u->role != R_STUDENT)
			continue;
		struct school *sc = &g.schools[u->school];
		struct pair *p = &g.pairs[sc->pair_first + (uint32_t)u->grade - sc->lo];
		uint32_t first, m, ctr, off;
		if (p->sec_count >= g.eps || p->sec_count == sc->sec_count) {
			first = p->sec_first, m = p->sec_count;
			ctr = p->ctr++, off = p->off;
		} else {
			first = sc->sec_first, m = sc->sec_count;
			ctr = sc->pool_ctr++, off = sc->pool_off;
		}
		if (m == 0)
			continue;
		uint32_t e = g.eps < m ? (uint32_t)g.eps : m;
		uint32_t base = (uint32_t)((off + (uint64_t)ctr * g.eps) % m);
		for (uint32_t j = 0; j < e; j++) {
			uint32_t sec = first + (base + j) % m;
			if (count)
				g.sec_fill[sec]++;
			else
				g.sec_students[g.sec_off[sec] + g.sec_fill[sec]++] = ui;
		}
		total += e;
	}
	return total;
}

static void enroll(void)
{
	g.sec_off = xcalloc(g.nsections + 1, sizeof *g.sec_off);
	g.sec_fill = xcalloc(g.nsections, sizeof *g.sec_fill);
	g.student_enrollments = deal(g.year, true);
	uint64_t at = 0;
	for (size_t s = 0; s < g.nsections; s++) {
		g.sec_off[s] = (uint32_t)at;
		at += g.sec_fill[s];
		g.sec_fill[s] = 0;
	}
	g.sec_off[g.nsections] = (uint32_t)at;
	if (at > UINT32_MAX)
		die("too many enrollments");
	g.sec_students = xcalloc(at, sizeof *g.sec_students);
	deal(g.year, false);
	g.teacher_enrollments = 0;
	for (size_t s = 0; s < g.nsections; s++)
		if (g.sections[s].teacher != NONE32)
			g.teacher_enrollments++;
}

/* ------------------------------------------------------------- year two */

static void next_year(void)
{
	/* the year-1 enrollments, so year 2's ids follow theirs */
	uint64_t y1 = deal(1, true);
	for (size_t s = 0; s < g.nsections; s++)
		if (g.sections[s].teacher != NONE32)
			y1++;
	g.enroll_first = y1;
	memset(g.sec_fill, 0, g.nsections * sizeof *g.sec_fill);

	size_t n1 = g.nu, nstu1 = 0;
	uint32_t next = 0;
	for (size_t i = 0; i < n1; i++)
		if (g.users[i].num > next)
			next = g.users[i].num;
	next++;

	/* graduates leave; the others go up a grade, to the next school when
	 * theirs ends; a few transfer */
	for (size_t i = 0; i < n1; i++) {
		struct user *u = &g.users[i];
		if (u->role != R_STUDENT)
			continue;
		nstu1++;
		if (u->grade == 12) {
			u->flags |= F_GONE;
			g.graduated++;
			continue;
		}
		u->grade++;
		u->flags |= F_CHANGED;
		if (u->grade > g.schools[u->school].hi) {
			u->school = (uint16_t)pick_school(u->grade,
							  h3(T_PROMOTE, u->sis, 0));
			g.promoted_out++;
		} else if (chance(T_MOVE, u->sis, 0, 10) && g.grade_n[u->grade] > 1) {
			for (uint64_t t = 1; t < 16; t++) {
				uint32_t s = pick_school(u->grade, h3(T_MOVE, u->sis, t));
				if (s != u->school) {
					u->school = (uint16_t)s;
					g.moved++;
					break;
				}
			}
		}
	}
	/* teachers leave; as many arrive, each taking over the sections of one
	 * who left, at the same school */
	uint32_t *left = xcalloc(n1, sizeof *left);
	size_t nleft = 0;
	for (size_t i = 0; i < n1; i++)
		if (g.users[i].role == R_TEACHER &&
		    chance(T_TLEAVE, g.users[i].sis, 0, 30)) {
			g.users[i].flags |= F_GONE;
			left[nleft++] = (uint32_t)i;
		}
	g.t_left = nleft;
	/* emails change */
	for (size_t i = 0; i < n1; i++) {
		struct user *u = &g.users[i];
		if (!(u->flags & F_GONE) && chance(T_ECHANGE, u->sis, 0, 20)) {
			u->email = 2;
			u->flags |= F_CHANGED;
			g.email_changed++;
		}
	}

	/* new students: kindergarten mostly, some at the middle and high entry
	 * grades; then the new teachers. Ids continue after the largest. */
	size_t arrive = nstu1 * 8 / 100;
	for (size_t k = 0; k < arrive; k++) {
		struct user *u = new_user();
		u->num = next++;
		u->sis = 1000000u + u->num;
		u->role = R_STUDENT;
		u->flags = F_NEW;
		dress(u);
		unsigned r = (unsigned)(h3(T_NEWGRADE, u->sis, 0) % 100);
		u->grade = r < 90 ? 0 : r < 95 ? 6 : 9;
		u->school = (uint16_t)pick_school(u->grade, h3(T_SCHOOL, u->sis, 0));
	}
	g.arrived = arrive;
	uint32_t *repl = xcalloc(n1, sizeof *repl);
	for (size_t k = 0; k < nleft; k++) {
		uint16_t school = g.users[left[k]].school;
		struct user *u = new_user();
		u->num = next++;
		u->sis = 1000000u + u->num;
		u->role = R_TEACHER;
		u->flags = F_NEW;
		u->school = school;
		dress(u);
		repl[left[k]] = (uint32_t)(g.nu - 1);
	}
	for (size_t s = 0; s < g.nsections; s++) {
		uint32_t t = g.sections[s].teacher;
		if (t != NONE32 && (g.users[t].flags & F_GONE))
			g.sections[s].teacher = repl[t];
	}
	free(repl);
	free(left);

	/* the SIS renumbers a few students: a new sourcedId, the same SIS id */
	for (size_t i = 0; i < n1; i++) {
		struct user *u = &g.users[i];
		if (u->role == R_STUDENT && !(u->flags & F_GONE) &&
		    chance(T_RENUM, u->sis, 0, 5)) {
			u->flags |= F_RENUMBERED | F_NEW;
			g.renumbered++;
		}
	}

	/* sourcedId order: those kept, the new ones, the renumbered */
	free(g.order);
	g.order = xcalloc(g.nu, sizeof *g.order);
	g.norder = 0;
	for (size_t i = 0; i < n1; i++)
		if (!(g.users[i].flags & (F_GONE | F_RENUMBERED)))
			g.order[g.norder++] = (uint32_t)i;
	for (size_t i = n1; i < g.nu; i++)
		g.order[g.norder++] = (uint32_t)i;
	for (size_t i = 0; i < n1; i++)
		if (g.users[i].flags & F_RENUMBERED) {
			g.users[i].num = next++;
			g.order[g.norder++] = (uint32_t)i;
		}
}

/* ------------------------------------------------------------- OneRoster */

static const char *district_name = "Riverbend Unified School District";

static void school_name(size_t s, char *out, size_t size)
{
	size_t round = s / NPLACES;
	if (round)
		snprintf(out, size, "%s %s #%zu", place_names[s % NPLACES],
			 band_suffix[g.schools[s].band], round + 1);
	else
		snprintf(out, size, "%s %s", place_names[s % NPLACES],
			 band_suffix[g.schools[s].band]);
}

static void course_title(const struct course *c, char *out, size_t size)
{
	const char *variant[] = {"", " Honors", " Advanced"};
	if (c->variant < 3)
		snprintf(out, size, "%s %s%s", subjects[c->subject].title,
			 grade_titles[c->grade], variant[c->variant]);
	else
		snprintf(out, size, "%s %s %u", subjects[c->subject].title,
			 grade_titles[c->grade], (unsigned)c->variant + 1);
}

static void course_code(const struct course *c, char *out, size_t size)
{
	if (c->variant)
		snprintf(out, size, "%s-%s-%u", subjects[c->subject].code,
			 grade_codes[c->grade], (unsigned)c->variant + 1);
	else
		snprintf(out, size, "%s-%s", subjects[c->subject].code,
			 grade_codes[c->grade]);
}

static void section_title(const struct section *se, char *out, size_t size)
{
	char t[160];
	course_title(&g.courses[se->course], t, sizeof t);
	snprintf(out, size, "%s - P%u", t, (unsigned)se->period);
}

/* The ASCII local part: given.family.N, or the changed form g.family.N */
static void email_of(const struct user *u, char *out, size_t size)
{
	const char *gv = given_names[u->given].ascii;
	const char *fam = family_names[u->family].ascii;
	if (u->email == 2)
		snprintf(out, size, "%c.%s.%u@example.org", gv[0], fam, u->sis);
	else
		snprintf(out, size, "%s.%s.%u@example.org", gv, fam, u->sis);
}

static void username_of(const struct user *u, char *out, size_t size)
{
	char fam[64];
	size_t n = 0;
	for (const char *p = family_names[u->family].ascii; *p && n < 63; p++)
		if (*p >= 'a' && *p <= 'z')
			fam[n++] = *p;
	fam[n] = '\0';
	snprintf(out, size, "%c%s%u", given_names[u->given].ascii[0], fam, u->sis);
}

static const char *const role_or[] = {
	"student", "teacher", "administrator", "administrator", "aide",
};

static void write_oneroster(const char *dir)
{
	const struct year *y = &years[g.year - 1];
	char buf[256];

	o_open(dir, "manifest.csv");
	o_str("propertyName,value\n"
	      "manifest.version,1.0\n"
	      "oneroster.version,1.1\n"
	      "file.academicSessions,bulk\n"
	      "file.categories,absent\n"
	      "file.classes,bulk\n"
	      "file.classResources,absent\n"
	      "file.courses,bulk\n"
	      "file.courseResources,absent\n"
	      "file.demographics,absent\n"
	      "file.enrollments,bulk\n"
	      "file.lineItems,absent\n"
	      "file.orgs,bulk\n"
	      "file.resources,absent\n"
	      "file.results,absent\n"
	      "file.users,bulk\n"
	      "source.systemName,gen-district\n"
	      "source.systemCode,GEN-1\n");
	o_close();

	o_open(dir, "orgs.csv");
	o_str("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n");
	o_str("dist01,,,");
	o_csv(district_name);
	o_str(",district,RUSD,\n");
	for (size_t s = 0; s < g.nschools; s++) {
		o_school_id((uint32_t)s);
		o_str(",,,");
		school_name(s, buf, sizeof buf);
		o_csv(buf);
		o_str(",school,");
		o_pad(s + 1, 4);
		o_str(",dist01\n");
	}
	o_close();

	o_open(dir, "academicSessions.csv");
	o_str("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
	      "parentSourcedId,schoolYear\n");
	const char *titles[] = {y->title, y->fall, y->spring};
	const char *starts[] = {y->start, y->start, y->spring_start};
	const char *ends[] = {y->stop, y->fall_end, y->stop};
	for (int t = 0; t < 3; t++) {
		o_term_id(t);
		o_str(",,,");
		o_str(titles[t]);
		o_str(t ? ",semester," : ",schoolYear,");
		o_str(starts[t]);
		o_ch(',');
		o_str(ends[t]);
		o_ch(',');
		if (t)
			o_term_id(0);
		o_ch(',');
		o_u((uint64_t)y->end);
		o_ch('\n');
	}
	o_close();

	o_open(dir, "courses.csv");
	o_str("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
	      "grades,orgSourcedId,subjects,subjectCodes\n");
	for (size_t c = 0; c < g.ncourses; c++) {
		const struct course *co = &g.courses[c];
		o_str("crs");
		o_pad(c + 1, 5);
		o_str(",,,");
		o_term_id(0);
		o_ch(',');
		course_title(co, buf, sizeof buf);
		o_csv(buf);
		o_ch(',');
		course_code(co, buf, sizeof buf);
		o_str(buf);
		o_ch(',');
		o_str(grade_codes[co->grade]);
		o_ch(',');
		o_school_id(co->school);
		o_ch(',');
		o_str(subjects[co->subject].title);
		o_str(",\n");
	}
	o_close();

	o_open(dir, "classes.csv");
	o_str("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
	      "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
	      "periods\n");
	for (size_t s = 0; s < g.nsections; s++) {
		const struct section *se = &g.sections[s];
		o_str("cls");
		o_pad(s + 1, 6);
		o_str(",,,");
		section_title(se, buf, sizeof buf);
		o_csv(buf);
		o_ch(',');
		o_str(grade_codes[se->grade]);
		o_str(",crs");
		o_pad(se->course + 1, 5);
		o_ch(',');
		course_code(&g.courses[se->course], buf, sizeof buf);
		o_str(buf);
		o_ch('-');
		o_u(se->ordinal);
		o_str(",scheduled,Room ");
		o_u(se->room);
		o_ch(',');
		o_school_id(se->school);
		o_ch(',');
		if (se->term == 0) {
			o_ch('"');
			o_term_id(1);
			o_ch(',');
			o_term_id(2);
			o_ch('"');
		} else {
			o_term_id(se->term);
		}
		o_ch(',');
		o_str(subjects[g.courses[se->course].subject].title);
		o_str(",,");
		o_u(se->period);
		o_ch('\n');
	}
	o_close();

	o_open(dir, "users.csv");
	o_str("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,"
	      "username,userIds,givenName,familyName,middleName,identifier,email,sms,"
	      "phone,agentSourcedIds,grades,password\n");
	for (size_t k = 0; k < g.norder; k++) {
		uint32_t ui = g.order[k];
		const struct user *u = &g.users[ui];
		o_user_id(ui);
		o_str(",,,true,");
		if (u->school == NONE16)
			o_str("dist01");
		else
			o_school_id(u->school);
		o_ch(',');
		o_str(role_or[u->role]);
		o_ch(',');
		username_of(u, buf, sizeof buf);
		o_str(buf);
		o_str(",\"{SIS:");
		o_u(u->sis);
		o_str("},{Google:g");
		o_u(u->sis);
		o_str("}\",");
		o_csv(given_names[u->given].s);
		o_ch(',');
		o_csv(family_names[u->family].s);
		o_ch(',');
		if (u->middle != NONE16)
			o_csv(given_names[u->middle].s);
		o_ch(',');
		o_u(u->sis);
		o_ch(',');
		if (u->email) {
			email_of(u, buf, sizeof buf);
			o_str(buf);
		}
		o_str(",,,,");
		if (u->role == R_STUDENT)
			o_str(grade_codes[u->grade]);
		o_str(",\n");
	}
	o_close();

	o_open(dir, "enrollments.csv");
	o_str("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
	      "userSourcedId,role,primary,beginDate,endDate\n");
	uint64_t eid = g.enroll_first;
	for (size_t s = 0; s < g.nsections; s++) {
		const struct section *se = &g.sections[s];
		char pre[64], post[64];
		int npre = snprintf(pre, sizeof pre, "cls%06zu,sch%04" PRIu32 ",",
				    s + 1, se->school + 1);
		const char *begin = se->term == 2 ? y->spring_start : y->start;
		int npost = snprintf(post, sizeof post, ",%s,\n", begin);
		if (se->teacher != NONE32) {
			o_ch('e');
			o_pad(++eid, 7);
			o_str(",,,");
			o_mem(pre, (size_t)npre);
			o_user_id(se->teacher);
			o_str(",teacher,true");
			o_mem(post, (size_t)npost);
		}
		for (uint32_t i = g.sec_off[s]; i < g.sec_off[s + 1]; i++) {
			o_ch('e');
			o_pad(++eid, 7);
			o_str(",,,");
			o_mem(pre, (size_t)npre);
			o_user_id(g.sec_students[i]);
			o_str(",student,false");
			o_mem(post, (size_t)npost);
		}
	}
	o_close();
}

/* ---------------------------------------------------------------- Clever */

static void page_begin(void)
{
	o_str("{\"data\":[\n");
}

static void item_begin(bool first)
{
	if (!first)
		o_str(",\n");
	o_str("{\"data\":{\"id\":");
}

static void item_end(const char *entity, int ent, uint64_t num)
{
	o_str("},\"uri\":\"/v3.0/");
	o_str(entity);
	o_ch('/');
	char id[24];
	clever_id(id, ent, num);
	o_mem(id, 24);
	o_str("\"}");
}

static void page_end_single(const char *entity)
{
	o_str("\n],\"links\":[{\"rel\":\"self\",\"uri\":\"/v3.0/");
	o_str(entity);
	o_str("\"}]}\n");
}

/* self and, unless last, next, as Clever's limit/starting_after pages. */
static void page_end_paged(const char *entity, const char *after,
			   const char *last)
{
	o_str("\n],\"links\":[{\"rel\":\"self\",\"uri\":\"/v3.0/");
	o_str(entity);
	o_str("?limit=10000");
	if (after) {
		o_str("&starting_after=");
		o_mem(after, 24);
	}
	o_str("\"}");
	if (last) {
		o_str(",{\"rel\":\"next\",\"uri\":\"/v3.0/");
		o_str(entity);
		o_str("?limit=10000&starting_after=");
		o_mem(last, 24);
		o_str("\"}");
	}
	o_str("]}\n");
}

static void o_district_field(void)
{
	o_str(",\"district\":");
	o_cid(E_DISTRICT, 1);
}

static void o_stamps(const char *created, const char *modified)
{
	o_str(",\"created\":\"");
	o_str(created);
	o_str("\",\"last_modified\":\"");
	o_str(modified);
	o_ch('"');
}

/* Removes stale NAME-NNNN.json pages past the last one written. */
static void remove_stale_pages(const char *dir, const char *name, size_t from)
{
	char path[4200];
	for (size_t k = from; k < 10000; k++) {
		snprintf(path, sizeof path, "%s/%s-%04zu.json", dir, name, k);
		if (unlink(path) != 0)
			break;
	}
}

static void write_clever(const char *dir)
{
	const struct year *y = &years[g.year - 1];
	const char *stamp1 = years[0].stamp, *stamp = y->stamp;
	char buf[256];

	g.cids = xcalloc(g.nu, 24);
	for (size_t i = 0; i < g.nu; i++)
		clever_id(g.cids + i * 24, E_USER, g.users[i].num);

	o_open(dir, "districts.json");
	page_begin();
	item_begin(true);
	o_cid(E_DISTRICT, 1);
	o_str(",\"name\":");
	o_js(district_name);
	item_end("districts", E_DISTRICT, 1);
	page_end_single("districts");
	o_close();

	o_open(dir, "schools.json");
	page_begin();
	for (size_t s = 0; s < g.nschools; s++) {
		const struct school *sc = &g.schools[s];
		item_begin(s == 0);
		o_cid(E_SCHOOL, s + 1);
		o_district_field();
		o_str(",\"name\":");
		school_name(s, buf, sizeof buf);
		o_js(buf);
		o_str(",\"sis_id\":\"");
		o_school_id((uint32_t)s);
		o_str("\",\"school_number\":\"");
		o_pad(s + 1, 4);
		o_str("\",\"low_grade\":\"");
		o_str(grade_words[sc->lo]);
		o_str("\",\"high_grade\":\"");
		o_str(grade_words[sc->hi]);
		o_ch('"');
		o_stamps(stamp1, stamp1);
		item_end("schools", E_SCHOOL, s + 1);
	}
	page_end_single("schools");
	o_close();

	o_open(dir, "terms.json");
	page_begin();
	const char *titles[] = {y->title, y->fall, y->spring};
	const char *starts[] = {y->start, y->start, y->spring_start};
	const char *ends[] = {y->stop, y->fall_end, y->stop};
	for (int t = 0; t < 3; t++) {
		item_begin(t == 0);
		o_cid(E_TERM, term_num(t));
		o_district_field();
		o_str(",\"name\":\"");
		o_str(titles[t]);
		o_str("\",\"start_date\":\"");
		o_str(starts[t]);
		o_str("\",\"end_date\":\"");
		o_str(ends[t]);
		o_ch('"');
		item_end("terms", E_TERM, term_num(t));
	}
	page_end_single("terms");
	o_close();

	o_open(dir, "courses.json");
	page_begin();
	for (size_t c = 0; c < g.ncourses; c++) {
		item_begin(c == 0);
		o_cid(E_COURSE, c + 1);
		o_district_field();
		o_str(",\"name\":");
		course_title(&g.courses[c], buf, sizeof buf);
		o_js(buf);
		o_str(",\"number\":\"");
		course_code(&g.courses[c], buf, sizeof buf);
		o_str(buf);
		o_ch('"');
		item_end("courses", E_COURSE, c + 1);
	}
	page_end_single("courses");
	o_close();

	/* users, 10000 a page */
	size_t pages = 0;
	for (size_t k0 = 0; k0 < g.norder; k0 += PAGE_ITEMS) {
		size_t k1 = k0 + PAGE_ITEMS < g.norder ? k0 + PAGE_ITEMS : g.norder;
		snprintf(buf, sizeof buf, "users-%04zu.json", ++pages);
		o_open(dir, buf);
		page_begin();
		for (size_t k = k0; k < k1; k++) {
			uint32_t ui = g.order[k];
			const struct user *u = &g.users[ui];
			item_begin(k == k0);
			o_user_cid(ui);
			o_district_field();
			o_str(",\"email\":");
			if (u->email) {
				email_of(u, buf, sizeof buf);
				o_ch('"');
				o_str(buf);
				o_ch('"');
			} else {
				o_str("null");
			}
			o_str(",\"name\":{\"first\":");
			o_js(given_names[u->given].s);
			o_str(",\"middle\":");
			if (u->middle != NONE16)
				o_js(given_names[u->middle].s);
			else
				o_str("null");
			o_str(",\"last\":");
			o_js(family_names[u->family].s);
			o_str("},\"roles\":{");
			switch (u->role) {
			case R_STUDENT:
				o_str("\"student\":{\"sis_id\":\"");
				o_u(u->sis);
				o_str("\",\"student_number\":\"");
				o_u(u->sis);
				o_str("\",\"grade\":\"");
				o_str(grade_words[u->grade]);
				o_ch('"');
				break;
			case R_TEACHER:
				o_str("\"teacher\":{\"sis_id\":\"");
				o_u(u->sis);
				o_str("\",\"teacher_number\":\"");
				o_u(u->sis);
				o_ch('"');
				break;
			case R_DISTRICT_ADMIN:
				o_str("\"district_admin\":{\"title\":\"District "
				      "Administrator\"}");
				break;
			default:
				o_str("\"staff\":{\"staff_id\":\"");
				o_u(u->sis);
				o_str(u->role == R_AIDE ? "\",\"title\":\"Aide\""
							: "\",\"title\":\"Principal\"");
				break;
			}
			if (u->role != R_DISTRICT_ADMIN) {
				if (u->role == R_STUDENT || u->role == R_TEACHER) {
					o_str(",\"school\":");
					o_cid(E_SCHOOL, (uint64_t)u->school + 1);
				}
				o_str(",\"schools\":[");
				o_cid(E_SCHOOL, (uint64_t)u->school + 1);
				o_str("],\"credentials\":{\"district_username\":\"");
				username_of(u, buf, sizeof buf);
				o_str(buf);
				o_str("\"}}");
			}
			o_ch('}');
			const char *created = g.year == 2 && (u->flags & F_NEW)
						      ? stamp : stamp1;
			const char *modified = g.year == 2 &&
							       (u->flags & (F_NEW | F_CHANGED))
						       ? stamp : created;
			o_stamps(created, modified);
			item_end("users", E_USER, u->num);
		}
		page_end_paged("users",
			       k0 ? g.cids + (size_t)g.order[k0 - 1] * 24 : NULL,
			       k1 < g.norder ? g.cids + (size_t)g.order[k1 - 1] * 24
					     : NULL);
		o_close();
	}
	remove_stale_pages(dir, "users", pages + 1);

	/* sections, 10000 a page */
	pages = 0;
	char after[24], last[24];
	for (size_t s0 = 0; s0 < g.nsections; s0 += PAGE_ITEMS) {
		size_t s1 = s0 + PAGE_ITEMS < g.nsections ? s0 + PAGE_ITEMS
							  : g.nsections;
		snprintf(buf, sizeof buf, "sections-%04zu.json", ++pages);
		o_open(dir, buf);
		page_begin();
		for (size_t s = s0; s < s1; s++) {
			const struct section *se = &g.sections[s];
			item_begin(s == s0);
			o_cid(E_SECTION, s + 1);
			o_district_field();
			o_str(",\"school\":");
			o_cid(E_SCHOOL, (uint64_t)se->school + 1);
			o_str(",\"course\":");
			o_cid(E_COURSE, (uint64_t)se->course + 1);
			o_str(",\"term_id\":");
			o_cid(E_TERM, term_num(se->term));
			o_str(",\"name\":");
			section_title(se, buf, sizeof buf);
			o_js(buf);
			o_str(",\"period\":\"");
			o_u(se->period);
			o_str("\",\"subject\":\"");
			o_str(subjects[g.courses[se->course].subject].clever);
			o_str("\",\"grade\":\"");
			o_str(grade_words[se->grade]);
			o_str("\",\"sis_id\":\"cls");
			o_pad(s + 1, 6);
			o_str("\",\"students\":[");
			for (uint32_t i = g.sec_off[s]; i < g.sec_off[s + 1]; i++) {
				if (i > g.sec_off[s])
					o_ch(',');
				o_user_cid(g.sec_students[i]);
			}
			o_str("],\"teachers\":[");
			if (se->teacher != NONE32)
				o_user_cid(se->teacher);
			o_ch(']');
			if (se->teacher != NONE32) {
				o_str(",\"teacher\":");
				o_user_cid(se->teacher);
			}
			o_stamps(stamp1, g.year == 2 ? stamp : stamp1);
			item_end("sections", E_SECTION, s + 1);
		}
		clever_id(last, E_SECTION, s1);
		page_end_paged("sections", s0 ? after : NULL,
			       s1 < g.nsections ? last : NULL);
		memcpy(after, last, 24);
		o_close();
	}
	remove_stale_pages(dir, "sections", pages + 1);
}

/* ------------------------------------------------------------------ main */

static uint64_t number_arg(const char *opt, const char *v, uint64_t lo,
			   uint64_t hi)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!*v || *end || errno || *v == '-' || n < lo || n > hi)
		usage_error("%s: a whole number from %" PRIu64 " to %" PRIu64
			    ", not \"%s\"", opt, lo, hi, v);
	return n;
}

static void make_dir(const char *path) /* mkdir -p */
{
	char p[4096];
	int len = snprintf(p, sizeof p, "%s", path);
	if (len < 0 || (size_t)len >= sizeof p)
		die("%s: path too long", path);
	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST)
				die("%s: %s", p, strerror(errno));
			*q = '/';
		}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		die("%s: %s", path, strerror(errno));
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		die("%s: not a directory", path);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double t0 = now();
	bool have_schools = false, have_sections = false;
	g.nusers = 1000000;
	g.eps = 6;
	g.seed = 1;
	g.year = 1;
	g.oneroster = g.clever = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		char opt[64];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strncmp(a, "--", 2) != 0)
			usage_error("unexpected argument \"%s\"", a);
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		if (len >= sizeof opt)
			usage_error("unknown option %s", a);
		memcpy(opt, a, len);
		opt[len] = '\0';
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			usage_error("%s needs a value", opt);
		if (strcmp(opt, "--out") == 0)
			g.out = v;
		else if (strcmp(opt, "--users") == 0)
			g.nusers = number_arg(opt, v, 100, 50000000);
		else if (strcmp(opt, "--schools") == 0)
			g.nschools = number_arg(opt, v, 2, 60000), have_schools = true;
		else if (strcmp(opt, "--sections") == 0)
			g.nsections = number_arg(opt, v, 1, 100000000),
			have_sections = true;
		else if (strcmp(opt, "--enrollments-per-student") == 0)
			g.eps = number_arg(opt, v, 0, MAX_EPS);
		else if (strcmp(opt, "--seed") == 0)
			g.seed = number_arg(opt, v, 0, UINT64_MAX);
		else if (strcmp(opt, "--year") == 0)
			g.year = (int)number_arg(opt, v, 1, 2);
		else if (strcmp(opt, "--format") == 0) {
			g.oneroster = strcmp(v, "oneroster") == 0 || strcmp(v, "both") == 0;
			g.clever = strcmp(v, "clever") == 0 || strcmp(v, "both") == 0;
			if (!g.oneroster && !g.clever)
				usage_error("--format: oneroster, clever or both, not \"%s\"",
					    v);
		} else
			usage_error("unknown option %s", opt);
	}
	if (!g.out)
		usage_error("--out DIR is required");
	if (!have_schools)
		g.nschools = g.nusers / 2500 < 2 ? 2 : g.nusers / 2500;
	if (g.nschools > g.nusers / 50)
		usage_error("--schools: at most users/50 (%" PRIu64 ")",
			    g.nusers / 50);
	if (!have_sections)
		g.nsections = g.nusers * 4 / 100;
	g_seed = mix64(g.seed ^ 0x67656e6469737472ULL);

	build_schools();
	build_users();
	g.order = xcalloc(g.nu, sizeof *g.order);
	for (size_t i = 0; i < g.nu; i++)
		g.order[g.norder++] = (uint32_t)i;
	build_sections();
	if (g.year == 2) {
		g.sec_fill = xcalloc(g.nsections, sizeof *g.sec_fill);
		next_year();
		free(g.sec_fill);
	}
	enroll();

	char path[4096];
	make_dir(g.out);
	if (g.oneroster) {
		snprintf(path, sizeof path, "%s/oneroster", g.out);
		make_dir(path);
		write_oneroster(path);
	}
	if (g.clever) {
		snprintf(path, sizeof path, "%s/clever", g.out);
		make_dir(path);
		write_clever(path);
	}

	size_t count[5] = {0};
	for (size_t k = 0; k < g.norder; k++)
		count[g.users[g.order[k]].role]++;
	fprintf(stderr,
		"%s: year %d, seed %" PRIu64 ": %zu users (%zu students, %zu teachers, "
		"%zu administrators, %zu aides), %" PRIu64 " schools, %zu courses, %" PRIu64
		" sections, %" PRIu64 " enrollments (%" PRIu64 " students', %" PRIu64
		" teachers')\n",
		prog, g.year, g.seed, g.norder, count[R_STUDENT], count[R_TEACHER],
		count[R_DISTRICT_ADMIN] + count[R_SCHOOL_ADMIN], count[R_AIDE],
		g.nschools, g.ncourses, g.nsections,
		g.student_enrollments + g.teacher_enrollments, g.student_enrollments,
		g.teacher_enrollments);
	if (g.year == 2)
		fprintf(stderr,
			"%s: churn: %zu graduated, %zu arrived, %zu to the next school, "
			"%zu transferred, %zu teachers replaced, %zu emails changed, "
			"%zu students renumbered\n",
			prog, g.graduated, g.arrived, g.promoted_out, g.moved, g.t_left,
			g.email_changed, g.renumbered);
	fprintf(stderr, "%s: wrote %.1f MB in %.2f s\n", prog,
		(double)bytes_total / 1e6, now() - t0);
	return 0;
}
