/* test-cli-docs.c: the command line itself (help, usage errors) and the
 * document commands put/get/delete/list/search, with the bad inputs that
 * must be refused with one clear line and change nothing. */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"
#include "pt-core.h"

#define MEDICINE_JSON \
  "{\"name\": \"Amoxora\", \"genericName\": \"amoxicillin\", \"strength\": \"500 mg\"," \
  " \"form\": \"capsule\", \"packSize\": 21, \"barcode\": \"5012345678900\"," \
  " \"code\": \"AMO-500\", \"manufacturer\": \"Northbridge Pharma\"," \
  " \"schedule\": \"rx\", \"price\": 12}"

static const gchar * const commands[] = {
  "init", "demo-data", "put", "get", "delete", "list", "search", "receive", "adjust",
  "dispense", "cancel", "stock", "export", "import", "backup", "restore", "status",
};

static void
test_help_every_command (CliFixture *f, gconstpointer data)
{
  g_auto(CliResult) top = { 0 };
  const gchar *argv[] = { g_getenv ("PT_ADMIN"), "--help", NULL };

  cli_run_argv (f, &top, NULL, 0, argv);
  cli_assert_ok (&top);
  g_assert_nonnull (strstr (top.out, "Exit status"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(CliResult) r = { 0 };
      g_autofree gchar *listed = g_strdup_printf ("  %s ", commands[i]);

      g_assert_nonnull (strstr (top.out, listed));
      cli_run (f, &r, NULL, 0, commands[i], "--help", NULL);
      cli_assert_ok (&r);
      g_assert_nonnull (strstr (r.out, "Usage:"));
      g_assert_nonnull (strstr (r.out, commands[i]));
      g_assert_nonnull (strstr (r.out, "Exit status"));
    }
}

static void
test_usage_errors (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *before = cli_snapshot (f);
  g_autofree gchar *after = NULL;
  const gchar *admin = g_getenv ("PT_ADMIN");
  struct { const gchar *argv[12]; const gchar *needle; } cases[] = {
    { { admin, NULL }, "no command" },
    { { admin, "frobnicate", NULL }, "unknown command" },
    { { admin, "--no-such-flag", "status", NULL }, "no-such-flag" },
    { { admin, "--data-dir", f->data_dir, "status", "--bogus", NULL }, "bogus" },
    { { admin, "--data-dir", f->data_dir, "get", "medicines", NULL }, "missing argument" },
    { { admin, "--data-dir", f->data_dir, "list", "medicines", "extra", NULL }, "too many" },
    { { admin, "--data-dir", f->data_dir, "list", "medicines", "--limit", "ten", NULL }, "--limit" },
    { { admin, "--data-dir", f->data_dir, "receive", "--lot", "A1", NULL }, "--medicine" },
    { { admin, "--data-dir", f->data_dir, "adjust", "--batch", "123", "--quantity", "1",
        "--reason", "x", NULL }, "--batch" },
    { { admin, "--data-dir", f->data_dir, "search", "users", "x", NULL }, "medicines" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) r = { 0 };

      cli_run_argv (f, &r, NULL, 0, cases[i].argv);
      cli_assert_one_line_failure (&r, 2, cases[i].needle);
    }
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);
}

