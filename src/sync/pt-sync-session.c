/* pt-sync-session.c: one sync session — connection, resume bookkeeping,
 * status and verification.  Initial sync / catch-up is in
 * pt-sync-catchup.c, the live pull (change stream, polling) in
 * pt-sync-pull.c, push in pt-sync-push.c. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-bson.h"
#include "pt-sync-private.h"

void
_pt_sync_session_report (PtSyncSession *s)
{
  if (s->report != NULL)
    s->report (s, s->report_data);
}

gboolean
_pt_sync_fail (const bson_error_t *berr,
               const gchar        *what,
               PtSyncFailure      *failure,
               GError            **error)
{
  PtSyncFailure f = pt_sync_error_set (error, berr, what);

  if (failure != NULL)
    *failure = f;
  return FALSE;
}

gboolean
_pt_sync_fail_local (PtSyncFailure *failure)
{
  /* A local (SQLite) failure: retried like a transient one. */
  if (failure != NULL)
    *failure = PT_SYNC_FAILURE_TRANSIENT;
  return FALSE;
}

PtSyncSession *
_pt_sync_session_new (const gchar *data_dir,
                      const gchar *uri,
                      const gchar *database,
                      GError     **error)
{
  g_autoptr(PtSyncSession) s = g_new0 (PtSyncSession, 1);

  s->store = pt_store_open (data_dir, error);
  if (s->store == NULL)
    return NULL;
  pt_store_act_as_system (s->store);
  if (!pt_store_sync_ensure_schema (s->store, error))
    return NULL;
  s->uri_string = g_strdup (uri);
  s->db_name = g_strdup (database != NULL ? database : PT_SYNC_DEFAULT_DATABASE);
  s->tenant_id = g_strdup (pt_store_get_tenant_id (s->store));
  if (!pt_oid_parse (s->tenant_id, "tenantId", &s->tenant_oid, error))
    return NULL;
  s->poll_interval_ms = 2000;
  s->await_ms = 100;
  s->state = PT_SYNC_STATE_OFFLINE;
  return g_steal_pointer (&s);
}

void
_pt_sync_session_disconnect (PtSyncSession *s)
{
  g_clear_pointer (&s->crypt, pt_sync_crypt_free);  /* uses the client */
  g_clear_pointer (&s->stream, mongoc_change_stream_destroy);
  g_clear_pointer (&s->db, mongoc_database_destroy);
  g_clear_pointer (&s->client, mongoc_client_destroy);
}

void
_pt_sync_session_free (PtSyncSession *s)
{
  if (s == NULL)
    return;
  _pt_sync_session_disconnect (s);
  g_clear_object (&s->store);
  g_free (s->uri_string);
  g_free (s->db_name);
  g_free (s->tenant_id);
  g_free (s);
}

/* {tenantId: T} — or {_id: T} for the tenants collection. */
void
_pt_sync_session_append_tenant_filter (PtSyncSession      *s,
                                       const PtCollection *coll,
                                       bson_t             *filter)
{
  BSON_APPEND_OID (filter, coll->tenant_scoped ? "tenantId" : "_id", &s->tenant_oid);
}

GPtrArray *
_pt_sync_synced_collections (void)
{
  guint n;
  const PtCollection * const *all = pt_schema_collections (&n);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    if (all[i]->synced)
      g_ptr_array_add (out, (gpointer) all[i]);
  return out;
}

