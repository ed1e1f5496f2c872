/* pt-sync-crypt.c: client-side field-level encryption of sensitive fields
 * (the key files are in pt-sync-crypt-keys.c). */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"


struct _PtSyncCrypt
{
  mongoc_client_encryption_t              *ce;
  mongoc_client_encryption_encrypt_opts_t *encrypt_opts;
  bson_value_t                             key_id;   /* UUID of the data key */
};

/* ---- Errors ------------------------------------------------------------- */

static void
set_no_key_error (GError **error)
{
  g_set_error_literal (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING,
                       _("This counter does not have the pharmacy’s encryption key — import it "
                         "from the enrolment file. Patient records stay on this computer until then."));
}

static void
set_wrong_key_error (GError **error)
{
  g_set_error_literal (error, PT_SYNC_ERROR, PT_SYNC_ERROR_WRONG_KEY,
                       _("This counter’s encryption key is not the pharmacy’s key — import the "
                         "right one from the enrolment file. Nothing was sent or changed."));
}

static gboolean
is_crypt_error (const bson_error_t *berr)
{
  return berr->domain == MONGOC_ERROR_CLIENT_SIDE_ENCRYPTION;
}

/* A libmongocrypt failure on a value (the data key itself was usable). */
static void
set_value_error (GError             **error,
                 const bson_error_t  *berr,
                 const gchar         *what)
{
  g_debug ("%s: domain %u code %u: %s", what, berr->domain, berr->code, berr->message);
  if (!is_crypt_error (berr))
    {
      pt_sync_error_set (error, berr, what);
      return;
    }
  if (strstr (berr->message, "not all keys requested were satisfied") != NULL)
    g_set_error_literal (error, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORD_KEY_MISSING,
                         _("A patient record in the cloud is encrypted with a key this pharmacy "
                           "does not have; ask your administrator to check the cloud’s key vault."));
  else
    g_set_error_literal (error, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORD_DAMAGED,
                         _("A patient record in the cloud cannot be decrypted (it is damaged); "
                           "ask your administrator to restore it. Nothing was changed here."));
}

/* ---- Key vault ---------------------------------------------------------- */

gboolean
pt_sync_crypt_ensure_key_vault (mongoc_client_t *client,
                                gint            *created,
                                GError         **error)
{
  bson_t cmd = BSON_INITIALIZER, indexes, idx, key, pfe, ex;
  bson_t reply;
  bson_error_t berr;
  bson_iter_t it;
  gint64 before = 0, after = 0;
  gboolean ok;

  BSON_APPEND_UTF8 (&cmd, "createIndexes", PT_SYNC_KEY_VAULT_COLL);
  BSON_APPEND_ARRAY_BEGIN (&cmd, "indexes", &indexes);
  BSON_APPEND_DOCUMENT_BEGIN (&indexes, "0", &idx);
  BSON_APPEND_DOCUMENT_BEGIN (&idx, "key", &key);
  BSON_APPEND_INT32 (&key, "keyAltNames", 1);
  bson_append_document_end (&idx, &key);
  BSON_APPEND_UTF8 (&idx, "name", "keyAltNames_1");
  BSON_APPEND_BOOL (&idx, "unique", true);
  /* The index MongoDB's documentation prescribes for a key vault. */
  BSON_APPEND_DOCUMENT_BEGIN (&idx, "partialFilterExpression", &pfe);
  BSON_APPEND_DOCUMENT_BEGIN (&pfe, "keyAltNames", &ex);
  BSON_APPEND_BOOL (&ex, "$exists", true);
  bson_append_document_end (&pfe, &ex);
  bson_append_document_end (&idx, &pfe);
  bson_append_document_end (&indexes, &idx);
  bson_append_array_end (&cmd, &indexes);

  ok = mongoc_client_write_command_with_opts (client, PT_SYNC_KEY_VAULT_DB, &cmd, NULL, &reply, &berr);
  if (ok)
    {
      if (bson_iter_init_find (&it, &reply, "numIndexesBefore"))
        before = bson_iter_as_int64 (&it);
      if (bson_iter_init_find (&it, &reply, "numIndexesAfter"))
        after = bson_iter_as_int64 (&it);
      if (created != NULL)
        *created = after > before ? 1 : 0;
    }
  else
    pt_sync_error_set (error, &berr, "create the key vault index");
  bson_destroy (&cmd);
  bson_destroy (&reply);
  return ok;
}

