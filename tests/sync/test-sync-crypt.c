/* test-sync-crypt.c: sensitive fields are encrypted before they leave a
 * counter, every counter with the pharmacy's key reads them, a counter
 * without it (or with another key) stops with a clear sentence and loses
 * nothing. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "pt-store-private.h"
#include "pt-sync-crypt.h"
#include "sync-crypt-fixture.h"

typedef SyncCryptFixture Fixture;

static gboolean
is_ciphertext (const bson_t *doc,
               const gchar  *key)
{
  bson_iter_t it;
  bson_subtype_t subtype;

  if (!bson_iter_init_find (&it, doc, key) || !BSON_ITER_HOLDS_BINARY (&it))
    return FALSE;
  bson_iter_binary (&it, &subtype, NULL, NULL);
  return subtype == BSON_SUBTYPE_ENCRYPTED;
}

/* Every top-level field the registry marks sensitive in @coll_name is on
 * the server as ciphertext; every present one was checked. */
static void
assert_server_encrypted (const bson_t *server,
                         const gchar  *coll_name,
                         guint         expect_fields)
{
  const PtCollection *coll = pt_schema_lookup (coll_name);
  guint checked = 0;

  for (guint i = 0; i < coll->n_fields; i++)
    if (coll->fields[i].flags & PT_FIELD_FLAG_SENSITIVE)
      {
        if (!bson_has_field (server, coll->fields[i].name))
          continue;
        if (!is_ciphertext (server, coll->fields[i].name))
          g_error ("%s.%s is on the server in clear", coll_name, coll->fields[i].name);
        checked++;
      }
  g_assert_cmpuint (checked, ==, expect_fields);
}

static guint
count_sensitive_fields (const gchar *coll_name)
{
  const PtCollection *coll = pt_schema_lookup (coll_name);
  guint n = 0;

  for (guint i = 0; i < coll->n_fields; i++)
    if (coll->fields[i].flags & PT_FIELD_FLAG_SENSITIVE)
      n++;
  return n;
}

/* Same value of @field in both documents (any BSON type). */
static void
assert_same_field (const bson_t *x,
                   const bson_t *y,
                   const gchar  *field)
{
  bson_iter_t ix, iy;

  g_assert_true (bson_iter_init_find (&ix, x, field));
  g_assert_true (bson_iter_init_find (&iy, y, field));
  if (bson_iter_type (&ix) != bson_iter_type (&iy))
    g_error ("%s: type %d here, %d there", field, bson_iter_type (&ix), bson_iter_type (&iy));
  {
    bson_t wx = BSON_INITIALIZER, wy = BSON_INITIALIZER;

    bson_append_iter (&wx, "v", 1, &ix);
    bson_append_iter (&wy, "v", 1, &iy);
    if (!bson_equal (&wx, &wy))
      {
        g_autofree gchar *jx = bson_as_relaxed_extended_json (&wx, NULL);
        g_autofree gchar *jy = bson_as_relaxed_extended_json (&wy, NULL);
        g_error ("%s differs: %s vs %s", field, jx, jy);
      }
    bson_destroy (&wx);
    bson_destroy (&wy);
  }
}

static gchar *
owner_id (PtStore *store)
{
  g_autoptr(GError) error = NULL;
  bson_t *user = pt_store_sign_in (store, "owner@example.org", SYNC_TEST_PASSWORD, &error);
  gchar *id;

  g_assert_no_error (error);
  id = pt_bson_dup_oid_hex (user, "_id");
  bson_destroy (user);
  pt_store_act_as_system (store);
  return id;
}

