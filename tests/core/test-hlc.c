#include "config.h"

#include <string.h>

#include "pt-hlc.h"

#define DEVICE "0123456789abcdef"

typedef struct
{
  gint64 now;
} FakeClock;

static gint64
fake_clock (gpointer user_data)
{
  return ((FakeClock *) user_data)->now;
}

static void
test_stamp_format (void)
{
  FakeClock clock = { 0x123456789aLL };
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  g_autofree gchar *stamp = pt_hlc_now (hlc);

  g_assert_cmpuint (strlen (stamp), ==, PT_HLC_STAMP_LEN);
  g_assert_cmpstr (stamp, ==, "00123456789a0000-0123456789abcdef");
  g_assert_true (pt_hlc_stamp_is_valid (stamp));
  g_assert_cmpint (pt_hlc_stamp_time_ms (stamp), ==, 0x123456789aLL);
  g_assert_cmpstr (pt_hlc_get_device_id (hlc), ==, DEVICE);
}

static void
test_device_id_lowercased (void)
{
  g_autoptr(PtHlc) hlc = pt_hlc_new ("0123456789ABCDEF", NULL, NULL);
  g_autofree gchar *stamp = pt_hlc_now (hlc);

  g_assert_cmpstr (pt_hlc_get_device_id (hlc), ==, DEVICE);
  g_assert_true (pt_hlc_stamp_is_valid (stamp));
}

static void
test_same_millisecond_counts_up (void)
{
  FakeClock clock = { 1000 };
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  g_autofree gchar *a = pt_hlc_now (hlc);
  g_autofree gchar *b = pt_hlc_now (hlc);
  g_autofree gchar *c = NULL;

  g_assert_cmpstr (a, <, b);
  g_assert_cmpstr (b, ==, "0000000003e80001-0123456789abcdef");
  clock.now = 1001;
  c = pt_hlc_now (hlc);
  g_assert_cmpstr (c, ==, "0000000003e90000-0123456789abcdef");
}

static void
test_wall_clock_backwards_stays_monotonic (void)
{
  FakeClock clock = { 1700000000000LL };
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  g_autofree gchar *prev = pt_hlc_now (hlc);

  /* The clock jumps an hour back (NTP correction, user fiddling). */
  clock.now -= 3600 * 1000;
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree gchar *next = pt_hlc_now (hlc);

      g_assert_cmpstr (prev, <, next);
      /* The physical part never follows the clock backwards. */
      g_assert_cmpint (pt_hlc_stamp_time_ms (next), ==, 1700000000000LL);
      g_free (prev);
      prev = g_steal_pointer (&next);
      if (i % 100 == 0)
        clock.now -= 10;
    }
  /* When the wall clock catches up, stamps follow it again. */
  clock.now = 1700000000000LL + 5;
  {
    g_autofree gchar *later = pt_hlc_now (hlc);
    g_assert_cmpstr (prev, <, later);
    g_assert_cmpint (pt_hlc_stamp_time_ms (later), ==, 1700000000005LL);
  }
}

static void
test_logical_overflow_bumps_physical (void)
{
  FakeClock clock = { 5000 };
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  g_autofree gchar *prev = NULL;

  /* Restore to the very last logical value of a millisecond. */
  pt_hlc_restore (hlc, "000000001388ffff-0123456789abcdef");
  prev = pt_hlc_now (hlc);
  g_assert_cmpstr (prev, ==, "0000000013890000-0123456789abcdef");
  g_assert_cmpint (pt_hlc_stamp_time_ms (prev), ==, 5001);

  /* 70,000 stamps in one frozen millisecond stay strictly increasing. */
  for (guint i = 0; i < 70000; i++)
    {
      gchar next[PT_HLC_STAMP_LEN + 1];

      pt_hlc_now_into (hlc, next);
      g_assert_true (strcmp (prev, next) < 0);
      memcpy (prev, next, sizeof next);
    }
}

static void
test_observe_remote_ahead_records_skew (void)
{
  FakeClock clock = { 1000000 };
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  g_autofree gchar *remote = g_strdup_printf ("%016" G_GINT64_MODIFIER "x-fedcba9876543210",
                                              (guint64) (1000000 + 90000) << 16 | 7);
  g_autofree gchar *local = NULL;

  g_assert_cmpint (pt_hlc_get_max_skew_ms (hlc), ==, 0);
  g_assert_true (pt_hlc_observe (hlc, remote));
  g_assert_cmpint (pt_hlc_get_max_skew_ms (hlc), ==, 90000);
  local = pt_hlc_now (hlc);
  /* The next local stamp follows the remote one (HLC receive rule). */
  g_assert_cmpstr (local, >, remote);
  g_assert_cmpint (pt_hlc_stamp_time_ms (local), ==, 1090000);

  /* A stamp behind us does not lower the recorded skew. */
  {
    g_autofree gchar *old = pt_hlc_stamp_from_time (10);
    g_assert_true (pt_hlc_observe (hlc, old));
    g_assert_cmpint (pt_hlc_get_max_skew_ms (hlc), ==, 90000);
  }
}

static void
test_observe_rejects_invalid (void)
{
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, NULL, NULL);
  const gchar *bad[] = {
    NULL, "", "xyz", "0000000003e80001-0123456789abcde",
    "0000000003E80001-0123456789abcdef", "0000000003e80001_0123456789abcdef",
    "0000000003e80001-0123456789abcdefa",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (pt_hlc_observe (hlc, bad[i]));
      g_assert_false (pt_hlc_stamp_is_valid (bad[i]));
    }
  g_assert_cmpint (pt_hlc_get_max_skew_ms (hlc), ==, 0);
}