static void
test_put_get_list_delete (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *id = cli_put (f, "medicines", MEDICINE_JSON);
  g_autofree gchar *update = NULL;
  g_autofree gchar *again = NULL;
  bson_t *doc;

  doc = cli_get (f, "medicines", id);
  g_assert_cmpstr (pt_bson_get_string (doc, "name"), ==, "Amoxora");
  g_assert_cmpint (pt_bson_get_int (doc, "price", -1), ==, 12);
  {
    g_autofree gchar *tenant = pt_bson_dup_oid_hex (doc, "tenantId");
    g_assert_cmpstr (tenant, ==, CLI_TEST_TENANT);
  }
  bson_destroy (doc);

  /* Same _id again: an update, not a second document. */
  update = g_strdup_printf ("{\"_id\": {\"$oid\": \"%s\"}, \"name\": \"Amoxora Forte\","
                            " \"schedule\": \"rx\", \"price\": 15}", id);
  again = cli_put (f, "medicines", update);
  g_assert_cmpstr (again, ==, id);
  doc = cli_get (f, "medicines", id);
  g_assert_cmpstr (pt_bson_get_string (doc, "name"), ==, "Amoxora Forte");
  bson_destroy (doc);

  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "list", "medicines", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 1);
    g_assert_nonnull (strstr (r.out, id));
  }

  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "delete", "medicines", id, NULL);
    cli_assert_ok (&r);
  }
  doc = cli_get (f, "medicines", id);
  g_assert_true (pt_bson_get_bool (doc, "deleted", FALSE));
  bson_destroy (doc);
  {
    g_auto(CliResult) r = { 0 };
    g_auto(CliResult) all = { 0 };

    cli_run (f, &r, NULL, 0, "list", "medicines", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 0);
    cli_run (f, &all, NULL, 0, "list", "medicines", "--include-deleted", NULL);
    cli_assert_ok (&all);
    g_assert_cmpuint (cli_count_lines (all.out), ==, 1);
  }
}

static void
test_put_from_file_and_list_limit (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->tmp, "patient.json", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\","
                       " \"phone\": \"07700 900123\","
                       " \"dateOfBirth\": {\"$date\": \"1985-12-10T00:00:00Z\"}}", -1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(CliResult) r = { 0 };
      cli_run (f, &r, NULL, 0, "put", "patients", "--file", path, NULL);
      cli_assert_ok (&r);
    }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "list", "patients", "--limit", "2", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 2);
  }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "search", "patients", "Lovel", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 3);
    g_assert_nonnull (strstr (r.out, "Lovelace"));
  }
}

static void
test_search_medicines (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *id = cli_put (f, "medicines", MEDICINE_JSON);
  g_autofree gchar *other = cli_put (f, "medicines",
                                     "{\"name\": \"Metforal\", \"genericName\": \"metformin\","
                                     " \"schedule\": \"rx\", \"price\": 3}");
  struct { const gchar *query; const gchar *expect; } cases[] = {
    { "Amox", id },              /* name prefix */
    { "amoxicillin", id },       /* generic name */
    { "5012345678900", id },     /* exact barcode */
    { "metf", other },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) r = { 0 };

      cli_run (f, &r, NULL, 0, "search", "medicines", cases[i].query, NULL);
      cli_assert_ok (&r);
      g_assert_cmpuint (cli_count_lines (r.out), >=, 1);
      /* The best match comes first. */
      g_assert_nonnull (strstr (r.out, cases[i].expect));
      g_assert_true (strstr (r.out, cases[i].expect) < strchr (r.out, '\n'));
    }
  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "search", "medicines", "zzzznothing", NULL);
    cli_assert_ok (&r);
    g_assert_cmpuint (cli_count_lines (r.out), ==, 0);
  }
  {
    /* --limit: "metf" matches two medicines now; one line with
     * --limit 1, the best match. */
    g_autofree gchar *third = cli_put (f, "medicines",
                                       "{\"name\": \"Metforal XR\", \"genericName\": \"metformin\","
                                       " \"schedule\": \"rx\", \"price\": 4}");
    g_auto(CliResult) all = { 0 };
    g_auto(CliResult) one = { 0 };
    g_auto(CliResult) bad = { 0 };

    cli_run (f, &all, NULL, 0, "search", "medicines", "metf", NULL);
    cli_assert_ok (&all);
    g_assert_cmpuint (cli_count_lines (all.out), ==, 2);
    g_assert_nonnull (strstr (all.out, third));
    cli_run (f, &one, NULL, 0, "search", "medicines", "metf", "--limit", "1", NULL);
    cli_assert_ok (&one);
    g_assert_cmpuint (cli_count_lines (one.out), ==, 1);
    g_assert_true (strncmp (one.out, all.out, strlen (one.out)) == 0);
    cli_run (f, &bad, NULL, 0, "search", "medicines", "metf", "--limit", "-3", NULL);
    cli_assert_one_line_failure (&bad, 2, "--limit");
  }
}

