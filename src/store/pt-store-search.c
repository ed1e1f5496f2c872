/* pt-store-search.c: finding medicines and patients, and the catalogue's
 * paged rows. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* Upper bound of a NOCASE prefix range: the prefix followed by the largest
 * code point sorts after every string that starts with the prefix. */
#define PREFIX_END "\xf4\x8f\xbf\xbf"

/* Every word of @query as a quoted FTS5 prefix term ("a"* "b"*), appended
 * to @out; FALSE when @query has no word.  Quoted, so FTS5 operators in
 * the input are plain text. */
static gboolean
append_prefix_terms (GString     *out,
                     const gchar *query)
{
  gsize start = out->len;
  gboolean in_word = FALSE;

  for (const gchar *p = query; p != NULL && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        {
          if (!in_word)
            g_string_append (out, out->len > start ? " \"" : "\"");
          g_string_append_len (out, p, g_utf8_next_char (p) - p);
          in_word = TRUE;
        }
      else if (in_word)
        {
          g_string_append (out, "\"*");
          in_word = FALSE;
        }
    }
  if (in_word)
    g_string_append (out, "\"*");
  return out->len > start;
}

/* An FTS5 query matching every word of @query as a prefix, optionally in
 * @columns only ("{a b}").  NULL when @query has no word. */
gchar *
_pt_fts_prefix_query (const gchar *query,
                      const gchar *columns)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (columns != NULL)
    g_string_append_printf (out, "%s : (", columns);
  if (!append_prefix_terms (out, query))
    return NULL;
  if (columns != NULL)
    g_string_append_c (out, ')');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The ids a search statement gives, new ones only, up to @limit.  @out
 * owns the copies; @seen borrows them. */
static gboolean
add_ids (PtStore      *self,
         sqlite3_stmt *stmt,
         GPtrArray    *out,
         GHashTable   *seen,
         guint         limit,
         GError      **error)
{
  int rc;

  while (out->len < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const gchar *id = (const gchar *) sqlite3_column_text (stmt, 0);
      gchar *copy;

      if (id == NULL || g_hash_table_contains (seen, id))
        continue;
      copy = g_strdup (id);
      g_hash_table_add (seen, copy);
      g_ptr_array_add (out, copy);
    }
  if (out->len >= limit)
    rc = SQLITE_DONE;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "search", error);
  return TRUE;
}

/* The statements of the medicine search, shared with the benchmark that
 * runs them raw as the limit. */
const gchar *const _pt_medicine_barcode_sql =
  "SELECT id FROM medicines INDEXED BY medicines_barcode WHERE barcode = ?1 "
  "AND +deleted = 0 ORDER BY id";
const gchar *const _pt_medicine_prefix_sql =
  "SELECT id FROM medicines WHERE name >= ?1 AND name < ?2 AND deleted = 0 "
  "ORDER BY name, rowid LIMIT ?3";
/* No ORDER BY: FTS5 streams the first matches instead of ranking every
 * one (a short prefix matches tens of thousands at 100,000 medicines);
 * the ranking comes from running the stages in order. */
const gchar *const _pt_medicine_fts_sql =
  "SELECT m.id FROM medicines_fts f CROSS JOIN medicines m ON m.rowid = f.rowid "
  "WHERE medicines_fts MATCH ?1 AND +m.deleted = 0 LIMIT ?2";

/* The column filters of the FTS stages, one per searchable field in
 * registry order (name, generic name, code, manufacturer): "{name} : (",
 * made once. */
static GPtrArray *
medicine_stage_filters (void)
{
  static GPtrArray *filters;

  if (g_once_init_enter (&filters))
    {
      const PtCollectionInfo *info = _pt_store_collection_info (pt_schema_lookup ("medicines"));
      GPtrArray *list = g_ptr_array_new ();

      for (guint i = 0; info != NULL && info->fts != NULL && i < info->fts->len; i++)
        {
          g_autofree gchar *col = _pt_snake_case (((const PtField *) info->fts->pdata[i])->name);
          g_ptr_array_add (list, g_strdup_printf ("{%s} : (", col));
        }
      g_once_init_leave (&filters, list);
    }
  return filters;
}

