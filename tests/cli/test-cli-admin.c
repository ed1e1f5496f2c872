/* test-cli-admin.c: export/import (file and http:// URL), backup/restore,
 * status, signing in with --user, and stores that must be refused without
 * being touched (corrupt file, foreign SQLite file, missing data dir). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "cli-test-util.h"
#include "pt-core.h"

static void
add_medicines (CliFixture *f, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"name\": \"Medicine %u\", \"schedule\": \"otc\","
                                                " \"price\": %u}", i, 10 + i);
      g_autofree gchar *id = cli_put (f, "medicines", json);
    }
}

static gchar *
store_path (CliFixture *f)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  cli_run (f, &r, NULL, 0, "status", "--json", NULL);
  cli_assert_ok (&r);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "path"));
}

static void
test_status_json (CliFixture *f, gconstpointer data)
{
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) text = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  add_medicines (f, 2);
  cli_run (f, &r, NULL, 0, "status", "--json", NULL);
  cli_assert_ok (&r);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "tenantId"), ==, CLI_TEST_TENANT);
  g_assert_cmpstr (json_object_get_string_member (root, "tenantName"), ==, "Test Pharmacy");
  g_assert_cmpstr (json_object_get_string_member (root, "deviceId"), ==, f->device_id);
  g_assert_cmpstr (json_object_get_string_member (root, "plan"), ==, "professional");
  g_assert_cmpint (json_object_get_int_member (root, "schemaVersion"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "counts"),
                                               "medicines"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "counts"),
                                               "pharmacies"), ==, 1);
  /* Nothing was ever synced: the outbox holds at least the two medicines. */
  g_assert_cmpint (json_object_get_int_member (root, "outboxLength"), >=, 2);
  g_assert_false (json_object_get_null_member (root, "oldestPendingAgeSeconds"));
  g_assert_cmpint (json_object_get_int_member (root, "storageBytes"), >, 0);
  g_assert_cmpint (json_object_get_int_member (root, "storageQuotaBytes"), >,
                   json_object_get_int_member (root, "storageBytes"));
  g_assert_false (json_object_get_boolean_member (root, "storageWarning"));

  cli_run (f, &text, NULL, 0, "status", NULL);
  cli_assert_ok (&text);
  g_assert_nonnull (strstr (text.out, "Test Pharmacy"));
  g_assert_nonnull (strstr (text.out, f->device_id));
  g_assert_cmpstr (text.err, ==, "");
}

static void
test_export_import_file (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *file = g_build_filename (f->tmp, "medicines.json", NULL);
  g_autofree gchar *exported = NULL;
  CliFixture g = { 0 };
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) imp = { 0 };
  g_auto(CliResult) list = { 0 };

  add_medicines (f, 5);
  cli_run (f, &r, NULL, 0, "export", "--collection", "medicines", "--out", file, NULL);
  cli_assert_ok (&r);
  g_file_get_contents (file, &exported, NULL, NULL);
  g_assert_cmpuint (cli_count_lines (exported), ==, 5);

  /* Another counter of the same tenant takes them in. */
  cli_fixture_setup (&g, GINT_TO_POINTER (TRUE));
  cli_run (&g, &imp, NULL, 0, "import", file, NULL);
  cli_assert_ok (&imp);
  cli_run (&g, &list, NULL, 0, "list", "medicines", NULL);
  cli_assert_ok (&list);
  g_assert_cmpuint (cli_count_lines (list.out), ==, 5);
  g_assert_nonnull (strstr (list.out, "Medicine 4"));
  cli_fixture_teardown (&g, NULL);
}