static void
test_server_holds_no_patient_data_in_clear (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autofree gchar *owner = owner_id (f->a);
  g_autofree gchar *alt = pt_sync_crypt_key_alt_name (SYNC_TEST_TENANT);
  g_autofree gchar *alt_filter = g_strdup_printf ("{\"keyAltNames\": \"%s\"}", alt);
  g_autoptr(bson_t) server = NULL;
  g_autoptr(bson_t) user = NULL;
  g_autoptr(GBytes) master = NULL;
  g_autoptr(GError) error = NULL;

  sync_test_sync_ok (f->dir_a, f->uri);

  server = sync_test_server_get (f->web, "patients", patient);
  g_assert_nonnull (server);
  sync_crypt_assert_no_secret_in (server);
  assert_server_encrypted (server, "patients", count_sensitive_fields ("patients"));
  /* What the sync protocol and the indexes need stays readable. */
  g_assert_true (bson_has_field (server, "tenantId"));
  g_assert_true (bson_has_field (server, "updatedAt"));
  g_assert_true (bson_has_field (server, "_sync.v"));
  /* The password hash is a slow salted one-way hash, not a secret to
   * encrypt: it travels as it is, and the web dashboard checks a password
   * against it at sign-in. */
  user = sync_test_server_get (f->web, "users", owner);
  g_assert_nonnull (user);
  g_assert_cmpuint (count_sensitive_fields ("users"), ==, 0);
  g_assert_true (bson_has_field (user, "email"));
  g_assert_true (pt_password_verify (SYNC_TEST_PASSWORD, pt_bson_get_string (user, "passwordHash")));
  g_assert_false (pt_password_verify ("not-the-password", pt_bson_get_string (user, "passwordHash")));

  /* One data key for the tenant, wrapped by the master key, which itself
   * is nowhere on the server. */
  {
    mongoc_collection_t *vault = mongoc_client_get_collection (f->web, PT_SYNC_KEY_VAULT_DB,
                                                               PT_SYNC_KEY_VAULT_COLL);
    bson_t *filter = sync_test_json (alt_filter);
    bson_error_t berr;
    mongoc_cursor_t *cursor;
    const bson_t *key_doc;
    gsize len;
    const guint8 *raw;
    guint n = 0;

    g_assert_cmpint (mongoc_collection_count_documents (vault, filter, NULL, NULL, NULL, &berr), ==, 1);
    master = pt_sync_crypt_read_key_file (f->key_file, &error);
    g_assert_no_error (error);
    raw = g_bytes_get_data (master, &len);
    cursor = mongoc_collection_find_with_opts (vault, filter, NULL, NULL);
    while (mongoc_cursor_next (cursor, &key_doc))
      {
        g_autofree gchar *b64 = g_base64_encode (raw, len);
        bson_iter_t it;

        g_assert_false (sync_crypt_mem_contains (bson_get_data (key_doc), key_doc->len, raw, 16));
        g_assert_false (sync_crypt_bytes_contain (key_doc, b64));
        g_assert_true (bson_iter_init (&it, key_doc)
                       && bson_iter_find_descendant (&it, "masterKey.provider", &it));
        g_assert_cmpstr (bson_iter_utf8 (&it, NULL), ==, "local");
        n++;
      }
    g_assert_cmpuint (n, ==, 1);
    mongoc_cursor_destroy (cursor);
    bson_destroy (filter);
    mongoc_collection_destroy (vault);
  }

  /* The counter's own disk keeps clear text (search works). */
  {
    g_autofree gchar *first = sync_test_get_string (f->a, "patients", patient, "firstName");
    g_assert_cmpstr (first, ==, FIRST_NAME);
  }
}

static void
test_every_sensitive_type_round_trips (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  const PtCollection *coll = pt_schema_lookup ("patients");
  g_autoptr(bson_t) on_a = NULL;
  g_autoptr(bson_t) on_b = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  sync_test_sync_ok (f->dir_a, f->uri);
  sync_crypt_enrol_b (f, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);

  on_a = pt_store_get (f->a, "patients", patient, &error);
  g_assert_no_error (error);
  on_b = pt_store_get (f->b, "patients", patient, &error);
  g_assert_no_error (error);
  /* String, date, embedded document, array of documents, array of
   * strings: each comes back with its type and value. */
  for (guint i = 0; i < coll->n_fields; i++)
    if (coll->fields[i].flags & PT_FIELD_FLAG_SENSITIVE)
      {
        assert_same_field (on_a, on_b, coll->fields[i].name);
        n++;
      }
  g_assert_cmpuint (n, ==, count_sensitive_fields ("patients"));
  {
    bson_iter_t it;
    g_assert_true (bson_iter_init_find (&it, on_b, "dateOfBirth") && BSON_ITER_HOLDS_DATE_TIME (&it));
    g_assert_cmpint (bson_iter_date_time (&it), ==, BIRTH_MS);
  }
  sync_test_assert_same_data (f->a, f->b);

  /* The owner signs in at the second counter: the password hash came
   * through its encryption intact. */
  {
    bson_t *user = pt_store_sign_in (f->b, "owner@example.org", SYNC_TEST_PASSWORD, &error);
    g_assert_no_error (error);
    bson_destroy (user);
    pt_store_act_as_system (f->b);
  }

  /* Nothing is pushed back: decrypted documents equal their base. */
  g_assert_cmpint (_pt_store_outbox_length (f->b), ==, 0);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);
}

