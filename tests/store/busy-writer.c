/* busy-writer.c: commits N documents in a tight loop (one transaction
 * each, no pause), as a second counter might during a bulk import.
 * test-busy runs two at once on one store.
 *
 *   busy-writer DATA_DIR N TAG [BUSY_MS]
 *
 * BUSY_MS shortens the store's busy timeout, so starvation shows within a
 * test's time.
 * Exit 0 when every commit succeeded, printing how many of its BEGINs
 * found the lock taken; 1 with the error on stderr. */
#include "config.h"

#include "pt-store.h"
#include "pt-store-private.h"

int
main (int argc, char **argv)
{
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n;

  if (argc != 4 && argc != 5)
    {
      g_printerr ("usage: busy-writer DATA_DIR N TAG [BUSY_MS]\n");
      return 2;
    }
  n = g_ascii_strtoll (argv[2], NULL, 10);
  store = pt_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("busy-writer %s: %s\n", argv[3], error->message);
      return 1;
    }
  pt_store_act_as_system (store);
  if (argc == 5)
    _pt_store_set_busy_timeout (store, (gint) g_ascii_strtoll (argv[4], NULL, 10));

  for (gint64 i = 0; i < n; i++)
    {
      g_autoptr(bson_t) doc = bson_new ();
      g_autofree gchar *name = g_strdup_printf ("Busy %s %" G_GINT64_FORMAT, argv[3], i);
      g_autofree gchar *id = NULL;

      BSON_APPEND_UTF8 (doc, "name", name);
      BSON_APPEND_UTF8 (doc, "schedule", "otc");
      BSON_APPEND_INT64 (doc, "price", 100);
      BSON_APPEND_INT64 (doc, "taxRate", 0);
      BSON_APPEND_BOOL (doc, "active", TRUE);
      id = pt_store_put (store, "medicines", doc, &error);
      if (id == NULL)
        {
          g_printerr ("busy-writer %s: commit %" G_GINT64_FORMAT ": %s\n", argv[3], i,
                      error->message);
          return 1;
        }
    }
  g_print ("%" G_GUINT64_FORMAT "\n", _pt_store_get_lock_waits (store));
  return 0;
}