static void
test_import_all_or_nothing (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *file = g_build_filename (f->tmp, "medicines.json", NULL);
  g_autofree gchar *foreign = g_build_filename (f->tmp, "foreign.json", NULL);
  g_autofree gchar *foreign_line = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) r2 = { 0 };
  g_auto(CliResult) r3 = { 0 };

  g_file_set_contents (file,
                       "{\"name\": \"Good 1\", \"schedule\": \"otc\", \"price\": 1}\n"
                       "{\"name\": \"Good 2\", \"schedule\": \"otc\", \"price\": 2}\n"
                       "{\"name\": \"Bad\", \"schedule\": \"otc\", \"pri\n"
                       "{\"name\": \"Good 3\", \"schedule\": \"otc\", \"price\": 3}\n",
                       -1, &error);
  g_assert_no_error (error);
  before = cli_snapshot (f);
  cli_run (f, &r, NULL, 0, "import", file, NULL);
  cli_assert_one_line_failure (&r, 1, "line 3");
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);

  /* A document of another tenant is refused the same way. */
  foreign_line = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"}, \"name\": \"X\","
                                  " \"schedule\": \"otc\", \"price\": 1}\n", CLI_TEST_OTHER);
  g_file_set_contents (foreign, foreign_line, -1, &error);
  g_assert_no_error (error);
  cli_run (f, &r2, NULL, 0, "import", "--collection", "medicines", foreign, NULL);
  cli_assert_one_line_failure (&r2, 1, NULL);
  g_free (after);
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);

  /* A missing file. */
  cli_run (f, &r3, NULL, 0, "import", "--collection", "medicines", "/nonexistent/x.json", NULL);
  cli_assert_one_line_failure (&r3, 1, NULL);
}

static void
serve_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           data)
{
  const gchar *body = data;

  if (strcmp (path, "/feed/medicines.json") != 0)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/x-ndjson", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

static void
test_import_http_url (CliFixture *f, gconstpointer data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  GString *body = g_string_new (NULL);
  GSList *uris;
  g_autofree gchar *url = NULL;
  g_autofree gchar *missing = NULL;
  guint port;
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) r404 = { 0 };

  for (guint i = 0; i < 300; i++)
    g_string_append_printf (body, "{\"name\": \"Feed item %u\", \"schedule\": \"otc\","
                            " \"price\": %u}\n", i, 100 + i);

  soup_server_add_handler (server, NULL, serve_cb, body->str, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  url = g_strdup_printf ("http://127.0.0.1:%u/feed/medicines.json", port);
  missing = g_strdup_printf ("http://127.0.0.1:%u/feed/nothing.json", port);

  /* cli_run iterates this thread's main context, so the server answers. */
  cli_run (f, &r, NULL, 0, "import", url, NULL);
  cli_assert_ok (&r);
  g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 300);

  cli_run (f, &r404, NULL, 0, "import", "--collection", "medicines", missing, NULL);
  cli_assert_one_line_failure (&r404, 1, NULL);
  g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 300);

  soup_server_disconnect (server);
  g_string_free (body, TRUE);
}

static void
test_backup_restore (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *backup = g_build_filename (f->tmp, "backup.db", NULL);
  g_autofree gchar *other_backup = g_build_filename (f->tmp, "other.db", NULL);
  g_autofree gchar *junk = g_build_filename (f->tmp, "junk.db", NULL);
  g_autofree gchar *patient = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  CliFixture g = { 0 };
  g_autoptr(GError) error = NULL;

  add_medicines (f, 3);
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "backup", "--out", backup, NULL);
    cli_assert_ok (&r);
  }
  {
    /* Never overwrites an existing file without --force. */
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "backup", "--out", backup, NULL);
    cli_assert_one_line_failure (&r, 1, "exists");
  }

  patient = cli_put (f, "patients", "{\"firstName\": \"Late\", \"lastName\": \"Arrival\"}");
  {
    g_auto(CliResult) r = { 0 };
    g_auto(CliResult) get = { 0 };

    cli_run (f, &r, NULL, 0, "restore", backup, NULL);
    cli_assert_ok (&r);
    cli_run (f, &get, NULL, 0, "get", "patients", patient, NULL);
    cli_assert_one_line_failure (&get, 1, NULL);
    g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 3);
  }

  /* A backup of another tenant, and a file that is no backup: refused, the
   * store stays as it was. */
  g.password = NULL;
  cli_fixture_setup (&g, GINT_TO_POINTER (FALSE));
  {
    g_auto(CliResult) r = { 0 };
    g_auto(CliResult) b = { 0 };

    cli_run (&g, &r, NULL, 0, "init", "--tenant-id", CLI_TEST_OTHER, "--tenant-name", "Other",
             NULL);
    cli_assert_ok (&r);
    cli_run (&g, &b, NULL, 0, "backup", "--out", other_backup, NULL);
    cli_assert_ok (&b);
  }
  cli_fixture_teardown (&g, NULL);
  g_file_set_contents (junk, "this is not a database, just text\n", -1, &error);
  g_assert_no_error (error);

  before = cli_snapshot (f);
  {
    g_auto(CliResult) r = { 0 };
    g_auto(CliResult) r2 = { 0 };
    g_auto(CliResult) r3 = { 0 };

    cli_run (f, &r, NULL, 0, "restore", other_backup, NULL);
    cli_assert_one_line_failure (&r, 1, NULL);
    cli_run (f, &r2, NULL, 0, "restore", junk, NULL);
    cli_assert_one_line_failure (&r2, 1, NULL);
    cli_run (f, &r3, NULL, 0, "restore", "/nonexistent/backup.db", NULL);
    cli_assert_one_line_failure (&r3, 1, NULL);
  }
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);
}