/* The _id (UUID) of the tenant's data key: 1 found, 0 none, -1 error. */
static gint
find_data_key (mongoc_client_t *client,
               const gchar     *alt_name,
               bson_value_t    *key_id,
               bson_error_t    *berr)
{
  mongoc_collection_t *vault = mongoc_client_get_collection (client, PT_SYNC_KEY_VAULT_DB,
                                                             PT_SYNC_KEY_VAULT_COLL);
  mongoc_read_concern_t *rc = mongoc_read_concern_new ();
  bson_t filter = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bson_iter_t it;
  gint found = 0;

  /* A key another counter has just created must be seen everywhere. */
  mongoc_read_concern_set_level (rc, MONGOC_READ_CONCERN_LEVEL_MAJORITY);
  mongoc_read_concern_append (rc, &opts);
  BSON_APPEND_UTF8 (&filter, "keyAltNames", alt_name);
  BSON_APPEND_INT32 (&opts, "limit", 1);
  cursor = mongoc_collection_find_with_opts (vault, &filter, &opts, NULL);
  if (mongoc_cursor_next (cursor, &doc) && bson_iter_init_find (&it, doc, "_id"))
    {
      bson_value_copy (bson_iter_value (&it), key_id);
      found = 1;
    }
  else if (mongoc_cursor_error (cursor, berr))
    found = -1;
  mongoc_cursor_destroy (cursor);
  mongoc_read_concern_destroy (rc);
  mongoc_collection_destroy (vault);
  bson_destroy (&filter);
  bson_destroy (&opts);
  return found;
}

gboolean
pt_sync_crypt_encrypt_value (PtSyncCrypt        *crypt,
                             const bson_value_t *value,
                             bson_value_t       *out,
                             GError            **error)
{
  bson_error_t berr;

  g_return_val_if_fail (crypt != NULL && value != NULL && out != NULL, FALSE);
  if (!mongoc_client_encryption_encrypt (crypt->ce, value, crypt->encrypt_opts, out, &berr))
    {
      set_value_error (error, &berr, "encrypt a value");
      return FALSE;
    }
  return TRUE;
}

gchar *
pt_sync_crypt_dup_key_id (PtSyncCrypt *crypt)
{
  g_return_val_if_fail (crypt != NULL, NULL);
  return g_base64_encode (crypt->key_id.value.v_binary.data, crypt->key_id.value.v_binary.data_len);
}

void
pt_sync_crypt_free (PtSyncCrypt *crypt)
{
  if (crypt == NULL)
    return;
  g_clear_pointer (&crypt->encrypt_opts, mongoc_client_encryption_encrypt_opts_destroy);
  g_clear_pointer (&crypt->ce, mongoc_client_encryption_destroy);
  if (crypt->key_id.value_type != BSON_TYPE_EOD)
    bson_value_destroy (&crypt->key_id);
  g_free (crypt);
}

/* Encrypts and decrypts a probe: proves the master key opens the data key
 * before anything is sent or stored. */
