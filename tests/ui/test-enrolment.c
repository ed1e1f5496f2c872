/* test-enrolment.c: the enrolment file and the checks of the connect
 * fields, without a display. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <glib/gstdio.h>
#include "pt-core.h"
#include "pt-enrolment.h"

#define TENANT "65a00000000000000000a001"

static void
test_file_fills_address_tenant_database (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("pt-enrol-XXXXXX", &error);
  g_autofree gchar *path = g_build_filename (dir, "riverside.pharmatrack", NULL);
  g_autoptr(PtEnrolment) e = NULL;

  g_assert_true (g_file_set_contents (path,
                                      "{ \"uri\": \" mongodb+srv://counter:s3cret@cluster0.example.net/ \",\n"
                                      "  \"tenantId\": \"" TENANT "\",\n"
                                      "  \"database\": \"pharmatrack_eu\" }\n", -1, &error));
  e = pt_enrolment_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->uri, ==, "mongodb+srv://counter:s3cret@cluster0.example.net/");
  g_assert_cmpstr (e->tenant_id, ==, TENANT);
  g_assert_cmpstr (e->database, ==, "pharmatrack_eu");
  g_assert_true (pt_enrolment_uri_has_credentials (e->uri));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_file_without_database_uses_default (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtEnrolment) e = pt_enrolment_load_data ("{\"uri\": \"mongodb://10.0.0.5:27017/\", "
                                                     "\"tenantId\": \"" TENANT "\"}", -1, &error);

  g_assert_no_error (error);
  g_assert_null (e->database);
  g_assert_false (pt_enrolment_uri_has_credentials (e->uri));
}

static void
test_bad_files_say_what_to_do (void)
{
  const gchar *bad[] = {
    "not json at all",
    "[1, 2]",
    "{\"uri\": \"mongodb://h/\"}",
    "{\"uri\": \"http://h/\", \"tenantId\": \"" TENANT "\"}",
    "{\"uri\": \"mongodb://h/\", \"tenantId\": \"65a0\"}",
    "{\"uri\": 7, \"tenantId\": \"" TENANT "\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtEnrolment) e = pt_enrolment_load_data (bad[i], -1, &error);

      g_assert_null (e);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
      g_test_message ("%s → %s", bad[i], error->message);
      /* A sentence for staff, never the parser's words. */
      g_assert_null (strstr (error->message, "JSON"));
      g_assert_true (g_str_has_suffix (error->message, "."));
    }
}

static void
test_missing_file_is_io_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtEnrolment) e = pt_enrolment_load_file ("/nonexistent/counter.pharmatrack", &error);

  g_assert_null (e);
  g_assert_error (error, PT_ERROR, PT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/counter.pharmatrack"));
}

static void
test_check_names_the_field_to_fix (void)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;

  g_assert_false (pt_enrolment_check ("", TENANT, &e1));
  g_assert_nonnull (strstr (e1->message, "server address"));
  g_assert_false (pt_enrolment_check ("mongodb://", TENANT, &e2));
  g_assert_nonnull (strstr (e2->message, "server name"));
  g_assert_false (pt_enrolment_check ("mongodb://h/", "", &e3));
  g_assert_nonnull (strstr (e3->message, "organisation’s ID"));
  g_assert_false (pt_enrolment_check ("mongodb://h/", "zz" TENANT, &e4));
  g_assert_nonnull (strstr (e4->message, "24 characters"));
  g_assert_true (pt_enrolment_check ("mongodb+srv://c.example.net/", TENANT, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/enrolment/file-fills-address-tenant-database", test_file_fills_address_tenant_database);
  g_test_add_func ("/ui/enrolment/file-without-database-uses-default", test_file_without_database_uses_default);
  g_test_add_func ("/ui/enrolment/bad-files-say-what-to-do", test_bad_files_say_what_to_do);
  g_test_add_func ("/ui/enrolment/missing-file-names-the-file", test_missing_file_is_io_error);
  g_test_add_func ("/ui/enrolment/check-names-the-field-to-fix", test_check_names_the_field_to_fix);
  return g_test_run ();
}