static gchar *
file_checksum (const gchar *path)
{
  g_autofree gchar *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static void
assert_store_refused_untouched (CliFixture *f, const gchar *path)
{
  g_autofree gchar *sum = file_checksum (path);
  g_autofree gchar *base = g_path_get_basename (path);
  const gchar *cmds[][4] = {
    { "status", NULL },
    { "list", "medicines", NULL },
    { "put", "medicines", NULL },
    { "export", NULL },
    { "demo-data", "--medicines", "5", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_auto(CliResult) r = { 0 };
      g_autofree gchar *now = NULL;

      g_ptr_array_add (argv, (gpointer) g_getenv ("PT_ADMIN"));
      g_ptr_array_add (argv, (gpointer) "--data-dir");
      g_ptr_array_add (argv, f->data_dir);
      for (guint j = 0; cmds[i][j]; j++)
        g_ptr_array_add (argv, (gpointer) cmds[i][j]);
      g_ptr_array_add (argv, NULL);
      cli_run_argv (f, &r, "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": 1}", -1,
                    (const gchar * const *) argv->pdata);
      g_test_message ("%s → %s", cmds[i][0], r.err);
      cli_assert_one_line_failure (&r, 1, base);
      now = file_checksum (path);
      g_assert_cmpstr (now, ==, sum);
    }
}

static void
test_corrupt_store_refused (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *path = store_path (f);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint8 junk[65536];

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = g_rand_int (rand);
  g_remove (wal);
  g_remove (shm);
  g_file_set_contents (path, (const gchar *) junk, sizeof junk, &error);
  g_assert_no_error (error);
  assert_store_refused_untouched (f, path);
}

static void
test_foreign_sqlite_refused (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *path = store_path (f);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);
  sqlite3 *db = NULL;

  g_remove (wal);
  g_remove (shm);
  g_remove (path);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE recipes (name TEXT);"
                                 "INSERT INTO recipes VALUES ('bread');", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  assert_store_refused_untouched (f, path);
}

static void
test_missing_data_dir (CliFixture *f, gconstpointer data)
{
  const gchar *cmds[][3] = { { "status", NULL }, { "list", "medicines", NULL },
                             { "export", NULL } };

  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_auto(CliResult) r = { 0 };

      g_ptr_array_add (argv, (gpointer) g_getenv ("PT_ADMIN"));
      g_ptr_array_add (argv, (gpointer) "--data-dir");
      g_ptr_array_add (argv, f->data_dir);
      for (guint j = 0; cmds[i][j]; j++)
        g_ptr_array_add (argv, (gpointer) cmds[i][j]);
      g_ptr_array_add (argv, NULL);
      cli_run_argv (f, &r, NULL, 0, (const gchar * const *) argv->pdata);
      cli_assert_one_line_failure (&r, 1, "init");
      /* Reading must not create anything. */
      g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
    }
}

