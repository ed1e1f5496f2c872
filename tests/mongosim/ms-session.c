/* ms-session.c — retryable writes
 *
 * A write carrying lsid + txnNumber records its reply; the same txnNumber
 * on the same session returns that reply without applying anything again
 * (the sync engine's lost-ack handling depends on it).  An older
 * txnNumber is refused with TransactionTooOld, as mongod does.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

typedef struct
{
  gint64 txn;
  bson_t *reply;
} Session;

static GHashTable *sessions;

static void
session_free (Session *s)
{
  g_clear_pointer (&s->reply, bson_destroy);
  g_free (s);
}

static char *
lsid_key (const bson_t *cmd)
{
  bson_iter_t it, id;
  const guint8 *data;
  guint32 len;
  bson_subtype_t subtype;

  if (!bson_iter_init_find (&it, cmd, "lsid") || !BSON_ITER_HOLDS_DOCUMENT (&it) ||
      !bson_iter_recurse (&it, &id) || !bson_iter_find (&id, "id") || !BSON_ITER_HOLDS_BINARY (&id))
    return NULL;
  bson_iter_binary (&id, &subtype, &len, &data);
  return g_base64_encode (data, len);
}

static gboolean
txn_number (const bson_t *cmd, gint64 *out)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, cmd, "txnNumber") || !BSON_ITER_HOLDS_NUMBER (&it))
    return FALSE;
  *out = bson_iter_as_int64 (&it);
  return TRUE;
}

gboolean
ms_is_retryable_write (const char *command, const bson_t *cmd)
{
  gint64 txn;
  bson_iter_t it;

  if (!(g_str_equal (command, "insert") || g_str_equal (command, "update") || g_str_equal (command, "delete") ||
        g_ascii_strcasecmp (command, "findAndModify") == 0))
    return FALSE;
  if (bson_iter_init_find (&it, cmd, "autocommit"))
    return FALSE;
  return txn_number (cmd, &txn) && bson_iter_init_find (&it, cmd, "lsid");
}

/* Fills reply with the recorded reply of a retried write (empty when the
 * write is new). */
gboolean
ms_retry_lookup (const bson_t *cmd, bson_t *reply, MsErr **err)
{
  g_autofree char *key = lsid_key (cmd);
  gint64 txn;
  Session *s;

  if (key == NULL || !txn_number (cmd, &txn) || sessions == NULL)
    return TRUE;
  s = g_hash_table_lookup (sessions, key);
  if (s == NULL)
    return TRUE;
  if (txn < s->txn)
    {
      ms_err_set (err, MS_TRANSACTION_TOO_OLD, "Retryable write with txnNumber %" G_GINT64_FORMAT " is prohibited "
                  "on session %s because a newer retryable write with txnNumber %" G_GINT64_FORMAT " has already "
                  "started on this session.", txn, key, s->txn);
      return FALSE;
    }
  if (txn == s->txn && s->reply != NULL)
    {
      bson_reinit (reply);
      bson_concat (reply, s->reply);
    }
  return TRUE;
}

void
ms_retry_record (const bson_t *cmd, const bson_t *reply)
{
  g_autofree char *key = lsid_key (cmd);
  gint64 txn;
  Session *s;

  if (key == NULL || !txn_number (cmd, &txn))
    return;
  if (sessions == NULL)
    sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) session_free);
  s = g_hash_table_lookup (sessions, key);
  if (s == NULL)
    {
      s = g_new0 (Session, 1);
      g_hash_table_insert (sessions, g_steal_pointer (&key), s);
    }
  s->txn = txn;
  g_clear_pointer (&s->reply, bson_destroy);
  s->reply = bson_copy (reply);
}