static gboolean
probe (PtSyncCrypt   *crypt,
       PtSyncFailure *failure,
       GError       **error)
{
  bson_value_t clear = { .value_type = BSON_TYPE_UTF8 };
  bson_value_t cipher = { 0 }, back = { 0 };
  bson_error_t berr;
  gboolean ok;

  clear.value.v_utf8.str = (gchar *) "pharmatrack";
  clear.value.v_utf8.len = strlen ("pharmatrack");
  if (!mongoc_client_encryption_encrypt (crypt->ce, &clear, crypt->encrypt_opts, &cipher, &berr))
    {
      g_debug ("encryption probe: domain %u code %u: %s", berr.domain, berr.code, berr.message);
      if (!is_crypt_error (&berr))
        return pt_sync_error_fail (&berr, "read the key vault", failure, error);
      if (strstr (berr.message, "HMAC validation failure") != NULL)
        set_wrong_key_error (error);
      else
        set_value_error (error, &berr, "encryption probe");
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_ATTENTION);
    }
  ok = mongoc_client_encryption_decrypt (crypt->ce, &cipher, &back, &berr)
       && back.value_type == BSON_TYPE_UTF8
       && g_strcmp0 (back.value.v_utf8.str, "pharmatrack") == 0;
  bson_value_destroy (&cipher);
  if (back.value_type != BSON_TYPE_EOD)
    bson_value_destroy (&back);
  if (!ok)
    {
      set_value_error (error, &berr, "decryption probe");
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_ATTENTION);
    }
  return TRUE;
}

gboolean
pt_sync_crypt_open (mongoc_client_t *client,
                    const gchar     *tenant_id,
                    GBytes          *master_key,
                    PtSyncCrypt    **crypt_out,
                    PtSyncFailure   *failure,
                    GError         **error)
{
  g_autofree gchar *alt_name = NULL;
  g_autoptr(PtSyncCrypt) crypt = NULL;
  mongoc_client_encryption_opts_t *opts;
  bson_t kms = BSON_INITIALIZER, local;
  bson_error_t berr;
  gint found;
  gsize key_len = 0;
  const guint8 *key_data;

  g_return_val_if_fail (client != NULL && tenant_id != NULL && crypt_out != NULL, FALSE);
  *crypt_out = NULL;

  crypt = g_new0 (PtSyncCrypt, 1);
  crypt->key_id.value_type = BSON_TYPE_EOD;
  alt_name = pt_sync_crypt_key_alt_name (tenant_id);
  found = find_data_key (client, alt_name, &crypt->key_id, &berr);
  if (found < 0)
    return pt_sync_error_fail (&berr, "read the key vault", failure, error);
  if (found == 0 && master_key == NULL)
    {
      g_debug ("tenant %s has no data key: its sensitive fields are not encrypted", tenant_id);
      return TRUE;
    }
  if (master_key == NULL)
    {
      set_no_key_error (error);
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_ATTENTION);
    }

  key_data = g_bytes_get_data (master_key, &key_len);
  g_return_val_if_fail (key_len == PT_SYNC_MASTER_KEY_LEN, FALSE);
  BSON_APPEND_DOCUMENT_BEGIN (&kms, "local", &local);
  BSON_APPEND_BINARY (&local, "key", BSON_SUBTYPE_BINARY, key_data, (uint32_t) key_len);
  bson_append_document_end (&kms, &local);
  opts = mongoc_client_encryption_opts_new ();
  mongoc_client_encryption_opts_set_keyvault_client (opts, client);
  mongoc_client_encryption_opts_set_keyvault_namespace (opts, PT_SYNC_KEY_VAULT_DB,
                                                        PT_SYNC_KEY_VAULT_COLL);
  mongoc_client_encryption_opts_set_kms_providers (opts, &kms);
  crypt->ce = mongoc_client_encryption_new (opts, &berr);
  mongoc_client_encryption_opts_destroy (opts);
  bson_destroy (&kms);
  if (crypt->ce == NULL)
    {
      /* A driver built without libmongocrypt: never send patient data. */
      g_warning ("client-side encryption unavailable: %s", berr.message);
      g_set_error_literal (error, PT_ERROR, PT_ERROR_FAILED,
                           _("This copy of PharmaTrack cannot encrypt patient records; "
                             "install the official package."));
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_ATTENTION);
    }

  if (found == 0)
    {
      /* The first counter with the key: the tenant's data key. */
      mongoc_client_encryption_datakey_opts_t *dko = mongoc_client_encryption_datakey_opts_new ();
      char *names[] = { alt_name };
      gboolean made;

      mongoc_client_encryption_datakey_opts_set_keyaltnames (dko, names, 1);
      made = mongoc_client_encryption_create_datakey (crypt->ce, "local", dko, &crypt->key_id, &berr);
      mongoc_client_encryption_datakey_opts_destroy (dko);
      if (made)
        g_debug ("created the data key of tenant %s", tenant_id);
      else if (pt_sync_error_classify (&berr) == PT_SYNC_FAILURE_DUPLICATE)
        {
          /* Another counter was quicker: use its key. */
          crypt->key_id.value_type = BSON_TYPE_EOD;
          found = find_data_key (client, alt_name, &crypt->key_id, &berr);
          if (found <= 0)
            return pt_sync_error_fail (&berr, "read the key vault", failure, error);
        }
      else
        {
          crypt->key_id.value_type = BSON_TYPE_EOD;
          return pt_sync_error_fail (&berr, "create the data key", failure, error);
        }
    }

  crypt->encrypt_opts = mongoc_client_encryption_encrypt_opts_new ();
  mongoc_client_encryption_encrypt_opts_set_keyid (crypt->encrypt_opts, &crypt->key_id);
  mongoc_client_encryption_encrypt_opts_set_algorithm (crypt->encrypt_opts,
                                                       MONGOC_AEAD_AES_256_CBC_HMAC_SHA_512_RANDOM);
  if (!probe (crypt, failure, error))
    return FALSE;
  *crypt_out = g_steal_pointer (&crypt);
  return TRUE;
}

