#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-permissions.h"

static void
test_names_round_trip (void)
{
  for (PtRole r = 0; r < PT_N_ROLES; r++)
    {
      PtRole back = PT_N_ROLES;

      g_assert_nonnull (pt_role_get_label (r));
      g_assert_true (pt_role_from_string (pt_role_to_string (r), &back));
      g_assert_cmpint (back, ==, r);
    }
  g_assert_false (pt_role_from_string ("Pharmacist", NULL));
  g_assert_false (pt_role_from_string (NULL, NULL));
  g_assert_cmpstr (pt_role_to_string (PT_ROLE_PHARMACIST), ==, "pharmacist");
  g_assert_cmpstr (pt_permission_to_string (PT_PERM_EDIT_PRICE), ==, "edit-price");
  g_assert_cmpstr (pt_permission_get_label (PT_PERM_EDIT_PRICE), ==, "change prices");
  for (PtPermission p = 0; p < PT_N_PERMS; p++)
    {
      g_assert_nonnull (pt_permission_to_string (p));
      g_assert_nonnull (pt_permission_get_label (p));
    }
}

static void
test_owner_admin_system_may_do_everything (void)
{
  for (PtPermission p = 0; p < PT_N_PERMS; p++)
    {
      g_assert_true (pt_role_can (PT_ROLE_OWNER, p));
      g_assert_true (pt_role_can (PT_ROLE_ADMIN, p));
      g_assert_true (pt_role_can (PT_ROLE_SYSTEM, p));
    }
}

static void
test_cashier_sells_but_changes_nothing (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_role_can (PT_ROLE_CASHIER, PT_PERM_VIEW_CATALOGUE));
  g_assert_true (pt_role_can (PT_ROLE_CASHIER, PT_PERM_TAKE_PAYMENT));
  g_assert_true (pt_role_can (PT_ROLE_CASHIER, PT_PERM_HAND_OVER_PRESCRIPTION));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_EDIT_PRICE));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_EDIT_MEDICINE));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_OVERRIDE_WARNING));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_ADJUST_STOCK));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_RECEIVE_STOCK));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_DISPENSE));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_EDIT_PATIENTS));
  g_assert_false (pt_role_can (PT_ROLE_CASHIER, PT_PERM_MANAGE_USERS));

  g_assert_false (pt_role_check (PT_ROLE_CASHIER, PT_PERM_EDIT_PRICE, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_assert_true (g_str_has_prefix (error->message, "A cashier may not change prices."));
  g_assert_nonnull (strstr (error->message, "Ask a pharmacist."));
}

static void
test_technician_prepares_but_does_not_dispense (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_RECEIVE_STOCK));
  g_assert_true (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_ADVANCE_PRESCRIPTION));
  g_assert_true (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_CREATE_PRESCRIPTION));
  g_assert_false (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_DISPENSE));
  g_assert_false (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_OVERRIDE_WARNING));
  g_assert_false (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_CANCEL_PRESCRIPTION));
  g_assert_false (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_EDIT_PRICE));
  g_assert_false (pt_role_can (PT_ROLE_TECHNICIAN, PT_PERM_ADJUST_STOCK));

  g_assert_false (pt_role_check (PT_ROLE_TECHNICIAN, PT_PERM_OVERRIDE_WARNING, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==,
                   "A technician may not override dispensing warnings. Ask a pharmacist.");
}

static void
test_pharmacist_dispenses_but_does_not_manage_users (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_role_check (PT_ROLE_PHARMACIST, PT_PERM_DISPENSE, NULL));
  g_assert_true (pt_role_can (PT_ROLE_PHARMACIST, PT_PERM_OVERRIDE_WARNING));
  g_assert_true (pt_role_can (PT_ROLE_PHARMACIST, PT_PERM_CANCEL_PRESCRIPTION));
  g_assert_true (pt_role_can (PT_ROLE_PHARMACIST, PT_PERM_ADJUST_STOCK));
  g_assert_true (pt_role_can (PT_ROLE_PHARMACIST, PT_PERM_WRITE_OFF_STOCK));
  g_assert_false (pt_role_check (PT_ROLE_PHARMACIST, PT_PERM_MANAGE_USERS, &error));
  g_assert_cmpstr (error->message, ==, "A pharmacist may not manage users. Ask an administrator.");
}

