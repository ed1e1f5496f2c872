/* sync-test-util.h: counters (data dirs) and a server for the sync tests. */
#pragma once

#include <mongoc/mongoc.h>
#include "pt-core.h"
#include "pt-store.h"
#include "pt-store-sync.h"
#include "pt-sync-engine.h"
#include "mongosim-fixture.h"

G_BEGIN_DECLS

#define SYNC_TEST_TENANT "65a00000000000000000a001"
#define SYNC_TEST_OTHER_TENANT "65a00000000000000000b002"
#define SYNC_TEST_PASSWORD "correct-horse-battery"

/* Temporary data dirs: the store tests' helpers (tests/store/pt-test-store.h). */
gchar    *pt_test_mkdtemp            (void);
void      pt_test_rmdir              (const gchar *dir);
#define sync_test_mkdtemp pt_test_mkdtemp
#define sync_test_rmdir   pt_test_rmdir

MongosimFixture *sync_test_server    (const gchar * const *args);

/* A new tenant store (tenant, branch, owner) in @dir. */
PtStore  *sync_test_create_tenant    (const gchar *dir);
/* An empty store waiting for its first sync (as `connect` makes it). */
PtStore  *sync_test_create_enrolment (const gchar *dir);

gboolean  sync_test_sync_once        (const gchar *dir,
                                      const gchar *uri,
                                      GError     **error);
/* Asserts success. */
void      sync_test_sync_ok          (const gchar *dir,
                                      const gchar *uri);

bson_t   *sync_test_json             (const gchar *json);
gchar    *sync_test_put_patient      (PtStore *store, const gchar *first, const gchar *last);
gchar    *sync_test_put_medicine     (PtStore *store, const gchar *name, gint64 price);
void      sync_test_update           (PtStore *store, const gchar *coll, const gchar *id,
                                      const gchar *fields_json);
gchar    *sync_test_receive          (PtStore *store, const gchar *medicine_id,
                                      PtQuantity quantity);
/* String / int field of a local document. */
gchar    *sync_test_get_string       (PtStore *store, const gchar *coll, const gchar *id,
                                      const gchar *field);
gint64    sync_test_get_int          (PtStore *store, const gchar *coll, const gchar *id,
                                      const gchar *field);

mongoc_client_t *sync_test_client    (const gchar *uri);
gint64    sync_test_server_count     (mongoc_client_t *client, const gchar *coll,
                                      const gchar *filter_json);
bson_t   *sync_test_server_get       (mongoc_client_t *client, const gchar *coll,
                                      const gchar *id);
void      sync_test_server_command   (mongoc_client_t *client, const gchar *db,
                                      const gchar *cmd_json);
/* A foreign writer's update: $set @set_json and updatedAt = @updated_at. */
void      sync_test_foreign_update   (mongoc_client_t *client, const gchar *coll,
                                      const gchar *id, const gchar *set_json,
                                      gint64 updated_at);

/* Iterates the thread-default main context until @cond returns TRUE or
 * @timeout_ms pass; returns the last value of @cond. */
/* Makes the ciphertext of @field of patient @id on the server unreadable
 * (updatedAt bumped, as a foreign writer would): @other_key points it at a
 * data key the pharmacy does not have, otherwise its body is damaged. */
void      sync_test_spoil_ciphertext (mongoc_client_t *client, const gchar *id,
                                      const gchar *field, gboolean other_key,
                                      gint64 updated_at);
/* pharmatrack-admin ($PHARMATRACK_ADMIN) with the arguments that follow
 * (NULL-terminated); MONGODB_URI set to @uri_env, unset when NULL. */
typedef struct
{
  gint   status;
  gchar *out;
  gchar *err;
} SyncTestRun;

SyncTestRun sync_test_admin          (const gchar *uri_env, ...) G_GNUC_NULL_TERMINATED;
void      sync_test_run_clear        (SyncTestRun *r);

gboolean  sync_test_wait             (gboolean (*cond) (gpointer data),
                                      gpointer data,
                                      guint    timeout_ms);

/* The same data on both stores (every synced collection, by document). */
void      sync_test_assert_same_data (PtStore *a, PtStore *b);

G_END_DECLS
