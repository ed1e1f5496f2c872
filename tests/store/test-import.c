/* Export and import as relaxed Extended JSON, one document per line, from
 * files and from http URLs; bad lines reported with their numbers and
 * nothing half-imported. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "pt-test-store.h"

static gchar *
export_to_string (PtStore     *store,
                  const gchar *collection,
                  gint64      *n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  gint64 count = pt_store_export (store, collection, FALSE, out, &error);

  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  if (n != NULL)
    *n = count;
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static gboolean
import_string (PtStore         *store,
               const gchar     *collection,
               const gchar     *text,
               gsize            len,
               PtImportReport **report,
               GError         **error)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_memdup2 (text, len), len,
                                                                    g_free);
  return pt_store_import (store, collection, in, report, NULL, NULL, NULL, error);
}

static gint
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

static GPtrArray *
lines_of (const gchar *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      g_ptr_array_add (out, g_strdup (lines[i]));
  g_ptr_array_sort (out, compare_lines);
  return out;
}

static void
test_round_trip (PtTestFixture *fx,
                 gconstpointer  data)
{
  static const gchar *collections[] = {
    "medicines", "patients", "batches", "stock_movements", "prescriptions", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) copy = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Amlodipine 5 mg", "amlodipine",
                                                "calcium channel blocker", "5000000000012", 220);
  g_autofree gchar *patient = pt_test_add_patient (fx->store, "Zoë", "Ngũgĩ", "+254 20 123456",
                                                   "category", "sulfonamides");
  g_autofree gchar *rx = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;

  g_free (pt_test_receive (fx->store, med, NULL, "AM-1", 200, 30));
  rx = pt_test_add_prescription (fx->store, patient, fx->pharmacy_id, med, (gint64) 7, NULL);
  plan = pt_store_dispense (fx->store, rx, NULL, 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; collections[i]; i++)
    {
      g_autoptr(PtImportReport) report = NULL;
      g_autoptr(PtImportReport) again = NULL;
      g_autofree gchar *text = NULL;
      g_autofree gchar *copied = NULL;
      g_autoptr(GPtrArray) a = NULL;
      g_autoptr(GPtrArray) b = NULL;
      gint64 n = 0, m = 0;

      text = export_to_string (fx->store, collections[i], &n);
      g_assert_cmpint (n, >, 0);
      g_assert_true (import_string (copy, collections[i], text, strlen (text), &report, &error));
      g_assert_no_error (error);
      g_assert_cmpint (report->imported, ==, n);
      g_assert_cmpint (report->rejected, ==, 0);

      /* The same documents, byte for byte as Extended JSON. */
      copied = export_to_string (copy, collections[i], &m);
      g_assert_cmpint (m, ==, n);
      a = lines_of (text);
      b = lines_of (copied);
      for (guint j = 0; j < a->len; j++)
        g_assert_cmpstr (a->pdata[j], ==, b->pdata[j]);

      /* Importing the same file again changes nothing. */
      g_assert_true (import_string (copy, collections[i], text, strlen (text), &again, &error));
      g_assert_cmpint (again->imported, ==, 0);
    }
  g_assert_cmpint (pt_store_stock_on_hand (copy, med, NULL), ==, 23);
  {
    g_autoptr(GPtrArray) hits = pt_store_search_patients (copy, "zoe", 5, &error);
    g_assert_cmpuint (hits->len, ==, 1);
  }
  g_clear_object (&copy);
  pt_test_rmdir (dir);
}

static void
assert_report_mentions (PtImportReport *report,
                        const gchar    *line,
                        const gchar    *words)
{
  for (guint i = 0; i < report->errors->len; i++)
    {
      const gchar *e = report->errors->pdata[i];
      if (g_str_has_prefix (e, line) && strstr (e, words) != NULL)
        return;
    }
  for (guint i = 0; i < report->errors->len; i++)
    g_test_message ("%s", (gchar *) report->errors->pdata[i]);
  g_error ("no error “%s … %s” in the report", line, words);
}

