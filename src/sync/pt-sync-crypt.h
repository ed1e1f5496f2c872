/* pt-sync-crypt.h: the registry's sensitive fields are encrypted before
 * they leave the counter (DESIGN §2), with MongoDB's explicit client-side
 * field-level encryption (mongoc_client_encryption_*, libmongocrypt).
 *
 * Keys: one data key per tenant in the key vault `encryption.__keyVault`,
 * found by its keyAltName "pharmatrack-tenant-<tenantId>" and itself
 * encrypted with the tenant's master key (KMS provider "local": 96 random
 * bytes).  The master key never reaches the server: every counter of the
 * tenant keeps a copy in its data dir (tenant-<id>.key, mode 0600), taken
 * from the key file the administrator hands out at enrolment, so each
 * counter decrypts what the others wrote.
 *
 * Values: every field the registry flags PT_FIELD_FLAG_SENSITIVE (a whole
 * embedded document or array when the field itself is sensitive) travels
 * as BSON Binary subtype 6, AEAD_AES_256_CBC_HMAC_SHA_512-Random.  No query
 * of the engine, no index and no unique key looks a sensitive value up by
 * equality, so none needs the deterministic mode (which would show equal
 * values as equal).  Nulls stay null.  The local store keeps clear text.
 *
 * A tenant is encrypted when its data key exists.  The first counter that
 * syncs with a master key creates it (setup-atlas does for the sample
 * tenant); from then on a counter without the key, or with another key,
 * stops syncing with a sentence saying what to do and keeps its data.
 */
#pragma once

#include <glib.h>
#include <mongoc/mongoc.h>
#include "pt-core.h"
#include "pt-sync-error.h"

G_BEGIN_DECLS

#define PT_SYNC_KEY_VAULT_DB   "encryption"
#define PT_SYNC_KEY_VAULT_COLL "__keyVault"
#define PT_SYNC_MASTER_KEY_LEN 96

typedef struct _PtSyncCrypt PtSyncCrypt;

/* "pharmatrack-tenant-<tenant id>". */
gchar    *pt_sync_crypt_key_alt_name      (const gchar *tenant_id);
/* Where a counter keeps the tenant's master key: DATA_DIR/tenant-<id>.key */
gchar    *pt_sync_crypt_key_path          (const gchar *data_dir,
                                           const gchar *tenant_id);

/* 96 random bytes from the system's CSPRNG. */
GBytes   *pt_sync_crypt_new_master_key    (void);
/* A key file holds the 96 bytes in base64 (one line, what `openssl rand
 * -base64 96` prints) or raw.  PT_SYNC_ERROR_KEY_FILE_UNREADABLE when it
 * cannot be read, PT_SYNC_ERROR_KEY_FILE_INVALID when it is not a key. */
GBytes   *pt_sync_crypt_read_key_file     (const gchar *path,
                                           GError     **error);
/* Writes @key in base64, readable by the owner only; replaces atomically. */
gboolean  pt_sync_crypt_write_key_file    (const gchar *path,
                                           GBytes      *key,
                                           GError     **error);
/* Makes @key this counter's master key for @tenant_id (the key file in
 * its data dir, replacing one imported before). */
gboolean  pt_sync_crypt_install_key       (const gchar *data_dir,
                                           const gchar *tenant_id,
                                           GBytes      *key,
                                           GError     **error);
/* pt_sync_crypt_install_key() of the key read from @key_file. */
gboolean  pt_sync_crypt_import_key        (const gchar *data_dir,
                                           const gchar *tenant_id,
                                           const gchar *key_file,
                                           GError     **error);
/* The counter's master key for @tenant_id, NULL (no error) when it has
 * none, NULL + error when the file is there but unusable. */
GBytes   *pt_sync_crypt_load_counter_key  (const gchar *data_dir,
                                           const gchar *tenant_id,
                                           GError     **error);

/* The key vault's unique index on keyAltNames (two counters creating the
 * same tenant's data key at once: one wins).  *created gets 1 when it was
 * new.  For setup-atlas; idempotent. */
gboolean  pt_sync_crypt_ensure_key_vault  (mongoc_client_t *client,
                                           gint            *created,
                                           GError         **error);

/* Opens the tenant's encryption on @client (which must outlive the
 * result).  *crypt gets NULL when the tenant has no data key and
 * @master_key is NULL: the tenant is not encrypted.  With @master_key and
 * no data key yet, the data key is created.  Errors (PT_SYNC_ERROR_KEY_MISSING
 * and PT_SYNC_ERROR_WRONG_KEY, *failure ATTENTION; network errors
 * TRANSIENT) say what to do. */
gboolean  pt_sync_crypt_open              (mongoc_client_t *client,
                                           const gchar     *tenant_id,
                                           GBytes          *master_key,
                                           PtSyncCrypt    **crypt,
                                           PtSyncFailure   *failure,
                                           GError         **error);
/* @value encrypted with the tenant's data key (BSON Binary subtype 6, the
 * algorithm of every sensitive field) into *@out (bson_value_destroy). */
gboolean  pt_sync_crypt_encrypt_value     (PtSyncCrypt        *crypt,
                                           const bson_value_t *value,
                                           bson_value_t       *out,
                                           GError            **error);
/* The data key's id (UUID, base64). */
gchar    *pt_sync_crypt_dup_key_id        (PtSyncCrypt *crypt);
void      pt_sync_crypt_free              (PtSyncCrypt *crypt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncCrypt, pt_sync_crypt_free)

/* TRUE when @field or one of its embedded fields is sensitive. */
gboolean  pt_sync_crypt_field_is_sensitive (const PtField *field);
/* TRUE when some field of @collection (or of its embedded documents) is
 * sensitive. */
gboolean  pt_sync_crypt_collection_is_sensitive (const PtCollection *collection);

/* TRUE when documents of @collection may hold ciphertext on the server:
 * it has sensitive fields, or a field earlier versions encrypted. */
gboolean  pt_sync_crypt_collection_may_hold_ciphertext (const PtCollection *collection);
/* The top-level field of @collection that earlier versions encrypted and
 * that now travels in clear (users.passwordHash), or NULL. */
const gchar *pt_sync_crypt_formerly_sensitive_field (const PtCollection *collection);

/* The document to send for the Atlas document @doc: sensitive values
 * encrypted.  *out gets NULL when there is nothing to encrypt (send @doc).
 * Values already encrypted (Binary subtype 6) are kept. */
gboolean  pt_sync_crypt_encrypt_doc       (PtSyncCrypt        *crypt,
                                           const PtCollection *collection,
                                           const bson_t       *doc,
                                           bson_t            **out,
                                           GError            **error);
/* The clear document of the Atlas document @doc.  *out gets NULL when
 * @doc holds nothing encrypted (use @doc).  *clear_sensitive (may be NULL)
 * is set when the server copy must be written again: a sensitive value
 * arrived in clear (a foreign writer's), or a formerly sensitive one
 * (pt_sync_crypt_formerly_sensitive_field()) arrived encrypted — it is
 * decrypted in *out.
 * @crypt may be NULL (this counter has no key): an encrypted value is then
 * an error, never taken as clear text. */
gboolean  pt_sync_crypt_decrypt_doc       (PtSyncCrypt        *crypt,
                                           const PtCollection *collection,
                                           const bson_t       *doc,
                                           bson_t            **out,
                                           gboolean           *clear_sensitive,
                                           GError            **error);

G_END_DECLS