static void
test_read_only_data_dir (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  g_auto(CliResult) r = { 0 };

  add_medicines (f, 1);
  before = cli_snapshot (f);
  path = store_path (f);
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  g_assert_cmpint (g_chmod (f->data_dir, 0555), ==, 0);
  /* Root ignores file modes: then the command runs as "nobody", who may
   * reach the data dir (the temporary dir is 0700) but not write in it. */
  g_assert_cmpint (g_chmod (f->tmp, 0755), ==, 0);
  f->unprivileged = TRUE;

  cli_run (f, &r, "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": 1}", -1,
           "put", "medicines", NULL);
  f->unprivileged = FALSE;
  cli_assert_one_line_failure (&r, 1, NULL);
  /* It says why, naming the place, not a raw SQLite message. */
  g_assert_nonnull (strstr (r.err, f->data_dir));
  g_assert_null (strstr (r.err, "SQLITE"));
  g_assert_null (strstr (r.err, "attempt to write"));

  g_chmod (f->data_dir, 0755);
  g_chmod (path, 0644);
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);
}

/* `init` as the issue states it: the branch and the owner it names, the
 * plan, the device id it prints, and a clear refusal of bad input and of
 * a data dir that already holds a store (which it leaves as it was). */
static void
test_init_contract (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *pw_file = g_build_filename (f->tmp, "pw", NULL);
  g_autofree gchar *short_pw = g_build_filename (f->tmp, "short", NULL);
  g_autofree gchar *device = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  const gchar *admin = g_getenv ("PT_ADMIN");
  struct
  {
    const gchar *argv[16];
    gint         status;
    const gchar *needle;
  } refused[] = {
    { { "init", "--tenant-id", "xyz", "--tenant-name", "T", NULL }, 2, "--tenant-id" },
    { { "init", "--tenant-id", CLI_TEST_TENANT, "--tenant-name", "T", "--plan", "gold", NULL },
      2, "--plan" },
    { { "init", "--tenant-id", CLI_TEST_TENANT, NULL }, 2, "--tenant-name" },
    { { "init", "--tenant-id", CLI_TEST_TENANT, "--tenant-name", "T",
        "--admin-email", "a@b.example", NULL }, 2, "--admin-password-file" },
    { { "init", "--tenant-id", CLI_TEST_TENANT, "--tenant-name", "T",
        "--admin-email", "a@b.example", "--admin-password-file", "/nonexistent/pw", NULL },
      1, "/nonexistent/pw" },
    { { "init", "--tenant-id", CLI_TEST_TENANT, "--tenant-name", "T",
        "--admin-email", "a@b.example", "--admin-password-file", short_pw, NULL }, 1, "short" },
  };

  g_assert_true (g_file_set_contents (pw_file, "a long enough password\n", -1, NULL));
  g_assert_true (g_file_set_contents (short_pw, "short\n", -1, NULL));

  /* Refused before anything is created. */
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_auto(CliResult) r = { 0 };

      g_test_message ("init refusal %u", i);
      g_ptr_array_add (argv, (gpointer) admin);
      g_ptr_array_add (argv, (gpointer) "--data-dir");
      g_ptr_array_add (argv, f->data_dir);
      for (guint j = 0; refused[i].argv[j]; j++)
        g_ptr_array_add (argv, (gpointer) refused[i].argv[j]);
      g_ptr_array_add (argv, NULL);
      cli_run_argv (f, &r, NULL, 0, (const gchar * const *) argv->pdata);
      cli_assert_one_line_failure (&r, refused[i].status, refused[i].needle);
      g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
    }

  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "init", "--tenant-id", CLI_TEST_TENANT, "--tenant-name", "Apotheke Nord",
             "--plan", "starter", "--pharmacy-name", "Nordstadt",
             "--admin-email", "chef@nord.example", "--admin-password-file", pw_file, NULL);
    cli_assert_ok (&r);
    device = g_strstrip (g_strdup (r.out));
    g_assert_cmpuint (strlen (device), ==, 16);
    g_assert_cmpstr (r.err, ==, "");
  }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "list", "pharmacies", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 1);
    g_assert_nonnull (strstr (r.out, "\"Nordstadt\""));
  }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "list", "users", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 1);
    g_assert_nonnull (strstr (r.out, "\"chef@nord.example\""));
    g_assert_nonnull (strstr (r.out, "\"owner\""));
  }
  {
    /* The owner signs in with the password from the file. */
    g_auto(CliResult) r = { 0 };
    f->password = "a long enough password";
    cli_run (f, &r, NULL, 0, "--user", "chef@nord.example", "status", NULL);
    f->password = NULL;
    cli_assert_ok (&r);
    g_assert_nonnull (strstr (r.out, "Apotheke Nord"));
    g_assert_nonnull (strstr (r.out, device));
  }
  {
    g_autofree gchar *plan = cli_status_str (f, "plan");
    g_autofree gchar *tenant = cli_status_str (f, "tenantId");

    g_assert_cmpstr (plan, ==, "starter");
    g_assert_cmpstr (tenant, ==, CLI_TEST_TENANT);
  }

  /* A second init, same or another tenant: refused, the store unchanged. */
  before = cli_snapshot (f);
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "init", "--tenant-id", CLI_TEST_OTHER, "--tenant-name", "Other", NULL);
    cli_assert_one_line_failure (&r, 1, "already");
  }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "init", "--tenant-id", CLI_TEST_TENANT, "--tenant-name", "Again", NULL);
    cli_assert_one_line_failure (&r, 1, "already");
  }
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);
  {
    g_autofree gchar *still = cli_status_str (f, "deviceId");
    g_assert_cmpstr (still, ==, device);
  }
}

