#include "config.h"

#include "pt-schema.h"

static const gchar *all[] = {
  "received", "in_progress", "ready", "dispensed", "picked_up", "cancelled",
};

static void
test_statuses (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_assert_true (pt_rx_status_is_valid (all[i]));
  g_assert_false (pt_rx_status_is_valid ("Received"));
  g_assert_false (pt_rx_status_is_valid (""));
  g_assert_false (pt_rx_status_is_valid (NULL));
  g_assert_cmpstr (pt_rx_status_get_label ("in_progress"), ==, "in preparation");
  g_assert_cmpstr (pt_rx_status_get_label ("weird"), ==, "weird");
}

static void
test_transition_table (void)
{
  /* Rows: from; columns: to, in the order of all[]. */
  static const gboolean expected[6][6] = {
    /*               rec  prog  rdy  disp  pick  canc */
    /* received  */ { 1,   1,    1,   1,    0,    1 },
    /* in_prog   */ { 0,   1,    1,   1,    0,    1 },
    /* ready     */ { 0,   1,    1,   1,    0,    1 },
    /* dispensed */ { 0,   0,    0,   1,    1,    1 },
    /* picked_up */ { 0,   0,    0,   0,    1,    0 },
    /* cancelled */ { 0,   0,    0,   0,    0,    1 },
  };

  for (guint f = 0; f < 6; f++)
    for (guint t = 0; t < 6; t++)
      {
        if (pt_rx_status_can_transition (all[f], all[t]) != expected[f][t])
          g_error ("%s → %s: expected %s", all[f], all[t], expected[f][t] ? "allowed" : "refused");
      }
  /* Creation may start anywhere (imports), but only at a real status. */
  g_assert_true (pt_rx_status_can_transition (NULL, "received"));
  g_assert_true (pt_rx_status_can_transition (NULL, "dispensed"));
  g_assert_false (pt_rx_status_can_transition (NULL, "bogus"));
  g_assert_false (pt_rx_status_can_transition ("bogus", "ready"));
  g_assert_false (pt_rx_status_can_transition ("ready", NULL));
}

static void
test_merge_later_stage_wins (void)
{
  gboolean conflict = TRUE;

  g_assert_cmpint (pt_rx_status_merge_compare ("dispensed", "ready", &conflict), <, 0);
  g_assert_false (conflict);
  g_assert_cmpint (pt_rx_status_merge_compare ("in_progress", "picked_up", &conflict), >, 0);
  g_assert_false (conflict);
  g_assert_cmpint (pt_rx_status_merge_compare ("ready", "ready", &conflict), ==, 0);
  g_assert_false (conflict);
}

static void
test_merge_cancel_vs_preparation (void)
{
  gboolean conflict = TRUE;

  g_assert_cmpint (pt_rx_status_merge_compare ("cancelled", "ready", &conflict), <, 0);
  g_assert_false (conflict);
  g_assert_cmpint (pt_rx_status_merge_compare ("received", "cancelled", &conflict), >, 0);
  g_assert_false (conflict);
}

static void
test_merge_stale_cancel_never_undispenses (void)
{
  gboolean conflict = FALSE;

  g_assert_cmpint (pt_rx_status_merge_compare ("dispensed", "cancelled", &conflict), ==, 0);
  g_assert_true (conflict);
  conflict = FALSE;
  g_assert_cmpint (pt_rx_status_merge_compare ("cancelled", "picked_up", &conflict), ==, 0);
  g_assert_true (conflict);
  /* NULL conflict pointer is allowed. */
  g_assert_cmpint (pt_rx_status_merge_compare ("cancelled", "dispensed", NULL), ==, 0);
}

static void
test_merge_known_beats_garbage (void)
{
  gboolean conflict = TRUE;

  g_assert_cmpint (pt_rx_status_merge_compare ("ready", "???", &conflict), <, 0);
  g_assert_cmpint (pt_rx_status_merge_compare (NULL, "received", &conflict), >, 0);
  g_assert_cmpint (pt_rx_status_merge_compare (NULL, NULL, &conflict), ==, 0);
  g_assert_false (conflict);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/workflow/statuses", test_statuses);
  g_test_add_func ("/core/workflow/transition-table", test_transition_table);
  g_test_add_func ("/core/workflow/merge-later-stage-wins", test_merge_later_stage_wins);
  g_test_add_func ("/core/workflow/merge-cancel-vs-preparation", test_merge_cancel_vs_preparation);
  g_test_add_func ("/core/workflow/merge-stale-cancel-never-undispenses", test_merge_stale_cancel_never_undispenses);
  g_test_add_func ("/core/workflow/merge-known-beats-garbage", test_merge_known_beats_garbage);
  return g_test_run ();
}
