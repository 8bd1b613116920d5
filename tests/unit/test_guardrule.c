#include "guardrule.h"

#include <string.h>

#include "harness.h"

static int field_index(const char *name)
{
	for (int f = 0; f < REC_USER.nfields; f++)
		if (strcmp(REC_USER.fields[f].name, name) == 0)
			return f;
	return -1;
}

int main(void)
{
	const struct guard_limits lim = GUARD_LIMITS_DEFAULT;
	struct guard_loss l[GUARD_MAX_LOSSES];
	char text[256];

	struct guard_taken none = {0};
	CHECK(!guard_takes_any(&none), "nothing taken: nothing to judge");
	const struct guard_held cedar = {.active = 12, .users = 12, .sections = 10,
					 .enrollments = 200};
	CHECK(guard_losses(&none, &cedar, l) == 0, "nothing taken: no loss");

	/* the bundled district's year 2: 5 of Cedar Middle's 12 */
	struct guard_taken year2 = {.soft = 5};
	CHECK(guard_takes_any(&year2), "a soft delete is something taken");
	CHECK(guard_losses(&year2, &cedar, l) == 1 && l[0].kind == GUARD_SOFT &&
		      l[0].n == 5 && l[0].of == 12,
	      "soft deletes weigh against the active users");
	CHECK(guard_over(&lim, &l[0]), "5 of 12 is over 20%");
	guard_loss_text(&lim, &l[0], text, sizeof text);
	CHECK_STR(text,
		  "soft-delete 5 of 12 active users (41.7%; limit 20.0% of groups of 5 "
		  "or more)",
		  "apply's words");
	const struct guard_limits higher = {.max_ratio = 0.5, .max_count = -1, .floor = 5};
	CHECK(!guard_over(&higher, &l[0]), "a reviewed rollover passes with 0.5");
	const struct guard_limits counted = {.max_ratio = 0.5, .max_count = 4, .floor = 5};
	CHECK(guard_over(&counted, &l[0]), "the count holds when the ratio passes");
	guard_loss_text(&counted, &l[0], text, sizeof text);
	CHECK_STR(text,
		  "soft-delete 5 of 12 active users (41.7%; limit 50.0% of groups of 5 "
		  "or more, --max-delete-count 4)",
		  "the count is named when set");

	/* the floor is on the group, not on the loss */
	const struct guard_held admins = {.active = 2, .users = 2};
	struct guard_taken one_leaves = {.soft = 1};
	CHECK(guard_losses(&one_leaves, &admins, l) == 1, "one loss");
	CHECK(guard_small_group(&lim, &l[0]) && !guard_over(&lim, &l[0]),
	      "one of two administrators: a small group, not held to the ratio");
	const struct guard_limits count1 = {.max_ratio = 0.2, .max_count = 0, .floor = 5};
	CHECK(guard_over(&count1, &l[0]), "a small group is still held to the count");
	const struct guard_held empty = {0};
	CHECK(guard_losses(&one_leaves, &empty, l) == 1 && guard_share(&l[0]) == 1.0,
	      "a loss of nothing held counts as the whole");

	/* classes replaced in the same plan are not lost */
	struct guard_taken migrated = {.sections_deleted = 10, .sections_created = 10,
				       .enrollments_deleted = 200,
				       .enrollments_created = 150};
	CHECK(guard_takes_any(&migrated), "deletes are something taken, net or not");
	size_t n = guard_losses(&migrated, &cedar, l);
	CHECK(n == 1 && l[0].kind == GUARD_ENROLLMENTS && l[0].n == 50 && l[0].of == 200,
	      "sections and enrollments net of the plan's creates");
	CHECK(guard_is_roster(&l[0]), "enrollments are the roster");
	guard_loss_text(&lim, &l[0], text, sizeof text);
	CHECK_STR(text,
		  "delete 50 of 200 enrollments (25.0%; limit 20.0% of groups of 5 or "
		  "more)",
		  "the enrollments' words");

	/* every kind, in order */
	int birth = field_index("birth_date");
	CHECK(birth >= 0, "users have a birth date");
	struct guard_taken all = {.soft = 1, .hard = 2, .moved_out = 3,
				  .sections_deleted = 4, .enrollments_deleted = 5};
	all.cleared[birth] = 12;
	n = guard_losses(&all, &cedar, l);
	CHECK(n == 6, "five kinds and one field");
	CHECK(n == 6 && l[0].kind == GUARD_SOFT && l[1].kind == GUARD_HARD &&
		      l[2].kind == GUARD_SECTIONS && l[3].kind == GUARD_ENROLLMENTS &&
		      l[4].kind == GUARD_MOVED_OUT && l[5].kind == GUARD_CLEARED,
	      "in a fixed order");
	guard_loss_text(&lim, &l[1], text, sizeof text);
	CHECK_STR(text, "hard-delete 2 of 12 users (16.7%; limit 20.0% of groups of 5 or more)",
		  "hard deletes weigh against all users");
	guard_loss_text(&lim, &l[2], text, sizeof text);
	CHECK_STR(text, "delete 4 of 10 sections (40.0%; limit 20.0% of groups of 5 or more)",
		  "the sections' words");
	guard_loss_text(&lim, &l[4], text, sizeof text);
	CHECK_STR(text,
		  "take 3 of 12 users out of it (25.0%; limit 20.0% of groups of 5 or "
		  "more)",
		  "users moved out");
	guard_loss_text(&lim, &l[5], text, sizeof text);
	CHECK_STR(text,
		  "clear birth_date on 12 of 12 users (100.0%; limit 20.0% of groups of "
		  "5 or more)",
		  "a field cleared, by name");
	CHECK(!guard_over(&lim, &l[1]) && guard_over(&lim, &l[2]),
	      "each loss judged on its own");
	CHECK(!guard_is_roster(&l[5]), "a field is not the roster");

	struct guard_taken only_cleared = {0};
	only_cleared.cleared[birth] = 1;
	CHECK(guard_takes_any(&only_cleared), "a cleared field alone is something taken");
	TEST_END();
}