/* ---- Documents ---------------------------------------------------------- */

gboolean
pt_sync_crypt_field_is_sensitive (const PtField *field)
{
  if (field->flags & PT_FIELD_FLAG_SENSITIVE)
    return TRUE;
  for (guint i = 0; field->children != NULL && i < field->n_children; i++)
    if (pt_sync_crypt_field_is_sensitive (&field->children[i]))
      return TRUE;
  return FALSE;
}

gboolean
pt_sync_crypt_collection_is_sensitive (const PtCollection *collection)
{
  if (collection == NULL)
    return FALSE;
  for (guint i = 0; i < collection->n_fields; i++)
    if (pt_sync_crypt_field_is_sensitive (&collection->fields[i]))
      return TRUE;
  return FALSE;
}

/* Fields that earlier versions encrypted and that are no longer sensitive
 * (README, "Encrypted fields"): a ciphertext still found there is
 * decrypted on arrival and the document is written back in clear.
 * users.passwordHash: a slow salted one-way hash, which the web dashboard
 * must read to check a password at sign-in. */
static const struct
{
  const gchar *collection;
  const gchar *field;
} formerly_sensitive[] = {
  { "users", "passwordHash" },
};

const gchar *
pt_sync_crypt_formerly_sensitive_field (const PtCollection *collection)
{
  for (guint i = 0; collection != NULL && i < G_N_ELEMENTS (formerly_sensitive); i++)
    if (strcmp (formerly_sensitive[i].collection, collection->name) == 0)
      return formerly_sensitive[i].field;
  return NULL;
}

static gboolean
is_formerly_sensitive (const PtCollection *collection,
                       const gchar        *field)
{
  for (guint i = 0; collection != NULL && i < G_N_ELEMENTS (formerly_sensitive); i++)
    if (strcmp (formerly_sensitive[i].collection, collection->name) == 0
        && strcmp (formerly_sensitive[i].field, field) == 0)
      return TRUE;
  return FALSE;
}

gboolean
pt_sync_crypt_collection_may_hold_ciphertext (const PtCollection *collection)
{
  return pt_sync_crypt_collection_is_sensitive (collection)
         || pt_sync_crypt_formerly_sensitive_field (collection) != NULL;
}

static gboolean
holds_ciphertext (const bson_iter_t *iter)
{
  bson_subtype_t subtype;

  if (!BSON_ITER_HOLDS_BINARY (iter))
    return FALSE;
  bson_iter_binary (iter, &subtype, NULL, NULL);
  return subtype == BSON_SUBTYPE_ENCRYPTED;
}

