/* sync-crypt-fixture.c: see sync-crypt-fixture.h. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-sync-crypt.h"
#include "sync-crypt-fixture.h"

static const gchar *secrets[] = {
  FIRST_NAME, LAST_NAME, PHONE, EMAIL, STREET, POSTCODE, ALLERGY, REACTION,
  CONDITION, NOTES, MEMBER_ID,
};

void
sync_crypt_write_key_file (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = pt_sync_crypt_new_master_key ();

  pt_sync_crypt_write_key_file (path, key, &error);
  g_assert_no_error (error);
}

void
sync_crypt_import_key (const gchar *dir,
            const gchar *key_file)
{
  g_autoptr(GError) error = NULL;

  pt_sync_crypt_import_key (dir, SYNC_TEST_TENANT, key_file, &error);
  g_assert_no_error (error);
}

void
sync_crypt_setup (SyncCryptFixture *f, gconstpointer data)
{
  f->sim = sync_test_server (NULL);
  f->uri = mongosim_fixture_get_uri (f->sim);
  f->tmp = sync_test_mkdtemp ();
  f->key_file = g_build_filename (f->tmp, "pharmacy.key", NULL);
  sync_crypt_write_key_file (f->key_file);
  f->dir_a = sync_test_mkdtemp ();
  f->dir_b = sync_test_mkdtemp ();
  f->a = sync_test_create_tenant (f->dir_a);
  sync_crypt_import_key (f->dir_a, f->key_file);
  f->web = sync_test_client (f->uri);
}

void
sync_crypt_teardown (SyncCryptFixture *f, gconstpointer data)
{
  g_clear_pointer (&f->web, mongoc_client_destroy);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  sync_test_rmdir (f->dir_a);
  sync_test_rmdir (f->dir_b);
  sync_test_rmdir (f->tmp);
  g_free (f->dir_a);
  g_free (f->dir_b);
  g_free (f->tmp);
  g_free (f->key_file);
  g_clear_pointer (&f->sim, mongosim_fixture_free);
}

/* A patient with a value in every sensitive field of the registry. */
gchar *
sync_crypt_put_patient (PtStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = g_strdup_printf (
    "{\"firstName\": \"" FIRST_NAME "\", \"lastName\": \"" LAST_NAME "\","
    " \"dateOfBirth\": {\"$date\": {\"$numberLong\": \"%" G_GINT64_FORMAT "\"}},"
    " \"phone\": \"" PHONE "\", \"email\": \"" EMAIL "\","
    " \"address\": {\"line1\": \"" STREET "\", \"city\": \"Oxford\", \"postcode\": \"" POSTCODE "\","
    "               \"country\": \"GB\"},"
    " \"allergies\": [{\"substance\": \"" ALLERGY "\", \"kind\": \"generic\","
    "                  \"reaction\": \"" REACTION "\", \"severity\": \"severe\"},"
    "                 {\"substance\": \"Sulfonamides\", \"kind\": \"category\"}],"
    " \"conditions\": [\"" CONDITION "\", \"Hypertension\"],"
    " \"notes\": \"" NOTES "\","
    " \"insurance\": {\"provider\": \"Bupa\", \"memberId\": \"" MEMBER_ID "\", \"groupNumber\": \"G-12\"}}",
    BIRTH_MS);
  bson_t *doc = sync_test_json (json);
  gchar *id = pt_store_put (store, "patients", doc, &error);

  g_assert_no_error (error);
  bson_destroy (doc);
  return id;
}

gboolean
sync_crypt_mem_contains (const guint8 *hay,
              gsize         hay_len,
              const void   *needle,
              gsize         needle_len)
{
  for (gsize i = 0; needle_len <= hay_len && i <= hay_len - needle_len; i++)
    if (memcmp (hay + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

gboolean
sync_crypt_bytes_contain (const bson_t *doc,
               const gchar  *needle)
{
  return sync_crypt_mem_contains (bson_get_data (doc), doc->len, needle, strlen (needle));
}

void
sync_crypt_assert_no_secret_in (const bson_t *server)
{
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    if (sync_crypt_bytes_contain (server, secrets[i]))
      g_error ("“%s” is on the server in clear", secrets[i]);
}

void
sync_crypt_enrol_b (SyncCryptFixture     *f,
         const gchar *key_file)
{
  g_clear_object (&f->b);
  f->b = sync_test_create_enrolment (f->dir_b);
  if (key_file != NULL)
    sync_crypt_import_key (f->dir_b, key_file);
}