/* The plan's storage quota: `status` shows the use and warns from 80 %
 * (exit 0, one warning line), and counter work goes on. */
static void
test_storage_warning (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *medicine = NULL;
  g_autofree gchar *expiry = cli_date_from_today (200);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  gint64 quota;
  sqlite3 *db = NULL;

  add_medicines (f, 1);
  path = store_path (f);
  quota = cli_status_int (f, "storageQuotaBytes", NULL);
  /* 1 GB on the Professional plan: stand for the documents of a store
   * that big by raising the medicines' byte count (what status adds up)
   * to 85 % of it — writing 850 MB here would only test the disk. */
  g_assert_cmpint (quota, ==, (gint64) 1000 * 1000 * 1000);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  {
    g_autofree gchar *sql = g_strdup_printf ("UPDATE doc_stats SET bytes = bytes + %" G_GINT64_FORMAT
                                             " WHERE collection = 'medicines'",
                                             quota * 85 / 100);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  }
  sqlite3_close (db);

  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "status", "--json", NULL);
    cli_assert_ok (&r);
    json_parser_load_from_data (parser, r.out, -1, &error);
    g_assert_no_error (error);
    root = json_node_get_object (json_parser_get_root (parser));
    g_assert_true (json_object_get_boolean_member (root, "storageWarning"));
    g_assert_cmpfloat (json_object_get_double_member (root, "storagePercent"), >=, 85.0);
    g_assert_cmpfloat (json_object_get_double_member (root, "storagePercent"), <, 86.0);
  }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "status", NULL);
    cli_assert_ok (&r);
    /* One warning line that names the plan and says work goes on. */
    g_assert_cmpuint (cli_count_lines (r.err), ==, 1);
    g_assert_nonnull (strstr (r.err, "85"));
    g_assert_nonnull (strstr (r.err, "Professional"));
  }
  /* Counter work is never blocked by it. */
  medicine = cli_put (f, "medicines", "{\"name\": \"Still Sold\", \"schedule\": \"otc\", \"price\": 3}");
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "receive", "--medicine", medicine, "--lot", "Q1", "--expiry", expiry,
             "--quantity", "10", NULL);
    cli_assert_ok (&r);
  }
  g_assert_cmpint (cli_stock_total (f, medicine), ==, 10);
}

