/* pt-store-counter-queue.c: the counter's lists (today's queue, a
 * patient's history, recent prescriptions) and the daily takings. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-store-counter-private.h"

/* ---- Queue and history -------------------------------------------------- */

void
pt_rx_row_free (PtRxRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->number);
  g_free (row->status);
  g_free (row->patient_id);
  g_free (row->patient_name);
  g_free (row->summary);
  g_free (row);
}

typedef struct
{
  PtStore    *store;
  GHashTable *names;             /* collection:id → display text */
} RowBuilder;

static const gchar *
cached_name (RowBuilder  *b,
             const gchar *collection,
             const gchar *id)
{
  g_autofree gchar *key = NULL;
  g_autoptr(bson_t) doc = NULL;
  const gchar *cached;
  gchar *name;

  if (id == NULL)
    return "";
  key = g_strconcat (collection, ":", id, NULL);
  cached = g_hash_table_lookup (b->names, key);
  if (cached != NULL)
    return cached;
  doc = pt_store_get (b->store, collection, id, NULL);
  if (doc == NULL)
    name = g_strdup (_("Unknown"));
  else if (g_str_equal (collection, "patients"))
    name = g_strdup_printf ("%s %s", pt_bson_get_string (doc, "firstName") ?: "",
                            pt_bson_get_string (doc, "lastName") ?: "");
  else
    {
      const gchar *strength = pt_bson_get_string (doc, "strength");
      name = strength && *strength
             ? g_strdup_printf ("%s %s", pt_bson_get_string (doc, "name") ?: "", strength)
             : g_strdup (pt_bson_get_string (doc, "name") ?: "");
    }
  g_hash_table_insert (b->names, g_steal_pointer (&key), name);
  return name;
}