typedef struct
{
  PtSyncCrypt        *crypt;
  const PtCollection *collection;
  gboolean            encrypt;
  gboolean            changed;          /* something was (de)crypted */
  gboolean            clear_sensitive;  /* the server copy must be written
                                           again: a sensitive value came in
                                           clear, or a formerly sensitive
                                           one encrypted */
} Walk;

static gboolean walk_doc (Walk          *w,
                          const PtField *fields,
                          guint          n_fields,
                          const bson_t  *in,
                          bson_t        *out,
                          GError       **error);

static const PtField *
find_field (const PtField *fields,
            guint          n_fields,
            const gchar   *name)
{
  for (guint i = 0; i < n_fields; i++)
    if (strcmp (fields[i].name, name) == 0)
      return &fields[i];
  return NULL;
}

/* One sensitive value: encrypted whole, or decrypted. */
static gboolean
walk_sensitive (Walk        *w,
                bson_iter_t *iter,
                bson_t      *out,
                GError     **error)
{
  const gchar *key = bson_iter_key (iter);
  gint key_len = (gint) bson_iter_key_len (iter);
  const bson_value_t *value = bson_iter_value (iter);
  bson_value_t result = { 0 };
  bson_error_t berr;

  /* Null / undefined carry nothing (and cannot be encrypted). */
  if (BSON_ITER_HOLDS_NULL (iter) || BSON_ITER_HOLDS_UNDEFINED (iter))
    return bson_append_iter (out, key, key_len, iter);

  if (w->encrypt)
    {
      if (holds_ciphertext (iter))
        return bson_append_iter (out, key, key_len, iter);
      if (!mongoc_client_encryption_encrypt (w->crypt->ce, value, w->crypt->encrypt_opts,
                                             &result, &berr))
        {
          set_value_error (error, &berr, "encrypt a patient field");
          return FALSE;
        }
    }
  else
    {
      if (!holds_ciphertext (iter))
        {
          w->clear_sensitive = TRUE;
          return bson_append_iter (out, key, key_len, iter);
        }
      if (w->crypt == NULL)
        {
          set_no_key_error (error);
          return FALSE;
        }
      if (!mongoc_client_encryption_decrypt (w->crypt->ce, value, &result, &berr))
        {
          set_value_error (error, &berr, "decrypt a patient field");
          return FALSE;
        }
    }
  w->changed = TRUE;
  bson_append_value (out, key, key_len, &result);
  bson_value_destroy (&result);
  return TRUE;
}

/* A ciphertext in a field that is no longer sensitive: decrypted, and the
 * server copy is to be written again in clear. */
static gboolean
walk_formerly_sensitive (Walk        *w,
                         bson_iter_t *iter,
                         bson_t      *out,
                         GError     **error)
{
  bson_value_t result = { 0 };
  bson_error_t berr;

  if (w->crypt == NULL)
    {
      set_no_key_error (error);
      return FALSE;
    }
  if (!mongoc_client_encryption_decrypt (w->crypt->ce, bson_iter_value (iter), &result, &berr))
    {
      set_value_error (error, &berr, "decrypt a formerly encrypted field");
      return FALSE;
    }
  w->changed = TRUE;
  w->clear_sensitive = TRUE;
  bson_append_value (out, bson_iter_key (iter), (gint) bson_iter_key_len (iter), &result);
  bson_value_destroy (&result);
  return TRUE;
}

