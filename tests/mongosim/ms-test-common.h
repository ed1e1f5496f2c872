/* ms-test-common.h — shared plumbing of the mongosim contract tests
 *
 * Each test gets a server: a fresh mongosim (through mongosim-fixture), or
 * the real one named by MONGOSIM_CONTRACT_URI, where tests needing
 * simulator-only switches skip with a message.  Database names are unique
 * per test so a real server can be shared.
 */
#pragma once

#include <mongoc/mongoc.h>
#include <unistd.h>

#include "mongosim-fixture.h"

typedef struct
{
  MongosimFixture *sim;       /* NULL against a real server */
  char *uri;                  /* with serverSelectionTimeoutMS */
  char *dbname;
  mongoc_client_t *client;
} MsTest;

gboolean ms_test_external (void);
/* Starts a simulator with args (or uses the external server). */
void ms_test_setup (MsTest *t, const char *const *args);
void ms_test_teardown (MsTest *t);
/* TRUE (and the test is skipped) when running against a real server. */
gboolean ms_test_skip_if_external (const char *why);
mongoc_client_t *ms_test_new_client (MsTest *t);
mongoc_collection_t *ms_test_coll (MsTest *t, const char *name);
/* Runs cmd on db; returns the reply (caller frees), asserts nothing. */
gboolean ms_test_command (mongoc_client_t *client, const char *db, const bson_t *cmd, bson_t *reply,
                          bson_error_t *error);
gint32 ms_test_reply_int (const bson_t *reply, const char *path);
const char *ms_test_reply_str (const bson_t *reply, const char *path);
gboolean ms_test_has (const bson_t *doc, const char *path);
char *ms_test_json (const bson_t *doc);
void ms_test_init (int *argc, char ***argv);
/* JSON with ' for " (relaxed extended JSON), printf-style; aborts on
 * bad JSON. */
bson_t *ms_j (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
/* Runs cmd (JSON) on the test database and returns the reply. */
bson_t *ms_test_run (MsTest *t, gboolean expect_ok, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* Every document of a cursor, as one BSON array-like list. */
GPtrArray *ms_test_drain (mongoc_cursor_t *cursor);
void ms_assert_json (const bson_t *doc, const char *expected_json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (bson_t, bson_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mongoc_collection_t, mongoc_collection_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mongoc_cursor_t, mongoc_cursor_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mongoc_client_t, mongoc_client_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mongoc_change_stream_t, mongoc_change_stream_destroy)

#define ms_assert_ok(ok, error) \
  G_STMT_START { if (!(ok)) g_error ("%s:%d: unexpected failure: %s", __FILE__, __LINE__, (error)->message); } G_STMT_END