static void
test_second_counter_edits_reach_the_first (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autofree gchar *phone = NULL;
  g_autoptr(bson_t) server = NULL;

  sync_test_sync_ok (f->dir_a, f->uri);
  sync_crypt_enrol_b (f, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);

  sync_test_update (f->b, "patients", patient,
                    "{\"phone\": \"+44 1865 000 111\", \"allergies\": [{\"substance\": \"Latex\"}]}");
  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_sync_ok (f->dir_a, f->uri);

  phone = sync_test_get_string (f->a, "patients", patient, "phone");
  g_assert_cmpstr (phone, ==, "+44 1865 000 111");
  sync_test_assert_same_data (f->a, f->b);
  server = sync_test_server_get (f->web, "patients", patient);
  g_assert_false (sync_crypt_bytes_contain (server, "1865 000 111"));
  g_assert_false (sync_crypt_bytes_contain (server, "Latex"));
  sync_crypt_assert_no_secret_in (server);
}

static void
test_counter_without_key_stops_and_stores_nothing (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(PtSyncStatus) st = NULL;

  sync_test_sync_ok (f->dir_a, f->uri);
  sync_crypt_enrol_b (f, NULL);

  engine = pt_sync_engine_new (f->dir_b, f->uri, NULL);
  g_assert_false (pt_sync_engine_run_once (engine, NULL, NULL, NULL, &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING);
  g_assert_nonnull (strstr (error->message, "does not have the pharmacy’s encryption key"));
  g_assert_nonnull (strstr (error->message, "enrolment file"));
  st = pt_sync_engine_get_status (engine);
  g_assert_cmpint (st->state, ==, PT_SYNC_STATE_NEEDS_ATTENTION);
  g_assert_cmpstr (st->message, ==, error->message);

  /* Nothing of the tenant was stored, let alone ciphertext as text. */
  {
    g_autoptr(GError) nf = NULL;
    bson_t *doc = pt_store_get (f->b, "patients", patient, &nf);
    g_assert_null (doc);
    g_assert_error (nf, PT_ERROR, PT_ERROR_NOT_FOUND);
  }

  /* With the key from the enrolment file it works. */
  g_clear_error (&error);
  sync_crypt_import_key (f->dir_b, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);
  {
    g_autofree gchar *last = sync_test_get_string (f->b, "patients", patient, "lastName");
    g_assert_cmpstr (last, ==, LAST_NAME);
  }
}

static void
test_wrong_key_stops_and_loses_nothing (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autofree gchar *wrong = g_build_filename (f->tmp, "other.key", NULL);
  g_autofree gchar *mine = NULL, *medicine = NULL;
  g_autoptr(GError) error = NULL;
  gint64 queued;

  sync_test_sync_ok (f->dir_a, f->uri);
  sync_crypt_enrol_b (f, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);

  /* B's key is replaced by another pharmacy's; meanwhile B works. */
  sync_crypt_write_key_file (wrong);
  sync_crypt_import_key (f->dir_b, wrong);
  mine = sync_crypt_put_patient (f->b);
  medicine = sync_test_put_medicine (f->b, "Metformin 500 mg", 320);
  sync_test_update (f->b, "patients", patient, "{\"notes\": \"Moved to the Cowley branch\"}");
  queued = _pt_store_outbox_length (f->b);
  g_assert_cmpint (queued, >=, 3);

  g_assert_false (sync_test_sync_once (f->dir_b, f->uri, &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_WRONG_KEY);
  g_assert_nonnull (strstr (error->message, "not the pharmacy’s key"));
  g_test_message ("wrong key: %s", error->message);
  /* Nothing sent, nothing lost, nothing garbled. */
  g_assert_cmpint (_pt_store_outbox_length (f->b), ==, queued);
  g_assert_null (sync_test_server_get (f->web, "patients", mine));
  g_assert_null (sync_test_server_get (f->web, "medicines", medicine));
  {
    g_autofree gchar *notes = sync_test_get_string (f->b, "patients", patient, "notes");
    g_autofree gchar *first = sync_test_get_string (f->b, "patients", mine, "firstName");
    g_assert_cmpstr (notes, ==, "Moved to the Cowley branch");
    g_assert_cmpstr (first, ==, FIRST_NAME);
  }

  /* The right key again: everything goes up, encrypted, and reaches A. */
  g_clear_error (&error);
  sync_crypt_import_key (f->dir_b, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_cmpint (_pt_store_outbox_length (f->b), ==, 0);
  {
    g_autoptr(bson_t) server = sync_test_server_get (f->web, "patients", mine);
    g_autofree gchar *notes = sync_test_get_string (f->a, "patients", patient, "notes");

    g_assert_nonnull (server);
    sync_crypt_assert_no_secret_in (server);
    g_assert_cmpstr (notes, ==, "Moved to the Cowley branch");
  }
  sync_test_assert_same_data (f->a, f->b);
}

static void
test_foreign_clear_text_is_kept_and_encrypted_on_next_push (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autofree gchar *set = NULL;
  gint64 now = g_get_real_time () / 1000;
  bson_oid_t web_oid, tenant;
  gchar web_id[25];

  sync_test_sync_ok (f->dir_a, f->uri);

  /* The web dashboard, without the key, writes a phone number in clear
   * (bumping updatedAt) and creates a patient in clear. */
  sync_test_foreign_update (f->web, "patients", patient, "{\"phone\": \"+44 1632 960 001\"}", now + 1000);
  {
    mongoc_collection_t *c = mongoc_client_get_collection (f->web, "pharmatrack", "patients");
    bson_t doc = BSON_INITIALIZER;
    bson_error_t berr;

    bson_oid_init (&web_oid, NULL);
    bson_oid_to_string (&web_oid, web_id);
    bson_oid_init_from_string (&tenant, SYNC_TEST_TENANT);
    BSON_APPEND_OID (&doc, "_id", &web_oid);
    BSON_APPEND_OID (&doc, "tenantId", &tenant);
    BSON_APPEND_UTF8 (&doc, "firstName", "Bartholomew");
    BSON_APPEND_UTF8 (&doc, "lastName", "Fennimore");
    BSON_APPEND_DATE_TIME (&doc, "createdAt", now);
    BSON_APPEND_DATE_TIME (&doc, "updatedAt", now);
    g_assert_true (mongoc_collection_insert_one (c, &doc, NULL, NULL, &berr));
    bson_destroy (&doc);
    mongoc_collection_destroy (c);
  }

  /* The counter takes both, and its next push encrypts them. */
  sync_test_sync_ok (f->dir_a, f->uri);
  {
    g_autofree gchar *phone = sync_test_get_string (f->a, "patients", patient, "phone");
    g_autofree gchar *first = sync_test_get_string (f->a, "patients", web_id, "firstName");
    g_autofree gchar *last = sync_test_get_string (f->a, "patients", patient, "lastName");

    g_assert_cmpstr (phone, ==, "+44 1632 960 001");
    g_assert_cmpstr (first, ==, "Bartholomew");
    g_assert_cmpstr (last, ==, LAST_NAME);  /* the encrypted rest merged intact */
  }
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);
  {
    g_autoptr(bson_t) edited = sync_test_server_get (f->web, "patients", patient);
    g_autoptr(bson_t) created = sync_test_server_get (f->web, "patients", web_id);

    g_assert_false (sync_crypt_bytes_contain (edited, "1632 960 001"));
    sync_crypt_assert_no_secret_in (edited);
    assert_server_encrypted (edited, "patients", count_sensitive_fields ("patients"));
    g_assert_false (sync_crypt_bytes_contain (created, "Bartholomew"));
    g_assert_false (sync_crypt_bytes_contain (created, "Fennimore"));
    assert_server_encrypted (created, "patients", 2);
  }

  /* A second counter reads the re-encrypted documents. */
  sync_crypt_enrol_b (f, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_assert_same_data (f->a, f->b);
  set = sync_test_get_string (f->b, "patients", web_id, "lastName");
  g_assert_cmpstr (set, ==, "Fennimore");
}

static void
test_tenant_without_key_stays_clear (Fixture *f, gconstpointer data)
{
  g_autofree gchar *key_path = pt_sync_crypt_key_path (f->dir_a, SYNC_TEST_TENANT);
  g_autofree gchar *patient = NULL;
  g_autoptr(bson_t) server = NULL;

  /* Encryption is switched on by the first counter holding a key; a
   * tenant none of whose counters has one syncs as before. */
  g_assert_cmpint (g_unlink (key_path), ==, 0);
  patient = sync_crypt_put_patient (f->a);
  sync_test_sync_ok (f->dir_a, f->uri);
  server = sync_test_server_get (f->web, "patients", patient);
  g_assert_true (sync_crypt_bytes_contain (server, FIRST_NAME));
  g_assert_cmpint (sync_test_server_count (f->web, "patients", NULL), ==, 1);
  {
    mongoc_collection_t *vault = mongoc_client_get_collection (f->web, PT_SYNC_KEY_VAULT_DB,
                                                               PT_SYNC_KEY_VAULT_COLL);
    bson_t empty = BSON_INITIALIZER;
    bson_error_t berr;

    g_assert_cmpint (mongoc_collection_count_documents (vault, &empty, NULL, NULL, NULL, &berr), ==, 0);
    mongoc_collection_destroy (vault);
  }

  /* Once a counter gets the key, its next sync encrypts what is there,
   * edited or not. */
  sync_crypt_import_key (f->dir_a, f->key_file);
  sync_test_sync_ok (f->dir_a, f->uri);
  g_clear_pointer (&server, bson_destroy);
  server = sync_test_server_get (f->web, "patients", patient);
  sync_crypt_assert_no_secret_in (server);
  assert_server_encrypted (server, "patients", count_sensitive_fields ("patients"));
  {
    g_autofree gchar *owner = owner_id (f->a);
    g_autoptr(bson_t) user = sync_test_server_get (f->web, "users", owner);

    assert_server_encrypted (user, "users", count_sensitive_fields ("users"));
  }
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);

  /* And a later edit stays encrypted. */
  sync_test_update (f->a, "patients", patient, "{\"notes\": \"Key installed\"}");
  sync_test_sync_ok (f->dir_a, f->uri);
  g_clear_pointer (&server, bson_destroy);
  server = sync_test_server_get (f->web, "patients", patient);
  sync_crypt_assert_no_secret_in (server);
  g_assert_false (sync_crypt_bytes_contain (server, "Key installed"));
}

static void
test_key_files (void)
{
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autofree gchar *path = g_build_filename (dir, "k", NULL);
  g_autofree gchar *raw_path = g_build_filename (dir, "raw", NULL);
  g_autofree gchar *bad = g_build_filename (dir, "bad", NULL);
  g_autoptr(GBytes) key = pt_sync_crypt_new_master_key ();
  g_autoptr(GBytes) back = NULL, raw_back = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_cmpuint (g_bytes_get_size (key), ==, PT_SYNC_MASTER_KEY_LEN);
  pt_sync_crypt_write_key_file (path, key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);  /* the owner only */
  back = pt_sync_crypt_read_key_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (key, back));

  /* `openssl rand 96 > key` works too. */
  g_assert_true (g_file_set_contents (raw_path, g_bytes_get_data (key, NULL), PT_SYNC_MASTER_KEY_LEN, NULL));
  raw_back = pt_sync_crypt_read_key_file (raw_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (key, raw_back));

  g_assert_true (g_file_set_contents (bad, "c2hvcnQ=\n", -1, NULL));
  g_assert_null (pt_sync_crypt_read_key_file (bad, &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_INVALID);
  g_assert_nonnull (strstr (error->message, "not a PharmaTrack encryption key"));
  g_clear_error (&error);
  g_assert_null (pt_sync_crypt_read_key_file ("/nonexistent/pharmacy.key", &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNREADABLE);
  g_assert_cmpstr (error->message, ==, "There is no encryption key file “/nonexistent/pharmacy.key”.");
  g_clear_error (&error);

  /* A folder, or a large file chosen by mistake: not a key, said at once. */
  g_assert_null (pt_sync_crypt_read_key_file (dir, &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_INVALID);
  g_clear_error (&error);
  {
    g_autofree gchar *big = g_build_filename (dir, "photo.jpg", NULL);
    g_autofree gchar *junk = g_malloc0 (1 << 20);

    g_assert_true (g_file_set_contents (big, junk, 1 << 20, NULL));
    g_assert_null (pt_sync_crypt_read_key_file (big, &error));
    g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_INVALID);
    g_assert_nonnull (strstr (error->message, "not a PharmaTrack encryption key"));
    g_clear_error (&error);
  }

  /* A file this user may not read says so (root reads everything: then
   * only the message for a file that opens is checked). */
  g_assert_cmpint (g_chmod (raw_path, 0000), ==, 0);
  {
    g_autoptr(GBytes) locked = pt_sync_crypt_read_key_file (raw_path, &error);

    if (getuid () != 0)
      {
        g_assert_null (locked);
        g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_UNREADABLE);
        g_assert_nonnull (strstr (error->message, "not allowed to read it"));
        g_clear_error (&error);
      }
    else
      g_test_message ("running as root: a mode 000 key file is readable, not checked");
  }

  /* The counter's own copy, restored by hand readable by everyone, is
   * made private again before it is used. */
  {
    g_autofree gchar *data_dir = g_build_filename (dir, "data", NULL);
    g_autofree gchar *copy = pt_sync_crypt_key_path (data_dir, SYNC_TEST_TENANT);
    g_autoptr(GBytes) loaded = NULL;

    g_assert_cmpint (g_mkdir (data_dir, 0700), ==, 0);
    g_assert_true (pt_sync_crypt_install_key (data_dir, SYNC_TEST_TENANT, key, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_stat (copy, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_assert_cmpint (g_chmod (copy, 0644), ==, 0);
    loaded = pt_sync_crypt_load_counter_key (data_dir, SYNC_TEST_TENANT, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (loaded, key));
    g_assert_cmpint (g_stat (copy, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  sync_test_rmdir (dir);
}

/* The walk through the registry, on a collection made for the test: a
 * sensitive field inside a document that is not sensitive, and inside
 * the documents of an array; every BSON type the registry knows. */
static const PtField visit_fields[] = {
  { .name = "room", .type = PT_FIELD_STRING },
  { .name = "reason", .type = PT_FIELD_STRING, .flags = PT_FIELD_FLAG_SENSITIVE },
};
static const PtField test_fields[] = {
  { .name = "_id", .type = PT_FIELD_OID },
  { .name = "count", .type = PT_FIELD_INT, .flags = PT_FIELD_FLAG_SENSITIVE },
  { .name = "flag", .type = PT_FIELD_BOOL, .flags = PT_FIELD_FLAG_SENSITIVE },
  { .name = "ref", .type = PT_FIELD_OID, .flags = PT_FIELD_FLAG_SENSITIVE },
  { .name = "gone", .type = PT_FIELD_STRING, .flags = PT_FIELD_FLAG_SENSITIVE },
  { .name = "label", .type = PT_FIELD_STRING },
  { .name = "visit", .type = PT_FIELD_DOCUMENT, .children = visit_fields,
    .n_children = G_N_ELEMENTS (visit_fields) },
  { .name = "visits", .type = PT_FIELD_ARRAY, .element_type = PT_FIELD_DOCUMENT,
    .children = visit_fields, .n_children = G_N_ELEMENTS (visit_fields) },
};
static const PtCollection test_collection = {
  .name = "visits", .kind = PT_COLLECTION_MUTABLE, .fields = test_fields,
  .n_fields = G_N_ELEMENTS (test_fields), .synced = TRUE, .tenant_scoped = TRUE,
};

static void
test_nested_sensitive_values_only_are_encrypted (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) key = NULL;
  g_autoptr(PtSyncCrypt) crypt = NULL;
  g_autoptr(GError) error = NULL;
  PtSyncFailure failure = PT_SYNC_FAILURE_TRANSIENT;
  bson_t *doc = sync_test_json (
    "{\"_id\": {\"$oid\": \"65a00000000000000000c003\"},"
    " \"count\": {\"$numberLong\": \"42\"}, \"flag\": true,"
    " \"ref\": {\"$oid\": \"65a00000000000000000c004\"}, \"gone\": null,"
    " \"label\": \"public label\", \"extra\": \"unknown field\","
    " \"visit\": {\"room\": \"Room 4\", \"reason\": \"Methadone review\"},"
    " \"visits\": [{\"room\": \"Room 1\", \"reason\": \"Flu jab\"}, {\"room\": \"Room 2\"}]}");
  bson_t *sent = NULL, *back = NULL, *again = NULL;
  gboolean clear_sensitive = TRUE;
  bson_iter_t it;

  key = pt_sync_crypt_read_key_file (f->key_file, &error);
  g_assert_no_error (error);
  g_assert_true (pt_sync_crypt_open (f->web, SYNC_TEST_TENANT, key, &crypt, &failure, &error));
  g_assert_no_error (error);
  g_assert_nonnull (crypt);
  g_assert_true (pt_sync_crypt_collection_is_sensitive (&test_collection));

  g_assert_true (pt_sync_crypt_encrypt_doc (crypt, &test_collection, doc, &sent, &error));
  g_assert_no_error (error);
  g_assert_nonnull (sent);
  g_assert_false (sync_crypt_bytes_contain (sent, "Methadone"));
  g_assert_false (sync_crypt_bytes_contain (sent, "Flu jab"));
  g_assert_true (sync_crypt_bytes_contain (sent, "Room 4"));
  g_assert_true (sync_crypt_bytes_contain (sent, "public label"));
  g_assert_true (sync_crypt_bytes_contain (sent, "unknown field"));
  g_assert_true (is_ciphertext (sent, "count"));
  g_assert_true (is_ciphertext (sent, "flag"));
  g_assert_true (is_ciphertext (sent, "ref"));
  g_assert_true (bson_iter_init_find (&it, sent, "gone") && BSON_ITER_HOLDS_NULL (&it));
  g_assert_true (bson_iter_init (&it, sent) && bson_iter_find_descendant (&it, "visits.0.reason", &it)
                 && BSON_ITER_HOLDS_BINARY (&it));

  /* Encrypting again changes nothing (values already encrypted stay). */
  g_assert_true (pt_sync_crypt_encrypt_doc (crypt, &test_collection, sent, &again, &error));
  g_assert_null (again);

  g_assert_true (pt_sync_crypt_decrypt_doc (crypt, &test_collection, sent, &back, &clear_sensitive, &error));
  g_assert_no_error (error);
  g_assert_false (clear_sensitive);
  g_assert_true (bson_equal (back, doc));

  /* A counter without the key: an error, never ciphertext as text. */
  g_clear_pointer (&back, bson_destroy);
  g_assert_false (pt_sync_crypt_decrypt_doc (NULL, &test_collection, sent, &back, NULL, &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING);
  g_assert_null (back);
  g_clear_error (&error);

  /* Clear values are reported as such (a foreign writer's). */
  g_assert_true (pt_sync_crypt_decrypt_doc (crypt, &test_collection, doc, &back, &clear_sensitive, &error));
  g_assert_null (back);
  g_assert_true (clear_sensitive);

  bson_destroy (doc);
  bson_destroy (sent);
}

/* ---- pharmatrack-admin ---------------------------------------------------- */

/* The state earlier versions left in the cloud: @user's password hash
 * encrypted (Binary subtype 6) with the tenant's data key, in place (same
 * version, same updatedAt: as that version's own push wrote it). */
static void
encrypt_hash_on_server (Fixture     *f,
                        const gchar *user)
{
  mongoc_client_t *admin = sync_test_client (f->uri);
  mongoc_collection_t *users = mongoc_client_get_collection (f->web, "pharmatrack", "users");
  g_autoptr(PtSyncCrypt) crypt = NULL;
  g_autoptr(GBytes) master = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = sync_test_server_get (f->web, "users", user);
  bson_value_t clear = { .value_type = BSON_TYPE_UTF8 }, cipher = { 0 };
  bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
  bson_oid_t oid;
  bson_error_t berr;

  master = pt_sync_crypt_read_key_file (f->key_file, &error);
  g_assert_no_error (error);
  g_assert_true (pt_sync_crypt_open (admin, SYNC_TEST_TENANT, master, &crypt, NULL, &error));
  g_assert_no_error (error);
  clear.value.v_utf8.str = (gchar *) pt_bson_get_string (doc, "passwordHash");
  g_assert_nonnull (clear.value.v_utf8.str);
  clear.value.v_utf8.len = strlen (clear.value.v_utf8.str);
  g_assert_true (pt_sync_crypt_encrypt_value (crypt, &clear, &cipher, &error));
  g_assert_no_error (error);
  bson_oid_init_from_string (&oid, user);
  BSON_APPEND_OID (&filter, "_id", &oid);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
  BSON_APPEND_VALUE (&set, "passwordHash", &cipher);
  bson_append_document_end (&update, &set);
  g_assert_true (mongoc_collection_update_one (users, &filter, &update, NULL, NULL, &berr));
  bson_value_destroy (&cipher);
  bson_destroy (&filter);
  bson_destroy (&update);
  g_clear_pointer (&crypt, pt_sync_crypt_free);
  mongoc_collection_destroy (users);
  mongoc_client_destroy (admin);
}

static gboolean
hash_is_clear_and_checks (mongoc_client_t *web,
                          const gchar     *user)
{
  g_autoptr(bson_t) doc = sync_test_server_get (web, "users", user);
  const gchar *hash = pt_bson_get_string (doc, "passwordHash");

  return hash != NULL && pt_password_verify (SYNC_TEST_PASSWORD, hash);
}

/* Hashes that earlier versions encrypted: a counter enrolling now and a
 * counter that pulled them long ago both decrypt them (sign-in works on
 * the counter) and write them back in clear, so the web dashboard can
 * check passwords. */
static void
test_encrypted_password_hashes_are_migrated_to_clear (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autofree gchar *owner = owner_id (f->a);
  g_autoptr(GError) error = NULL;

  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_true (hash_is_clear_and_checks (f->web, owner));

  /* A new counter enrols to a tenant whose hash is still encrypted. */
  encrypt_hash_on_server (f, owner);
  g_assert_false (hash_is_clear_and_checks (f->web, owner));
  sync_crypt_enrol_b (f, f->key_file);
  sync_test_sync_ok (f->dir_b, f->uri);
  {
    g_autoptr(bson_t) user = pt_store_sign_in (f->b, "owner@example.org", SYNC_TEST_PASSWORD, &error);

    g_assert_no_error (error);
    g_assert_nonnull (user);
    pt_store_act_as_system (f->b);
  }
  g_assert_true (hash_is_clear_and_checks (f->web, owner));
  g_assert_cmpint (_pt_store_outbox_length (f->b), ==, 0);

  /* Encrypted again behind the back of counter A, which already holds
   * the user: its next connection finds and rewrites it. */
  encrypt_hash_on_server (f, owner);
  g_assert_false (hash_is_clear_and_checks (f->web, owner));
  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_true (hash_is_clear_and_checks (f->web, owner));
  /* Patient data stays encrypted throughout. */
  {
    g_autoptr(bson_t) server = sync_test_server_get (f->web, "patients", patient);
    sync_crypt_assert_no_secret_in (server);
  }
  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_assert_same_data (f->a, f->b);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, sync_crypt_setup, fn, sync_crypt_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/crypt/key-files-are-private-and-checked", test_key_files);
  ADD ("/sync/crypt/encrypted-password-hashes-are-migrated-to-clear",
       test_encrypted_password_hashes_are_migrated_to_clear);
  ADD ("/sync/crypt/server-holds-no-patient-data-in-clear", test_server_holds_no_patient_data_in_clear);
  ADD ("/sync/crypt/every-sensitive-type-round-trips", test_every_sensitive_type_round_trips);
  ADD ("/sync/crypt/second-counter-edits-reach-the-first", test_second_counter_edits_reach_the_first);
  ADD ("/sync/crypt/counter-without-key-stops-and-stores-nothing",
       test_counter_without_key_stops_and_stores_nothing);
  ADD ("/sync/crypt/wrong-key-stops-and-loses-nothing", test_wrong_key_stops_and_loses_nothing);
  ADD ("/sync/crypt/foreign-clear-text-is-kept-and-encrypted-on-next-push",
       test_foreign_clear_text_is_kept_and_encrypted_on_next_push);
  ADD ("/sync/crypt/tenant-without-key-stays-clear", test_tenant_without_key_stays_clear);
  ADD ("/sync/crypt/nested-sensitive-values-only-are-encrypted",
       test_nested_sensitive_values_only_are_encrypted);
  return g_test_run ();
}