gboolean
_pt_sync_session_connect (PtSyncSession  *s,
                          PtSyncFailure  *failure,
                          GError        **error)
{
  bson_error_t berr;
  mongoc_uri_t *uri;
  mongoc_write_concern_t *wc;
  bson_t ping = BSON_INITIALIZER;
  bson_t reply;
  gboolean ok;

  if (s->client != NULL)
    return TRUE;

  s->state = PT_SYNC_STATE_CONNECTING;
  _pt_sync_session_report (s);

  uri = mongoc_uri_new_with_error (s->uri_string, &berr);
  if (uri == NULL)
    {
      pt_sync_error_set_bad_uri (error, &berr);
      if (failure)
        *failure = PT_SYNC_FAILURE_ATTENTION;
      return FALSE;
    }
  mongoc_uri_set_option_as_bool (uri, MONGOC_URI_RETRYWRITES, true);
  mongoc_uri_set_option_as_bool (uri, MONGOC_URI_RETRYREADS, true);
  if (mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  if (mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_CONNECTTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (uri, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
  /* A stalled server (blockConnection) must not hang a counter for the
   * driver's default five minutes. */
  if (mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_SOCKETTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (uri, MONGOC_URI_SOCKETTIMEOUTMS, 20000);
  mongoc_uri_set_appname (uri, "pharmatrack-desktop");

  s->client = mongoc_client_new_from_uri_with_error (uri, &berr);
  mongoc_uri_destroy (uri);
  if (s->client == NULL)
    {
      pt_sync_error_set_bad_uri (error, &berr);
      if (failure)
        *failure = PT_SYNC_FAILURE_ATTENTION;
      return FALSE;
    }
  mongoc_client_set_error_api (s->client, MONGOC_ERROR_API_VERSION_2);
  wc = mongoc_write_concern_new ();
  mongoc_write_concern_set_w (wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
  mongoc_client_set_write_concern (s->client, wc);
  mongoc_write_concern_destroy (wc);
  s->db = mongoc_client_get_database (s->client, s->db_name);

  BSON_APPEND_INT32 (&ping, "ping", 1);
  ok = mongoc_client_command_simple (s->client, "admin", &ping, NULL, &reply, &berr);
  bson_destroy (&ping);
  bson_destroy (&reply);
  if (!ok)
    {
      _pt_sync_session_disconnect (s);
      return _pt_sync_fail (&berr, "connect", failure, error);
    }

  /* The tenant must exist in the cloud, unless this counter created it
   * offline and it waits in the outbox. */
  {
    mongoc_collection_t *tenants = mongoc_database_get_collection (s->db, "tenants");
    bson_t filter = BSON_INITIALIZER;
    gint64 n;

    BSON_APPEND_OID (&filter, "_id", &s->tenant_oid);
    n = mongoc_collection_count_documents (tenants, &filter, NULL, NULL, NULL, &berr);
    bson_destroy (&filter);
    mongoc_collection_destroy (tenants);
    if (n < 0)
      {
        _pt_sync_session_disconnect (s);
        return _pt_sync_fail (&berr, "check tenant", failure, error);
      }
    if (n == 0)
      {
        const PtCollection *tc = pt_schema_lookup ("tenants");
        g_autoptr(PtRawRow) row = tc != NULL ? _pt_store_read_row (s->store, tc, s->tenant_id, NULL) : NULL;

        if (row == NULL)
          {
            _pt_sync_session_disconnect (s);
            pt_sync_error_set_tenant_not_found (error, s->tenant_id);
            if (failure)
              *failure = PT_SYNC_FAILURE_ATTENTION;
            return FALSE;
          }
      }
  }
  /* The tenant's encryption key, before anything is read or sent. */
  if (!_pt_sync_session_open_crypt (s, failure, error))
    {
      _pt_sync_session_disconnect (s);
      return FALSE;
    }
  return TRUE;
}

gboolean
_pt_sync_session_initial_complete (PtSyncSession *s)
{
  return pt_store_sync_get_int (s->store, "initial_complete", 0) == 1;
}

/* ---- Resume tokens ------------------------------------------------------ */

bson_t *
_pt_sync_token_from_json (const gchar *json)
{
  if (json == NULL)
    return NULL;
  return bson_new_from_json ((const uint8_t *) json, -1, NULL);
}

gboolean
_pt_sync_session_reset_resume (PtSyncSession *s,
                               GError       **error)
{
  gboolean ok;

  _pt_sync_session_disconnect (s);
  if (!_pt_store_begin (s->store, error))
    return FALSE;
  ok = pt_store_sync_set (s->store, "resume_token", NULL, error)
       && pt_store_sync_set (s->store, "initial_complete", NULL, error);
  if (!ok)
    {
      _pt_store_rollback (s->store);
      return FALSE;
    }
  return _pt_store_commit (s->store, error);
}

void
_pt_sync_session_account (PtSyncSession          *s,
                          const PtSyncApplyStats *stats)
{
  s->pulled_total += stats->applied;
  s->new_conflicts += stats->conflicts;
}

/* ---- Status and verification -------------------------------------------- */

void
_pt_sync_session_fill_status (PtSyncSession *s,
                              PtSyncStatus  *st)
{
  st->pending_count = _pt_store_outbox_length (s->store);
  st->oldest_pending_ms = _pt_store_outbox_oldest_ms (s->store);
  st->conflicts = pt_store_sync_count_conflicts (s->store, FALSE);
  st->quarantined = pt_store_sync_count_quarantined (s->store);
  st->dropped_foreign = pt_store_sync_get_int (s->store, "dropped_foreign", 0);
  {
    gint64 seen = pt_hlc_get_max_skew_ms (pt_store_get_clock (s->store));
    gint64 saved = pt_store_sync_get_int (s->store, "max_skew_ms", 0);

    if (seen > saved)
      pt_store_sync_set_int (s->store, "max_skew_ms", seen, NULL);
    st->max_clock_skew_ms = MAX (seen, saved);
  }
  st->initial_done = s->initial_done;
  st->initial_total = s->initial_total;
  st->pushed_total = s->pushed_total;
  st->pulled_total = s->pulled_total;
  st->polling = s->polling;
  if (s->last_push_ms != 0)
    st->last_push_ms = s->last_push_ms;
  else
    st->last_push_ms = pt_store_sync_get_int (s->store, "last_push", 0);
  if (s->last_pull_ms != 0)
    st->last_pull_ms = s->last_pull_ms;
  else
    st->last_pull_ms = pt_store_sync_get_int (s->store, "last_pull", 0);
}

gboolean
_pt_sync_session_verify (PtSyncSession  *s,
                         GError        **error)
{
  g_autoptr(GPtrArray) colls = _pt_sync_synced_collections ();
  gint64 pending = _pt_store_outbox_length (s->store);
  gint64 quarantined = pt_store_sync_count_quarantined (s->store);

  if (pending > 0)
    {
      g_autoptr(GPtrArray) left = _pt_store_outbox_list (s->store, 0, 5, NULL);
      for (guint i = 0; left != NULL && i < left->len; i++)
        {
          PtOutboxEntry *e = g_ptr_array_index (left, i);
          g_debug ("still queued: %s %s", e->collection, e->doc_id);
        }
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " change is still waiting to be sent.",
                                "%" PRId64 " changes are still waiting to be sent.", pending),
                   pending);
      return FALSE;
    }
  if (quarantined > 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The cloud refused %" PRId64 " change; see the quarantined changes.",
                                "The cloud refused %" PRId64 " changes; see the quarantined changes.",
                                quarantined),
                   quarantined);
      return FALSE;
    }

  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      mongoc_collection_t *mc = mongoc_database_get_collection (s->db, c->name);
      bson_t filter = BSON_INITIALIZER;
      g_autofree gchar *sql = g_strdup_printf ("SELECT count(*) FROM \"%s\"", c->name);
      sqlite3_stmt *stmt;
      bson_error_t berr;
      gint64 remote, local = -1;

      _pt_sync_session_append_tenant_filter (s, c, &filter);
      remote = mongoc_collection_count_documents (mc, &filter, NULL, NULL, NULL, &berr);
      bson_destroy (&filter);
      mongoc_collection_destroy (mc);
      if (remote < 0)
        return _pt_sync_fail (&berr, "verify", NULL, error);
      stmt = _pt_store_prepare (s->store, sql, error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        local = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (local != remote)
        {
          g_debug ("%s: %" G_GINT64_FORMAT " local, %" G_GINT64_FORMAT " on the server",
                   c->name, local, remote);
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       _("This computer and the cloud do not hold the same %s yet "
                         "(%" PRId64 " here, %" PRId64 " in the cloud); "
                         "run sync again."),
                       c->name, local, remote);
          return FALSE;
        }
    }
  return TRUE;
}