static void
test_bad_lines_reported_nothing_imported (PtTestFixture *fx,
                                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtImportReport) report = NULL;
  g_autoptr(GString) file = g_string_new (NULL);
  g_autofree gchar *big = g_strnfill (10 * 1024 * 1024, 'x');
  gint64 before = pt_store_count (fx->store, "medicines");
  gint64 outbox = pt_test_count (fx->store, "outbox");

  /* 1 */ g_string_append (file, "{\"name\": \"Good one\", \"schedule\": \"otc\", \"price\": 100}\n");
  /* 2 */ g_string_append (file, "{\"name\": \"Broken\", \"schedule\": \n");
  /* 3 */ g_string_append (file, "{\"name\": \"Bad \xff\xfe bytes\", \"schedule\": \"otc\", \"price\": 1}\n");
  /* 4 */ g_string_append (file, "{\"tenantId\": {\"$oid\": \"" PT_TEST_OTHER_TENANT "\"}, "
                                 "\"name\": \"Theirs\", \"schedule\": \"otc\", \"price\": 1}\n");
  /* 5 */ g_string_append (file, "{\"name\": \"Odd\", \"schedule\": \"otc\", \"price\": 1, "
                                 "\"flavour\": \"mint\"}\n");
  /* 6 */ g_string_append_printf (file, "{\"name\": \"%s\", \"schedule\": \"otc\", \"price\": 1}\n",
                                  big);
  /* 7 */ g_string_append (file, "\n");
  /* 8 */ g_string_append (file, "{\"name\": \"Also good\", \"schedule\": \"rx\", \"price\": 5}\n");
  /* 9 */ g_string_append (file, "{\"name\": \"Cut off\", \"schedule\": \"otc\", \"pri");

  g_assert_false (import_string (fx->store, "medicines", file->str, file->len, &report, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nothing was imported"));
  g_assert_nonnull (report);
  g_assert_cmpint (report->imported, ==, 0);
  g_assert_cmpint (report->rejected, ==, 6);
  assert_report_mentions (report, "line 2:", "Extended JSON");
  assert_report_mentions (report, "line 3:", "UTF-8");
  assert_report_mentions (report, "line 4:", "another organisation");
  assert_report_mentions (report, "line 5:", "flavour");
  assert_report_mentions (report, "line 6:", "name");
  assert_report_mentions (report, "line 9:", "Extended JSON");
  for (guint i = 0; i < report->errors->len; i++)
    {
      g_assert_false (g_str_has_prefix (report->errors->pdata[i], "line 1:"));
      g_assert_false (g_str_has_prefix (report->errors->pdata[i], "line 8:"));
      /* Messages stay short: never the 10 MB value. */
      g_assert_cmpuint (strlen (report->errors->pdata[i]), <, 1000);
    }

  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before);
  g_assert_cmpint (pt_test_count (fx->store, "outbox"), ==, outbox);
}

static void
test_unknown_collection (PtTestFixture *fx,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtImportReport) report = NULL;
  const gchar *text = "{\"name\": \"x\"}\n";

  g_assert_false (import_string (fx->store, "potions", text, strlen (text), &report, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "potions"));
}

/* ---- http ---------------------------------------------------------------- */

typedef struct
{
  SoupServer   *server;
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  gchar        *body;
  guint         port;
} WebServer;

static void
serve_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  WebServer *web = user_data;

  if (g_str_equal (path, "/catalogue.json"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/x-ndjson", SOUP_MEMORY_COPY,
                                        web->body, strlen (web->body));
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static gpointer
web_thread (gpointer data)
{
  WebServer *web = data;

  g_main_context_push_thread_default (web->context);
  g_main_loop_run (web->loop);
  g_main_context_pop_thread_default (web->context);
  return NULL;
}

static void
web_start (WebServer   *web,
           const gchar *body)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  web->body = g_strdup (body);
  web->context = g_main_context_new ();
  web->loop = g_main_loop_new (web->context, FALSE);
  g_main_context_push_thread_default (web->context);
  web->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (web->server, NULL, serve_cb, web, NULL);
  g_assert_true (soup_server_listen_local (web->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  g_main_context_pop_thread_default (web->context);
  uris = soup_server_get_uris (web->server);
  web->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  web->thread = g_thread_new ("web", web_thread, web);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
web_stop (WebServer *web)
{
  g_main_context_invoke (web->context, quit_cb, web->loop);
  g_thread_join (web->thread);
  soup_server_disconnect (web->server);
  g_object_unref (web->server);
  g_main_loop_unref (web->loop);
  g_main_context_unref (web->context);
  g_free (web->body);
}

static void
progress_cb (gint64   done,
             gint64   total,
             gpointer data)
{
  gint64 *seen = data;
  g_assert_cmpint (done, >=, *seen);
  *seen = done;
}

static void
test_import_from_url (PtTestFixture *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) feed = g_string_new (NULL);
  WebServer web = { 0 };
  g_autofree gchar *url = NULL;
  g_autofree gchar *missing = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GInputStream) none = NULL;
  g_autoptr(PtImportReport) report = NULL;
  gint64 total = 0, seen = 0;

  for (guint i = 0; i < 200; i++)
    g_string_append_printf (feed, "{\"name\": \"Supplier item %03u\", \"schedule\": \"otc\", "
                                  "\"price\": %u}\n", i, 100 + i);
  web_start (&web, feed->str);
  url = g_strdup_printf ("http://127.0.0.1:%u/catalogue.json", web.port);
  missing = g_strdup_printf ("http://127.0.0.1:%u/nothing-here.json", web.port);

  none = pt_open_import_source (missing, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "404"));
  g_clear_error (&error);

  in = pt_open_import_source (url, &total, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, (gint64) feed->len);
  g_assert_true (pt_store_import (fx->store, "medicines", in, &report, progress_cb, &seen, NULL,
                                  &error));
  g_assert_no_error (error);
  g_assert_cmpint (report->imported, ==, 200);
  g_assert_cmpint (seen, ==, (gint64) feed->len);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, 200);
  web_stop (&web);

  /* A local path works the same way; a missing one says so. */
  {
    g_autofree gchar *path = g_build_filename (fx->dir, "none.json", NULL);
    g_autoptr(GInputStream) local = pt_open_import_source (path, NULL, NULL, &error);
    g_assert_null (local);
    g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, PtTestFixture, NULL, pt_test_setup, func, pt_test_teardown)
  ADD ("/store/import/export-then-import-round-trip", test_round_trip);
  ADD ("/store/import/bad-lines-reported-nothing-imported",
       test_bad_lines_reported_nothing_imported);
  ADD ("/store/import/unknown-collection-refused", test_unknown_collection);
  ADD ("/store/import/from-http-url", test_import_from_url);

  return g_test_run ();
}
