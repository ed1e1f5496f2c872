/* crash-writer.c: commits writes in a loop and prints each acknowledged
 * one ("COLLECTION ID") on stdout, flushed, right after its commit
 * returned.  test-crash kills it with SIGKILL at random moments.
 *
 *   crash-writer DATA_DIR MEDICINE_ID START [PAUSE_US]
 *
 * PAUSE_US: a pause after each commit.  Two writers in tight loops starve
 * each other past any busy timeout (SQLite's lock is not fair); counters
 * pause between sales, and so does a writer run beside another one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pt-store.h"

int
main (int argc, char **argv)
{
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gulong pause_us = 0;

  if (argc != 4 && argc != 5)
    {
      g_printerr ("usage: crash-writer DATA_DIR MEDICINE_ID START [PAUSE_US]\n");
      return 2;
    }
  start = g_ascii_strtoll (argv[3], NULL, 10);
  if (argc == 5)
    pause_us = g_ascii_strtoull (argv[4], NULL, 10);

  store = pt_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("crash-writer: %s\n", error->message);
      return 1;
    }
  pt_store_act_as_system (store);

  for (gint64 i = start;; i++)
    {
      g_autofree gchar *id = NULL;
      const gchar *collection;

      if (i % 3 == 0)
        {
          PtReceipt receipt = { 0 };
          g_autofree gchar *lot = g_strdup_printf ("CRASH-%" G_GINT64_FORMAT, i);

          receipt.medicine_id = argv[2];
          receipt.lot_number = lot;
          receipt.expiry_date = pt_time_now () + 365 * PT_MS_PER_DAY;
          receipt.quantity = 10;
          receipt.cost_price = 5;
          collection = "batches";
          id = pt_store_receive_stock (store, &receipt, &error);
        }
      else
        {
          bson_t doc = BSON_INITIALIZER;
          g_autofree gchar *last = g_strdup_printf ("Writer%" G_GINT64_FORMAT, i);

          BSON_APPEND_UTF8 (&doc, "firstName", "Crash");
          BSON_APPEND_UTF8 (&doc, "lastName", last);
          collection = "patients";
          id = pt_store_put (store, collection, &doc, &error);
          bson_destroy (&doc);
        }
      if (id == NULL)
        {
          g_printerr ("crash-writer: %s\n", error->message);
          return 1;
        }
      printf ("%s %s\n", collection, id);
      fflush (stdout);
      if (pause_us > 0)
        g_usleep (pause_us);
    }
  return 0;
}