static void
test_out_of_range_is_denied (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pt_role_can (PT_N_ROLES, PT_PERM_VIEW_CATALOGUE));
  g_assert_false (pt_role_can (PT_ROLE_OWNER, PT_N_PERMS));
  g_assert_false (pt_role_check ((PtRole) 99, PT_PERM_VIEW_CATALOGUE, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
}

static void
test_rx_transitions_by_role (void)
{
  g_autoptr(GError) error = NULL;
  PtPermission perm;

  g_assert_true (pt_rx_status_required_permission ("dispensed", &perm));
  g_assert_cmpint (perm, ==, PT_PERM_DISPENSE);
  g_assert_true (pt_rx_status_required_permission ("picked_up", &perm));
  g_assert_cmpint (perm, ==, PT_PERM_HAND_OVER_PRESCRIPTION);
  g_assert_false (pt_rx_status_required_permission ("lost", &perm));

  /* Cashier: hand-over only. */
  g_assert_true (pt_role_check_rx_transition (PT_ROLE_CASHIER, "dispensed", "picked_up", NULL));
  g_assert_false (pt_role_check_rx_transition (PT_ROLE_CASHIER, "ready", "dispensed", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_false (pt_role_check_rx_transition (PT_ROLE_CASHIER, "received", "in_progress", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  /* Technician prepares, never dispenses or cancels. */
  g_assert_true (pt_role_check_rx_transition (PT_ROLE_TECHNICIAN, "received", "in_progress", NULL));
  g_assert_true (pt_role_check_rx_transition (PT_ROLE_TECHNICIAN, "in_progress", "ready", NULL));
  g_assert_false (pt_role_check_rx_transition (PT_ROLE_TECHNICIAN, "ready", "dispensed", NULL));
  g_assert_false (pt_role_check_rx_transition (PT_ROLE_TECHNICIAN, "ready", "cancelled", NULL));

  /* Pharmacist dispenses and cancels; the workflow still applies. */
  g_assert_true (pt_role_check_rx_transition (PT_ROLE_PHARMACIST, "ready", "dispensed", NULL));
  g_assert_true (pt_role_check_rx_transition (PT_ROLE_PHARMACIST, "dispensed", "cancelled", NULL));
  g_assert_false (pt_role_check_rx_transition (PT_ROLE_PHARMACIST, "picked_up", "cancelled", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  g_assert_cmpstr (error->message, ==, "A prescription that is picked up cannot become cancelled.");
  g_clear_error (&error);
  g_assert_false (pt_role_check_rx_transition (PT_ROLE_OWNER, "ready", "shipped", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  /* An unchanged status needs no permission. */
  g_assert_true (pt_role_check_rx_transition (PT_ROLE_CASHIER, "ready", "ready", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/permissions/names-round-trip", test_names_round_trip);
  g_test_add_func ("/core/permissions/owner-admin-system-may-do-everything", test_owner_admin_system_may_do_everything);
  g_test_add_func ("/core/permissions/cashier-sells-but-changes-nothing", test_cashier_sells_but_changes_nothing);
  g_test_add_func ("/core/permissions/technician-prepares-but-does-not-dispense", test_technician_prepares_but_does_not_dispense);
  g_test_add_func ("/core/permissions/pharmacist-dispenses-but-does-not-manage-users", test_pharmacist_dispenses_but_does_not_manage_users);
  g_test_add_func ("/core/permissions/out-of-range-is-denied", test_out_of_range_is_denied);
  g_test_add_func ("/core/permissions/rx-transitions-by-role", test_rx_transitions_by_role);
  return g_test_run ();
}
