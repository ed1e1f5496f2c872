/* ms-failpoint.c — configureFailPoint "failCommand", as mongod has it
 *
 * mode: "alwaysOn" | "off" | {times: N} | {skip: N}; data: failCommands,
 * errorCode, errorLabels, closeConnection, blockConnection + blockTimeMS,
 * writeConcernError, appName, failInternalCommands (accepted; mongosim has
 * no internal clients).  The reply's count is how often the fail point had
 * been entered before.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

typedef enum
{
  MODE_OFF,
  MODE_ALWAYS,
  MODE_TIMES,
  MODE_SKIP,
} Mode;

static struct
{
  Mode mode;
  gint64 n;
  gint64 entered;
  GPtrArray *commands;
  gboolean has_code;
  int code;
  GPtrArray *labels;
  gboolean close;
  gboolean block;
  gint64 block_ms;
  bson_t *wce;
  char *app_name;
  gboolean all;
} fp;

static void
clear_data (void)
{
  g_clear_pointer (&fp.commands, g_ptr_array_unref);
  g_clear_pointer (&fp.labels, g_ptr_array_unref);
  g_clear_pointer (&fp.wce, bson_destroy);
  g_clear_pointer (&fp.app_name, g_free);
  fp.has_code = FALSE;
  fp.code = 0;
  fp.close = FALSE;
  fp.block = FALSE;
  fp.block_ms = 0;
  fp.all = FALSE;
}

static GPtrArray *
string_array (bson_iter_t *it)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  bson_iter_t ai;

  if (BSON_ITER_HOLDS_ARRAY (it) && bson_iter_recurse (it, &ai))
    while (bson_iter_next (&ai))
      if (BSON_ITER_HOLDS_UTF8 (&ai))
        g_ptr_array_add (out, g_strdup (bson_iter_utf8 (&ai, NULL)));
  return out;
}

gboolean
ms_cmd_configure_fail_point (MsCmd *c, MsErr **err)
{
  const char *name = ms_cmd_string (c->cmd, "configureFailPoint");
  bson_iter_t it, sub;
  Mode mode = MODE_OFF;
  gint64 n = 0;

  if (name == NULL || !g_str_equal (name, "failCommand"))
    {
      ms_err_set (err, MS_BAD_VALUE, "Cannot find FailPoint named %s (mongosim simulates failCommand only)",
                  name ? name : "");
      return FALSE;
    }
  if (!bson_iter_init_find (&it, c->cmd, "mode"))
    {
      ms_err_set (err, MS_BAD_VALUE, "Missing mode");
      return FALSE;
    }
  if (BSON_ITER_HOLDS_UTF8 (&it))
    {
      const char *m = bson_iter_utf8 (&it, NULL);
      if (g_str_equal (m, "alwaysOn"))
        mode = MODE_ALWAYS;
      else if (g_str_equal (m, "off"))
        mode = MODE_OFF;
      else
        {
          ms_err_set (err, MS_BAD_VALUE, "unknown mode: %s", m);
          return FALSE;
        }
    }
  else if (BSON_ITER_HOLDS_DOCUMENT (&it) && bson_iter_recurse (&it, &sub) && bson_iter_next (&sub))
    {
      if (g_str_equal (bson_iter_key (&sub), "times"))
        mode = MODE_TIMES;
      else if (g_str_equal (bson_iter_key (&sub), "skip"))
        mode = MODE_SKIP;
      else
        {
          ms_err_set (err, MS_BAD_VALUE, "mode must be one of \"off\", \"alwaysOn\", {times: N}, {skip: N}");
          return FALSE;
        }
      n = bson_iter_as_int64 (&sub);
      if (n < 0)
        {
          ms_err_set (err, MS_BAD_VALUE, "mode.%s must be >= 0", bson_iter_key (&sub));
          return FALSE;
        }
    }
  else
    {
      ms_err_set (err, MS_TYPE_MISMATCH, "'mode' must be a string or JSON object");
      return FALSE;
    }

  /* count: how often the fail point has been entered, ever (cumulative,
   * what waitForFailPoint's timesEntered compares with) */
  BSON_APPEND_INT64 (c->reply, "count", fp.entered);
  clear_data ();
  fp.mode = mode;
  fp.n = n;
  if (mode == MODE_TIMES && n == 0)
    fp.mode = MODE_OFF;
  if (bson_iter_init_find (&it, c->cmd, "data") && BSON_ITER_HOLDS_DOCUMENT (&it) && bson_iter_recurse (&it, &sub))
    while (bson_iter_next (&sub))
      {
        const char *k = bson_iter_key (&sub);

        if (g_str_equal (k, "failAllCommands"))
          fp.all = bson_iter_as_bool (&sub);
        else if (g_str_equal (k, "failCommands"))
          fp.commands = string_array (&sub);
        else if (g_str_equal (k, "errorCode"))
          {
            fp.has_code = TRUE;
            fp.code = (int) bson_iter_as_int64 (&sub);
          }
        else if (g_str_equal (k, "errorLabels"))
          fp.labels = string_array (&sub);
        else if (g_str_equal (k, "closeConnection"))
          fp.close = bson_iter_as_bool (&sub);
        else if (g_str_equal (k, "blockConnection"))
          fp.block = bson_iter_as_bool (&sub);
        else if (g_str_equal (k, "blockTimeMS"))
          fp.block_ms = bson_iter_as_int64 (&sub);
        else if (g_str_equal (k, "writeConcernError") && BSON_ITER_HOLDS_DOCUMENT (&sub))
          {
            bson_value_t v = *bson_iter_value (&sub);
            bson_t d;
            ms_value_doc (&v, &d);
            fp.wce = bson_copy (&d);
          }
        else if (g_str_equal (k, "appName") && BSON_ITER_HOLDS_UTF8 (&sub))
          fp.app_name = g_strdup (bson_iter_utf8 (&sub, NULL));
      }
  if (fp.block && fp.block_ms <= 0)
    {
      ms_err_set (err, MS_BAD_VALUE, "'blockTimeMS' must be present and >= 0 when 'blockConnection' is true");
      fp.mode = MODE_OFF;
      return FALSE;
    }
  return TRUE;
}