static void
assert_put_refused (CliFixture *f, const gchar *collection, const gchar *input,
                    gsize len, const gchar *needle)
{
  g_autofree gchar *before = cli_snapshot (f);
  g_autofree gchar *after = NULL;
  g_auto(CliResult) r = { 0 };

  cli_run (f, &r, input, len, "put", collection, NULL);
  cli_assert_one_line_failure (&r, 1, needle);
  after = cli_snapshot (f);
  g_assert_cmpstr (before, ==, after);
}

static void
test_put_refuses_bad_input (CliFixture *f, gconstpointer data)
{
  g_autofree gchar *foreign = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"},"
                                               " \"name\": \"X\", \"schedule\": \"otc\","
                                               " \"price\": 1}", CLI_TEST_OTHER);
  g_autofree gchar *huge = NULL;
  const gchar bad_utf8[] = "{\"name\": \"Amox\xff\xfe\", \"schedule\": \"otc\", \"price\": 1}";

  g_test_message ("malformed JSON");
  assert_put_refused (f, "medicines", "{\"name\": \"X\", \"price\": }", -1, "extended json");
  g_test_message ("truncated JSON");
  assert_put_refused (f, "medicines", "{\"name\": \"Amoxora\", \"schedule\": \"rx\", \"pri", -1,
                      "extended json");
  g_test_message ("not a document");
  assert_put_refused (f, "medicines", "[1, 2, 3]", -1, NULL);
  g_test_message ("empty input");
  assert_put_refused (f, "medicines", "", 0, "empty");
  g_test_message ("invalid UTF-8");
  assert_put_refused (f, "medicines", bad_utf8, sizeof bad_utf8 - 1, "UTF-8");
  g_test_message ("another tenant's document");
  assert_put_refused (f, "medicines", foreign, -1, NULL);
  g_test_message ("unknown collection");
  assert_put_refused (f, "potions", MEDICINE_JSON, -1, "potions");
  g_test_message ("unknown field");
  assert_put_refused (f, "medicines",
                      "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": 1, \"colour\": \"red\"}",
                      -1, "colour");
  g_test_message ("missing required field");
  assert_put_refused (f, "medicines", "{\"genericName\": \"x\", \"schedule\": \"otc\", \"price\": 1}",
                      -1, "name");
  g_test_message ("negative price");
  assert_put_refused (f, "medicines", "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": -5}",
                      -1, "price");

  g_test_message ("a 10 MB string");
  {
    GString *s = g_string_new ("{\"name\": \"");
    g_string_append_len (s, g_strnfill (10 * 1024 * 1024, 'a'), 10 * 1024 * 1024);
    g_string_append (s, "\", \"schedule\": \"otc\", \"price\": 1}");
    huge = g_string_free (s, FALSE);
  }
  assert_put_refused (f, "medicines", huge, -1, "MB");

  g_test_message ("get of a malformed id, of a missing id");
  {
    g_auto(CliResult) r = { 0 };
    g_auto(CliResult) r2 = { 0 };

    cli_run (f, &r, NULL, 0, "get", "medicines", "not-an-id", NULL);
    cli_assert_one_line_failure (&r, 1, "not-an-id");
    cli_run (f, &r2, NULL, 0, "get", "medicines", CLI_TEST_OTHER, NULL);
    cli_assert_one_line_failure (&r2, 1, NULL);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/cli/" path, CliFixture, GINT_TO_POINTER (TRUE), \
              cli_fixture_setup, fn, cli_fixture_teardown)
  ADD ("help/every-command-has-help-with-exit-codes", test_help_every_command);
  ADD ("usage/bad-command-lines-exit-2-with-one-line", test_usage_errors);
  ADD ("docs/put-get-list-delete-round-trip", test_put_get_list_delete);
  ADD ("docs/put-from-file-list-limit-search-patients", test_put_from_file_and_list_limit);
  ADD ("docs/search-medicines-by-name-generic-barcode", test_search_medicines);
  ADD ("docs/put-refuses-bad-input-and-changes-nothing", test_put_refuses_bad_input);
#undef ADD

  return g_test_run ();
}
