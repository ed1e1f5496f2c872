/* sync-cli-util.h: pharmatrack-admin as a child process for the sync CLI
 * tests (test-sync-cli*.c): its stderr read line by line with a timeout,
 * stopped or killed by PID, and `status --json` parsed. */
#pragma once

#include <json-glib/json-glib.h>
#include "sync-test-util.h"

G_BEGIN_DECLS

/* $PHARMATRACK_ADMIN (asserted set). */
const gchar  *sync_cli_admin_path              (void);

JsonObject   *sync_cli_parse_status            (const gchar *json);
/* The "sync" object of `status --json` on @dir (asserts exit 0). */
JsonObject   *sync_cli_status_sync             (const gchar *dir);

/* Inserts @n medicines of the test tenant straight into the server (as
 * the web dashboard's bulk import would: no _sync), 5,000 per bulk. */
void          sync_cli_server_insert_medicines (mongoc_client_t *c,
                                                guint            n);

/* PRAGMA integrity_check on @store says ok. */
void          sync_cli_assert_integrity_ok     (PtStore *store);

typedef struct
{
  GSubprocess      *proc;
  GDataInputStream *err;
  GCancellable     *cancel;
  GMainLoop        *loop;
  gchar            *line;       /* the last line read, NULL at the end */
  gboolean          done;       /* the read finished */
  gboolean          eof;
} SyncCliChild;

/* Starts pharmatrack-admin @args (NULL-terminated, without the program),
 * MONGODB_URI unset, stderr piped for sync_cli_child_next_line(). */
SyncCliChild *sync_cli_child_spawn             (const gchar * const *args);
/* The child's next stderr line, waiting at most @timeout_ms; NULL at the
 * end of its output (or after the timeout: then *timed_out). */
const gchar  *sync_cli_child_next_line         (SyncCliChild *c,
                                                guint         timeout_ms,
                                                gboolean     *timed_out);
/* Waits (≤ @timeout_ms in all) for a stderr line containing @needle. */
gboolean      sync_cli_child_wait_for          (SyncCliChild *c,
                                                const gchar  *needle,
                                                guint         timeout_ms);
/* SIGKILL by PID, as a crash or a pulled plug would; reaps it. */
void          sync_cli_child_kill_9            (SyncCliChild *c);
/* Sends @sig and waits: the child must end by itself, exit 0. */
void          sync_cli_child_stop_cleanly      (SyncCliChild *c,
                                                gint          sig);
/* Kills the child if it still runs. */
void          sync_cli_child_free              (SyncCliChild *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncCliChild, sync_cli_child_free)

G_END_DECLS
