/* sync-crypt-fixture.h: what the encryption tests share: two counters of
 * one tenant, the pharmacy's key file, a plain client reading the server
 * as a thief would, and a patient with a value in every sensitive field. */
#pragma once

#include "sync-test-util.h"

G_BEGIN_DECLS

/* Values that must never be found on the server in clear. */
#define FIRST_NAME  "Wilhelmina"
#define LAST_NAME   "Quackenbush"
#define PHONE       "+44 20 7946 0958"
#define EMAIL       "wilhelmina.q@example.org"
#define STREET      "17 Laburnum Crescent"
#define POSTCODE    "OX4 2JY"
#define ALLERGY     "Penicillin"
#define REACTION    "Anaphylaxis within minutes"
#define CONDITION   "Type 2 diabetes"
#define NOTES       "Prefers large-print labels"
#define MEMBER_ID   "NHS-998-877-6655"
#define BIRTH_MS    G_GINT64_CONSTANT (-318297600000)  /* 1959-12-01 */

typedef struct
{
  MongosimFixture *sim;
  const gchar     *uri;
  gchar           *tmp;          /* the administrator's files */
  gchar           *key_file;     /* the pharmacy's master key */
  gchar           *dir_a, *dir_b;
  PtStore         *a, *b;
  mongoc_client_t *web;          /* a plain client: what a thief would read */
} SyncCryptFixture;

/* mongosim, the key file, counter A (the tenant, with the key) and the
 * thief's client; counter B is made by sync_crypt_enrol_b(). */
void     sync_crypt_setup          (SyncCryptFixture *f, gconstpointer data);
void     sync_crypt_teardown       (SyncCryptFixture *f, gconstpointer data);
/* Counter B enrolled to the tenant, importing @key_file (NULL: no key). */
void     sync_crypt_enrol_b        (SyncCryptFixture *f, const gchar *key_file);
/* A new master key in @path. */
void     sync_crypt_write_key_file (const gchar *path);
void     sync_crypt_import_key     (const gchar *dir, const gchar *key_file);
/* A patient with a value in every sensitive field of the registry. */
gchar   *sync_crypt_put_patient    (PtStore *store);
gboolean sync_crypt_mem_contains   (const guint8 *hay, gsize hay_len, const void *needle,
                                   gsize needle_len);
gboolean sync_crypt_bytes_contain  (const bson_t *doc, const gchar *needle);
/* Fails when one of the patient's values is anywhere in @server in clear. */
void     sync_crypt_assert_no_secret_in (const bson_t *server);

G_END_DECLS