static PtRxRow *
row_from_doc (RowBuilder   *b,
              const gchar  *id,
              const bson_t *rx)
{
  PtRxRow *row = g_new0 (PtRxRow, 1);
  g_autoptr(GString) summary = g_string_new (NULL);
  bson_iter_t iter, items;

  row->id = g_strdup (id);
  row->number = g_strdup (pt_bson_get_string (rx, "number"));
  row->status = g_strdup (pt_bson_get_string (rx, "status"));
  row->patient_id = pt_bson_dup_oid_hex (rx, "patientId");
  row->patient_name = g_strdup (cached_name (b, "patients", row->patient_id));
  row->owed = g_strcmp0 (row->status, "cancelled") == 0 ? 0 : _pt_counter_owed_of_doc (rx, &row->n_items);
  if (bson_iter_init_find (&iter, rx, "items") && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        bson_t item;
        g_autofree gchar *med = NULL;

        if (!_pt_counter_iter_subdoc (&items, &item))
          continue;
        med = pt_bson_dup_oid_hex (&item, "medicineId");
        row->refills_left = MAX (row->refills_left, (gint) pt_bson_get_int (&item, "refills", 0));
        row->dispensed += pt_bson_get_int (&item, "dispensedQuantity", 0);
        if (summary->len > 0)
          g_string_append (summary, ", ");
        g_string_append_printf (summary, "%s × %" G_GINT64_FORMAT,
                                cached_name (b, "medicines", med),
                                pt_bson_get_int (&item, "quantity", 0));
      }
  row->summary = g_string_free (g_steal_pointer (&summary), FALSE);
  row->total = pt_bson_get_int (rx, "billing.total", 0);
  row->paid = pt_bson_get_int (rx, "billing.paid", 0);
  if (bson_iter_init_find (&iter, rx, "createdAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    row->created_at = bson_iter_date_time (&iter);
  if (bson_iter_init_find (&iter, rx, "updatedAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    row->updated_at = bson_iter_date_time (&iter);
  return row;
}

/* Runs a query whose first two columns are id and doc (BSON); text
 * parameters ?1.. from @texts, then an integer parameter from @number. */
static GPtrArray *
query_rows (PtStore            *self,
            const gchar        *sql,
            const gchar * const *texts,
            gint64              number,
            GError            **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_rx_row_free);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  RowBuilder b = { self, names };
  sqlite3_stmt *stmt;
  guint n = 0;
  int rc;

  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  for (; texts && texts[n]; n++)
    sqlite3_bind_text (stmt, n + 1, texts[n], -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, n + 1, number);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const void *blob = sqlite3_column_blob (stmt, 1);
      int len = sqlite3_column_bytes (stmt, 1);

      g_ptr_array_add (found, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (docs, bson_new_from_data (blob, len));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (self, rc, "prescription list", error);
      return NULL;
    }
  /* Rows are built after the statement is reset: building looks up
   * patients and medicines through the store's other statements. */
  for (guint i = 0; i < found->len; i++)
    if (docs->pdata[i] != NULL)
      g_ptr_array_add (rows, row_from_doc (&b, found->pdata[i], docs->pdata[i]));
  return g_steal_pointer (&rows);
}

GPtrArray *
pt_store_counter_queue (PtStore     *self,
                        const gchar *pharmacy_id,
                        PtTime       since,
                        GError     **error)
{
  g_autofree gchar *branch = NULL;
  const gchar *texts[2] = { NULL, NULL };

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  branch = pharmacy_id ? g_strdup (pharmacy_id) : pt_store_get_pharmacy_id (self);
  if (branch == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) pt_rx_row_free);
  texts[0] = branch;
  return query_rows (self,
                     "SELECT id, doc FROM prescriptions WHERE deleted = 0 AND pharmacy_id = ?1 "
                     "AND (status IN ('received', 'in_progress', 'ready') "
                     "OR (status IN ('dispensed', 'picked_up') AND updated_at >= ?2)) "
                     "ORDER BY id",
                     texts, since, error);
}

GPtrArray *
pt_store_counter_patient_history (PtStore     *self,
                                  const gchar *patient_id,
                                  GError     **error)
{
  const gchar *texts[2] = { patient_id, NULL };

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  return query_rows (self,
                     "SELECT id, doc FROM prescriptions WHERE deleted = 0 AND patient_id = ?1 "
                     "ORDER BY id DESC LIMIT ?2",
                     texts, 1000, error);
}

GPtrArray *
pt_store_counter_recent (PtStore *self,
                         guint    limit,
                         GError **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  return query_rows (self,
                     "SELECT id, doc FROM prescriptions WHERE deleted = 0 "
                     "ORDER BY id DESC LIMIT ?1",
                     NULL, limit ? limit : 200, error);
}

PtRxRow *
pt_store_counter_get_row (PtStore     *self,
                          const gchar *prescription_id,
                          GError     **error)
{
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  RowBuilder b = { self, names };

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  rx = _pt_counter_get_live_rx (self, prescription_id, error);
  return rx ? row_from_doc (&b, prescription_id, rx) : NULL;
}

const gchar *
pt_rx_status_next_step (const gchar *status)
{
  if (g_strcmp0 (status, "received") == 0)
    return "in_progress";
  if (g_strcmp0 (status, "in_progress") == 0)
    return "ready";
  return NULL;
}

/* ---- Daily takings ------------------------------------------------------ */

static void
takings_line_free (PtTakingsLine *line)
{
  g_free (line->key);
  g_free (line->label);
  g_free (line);
}

void
pt_takings_free (PtTakings *takings)
{
  if (takings == NULL)
    return;
  g_clear_pointer (&takings->by_user, g_ptr_array_unref);
  g_clear_pointer (&takings->by_method, g_ptr_array_unref);
  g_free (takings);
}

void
pt_counter_day_bounds (PtTime  t,
                       PtTime *from,
                       PtTime *to)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (t / 1000);
  g_autoptr(GDateTime) start = g_date_time_new_local (g_date_time_get_year (at),
                                                      g_date_time_get_month (at),
                                                      g_date_time_get_day_of_month (at),
                                                      0, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_add_days (start, 1);

  *from = g_date_time_to_unix (start) * 1000;
  *to = g_date_time_to_unix (end) * 1000;
}

static PtTakingsLine *
takings_line (GHashTable  *index,
              GPtrArray   *lines,
              const gchar *key)
{
  PtTakingsLine *line = g_hash_table_lookup (index, key);

  if (line == NULL)
    {
      line = g_new0 (PtTakingsLine, 1);
      line->key = g_strdup (key);
      g_ptr_array_add (lines, line);
      g_hash_table_insert (index, line->key, line);
    }
  return line;
}

static gint
compare_by_amount (gconstpointer a,
                   gconstpointer b)
{
  const PtTakingsLine *x = *(PtTakingsLine * const *) a;
  const PtTakingsLine *y = *(PtTakingsLine * const *) b;

  if (x->amount != y->amount)
    return x->amount > y->amount ? -1 : 1;
  return g_strcmp0 (x->label, y->label);
}

PtTakings *
pt_store_counter_takings (PtStore     *self,
                          PtTime       from,
                          PtTime       to,
                          const gchar *pharmacy_id,
                          GError     **error)
{
  g_autoptr(PtTakings) takings = g_new0 (PtTakings, 1);
  g_autoptr(GHashTable) users = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) methods = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  if (!pt_store_can (self, PT_PERM_VIEW_REPORTS) && !pt_store_can (self, PT_PERM_TAKE_PAYMENT))
    {
      pt_role_check (pt_store_get_role (self), PT_PERM_VIEW_REPORTS, error);
      return NULL;
    }

  takings->from = from;
  takings->to = to;
  takings->by_user = g_ptr_array_new_with_free_func ((GDestroyNotify) takings_line_free);
  takings->by_method = g_ptr_array_new_with_free_func ((GDestroyNotify) takings_line_free);
  for (guint i = 0; i < G_N_ELEMENTS (_pt_counter_method_names); i++)
    {
      PtTakingsLine *line = takings_line (methods, takings->by_method, _pt_counter_method_names[i]);
      line->label = g_strdup (pt_payment_method_get_label (i));
    }

  /* A payment updates its prescription, so one taken in [from, to) is on
   * a row changed since @from. */
  stmt = _pt_store_prepare (self,
                            "SELECT doc FROM prescriptions WHERE updated_at >= ?1 "
                            "AND deleted = 0 AND (?2 IS NULL OR pharmacy_id = ?2)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, from);
  if (pharmacy_id != NULL)
    sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 2);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      bson_t rx;
      bson_iter_t iter, payments;

      if (!bson_init_static (&rx, sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0)))
        continue;
      bson_iter_t top;

      if (!bson_iter_init (&top, &rx) || !bson_iter_find_descendant (&top, "billing.payments", &iter)
          || !BSON_ITER_HOLDS_ARRAY (&iter) || !bson_iter_recurse (&iter, &payments))
        {
          /* A payment recorded elsewhere (the web dashboard, older data)
           * carries only billing.paid, method and paidAt: one payment,
           * taken by someone this counter does not know. */
          bson_iter_t at;
          PtMoney paid = pt_bson_get_int (&rx, "billing.paid", 0);
          PtTakingsLine *line;

          if (paid <= 0 || !bson_iter_init (&top, &rx)
              || !bson_iter_find_descendant (&top, "billing.paidAt", &at)
              || !BSON_ITER_HOLDS_DATE_TIME (&at)
              || bson_iter_date_time (&at) < from || bson_iter_date_time (&at) >= to)
            continue;
          takings->total += paid;
          takings->n_payments++;
          line = takings_line (methods, takings->by_method,
                               pt_bson_get_string (&rx, "billing.method") ?: "cash");
          line->amount += paid;
          line->count++;
          line = takings_line (users, takings->by_user, "");
          line->amount += paid;
          line->count++;
          continue;
        }
      while (bson_iter_next (&payments))
        {
          bson_t p;
          bson_iter_t at;
          PtTime when;
          PtMoney amount;
          g_autofree gchar *user = NULL;
          PtTakingsLine *line;

          if (!_pt_counter_iter_subdoc (&payments, &p) || !bson_iter_init_find (&at, &p, "at")
              || !BSON_ITER_HOLDS_DATE_TIME (&at))
            continue;
          when = bson_iter_date_time (&at);
          if (when < from || when >= to)
            continue;
          amount = pt_bson_get_int (&p, "amount", 0);
          takings->total += amount;
          takings->n_payments++;
          line = takings_line (methods, takings->by_method,
                               pt_bson_get_string (&p, "method") ?: "cash");
          line->amount += amount;
          line->count++;
          user = pt_bson_dup_oid_hex (&p, "userId");
          line = takings_line (users, takings->by_user, user ? user : "");
          line->amount += amount;
          line->count++;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (self, rc, "takings", error);
      return NULL;
    }

  for (guint i = 0; i < takings->by_user->len; i++)
    {
      PtTakingsLine *line = takings->by_user->pdata[i];
      g_autoptr(bson_t) user = *line->key ? pt_store_get (self, "users", line->key, NULL) : NULL;
      const gchar *name = user ? pt_bson_get_string (user, "displayName") : NULL;

      line->label = g_strdup (name ? name : *line->key ? line->key : _("Not recorded"));
    }
  g_ptr_array_sort (takings->by_user, compare_by_amount);
  return g_steal_pointer (&takings);
}