/* A field that is not sensitive itself but has sensitive children. */
static gboolean
walk_container (Walk          *w,
                const PtField *field,
                bson_iter_t   *iter,
                bson_t        *out,
                GError       **error)
{
  const gchar *key = bson_iter_key (iter);
  gint key_len = (gint) bson_iter_key_len (iter);
  const uint8_t *data;
  uint32_t len;
  bson_t in, child;
  gboolean ok = TRUE;

  if (field->type == PT_FIELD_DOCUMENT && BSON_ITER_HOLDS_DOCUMENT (iter))
    {
      bson_iter_document (iter, &len, &data);
      if (!bson_init_static (&in, data, len))
        return bson_append_iter (out, key, key_len, iter);
      bson_append_document_begin (out, key, key_len, &child);
      ok = walk_doc (w, field->children, field->n_children, &in, &child, error);
      bson_append_document_end (out, &child);
      return ok;
    }
  if (field->type == PT_FIELD_ARRAY && field->element_type == PT_FIELD_DOCUMENT
      && BSON_ITER_HOLDS_ARRAY (iter))
    {
      bson_iter_t elems;

      bson_append_array_begin (out, key, key_len, &child);
      if (bson_iter_recurse (iter, &elems))
        while (ok && bson_iter_next (&elems))
          {
            bson_t elem;

            if (!BSON_ITER_HOLDS_DOCUMENT (&elems))
              {
                bson_append_iter (&child, NULL, 0, &elems);
                continue;
              }
            bson_iter_document (&elems, &len, &data);
            if (!bson_init_static (&in, data, len))
              continue;
            bson_append_document_begin (&child, bson_iter_key (&elems), -1, &elem);
            ok = walk_doc (w, field->children, field->n_children, &in, &elem, error);
            bson_append_document_end (&child, &elem);
          }
      bson_append_array_end (out, &child);
      return ok;
    }
  return bson_append_iter (out, key, key_len, iter);
}

static gboolean
walk_doc (Walk          *w,
          const PtField *fields,
          guint          n_fields,
          const bson_t  *in,
          bson_t        *out,
          GError       **error)
{
  bson_iter_t iter;

  if (!bson_iter_init (&iter, in))
    return TRUE;
  while (bson_iter_next (&iter))
    {
      const PtField *field = find_field (fields, n_fields, bson_iter_key (&iter));
      gboolean ok;

      /* Unknown fields travel as they are (an encrypted one is opaque). */
      if (field != NULL && !w->encrypt && fields == w->collection->fields
          && holds_ciphertext (&iter) && is_formerly_sensitive (w->collection, field->name))
        ok = walk_formerly_sensitive (w, &iter, out, error);
      else if (field == NULL || !pt_sync_crypt_field_is_sensitive (field))
        ok = bson_append_iter (out, NULL, 0, &iter);
      else if (field->flags & PT_FIELD_FLAG_SENSITIVE)
        ok = walk_sensitive (w, &iter, out, error);
      else
        ok = walk_container (w, field, &iter, out, error);
      if (!ok)
        {
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, PT_ERROR, PT_ERROR_FAILED,
                                 _("A patient record is too large to be encrypted."));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
walk (Walk               *w,
      const PtCollection *collection,
      const bson_t       *doc,
      bson_t            **out,
      GError            **error)
{
  bson_t *result;

  *out = NULL;
  w->collection = collection;
  if (!pt_sync_crypt_collection_is_sensitive (collection)
      && (w->encrypt || pt_sync_crypt_formerly_sensitive_field (collection) == NULL))
    return TRUE;
  result = bson_new ();
  if (!walk_doc (w, collection->fields, collection->n_fields, doc, result, error))
    {
      bson_destroy (result);
      return FALSE;
    }
  if (w->changed)
    *out = result;
  else
    bson_destroy (result);
  return TRUE;
}

gboolean
pt_sync_crypt_encrypt_doc (PtSyncCrypt        *crypt,
                           const PtCollection *collection,
                           const bson_t       *doc,
                           bson_t            **out,
                           GError            **error)
{
  Walk w = { .crypt = crypt, .encrypt = TRUE };

  g_return_val_if_fail (crypt != NULL && doc != NULL && out != NULL, FALSE);
  return walk (&w, collection, doc, out, error);
}

gboolean
pt_sync_crypt_decrypt_doc (PtSyncCrypt        *crypt,
                           const PtCollection *collection,
                           const bson_t       *doc,
                           bson_t            **out,
                           gboolean           *clear_sensitive,
                           GError            **error)
{
  Walk w = { .crypt = crypt, .encrypt = FALSE };
  gboolean ok;

  g_return_val_if_fail (doc != NULL && out != NULL, FALSE);
  ok = walk (&w, collection, doc, out, error);
  if (clear_sensitive != NULL)
    *clear_sensitive = ok && w.clear_sensitive;
  return ok;
}