static void
test_restore_keeps_monotonic_across_restart (void)
{
  FakeClock clock = { 2000 };
  g_autofree gchar *last = NULL;
  g_autofree gchar *after = NULL;

  {
    g_autoptr(PtHlc) first = pt_hlc_new (DEVICE, fake_clock, &clock);
    clock.now = 9000;
    last = pt_hlc_now (first);
  }
  /* After a restart the wall clock reads earlier than before. */
  clock.now = 3000;
  {
    g_autoptr(PtHlc) second = pt_hlc_new (DEVICE, fake_clock, &clock);
    pt_hlc_restore (second, last);
    after = pt_hlc_now (second);
  }
  g_assert_cmpstr (last, <, after);
}

static void
test_stamp_helpers (void)
{
  g_autofree gchar *foreign = pt_hlc_stamp_from_time (1700000000123LL);
  g_autofree gchar *id = pt_device_id_new ();
  g_autofree gchar *id2 = pt_device_id_new ();

  g_assert_true (pt_hlc_stamp_is_valid (foreign));
  g_assert_true (g_str_has_suffix (foreign, "-0000000000000000"));
  g_assert_cmpint (pt_hlc_stamp_time_ms (foreign), ==, 1700000000123LL);
  g_assert_cmpint (pt_hlc_stamp_compare (NULL, NULL), ==, 0);
  g_assert_cmpint (pt_hlc_stamp_compare (NULL, foreign), <, 0);
  g_assert_cmpint (pt_hlc_stamp_compare (foreign, NULL), >, 0);
  g_assert_cmpint (pt_hlc_stamp_compare ("0000000000000001-0000000000000000",
                                         "0000000000000001-0000000000000001"), <, 0);
  g_assert_cmpuint (strlen (id), ==, PT_DEVICE_ID_LEN);
  g_assert_cmpstr (id, !=, id2);
  /* A foreign write at the same ms loses the tie to any device's stamp. */
  {
    FakeClock clock = { 1700000000123LL };
    g_autoptr(PtHlc) hlc = pt_hlc_new (id, fake_clock, &clock);
    g_autofree gchar *mine = pt_hlc_now (hlc);
    g_assert_cmpint (pt_hlc_stamp_compare (foreign, mine), <, 0);
  }
}

typedef struct
{
  PtHlc *hlc;
  GPtrArray *stamps;
} ThreadData;

static gpointer
stamp_thread (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < 20000; i++)
    g_ptr_array_add (td->stamps, pt_hlc_now (td->hlc));
  return NULL;
}

static void
test_threads_never_share_a_stamp (void)
{
  FakeClock clock = { 42 };   /* frozen: all uniqueness from the counter */
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  ThreadData td[4];
  GThread *threads[4];
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < 4; i++)
    {
      td[i].hlc = hlc;
      td[i].stamps = g_ptr_array_new_with_free_func (g_free);
      threads[i] = g_thread_new ("stamper", stamp_thread, &td[i]);
    }
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < 4; i++)
    {
      for (guint j = 0; j < td[i].stamps->len; j++)
        {
          const gchar *s = g_ptr_array_index (td[i].stamps, j);
          g_assert_true (g_hash_table_add (seen, (gpointer) s));
          if (j > 0)
            g_assert_cmpstr (g_ptr_array_index (td[i].stamps, j - 1), <, s);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 80000);
  for (guint i = 0; i < 4; i++)
    g_ptr_array_unref (td[i].stamps);
}

static void
test_observe_same_millisecond_higher_counter (void)
{
  FakeClock clock = { 1000 };
  g_autoptr(PtHlc) hlc = pt_hlc_new (DEVICE, fake_clock, &clock);
  g_autofree gchar *mine = pt_hlc_now (hlc);           /* 03e8.0000 */
  const gchar *remote = "0000000003e80009-fedcba9876543210";
  g_autofree gchar *next = NULL;
  g_autofree gchar *later = NULL;

  g_assert_true (pt_hlc_observe (hlc, remote));
  g_assert_cmpint (pt_hlc_get_max_skew_ms (hlc), ==, 0);
  next = pt_hlc_now (hlc);
  g_assert_cmpstr (next, ==, "0000000003e8000a-0123456789abcdef");
  /* The wall clock moving on resets the counter. */
  clock.now = 1002;
  later = pt_hlc_now (hlc);
  g_assert_cmpstr (later, ==, "0000000003ea0000-0123456789abcdef");
  g_assert_cmpstr (mine, <, next);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/hlc/stamp-format", test_stamp_format);
  g_test_add_func ("/core/hlc/device-id-lowercased", test_device_id_lowercased);
  g_test_add_func ("/core/hlc/same-millisecond-counts-up", test_same_millisecond_counts_up);
  g_test_add_func ("/core/hlc/wall-clock-backwards-stays-monotonic", test_wall_clock_backwards_stays_monotonic);
  g_test_add_func ("/core/hlc/logical-overflow-bumps-physical", test_logical_overflow_bumps_physical);
  g_test_add_func ("/core/hlc/observe-remote-ahead-records-skew", test_observe_remote_ahead_records_skew);
  g_test_add_func ("/core/hlc/observe-same-millisecond-higher-counter", test_observe_same_millisecond_higher_counter);
  g_test_add_func ("/core/hlc/observe-rejects-invalid", test_observe_rejects_invalid);
  g_test_add_func ("/core/hlc/restore-keeps-monotonic-across-restart", test_restore_keeps_monotonic_across_restart);
  g_test_add_func ("/core/hlc/stamp-helpers", test_stamp_helpers);
  g_test_add_func ("/core/hlc/threads-never-share-a-stamp", test_threads_never_share_a_stamp);
  return g_test_run ();
}
