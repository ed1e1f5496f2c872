/* pt-store-catalogue.c: the catalogue's search results in pieces (see the
 * header).  Each statement here is planned from an index so that its cost
 * follows what it returns, not the size of the catalogue. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include "pt-store-catalogue.h"
#include "pt-store-impl.h"

/* Upper bound of a NOCASE prefix range: the prefix followed by the largest
 * code point sorts after every string that starts with the prefix. */
#define PREFIX_END "\xf4\x8f\xbf\xbf"

static gchar *
stripped (const gchar *query)
{
  return g_strstrip (g_strdup (query ? query : ""));
}

static GArray *
collect_rowids (PtStore      *self,
                sqlite3_stmt *stmt,
                GError      **error)
{
  GArray *rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (rowids, rowid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_array_unref (rowids);
      _pt_store_set_sqlite_error (self, rc, "catalogue", error);
      return NULL;
    }
  return rowids;
}

GArray *
pt_store_catalogue_barcode_rowids (PtStore      *self,
                                   const gchar  *query,
                                   GError      **error)
{
  g_autofree gchar *q = stripped (query);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  if (*q == '\0')
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  stmt = _pt_store_prepare (self, "SELECT rowid FROM medicines INDEXED BY medicines_barcode "
                                  "WHERE barcode = ?1 AND +deleted = 0 ORDER BY name, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, q, -1, SQLITE_TRANSIENT);
  return collect_rowids (self, stmt, error);
}

guint
pt_store_catalogue_name_count (PtStore     *self,
                               const gchar *prefix)
{
  g_autofree gchar *q = stripped (prefix);
  g_autofree gchar *end = NULL;
  sqlite3_stmt *stmt;
  guint n = 0;

  g_return_val_if_fail (PT_IS_STORE (self), 0);

  if (*q == '\0')
    return (guint) pt_store_count (self, "medicines");
  end = g_strconcat (q, PREFIX_END, NULL);
  /* The covering catalogue index: no row is read. */
  stmt = _pt_store_prepare (self, "SELECT count(*) FROM medicines INDEXED BY medicines_catalogue "
                                  "WHERE deleted = 0 AND name >= ?1 AND name < ?2", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, q, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, end, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

GArray *
pt_store_catalogue_name_rowids (PtStore      *self,
                                const gchar  *prefix,
                                guint         offset,
                                guint         limit,
                                GError      **error)
{
  g_autofree gchar *q = stripped (prefix);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  /* An OFFSET walks the covering index only: a few milliseconds even deep
   * into 100,000 medicines, and nothing to keep between pages. */
  if (*q == '\0')
    stmt = _pt_store_prepare (self, "SELECT rowid FROM medicines INDEXED BY medicines_catalogue "
                                    "WHERE deleted = 0 ORDER BY name, id LIMIT ?3 OFFSET ?4", error);
  else
    stmt = _pt_store_prepare (self, "SELECT rowid FROM medicines INDEXED BY medicines_catalogue "
                                    "WHERE deleted = 0 AND name >= ?1 AND name < ?2 "
                                    "ORDER BY name, id LIMIT ?3 OFFSET ?4", error);
  if (stmt == NULL)
    return NULL;
  if (*q != '\0')
    {
      g_autofree gchar *end = g_strconcat (q, PREFIX_END, NULL);

      sqlite3_bind_text (stmt, 1, q, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, end, -1, SQLITE_TRANSIENT);
    }
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 4, offset);
  return collect_rowids (self, stmt, error);
}

GArray *
pt_store_catalogue_other_rowids (PtStore      *self,
                                 const gchar  *query,
                                 GError      **error)
{
  g_autofree gchar *q = stripped (query);
  g_autofree gchar *fts = NULL;
  g_autofree gchar *end = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  fts = *q ? _pt_fts_prefix_query (q, NULL) : NULL;
  if (fts == NULL)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  end = g_strconcat (q, PREFIX_END, NULL);
  /* Names come from the search index's own copy: sorting the matches never
   * reads a medicine's document.  The index holds live medicines only.
   * Its text of a name may carry the name's digits after it, so a match
   * whose text starts with the query is checked against the name itself
   * (only those: the names listed first). */
  stmt = _pt_store_prepare (self, "SELECT f.rowid FROM medicines_fts f WHERE medicines_fts MATCH ?1 "
                                  "AND NOT (f.name >= ?2 COLLATE NOCASE AND f.name < ?3 COLLATE NOCASE "
                                  "AND EXISTS (SELECT 1 FROM medicines m WHERE m.rowid = f.rowid "
                                  "AND m.name >= ?2 AND m.name < ?3)) "
                                  "ORDER BY f.name COLLATE NOCASE, f.rowid", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, fts, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, q, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, end, -1, SQLITE_TRANSIENT);
  return collect_rowids (self, stmt, error);
}

guint
pt_store_catalogue_match_count (PtStore     *self,
                                const gchar *query)
{
  g_autofree gchar *q = stripped (query);
  g_autofree gchar *fts = NULL;
  sqlite3_stmt *stmt;
  guint n = 0;

  g_return_val_if_fail (PT_IS_STORE (self), 0);

  fts = *q ? _pt_fts_prefix_query (q, NULL) : NULL;
  if (fts == NULL)
    return 0;
  /* The index's doclists only: no row, no name is read. */
  stmt = _pt_store_prepare (self, "SELECT count(*) FROM medicines_fts WHERE medicines_fts MATCH ?1", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, fts, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

GArray *
pt_store_catalogue_other_rowids_page (PtStore      *self,
                                      const gchar  *query,
                                      gint64        after_rowid,
                                      guint         limit,
                                      GError      **error)
{
  g_autofree gchar *q = stripped (query);
  g_autofree gchar *fts = NULL;
  g_autofree gchar *end = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (limit > 0, NULL);

  fts = *q ? _pt_fts_prefix_query (q, NULL) : NULL;
  if (fts == NULL)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  end = g_strconcat (q, PREFIX_END, NULL);
  /* The name index in order from the last medicine listed, keeping the
   * search's matches (their rowids, from the index's doclists, are a set
   * built once per page) and leaving out the names listed first.  A page
   * costs what it walks: with many matches — the short queries, where
   * reading them all took 140–356 ms — a few hundred index entries. */
  if (after_rowid == 0)
    stmt = _pt_store_prepare (self, "SELECT m.rowid FROM medicines m INDEXED BY medicines_catalogue "
                                    "WHERE m.deleted = 0 "
                                    "AND NOT (m.name >= ?2 AND m.name < ?3) "
                                    "AND m.rowid IN (SELECT rowid FROM medicines_fts WHERE medicines_fts MATCH ?1) "
                                    "ORDER BY m.name, m.id LIMIT ?5", error);
  else
    stmt = _pt_store_prepare (self, "SELECT m.rowid FROM medicines m INDEXED BY medicines_catalogue "
                                    "WHERE m.deleted = 0 "
                                    "AND (m.name, m.id) > (SELECT name, id FROM medicines WHERE rowid = ?4) "
                                    "AND NOT (m.name >= ?2 AND m.name < ?3) "
                                    "AND m.rowid IN (SELECT rowid FROM medicines_fts WHERE medicines_fts MATCH ?1) "
                                    "ORDER BY m.name, m.id LIMIT ?5", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, fts, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, q, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, end, -1, SQLITE_TRANSIENT);
  if (after_rowid != 0)
    sqlite3_bind_int64 (stmt, 4, after_rowid);
  sqlite3_bind_int64 (stmt, 5, limit);
  return collect_rowids (self, stmt, error);
}

/* A row's keys (pt-store-private.h): ?2 the branch, ?3 now. */
#define ROW_STOCK PT_STORE_ROW_STOCK ("?2")
#define ROW_EXPIRY PT_STORE_ROW_EXPIRY ("?2")
#define ROW_EXPIRED_STOCK PT_STORE_ROW_EXPIRED_STOCK ("?2", "?3")

GArray *
pt_store_catalogue_sorted_rowids (PtStore        *self,
                                  const gchar    *query,
                                  const gchar    *pharmacy_id,
                                  PtMedicineSort  sort,
                                  gboolean        descending,
                                  guint           offset,
                                  guint           limit,
                                  GError        **error)
{
  g_autofree gchar *q = stripped (query);
  g_autofree gchar *fts = NULL;
  g_autofree gchar *sql = NULL;
  const gchar *dir = descending ? "DESC" : "ASC";
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (limit > 0, NULL);

  fts = *q ? _pt_fts_prefix_query (q, NULL) : NULL;
  if (fts == NULL)
    fts = g_strdup ("\"\"");
  /* The search's matches as a set (from the index's doclists, and the
   * barcode), the same as pt_store_medicine_rows lists. */
#define MATCHES "m.rowid IN (SELECT rowid FROM medicines_fts WHERE medicines_fts MATCH ?1 " \
                "UNION SELECT rowid FROM medicines WHERE barcode = ?3)"
  switch (sort)
    {
    case PT_MEDICINE_SORT_PRICE:
      /* In the price index's order: the walk stops after the page. */
      sql = g_strdup_printf ("SELECT m.rowid FROM medicines m INDEXED BY medicines_by_price "
                             "WHERE m.deleted = 0 AND " MATCHES " "
                             "ORDER BY m.price %s, m.name %s, m.rowid %s LIMIT ?4 OFFSET ?5",
                             dir, dir, dir);
      break;
    case PT_MEDICINE_SORT_STOCK:
      /* No index can hold stock: the first offset + limit are kept while
       * the matches are read (a bounded sort, not a full ordering). */
      sql = g_strdup_printf ("SELECT m.rowid, " ROW_STOCK " AS k FROM medicines m "
                             "WHERE " MATCHES " AND +m.deleted = 0 "
                             "ORDER BY k %s, m.name %s, m.rowid %s LIMIT ?4 OFFSET ?5",
                             dir, dir, dir);
      break;
    case PT_MEDICINE_SORT_EXPIRY:
      /* Medicines without stock last whichever the direction. */
      sql = g_strdup_printf ("SELECT m.rowid, coalesce(" ROW_EXPIRY ", %s) AS k FROM medicines m "
                             "WHERE " MATCHES " AND +m.deleted = 0 "
                             "ORDER BY k %s, m.name %s, m.rowid %s LIMIT ?4 OFFSET ?5",
                             descending ? "-1" : "9223372036854775807", dir, dir, dir);
      break;
    case PT_MEDICINE_SORT_NAME:
    default:
      sql = g_strdup_printf ("SELECT m.rowid FROM medicines m INDEXED BY medicines_catalogue "
                             "WHERE m.deleted = 0 AND " MATCHES " "
                             "ORDER BY m.name %s, m.id %s LIMIT ?4 OFFSET ?5", dir, dir);
      break;
    }
#undef MATCHES
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, fts, -1, SQLITE_TRANSIENT);
  /* ?2, the branch of the stock and expiry keys: NULL = every branch. */
  if (pharmacy_id != NULL && sqlite3_bind_parameter_index (stmt, "?2") > 0)
    sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, q, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, limit);
  sqlite3_bind_int64 (stmt, 5, offset);
  return collect_rowids (self, stmt, error);
}

GPtrArray *
pt_store_catalogue_rows (PtStore      *self,
                         const gint64 *rowids,
                         guint         n_rowids,
                         const gchar  *pharmacy_id,
                         GError      **error)
{
  g_autoptr(GPtrArray) out = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (rowids != NULL || n_rowids == 0, NULL);

  stmt = _pt_store_prepare (self, "SELECT m.id, m.doc, " ROW_STOCK ", " ROW_EXPIRY ", "
                                  ROW_EXPIRED_STOCK " FROM medicines m "
                                  "WHERE m.rowid = ?1 AND m.deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 3, pt_time_now ());

  out = g_ptr_array_new_full (n_rowids, (GDestroyNotify) pt_medicine_row_free);
  for (guint i = 0; i < n_rowids; i++)
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, rowids[i]);
      if (pharmacy_id != NULL)
        sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (stmt, 2);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        {
          g_ptr_array_add (out, NULL);
          continue;
        }
      if (rc != SQLITE_ROW)
        {
          sqlite3_reset (stmt);
          _pt_store_set_sqlite_error (self, rc, "catalogue", error);
          return NULL;
        }
      g_ptr_array_add (out, _pt_medicine_row_from_stmt (stmt));
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&out);
}