/* Stage @i of the FTS search into @out (replacing its text): each
 * searchable field in turn, then the words spread over several fields.
 * FALSE past the last stage or for a query without words (@terms empty). */
static gboolean
medicine_search_stage (GString     *out,
                       const gchar *terms,
                       guint        i)
{
  GPtrArray *filters = medicine_stage_filters ();

  if (*terms == '\0' || i > filters->len)
    return FALSE;
  g_string_truncate (out, 0);
  if (i == filters->len)
    g_string_append (out, terms);
  else
    {
      g_string_append (out, filters->pdata[i]);
      g_string_append (out, terms);
      g_string_append_c (out, ')');
    }
  return TRUE;
}

GPtrArray *
_pt_medicine_search_stages (const gchar *query)
{
  GPtrArray *stages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) terms = g_string_new (NULL);
  g_autoptr(GString) stage = g_string_new (NULL);

  append_prefix_terms (terms, query);
  for (guint i = 0; medicine_search_stage (stage, terms->str, i); i++)
    g_ptr_array_add (stages, g_strdup (stage->str));
  return stages;
}

GPtrArray *
pt_store_search_medicines (PtStore     *self,
                           const gchar *query,
                           guint        limit,
                           GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *q = g_strstrip (g_strdup (query ? query : ""));
  g_autoptr(GString) end = NULL;
  g_autoptr(GString) terms = NULL;
  g_autoptr(GString) stage = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  if (limit == 0)
    limit = 50;

  if (*q == '\0')
    {
      stmt = _pt_store_prepare (self, "SELECT id FROM medicines WHERE deleted = 0 "
                                      "ORDER BY name, rowid LIMIT ?1", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, limit);
      if (!add_ids (self, stmt, out, seen, limit, error))
        return NULL;
      return g_steal_pointer (&out);
    }

  /* Every text bound below outlives the statement's steps (each is
   * reset before it goes out of scope): bound without a copy. */

  /* 1. The exact barcode (a scan). */
  stmt = _pt_store_prepare (self, _pt_medicine_barcode_sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, q, -1, SQLITE_STATIC);
  if (!add_ids (self, stmt, out, seen, limit, error))
    return NULL;

  /* 2. Names that start with the query, in name order (index range). */
  if (out->len < limit)
    {
      end = g_string_new (q);
      g_string_append (end, PREFIX_END);
      stmt = _pt_store_prepare (self, _pt_medicine_prefix_sql, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, q, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, end->str, (int) end->len, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, limit);
      if (!add_ids (self, stmt, out, seen, limit, error))
        return NULL;
    }

  /* 3. Every word as a prefix of a word: of the name, then the generic
   * name, the code, the manufacturer, then across fields.  Each stage's
   * text is made only when the page is not full yet. */
  if (out->len < limit)
    {
      terms = g_string_new (NULL);
      stage = g_string_new (NULL);
      append_prefix_terms (terms, q);
    }
  for (guint i = 0; out->len < limit && medicine_search_stage (stage, terms->str, i); i++)
    {
      stmt = _pt_store_prepare (self, _pt_medicine_fts_sql, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, stage->str, (int) stage->len, SQLITE_STATIC);
      /* Room for the duplicates of earlier stages. */
      sqlite3_bind_int64 (stmt, 2, limit + out->len);
      if (!add_ids (self, stmt, out, seen, limit, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
pt_store_search_patients (PtStore     *self,
                          const gchar *query,
                          guint        limit,
                          GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *q = g_strstrip (g_strdup (query ? query : ""));
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree gchar *fts = NULL;
  gboolean phone_like = *q != '\0';
  sqlite3_stmt *stmt;
  PtTime dob;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  if (limit == 0)
    limit = 50;

  if (*q == '\0')
    {
      stmt = _pt_store_prepare (self, "SELECT id FROM patients WHERE deleted = 0 "
                                      "ORDER BY last_name, id LIMIT ?1", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, limit);
      if (!add_ids (self, stmt, out, seen, limit, error))
        return NULL;
      return g_steal_pointer (&out);
    }

  /* A date of birth. */
  if (strlen (q) == 10 && q[4] == '-' && q[7] == '-' && pt_date_parse (q, &dob, NULL))
    {
      stmt = _pt_store_prepare (self, "SELECT id FROM patients WHERE date_of_birth >= ?1 "
                                      "AND date_of_birth < ?2 AND deleted = 0 "
                                      "ORDER BY last_name, id LIMIT ?3", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, dob);
      sqlite3_bind_int64 (stmt, 2, dob + PT_MS_PER_DAY);
      sqlite3_bind_int64 (stmt, 3, limit);
      if (!add_ids (self, stmt, out, seen, limit, error))
        return NULL;
      return g_steal_pointer (&out);
    }

  /* A phone number: digits, maybe with + ( ) - . / and spaces. */
  for (const gchar *p = q; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (!strchr ("+()-./ ", *p))
        phone_like = FALSE;
    }
  if (phone_like && digits->len >= 3)
    /* Any run of the digits; a national number's leading 0 may be stored
     * as a country code. */
    fts = digits->str[0] == '0' && digits->len >= 4
          ? g_strdup_printf ("phone : (\"%s\"* OR \"%s\"*)", digits->str, digits->str + 1)
          : g_strdup_printf ("phone : \"%s\"*", digits->str);
  else
    fts = _pt_fts_prefix_query (q, "{first_name last_name}");
  if (fts == NULL)
    return g_steal_pointer (&out);

  stmt = _pt_store_prepare (self, "SELECT p.id FROM patients_fts f CROSS JOIN patients p "
                                  "ON p.rowid = f.rowid WHERE patients_fts MATCH ?1 "
                                  "AND p.deleted = 0 ORDER BY p.last_name, p.id LIMIT ?2",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, fts, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (!add_ids (self, stmt, out, seen, limit, error))
    return NULL;
  return g_steal_pointer (&out);
}

gchar *
pt_store_find_by_barcode (PtStore     *self,
                          const gchar *barcode)
{
  sqlite3_stmt *stmt;
  gchar *id = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  if (barcode == NULL || *barcode == '\0')
    return NULL;
  stmt = _pt_store_prepare (self, _pt_medicine_barcode_sql, NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, barcode, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return id;
}

/* ---- Catalogue rows ----------------------------------------------------- */

void
pt_medicine_row_free (PtMedicineRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->name);
  g_free (row->generic_name);
  g_free (row->strength);
  g_free (row->form);
  g_free (row->barcode);
  g_free (row->code);
  g_free (row);
}

/* The filter of the catalogue for a non-empty @query: its barcode, or every
 * word as a prefix in the search index.  Binds ?1 (barcode) and ?2 (FTS).
 * The matches are one rowid set (IN over a UNION) so SQLite drives the query
 * from the index hits; an OR of the barcode and the FTS made it scan every
 * medicine row, about 0.45 s per keystroke at 100,000 medicines; and
 * "+deleted", else SQLite 3.40 walks a (deleted, …) index over every
 * medicine probing the set (30–60 ms for "ar"; 0.3 ms by rowid, measured
 * by the ui engineer). */
#define ROW_FILTER \
  "m.rowid IN " \
  "(SELECT rowid FROM medicines_fts WHERE medicines_fts MATCH ?2 " \
  "UNION SELECT rowid FROM medicines WHERE barcode = ?1) AND +m.deleted = 0"

/* A row's keys (pt-store-private.h): ?3 the branch, ?4 now. */
#define ROW_STOCK PT_STORE_ROW_STOCK ("?3")
#define ROW_EXPIRY PT_STORE_ROW_EXPIRY ("?3")
#define ROW_EXPIRED_STOCK PT_STORE_ROW_EXPIRED_STOCK ("?3", "?4")

guint
pt_store_count_medicine_rows (PtStore     *self,
                              const gchar *query,
                              const gchar *pharmacy_id)
{
  g_autofree gchar *q = g_strstrip (g_strdup (query ? query : ""));
  g_autofree gchar *fts = NULL;
  sqlite3_stmt *stmt;
  guint n = 0;

  g_return_val_if_fail (PT_IS_STORE (self), 0);

  fts = *q ? _pt_fts_prefix_query (q, NULL) : NULL;
  if (*q == '\0')
    return (guint) pt_store_count (self, "medicines");
  if (fts == NULL)
    fts = g_strdup ("\"\"");
  stmt = _pt_store_prepare (self, "SELECT count(*) FROM medicines m WHERE " ROW_FILTER, NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, q, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, fts, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* The whole ordering of the catalogue for a query, sort and branch, as
 * rowids, kept until the next commit: the list view asks for page after
 * page, and each is then a slice (an OFFSET would walk the index from the
 * start every time). */
static GArray *
catalogue_order (PtStore        *self,
                 const gchar    *q,
                 const gchar    *pharmacy_id,
                 PtMedicineSort  sort,
                 gboolean        descending,
                 GError        **error)
{
  g_autofree gchar *key_text = g_strdup_printf ("%s\x1f%s\x1f%d\x1f%d", q,
                                                pharmacy_id ? pharmacy_id : "", sort, descending);
  g_autofree gchar *fts = NULL;
  g_autofree gchar *sql = NULL;
  const gchar *key;
  const gchar *from = "medicines m";
  const gchar *dir = descending ? "DESC" : "ASC";
  gint64 data_version = _pt_store_query_int (self, "PRAGMA data_version", NULL, -1);
  sqlite3_stmt *stmt;
  GArray *rows;
  int rc;

  if (self->rows != NULL && g_strcmp0 (self->rows_key, key_text) == 0
      && self->rows_commits == self->commits && self->rows_data_version == data_version)
    return self->rows;

  if (*q != '\0')
    {
      fts = _pt_fts_prefix_query (q, NULL);
      if (fts == NULL)
        fts = g_strdup ("\"\"");
    }
  switch (sort)
    {
    case PT_MEDICINE_SORT_STOCK:
      /* Summed once per medicine, not probed once per row. */
      from = "medicines m LEFT JOIN (SELECT medicine_id, sum(quantity) AS q "
             "FROM medicine_stock WHERE ?3 IS NULL OR pharmacy_id = ?3 "
             "GROUP BY medicine_id) s ON s.medicine_id = m.id";
      key = "coalesce(s.q, 0)";
      break;
    case PT_MEDICINE_SORT_EXPIRY:
      /* Medicines without stock last whichever the direction. */
      key = "coalesce(" ROW_EXPIRY ", CASE WHEN ?6 THEN -1 ELSE 9223372036854775807 END)";
      break;
    case PT_MEDICINE_SORT_PRICE:
      key = "m.price";
      break;
    case PT_MEDICINE_SORT_NAME:
    default:
      key = "m.name";
      break;
    }
  /* Without a query, from the covering catalogue index alone. */
  sql = g_strdup_printf ("SELECT m.rowid, %s AS k FROM %s WHERE %s "
                         "ORDER BY k %s, m.name %s, m.rowid %s",
                         key, from, fts != NULL ? ROW_FILTER : "m.deleted = 0",
                         dir, dir, dir);
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  if (fts != NULL)
    {
      sqlite3_bind_text (stmt, 1, q, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, fts, -1, SQLITE_TRANSIENT);
    }
  if (pharmacy_id != NULL && sqlite3_bind_parameter_index (stmt, "?3") > 0)
    sqlite3_bind_text (stmt, 3, pharmacy_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_bind_parameter_index (stmt, "?6") > 0)
    sqlite3_bind_int (stmt, 6, descending ? 1 : 0);
  rows = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (rows, rowid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_array_unref (rows);
      _pt_store_set_sqlite_error (self, rc, "catalogue", error);
      return NULL;
    }
  g_clear_pointer (&self->rows, g_array_unref);
  g_free (self->rows_key);
  self->rows = rows;
  self->rows_key = g_steal_pointer (&key_text);
  self->rows_commits = self->commits;
  self->rows_data_version = data_version;
  return rows;
}

/* The catalogue row of the current result of a statement selecting
 * (id, doc, ROW_STOCK, ROW_EXPIRY[, expired stock]). */
PtMedicineRow *
_pt_medicine_row_from_stmt (sqlite3_stmt *stmt)
{
  PtMedicineRow *row = g_new0 (PtMedicineRow, 1);
  bson_t doc;

  row->id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  row->active = TRUE;
  if (bson_init_static (&doc, sqlite3_column_blob (stmt, 1),
                        (size_t) sqlite3_column_bytes (stmt, 1)))
    {
      row->name = g_strdup (pt_bson_get_string (&doc, "name"));
      row->generic_name = g_strdup (pt_bson_get_string (&doc, "genericName"));
      row->strength = g_strdup (pt_bson_get_string (&doc, "strength"));
      row->form = g_strdup (pt_bson_get_string (&doc, "form"));
      row->barcode = g_strdup (pt_bson_get_string (&doc, "barcode"));
      row->code = g_strdup (pt_bson_get_string (&doc, "code"));
      row->price = pt_bson_get_int (&doc, "price", 0);
      row->reorder_level = pt_bson_get_int (&doc, "reorderLevel", 0);
      row->active = pt_bson_get_bool (&doc, "active", TRUE);
    }
  row->stock = sqlite3_column_int64 (stmt, 2);
  row->nearest_expiry = sqlite3_column_type (stmt, 3) == SQLITE_NULL
                        ? 0 : sqlite3_column_int64 (stmt, 3);
  row->sellable = row->stock;
  if (sqlite3_column_count (stmt) > 4)
    row->sellable = row->stock - sqlite3_column_int64 (stmt, 4);
  return row;
}

GPtrArray *
pt_store_medicine_rows (PtStore        *self,
                        const gchar    *query,
                        const gchar    *pharmacy_id,
                        PtMedicineSort  sort,
                        gboolean        descending,
                        guint           offset,
                        guint           limit,
                        GError        **error)
{
  g_autofree gchar *q = g_strstrip (g_strdup (query ? query : ""));
  GArray *order;
  sqlite3_stmt *stmt;
  GPtrArray *out;
  guint end;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  order = catalogue_order (self, q, pharmacy_id, sort, descending, error);
  if (order == NULL)
    return NULL;
  end = limit > 0 ? MIN (order->len, offset + limit) : order->len;
  stmt = _pt_store_prepare (self, "SELECT m.id, m.doc, " ROW_STOCK ", " ROW_EXPIRY ", "
                                  ROW_EXPIRED_STOCK " FROM medicines m WHERE m.rowid = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 4, pt_time_now ());

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_medicine_row_free);
  for (guint i = offset; i < end; i++)
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, g_array_index (order, gint64, i));
      if (pharmacy_id != NULL)
        sqlite3_bind_text (stmt, 3, pharmacy_id, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW)
        {
          sqlite3_reset (stmt);
          if (rc == SQLITE_DONE)
            continue;
          g_ptr_array_unref (out);
          _pt_store_set_sqlite_error (self, rc, "catalogue", error);
          return NULL;
        }
      g_ptr_array_add (out, _pt_medicine_row_from_stmt (stmt));
    }
  sqlite3_reset (stmt);
  return out;
}
