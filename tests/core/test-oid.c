#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-oid.h"

static void
test_new_is_unique_and_valid (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 10000; i++)
    {
      gchar *hex = pt_oid_new_hex ();

      g_assert_cmpuint (strlen (hex), ==, PT_OID_HEX_LEN);
      g_assert_true (pt_oid_is_valid (hex));
      for (guint j = 0; j < PT_OID_HEX_LEN; j++)
        g_assert_false (g_ascii_isupper (hex[j]));
      g_assert_true (g_hash_table_add (seen, hex));
    }
}

static void
test_time_is_creation_time (void)
{
  gint64 before = g_get_real_time () / 1000 / 1000 * 1000;
  g_autofree gchar *hex = pt_oid_new_hex ();
  gint64 after = g_get_real_time () / 1000;

  g_assert_cmpint (pt_oid_time_ms (hex), >=, before);
  g_assert_cmpint (pt_oid_time_ms (hex), <=, after);
  g_assert_cmpint (pt_oid_time_ms ("65f000000000000000000000"), ==, (gint64) 0x65f00000 * 1000);
  g_assert_cmpint (pt_oid_time_ms ("nope"), ==, 0);
}

static void
test_parse_rejects_bad_ids (void)
{
  bson_oid_t oid;
  const gchar *bad[] = { NULL, "", "123", "65f00000000000000000000g",
                         "65f0000000000000000000001", " 65f00000000000000000000" };
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_oid_parse ("65F000000000000000000abc", "medicine", &oid, &error));
  g_assert_no_error (error);
  {
    gchar back[25];
    bson_oid_to_string (&oid, back);
    g_assert_cmpstr (back, ==, "65f000000000000000000abc");
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;

      g_assert_false (pt_oid_is_valid (bad[i]));
      g_assert_false (pt_oid_parse (bad[i], "medicine", &oid, &e));
      g_assert_error (e, PT_ERROR, PT_ERROR_INVALID);
      g_assert_nonnull (strstr (e->message, "medicine"));
    }
}

typedef struct
{
  GPtrArray *ids;
} ThreadData;

static gpointer
make_ids (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < 5000; i++)
    g_ptr_array_add (td->ids, pt_oid_new_hex ());
  return NULL;
}

static void
test_threads_get_distinct_ids (void)
{
  ThreadData td[4];
  GThread *threads[4];
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < 4; i++)
    {
      td[i].ids = g_ptr_array_new_with_free_func (g_free);
      threads[i] = g_thread_new ("oid", make_ids, &td[i]);
    }
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < 4; i++)
    for (guint j = 0; j < td[i].ids->len; j++)
      g_assert_true (g_hash_table_add (seen, g_ptr_array_index (td[i].ids, j)));
  g_assert_cmpuint (g_hash_table_size (seen), ==, 20000);
  for (guint i = 0; i < 4; i++)
    g_ptr_array_unref (td[i].ids);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/oid/new-is-unique-and-valid", test_new_is_unique_and_valid);
  g_test_add_func ("/core/oid/time-is-creation-time", test_time_is_creation_time);
  g_test_add_func ("/core/oid/parse-rejects-bad-ids", test_parse_rejects_bad_ids);
  g_test_add_func ("/core/oid/threads-get-distinct-ids", test_threads_get_distinct_ids);
  return g_test_run ();
}