void
ms_fail_result_clear (MsFailResult *result)
{
  g_clear_pointer (&result->labels, g_ptr_array_unref);
  g_clear_pointer (&result->write_concern_error, bson_destroy);
}

/* Called with the lock held for every command but configureFailPoint. */
void
ms_failpoint_check (MsConn *conn, const char *command, MsFailResult *result)
{
  gboolean listed = FALSE;

  memset (result, 0, sizeof *result);
  if (fp.mode == MODE_OFF || (fp.commands == NULL && !fp.all))
    return;
  /* like mongod, a fail point that would do nothing is never entered */
  if (!fp.close && !fp.block && !fp.has_code && fp.wce == NULL)
    return;
  listed = fp.all;
  for (guint i = 0; fp.commands != NULL && i < fp.commands->len && !listed; i++)
    listed = g_str_equal (g_ptr_array_index (fp.commands, i), command) ||
             (g_str_equal (g_ptr_array_index (fp.commands, i), "hello") && g_ascii_strcasecmp (command, "isMaster") == 0) ||
             (g_ascii_strcasecmp (g_ptr_array_index (fp.commands, i), "isMaster") == 0 &&
              (g_str_equal (command, "hello") || g_ascii_strcasecmp (command, "isMaster") == 0));
  if (!listed)
    return;
  if (fp.app_name != NULL && g_strcmp0 (conn->app_name, fp.app_name) != 0)
    return;
  if (fp.mode == MODE_SKIP && fp.n > 0)
    {
      fp.n--;
      return;
    }
  fp.entered++;
  /* wakes waitForFailPoint */
  g_cond_broadcast (&ms_server.oplog_cond);
  if (fp.mode == MODE_TIMES && --fp.n <= 0)
    fp.mode = MODE_OFF;

  if (fp.block)
    result->block_ms = fp.block_ms;
  if (fp.close)
    result->action = MS_FAIL_CLOSE;
  else if (fp.has_code)
    {
      result->action = MS_FAIL_ERROR;
      result->code = fp.code;
    }
  if (fp.labels != NULL)
    {
      result->labels = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < fp.labels->len; i++)
        g_ptr_array_add (result->labels, g_strdup (g_ptr_array_index (fp.labels, i)));
    }
  if (fp.wce != NULL && result->action == MS_FAIL_NONE)
    result->write_concern_error = bson_copy (fp.wce);
}

/* waitForFailPoint: {waitForFailPoint: "failCommand", timesEntered: N,
 * maxTimeMS: M} returns once the fail point has been entered N times. */
gboolean
ms_cmd_wait_for_fail_point (MsCmd *c, MsErr **err)
{
  const char *name = ms_cmd_string (c->cmd, "waitForFailPoint");
  bson_iter_t it;
  gint64 times = 0, max_ms = -1, deadline;

  if (name == NULL || !g_str_equal (name, "failCommand"))
    {
      ms_err_set (err, MS_BAD_VALUE, "Cannot find FailPoint named %s (mongosim simulates failCommand only)",
                  name ? name : "");
      return FALSE;
    }
  if (!bson_iter_init_find (&it, c->cmd, "timesEntered") || !BSON_ITER_HOLDS_NUMBER (&it))
    {
      ms_err_set (err, 40414, "BSON field 'waitForFailPoint.timesEntered' is missing but a required field");
      return FALSE;
    }
  times = bson_iter_as_int64 (&it);
  if (!bson_iter_init_find (&it, c->cmd, "maxTimeMS") || !BSON_ITER_HOLDS_NUMBER (&it))
    {
      ms_err_set (err, 40414, "BSON field 'waitForFailPoint.maxTimeMS' is missing but a required field");
      return FALSE;
    }
  max_ms = bson_iter_as_int64 (&it);
  deadline = g_get_monotonic_time () + max_ms * 1000;
  while (fp.entered < times)
    {
      if (g_get_monotonic_time () >= deadline)
        {
          ms_err_set (err, MS_MAX_TIME_MS_EXPIRED, "operation exceeded time limit");
          return FALSE;
        }
      ms_wait_until (deadline);
    }
  return TRUE;
}