static void
test_user_sign_in_and_roles (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *hash = pt_password_hash ("cashier-password", 0);
  g_autofree gchar *user = g_strdup_printf ("{\"email\": \"cashier@test.example\","
                                            " \"displayName\": \"Casey\", \"role\": \"cashier\","
                                            " \"passwordHash\": \"%s\", \"active\": true}", hash);
  g_autofree gchar *user_id = cli_put (f, "users", user);
  g_autofree gchar *medicine = cli_put (f, "medicines",
                                        "{\"name\": \"M\", \"schedule\": \"otc\", \"price\": 1}");
  g_autofree gchar *expiry = cli_date_from_today (300);
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  {
    g_auto(CliResult) r = { 0 };
    f->password = CLI_TEST_PASSWORD;
    cli_run (f, &r, NULL, 0, "--user", CLI_TEST_EMAIL, "status", NULL);
    cli_assert_ok (&r);
  }
  before = cli_snapshot (f);
  {
    g_auto(CliResult) r = { 0 };
    f->password = "wrong password";
    cli_run (f, &r, NULL, 0, "--user", CLI_TEST_EMAIL, "receive", "--medicine", medicine,
             "--lot", "L", "--expiry", expiry, "--quantity", "5", NULL);
    cli_assert_one_line_failure (&r, 1, NULL);
  }
  {
    /* A cashier may not receive stock. */
    g_auto(CliResult) r = { 0 };
    f->password = "cashier-password";
    cli_run (f, &r, NULL, 0, "--user", "cashier@test.example", "receive", "--medicine", medicine,
             "--lot", "L", "--expiry", expiry, "--quantity", "5", NULL);
    cli_assert_one_line_failure (&r, 1, "cashier");
  }
  f->password = NULL;
  after = cli_snapshot (f);
  /* A refused sign-in may be audited; the documents themselves must not
   * change, so compare everything but the audit log. */
  {
    g_auto(GStrv) a = g_strsplit (before, "\n", -1);
    g_auto(GStrv) b = g_strsplit (after, "\n", -1);
    g_autoptr(GString) sa = g_string_new (NULL);
    g_autoptr(GString) sb = g_string_new (NULL);

    for (guint i = 0; a[i]; i++)
      if (!strstr (a[i], "\"action\""))
        g_string_append (sa, a[i]);
    for (guint i = 0; b[i]; i++)
      if (!strstr (b[i], "\"action\""))
        g_string_append (sb, b[i]);
    g_assert_cmpstr (sa->str, ==, sb->str);
  }
  g_assert_cmpint (cli_stock_total (f, medicine), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn, store) \
  g_test_add ("/cli/" path, CliFixture, GINT_TO_POINTER (store), \
              cli_fixture_setup, fn, cli_fixture_teardown)
  ADD ("status/json-has-tenant-device-counts-outbox-storage", test_status_json, TRUE);
  ADD ("export/import-round-trip-to-another-counter", test_export_import_file, TRUE);
  ADD ("import/all-or-nothing-names-the-bad-line", test_import_all_or_nothing, TRUE);
  ADD ("import/from-http-url", test_import_http_url, TRUE);
  ADD ("backup/restore-and-refuse-foreign-or-junk", test_backup_restore, TRUE);
  ADD ("store/corrupt-file-refused-and-untouched", test_corrupt_store_refused, TRUE);
  ADD ("store/foreign-sqlite-file-refused-and-untouched", test_foreign_sqlite_refused, TRUE);
  ADD ("store/missing-data-dir-says-run-init", test_missing_data_dir, FALSE);
  ADD ("store/read-only-data-dir-refused", test_read_only_data_dir, TRUE);
  ADD ("auth/user-password-and-role-checked", test_user_sign_in_and_roles, TRUE);
  ADD ("init/names-branch-and-owner-refuses-bad-input-and-a-second-store", test_init_contract,
       FALSE);
  ADD ("status/storage-warning-from-80-percent-work-goes-on", test_storage_warning, TRUE);
#undef ADD

  return g_test_run ();
}
