#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-permissions.h"

static void
test_limits_are_the_published_numbers (void)
{
  g_assert_cmpint (pt_plan_limit (PT_PLAN_STARTER, PT_LIMIT_USERS), ==, 5);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_STARTER, PT_LIMIT_MEDICINES), ==, 1000);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_STARTER, PT_LIMIT_PRESCRIPTIONS), ==, 10000);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_PROFESSIONAL, PT_LIMIT_USERS), ==, 25);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_PROFESSIONAL, PT_LIMIT_MEDICINES), ==, 10000);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_PROFESSIONAL, PT_LIMIT_PRESCRIPTIONS), ==, 100000);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_ENTERPRISE, PT_LIMIT_USERS), ==, -1);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_ENTERPRISE, PT_LIMIT_MEDICINES), ==, -1);
  g_assert_cmpint (pt_plan_limit (PT_PLAN_ENTERPRISE, PT_LIMIT_PRESCRIPTIONS), ==, -1);
  g_assert_cmpint (pt_plan_storage_quota (PT_PLAN_STARTER), ==, 100000000);
  g_assert_cmpint (pt_plan_storage_quota (PT_PLAN_PROFESSIONAL), ==, 1000000000);
  g_assert_cmpint (pt_plan_storage_quota (PT_PLAN_ENTERPRISE), ==, 10000000000);
}

static void
test_check_refuses_one_past_the_limit (void)
{
  g_autoptr(GError) error = NULL;

  /* 999 medicines exist: the 1,000th may be created, the 1,001st not. */
  g_assert_true (pt_plan_check (PT_PLAN_STARTER, PT_LIMIT_MEDICINES, 999, NULL));
  g_assert_false (pt_plan_check (PT_PLAN_STARTER, PT_LIMIT_MEDICINES, 1000, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PLAN_LIMIT);
  g_assert_cmpstr (error->message, ==,
                   "The Starter plan allows 1,000 medicines. Upgrade the plan to add more.");
  g_clear_error (&error);

  g_assert_true (pt_plan_check (PT_PLAN_STARTER, PT_LIMIT_USERS, 4, NULL));
  g_assert_false (pt_plan_check (PT_PLAN_STARTER, PT_LIMIT_USERS, 5, &error));
  g_assert_cmpstr (error->message, ==, "The Starter plan allows 5 users. Upgrade the plan to add more.");
  g_clear_error (&error);

  g_assert_false (pt_plan_check (PT_PLAN_PROFESSIONAL, PT_LIMIT_PRESCRIPTIONS, 100000, &error));
  g_assert_cmpstr (error->message, ==,
                   "The Professional plan allows 100,000 prescriptions. Upgrade the plan to add more.");
  g_clear_error (&error);
  g_assert_true (pt_plan_check (PT_PLAN_PROFESSIONAL, PT_LIMIT_PRESCRIPTIONS, 99999, NULL));

  g_assert_true (pt_plan_check (PT_PLAN_ENTERPRISE, PT_LIMIT_MEDICINES, 50000000, NULL));
}

static void
test_names_and_collections (void)
{
  PtPlan plan;
  PtLimitKind kind;

  g_assert_true (pt_plan_from_string ("professional", &plan));
  g_assert_cmpint (plan, ==, PT_PLAN_PROFESSIONAL);
  g_assert_false (pt_plan_from_string ("gold", &plan));
  g_assert_false (pt_plan_from_string (NULL, &plan));
  g_assert_cmpstr (pt_plan_to_string (PT_PLAN_ENTERPRISE), ==, "enterprise");
  g_assert_cmpstr (pt_plan_get_label (PT_PLAN_STARTER), ==, "Starter");

  g_assert_true (pt_plan_limit_for_collection ("users", &kind));
  g_assert_cmpint (kind, ==, PT_LIMIT_USERS);
  g_assert_true (pt_plan_limit_for_collection ("medicines", &kind));
  g_assert_cmpint (kind, ==, PT_LIMIT_MEDICINES);
  g_assert_true (pt_plan_limit_for_collection ("prescriptions", &kind));
  g_assert_cmpint (kind, ==, PT_LIMIT_PRESCRIPTIONS);
  g_assert_false (pt_plan_limit_for_collection ("patients", &kind));
  g_assert_false (pt_plan_limit_for_collection ("batches", NULL));
}

static void
test_storage_warning_from_eighty_percent (void)
{
  g_autofree gchar *message = NULL;

  g_assert_false (pt_plan_storage_near_quota (PT_PLAN_STARTER, 79999999, &message));
  g_assert_null (message);
  g_assert_true (pt_plan_storage_near_quota (PT_PLAN_STARTER, 80000000, &message));
  g_assert_nonnull (strstr (message, "Starter"));
  g_assert_nonnull (strstr (message, "80 %"));
  g_assert_nonnull (strstr (message, "continues"));
  g_clear_pointer (&message, g_free);
  /* Over quota still only warns. */
  g_assert_true (pt_plan_storage_near_quota (PT_PLAN_STARTER, 250000000, &message));
  g_assert_nonnull (strstr (message, "250 %"));
  g_assert_false (pt_plan_storage_near_quota (PT_PLAN_ENTERPRISE, 250000000, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/plan/limits-are-the-published-numbers", test_limits_are_the_published_numbers);
  g_test_add_func ("/core/plan/check-refuses-one-past-the-limit", test_check_refuses_one_past_the_limit);
  g_test_add_func ("/core/plan/names-and-collections", test_names_and_collections);
  g_test_add_func ("/core/plan/storage-warning-from-eighty-percent", test_storage_warning_from_eighty_percent);
  return g_test_run ();
}
