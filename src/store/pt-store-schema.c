/* pt-store-schema.c: the tables generated from the schema registry (the
 * migrations between file versions are in pt-store-migrate.c). */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* ---- Tables generated from the registry ------------------------------- */

gchar *
_pt_snake_case (const gchar *camel)
{
  GString *s = g_string_new (NULL);

  for (const gchar *p = camel; *p; p++)
    {
      if (g_ascii_isupper (*p))
        {
          if (s->len > 0)
            g_string_append_c (s, '_');
          g_string_append_c (s, g_ascii_tolower (*p));
        }
      else if (*p == '_' && s->len == 0)
        continue;
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

/* Fields the store's own queries (stock, dispensing, search, sign-in) need
 * as columns, in addition to those the registry flags INDEXED (which also
 * get an index each).  Only the names are listed; their types come from
 * the registry.  Every index costs a page write per insert, so these get
 * none unless store_indexes names one. */
static const struct
{
  const gchar *collection;
  const gchar *fields[10];
} store_query_fields[] = {
  { "medicines", { "name", "genericName", "barcode", "code", "category",
                   "price", "reorderLevel", "active", NULL } },
  { "batches", { "medicineId", "pharmacyId", "lotNumber", "expiryDate", NULL } },
  { "stock_movements", { "batchId", "medicineId", "pharmacyId", "quantity",
                         "kind", "prescriptionId", "at", NULL } },
  { "patients", { "lastName", "dateOfBirth", NULL } },
  { "prescriptions", { "number", "patientId", "pharmacyId", "status", NULL } },
  { "users", { "email", NULL } },
  { "pharmacies", { "name", NULL } },
  /* A column, no index: no query reads a document's trail yet, and an
   * index would cost every audited mutation (every dispense) a page. */
  { "audit_events", { "documentId", NULL } },
};

/* Composite indexes of the store's hot queries (named in INDEXED BY
 * clauses, so the plan never depends on statistics). */
static const struct
{
  const gchar *collection;
  const gchar *name;
  const gchar *columns;
} store_indexes[] = {
  /* FEFO allocation: a medicine's batches at a branch by expiry. */
  { "batches", "batches_fefo", "medicine_id, pharmacy_id, expiry_date" },
  /* Patients by birth date, and listed by name. */
  { "patients", "patients_date_of_birth", "date_of_birth" },
  { "patients", "patients_last_name", "last_name" },
  /* The catalogue's pages: live medicines in name order, and the id its
   * stock and expiry columns need, without reading the documents. */
  { "medicines", "medicines_catalogue", "deleted, name, id" },
  { "medicines", "medicines_by_price", "deleted, price, name" },
  /* A medicine's movements by kind and time: whether it was dispensed to
   * the patient in the last days (a week of one medicine's dispenses, not
   * a patient's whole history), and its ledger. */
  { "stock_movements", "stock_movements_medicine_kind_at", "medicine_id, kind, at" },
};

static gboolean
field_is_column_type (const PtField *f)
{
  switch (f->type)
    {
    case PT_FIELD_STRING:
    case PT_FIELD_INT:
    case PT_FIELD_MONEY:
    case PT_FIELD_BOOL:
    case PT_FIELD_DATE:
    case PT_FIELD_OID:
    case PT_FIELD_ENUM:
      return TRUE;
    case PT_FIELD_DOCUMENT:
    case PT_FIELD_ARRAY:
    default:
      return FALSE;
    }
}

static gboolean
field_is_reserved (const gchar *name)
{
  return g_str_equal (name, "_id") || g_str_equal (name, "deleted")
         || g_str_equal (name, "updatedAt") || g_str_equal (name, "tenantId");
}

GPtrArray *
_pt_store_indexed_fields (const PtCollection *collection)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < collection->n_fields; i++)
    {
      const PtField *f = &collection->fields[i];

      if ((f->flags & PT_FIELD_FLAG_INDEXED) && field_is_column_type (f)
          && !field_is_reserved (f->name))
        g_ptr_array_add (out, (gpointer) f);
    }
  for (guint i = 0; i < G_N_ELEMENTS (store_query_fields); i++)
    {
      if (!g_str_equal (store_query_fields[i].collection, collection->name))
        continue;
      for (guint j = 0; store_query_fields[i].fields[j]; j++)
        {
          const PtField *f = pt_collection_lookup_field (collection,
                                                         store_query_fields[i].fields[j]);
          if (f == NULL || !field_is_column_type (f) || field_is_reserved (f->name))
            {
              g_debug ("%s.%s is not a scalar field of the registry; no column",
                       collection->name, store_query_fields[i].fields[j]);
              continue;
            }
          if (!g_ptr_array_find (out, f, NULL))
            g_ptr_array_add (out, (gpointer) f);
        }
    }
  return out;
}

GPtrArray *
_pt_store_searchable_fields (const PtCollection *collection)
{
  GPtrArray *out = NULL;

  for (guint i = 0; i < collection->n_fields; i++)
    {
      const PtField *f = &collection->fields[i];

      if (!(f->flags & PT_FIELD_FLAG_SEARCHABLE))
        continue;
      if (f->type != PT_FIELD_STRING && f->type != PT_FIELD_ENUM
          && !(f->type == PT_FIELD_ARRAY && f->element_type == PT_FIELD_STRING))
        continue;
      if (out == NULL)
        out = g_ptr_array_new ();
      g_ptr_array_add (out, (gpointer) f);
    }
  return out;
}

static PtCollectionInfo *
collection_info_new (const PtCollection *c)
{
  PtCollectionInfo *info = g_new0 (PtCollectionInfo, 1);
  GString *select = g_string_new ("SELECT rowid, deleted, doc");
  GString *insert = g_string_new (NULL);
  GString *vals = g_string_new ("?1, ?2, ?3, ?4, ?5, ?6, ?7");

  info->collection = c;
  info->cols = _pt_store_indexed_fields (c);
  info->col_names = g_ptr_array_new_with_free_func (g_free);
  info->fts = _pt_store_searchable_fields (c);
  g_string_append_printf (insert, "INSERT INTO \"%s\" (id, doc, stamps, version, base, "
                                  "deleted, updated_at", c->name);
  for (guint i = 0; i < info->cols->len; i++)
    {
      gchar *col = _pt_snake_case (((const PtField *) info->cols->pdata[i])->name);
      g_ptr_array_add (info->col_names, col);
      g_string_append_printf (select, ", \"%s\"", col);
      g_string_append_printf (insert, ", \"%s\"", col);
      g_string_append_printf (vals, ", ?%u", i + 8);
    }
  g_string_append_printf (select, " FROM \"%s\" WHERE id = ?1", c->name);
  g_string_append_printf (insert, ") VALUES (%s)", vals->str);
  info->select_sql = g_string_free (select, FALSE);
  info->insert_sql = g_string_free (insert, FALSE);
  g_string_free (vals, TRUE);
  if (info->fts != NULL)
    {
      GString *fts = g_string_new (NULL);

      g_string_append_printf (fts, "INSERT INTO \"%s_fts\" (rowid", c->name);
      for (guint i = 0; i < info->fts->len; i++)
        {
          g_autofree gchar *col = _pt_snake_case (((const PtField *) info->fts->pdata[i])->name);
          g_string_append_printf (fts, ", \"%s\"", col);
        }
      g_string_append (fts, ") VALUES (?1");
      for (guint i = 0; i < info->fts->len; i++)
        g_string_append_printf (fts, ", ?%u", i + 2);
      g_string_append (fts, ")");
      info->fts_insert_sql = g_string_free (fts, FALSE);
      info->fts_delete_sql = g_strdup_printf ("DELETE FROM \"%s_fts\" WHERE rowid = ?1", c->name);
    }
  return info;
}

/* The registry is static: its derived column lists are computed once per
 * process and shared by every connection and thread. */
const PtCollectionInfo *
_pt_store_collection_info (const PtCollection *collection)
{
  static GHashTable *infos;

  if (g_once_init_enter (&infos))
    {
      GHashTable *table = g_hash_table_new (g_direct_hash, g_direct_equal);
      const PtCollection * const *all;
      guint n = 0;

      all = pt_schema_collections (&n);
      for (guint i = 0; i < n; i++)
        g_hash_table_insert (table, (gpointer) all[i], collection_info_new (all[i]));
      g_once_init_leave (&infos, table);
    }
  return g_hash_table_lookup (infos, collection);
}

static const gchar *
column_decl_type (const PtField *f)
{
  switch (f->type)
    {
    case PT_FIELD_STRING:
    case PT_FIELD_ENUM:
      return "TEXT COLLATE NOCASE";
    case PT_FIELD_OID:
      return "TEXT";
    default:
      return "INTEGER";
    }
}

/* The DDL of one collection: table, indexes, counters, search index. */
static void
collection_ddl (const PtCollection *c,
                GPtrArray          *stmts)
{
  g_autoptr(GPtrArray) cols = _pt_store_indexed_fields (c);
  g_autoptr(GPtrArray) fts = _pt_store_searchable_fields (c);
  GString *t = g_string_new (NULL);

  g_string_append_printf (t,
                          "CREATE TABLE IF NOT EXISTS \"%s\" ("
                          "id TEXT PRIMARY KEY NOT NULL, doc BLOB NOT NULL, "
                          "stamps BLOB, version TEXT, base BLOB, "
                          "deleted INTEGER NOT NULL DEFAULT 0, "
                          "updated_at INTEGER NOT NULL DEFAULT 0",
                          c->name);
  for (guint i = 0; i < cols->len; i++)
    {
      const PtField *f = cols->pdata[i];
      g_autofree gchar *col = _pt_snake_case (f->name);
      g_string_append_printf (t, ", \"%s\" %s", col, column_decl_type (f));
    }
  g_string_append (t, ")");
  g_ptr_array_add (stmts, g_string_free (t, FALSE));

  for (guint i = 0; i < cols->len; i++)
    {
      const PtField *f = cols->pdata[i];
      g_autofree gchar *col = NULL;

      if (!(f->flags & PT_FIELD_FLAG_INDEXED))
        continue;
      col = _pt_snake_case (f->name);
      g_ptr_array_add (stmts, g_strdup_printf ("CREATE INDEX IF NOT EXISTS "
                                               "\"%s_%s\" ON \"%s\"(\"%s\")",
                                               c->name, col, c->name, col));
    }
  for (guint i = 0; i < G_N_ELEMENTS (store_indexes); i++)
    {
      g_auto(GStrv) wanted = NULL;
      gboolean all = TRUE;

      if (!g_str_equal (store_indexes[i].collection, c->name))
        continue;
      wanted = g_strsplit (store_indexes[i].columns, ", ", -1);
      for (guint j = 0; wanted[j] && all; j++)
        {
          gboolean found = g_str_equal (wanted[j], "deleted") || g_str_equal (wanted[j], "id");
          for (guint k = 0; k < cols->len && !found; k++)
            {
              g_autofree gchar *col = _pt_snake_case (((const PtField *) cols->pdata[k])->name);
              found = g_str_equal (col, wanted[j]);
            }
          all = found;
        }
      if (all)
        g_ptr_array_add (stmts, g_strdup_printf ("CREATE INDEX IF NOT EXISTS \"%s\" ON \"%s\"(%s)",
                                                 store_indexes[i].name, c->name,
                                                 store_indexes[i].columns));
    }

  /* Live-document and storage counters, whoever writes the row. */
  g_ptr_array_add (stmts, g_strdup_printf (
    "INSERT OR IGNORE INTO doc_stats(collection) VALUES ('%s')", c->name));
  g_ptr_array_add (stmts, g_strdup_printf (
    "CREATE TRIGGER IF NOT EXISTS \"pt_%s_stats_ai\" AFTER INSERT ON \"%s\" BEGIN "
    "UPDATE doc_stats SET live = live + (NEW.deleted = 0), total = total + 1, "
    "bytes = bytes + length(NEW.doc) WHERE collection = '%s'; END",
    c->name, c->name, c->name));
  g_ptr_array_add (stmts, g_strdup_printf (
    "CREATE TRIGGER IF NOT EXISTS \"pt_%s_stats_au\" AFTER UPDATE OF doc, deleted ON \"%s\" BEGIN "
    "UPDATE doc_stats SET live = live + (NEW.deleted = 0) - (OLD.deleted = 0), "
    "bytes = bytes + length(NEW.doc) - length(OLD.doc) WHERE collection = '%s'; END",
    c->name, c->name, c->name));
  g_ptr_array_add (stmts, g_strdup_printf (
    "CREATE TRIGGER IF NOT EXISTS \"pt_%s_stats_ad\" AFTER DELETE ON \"%s\" BEGIN "
    "UPDATE doc_stats SET live = live - (OLD.deleted = 0), total = total - 1, "
    "bytes = bytes - length(OLD.doc) WHERE collection = '%s'; END",
    c->name, c->name, c->name));

  if (fts != NULL)
    {
      GString *v = g_string_new (NULL);

      g_string_append_printf (v, "CREATE VIRTUAL TABLE IF NOT EXISTS \"%s_fts\" USING fts5(",
                              c->name);
      for (guint i = 0; i < fts->len; i++)
        {
          const PtField *f = fts->pdata[i];
          g_autofree gchar *col = _pt_snake_case (f->name);
          g_string_append_printf (v, "\"%s\", ", col);
        }
      g_string_append (v, "tokenize = 'unicode61 remove_diacritics 2', "
                          "prefix = '1 2 3')");
      g_ptr_array_add (stmts, g_string_free (v, FALSE));
    }
}

/* The stock cache: per batch and per medicine × branch sums of the
 * ledger, maintained by triggers on stock_movements so that every writer
 * (local mutations, sync, import) keeps it exact.  Rebuildable from the
 * ledger (_pt_store_rebuild_derived). */
static void
stock_ddl (const PtCollection *movements,
           GPtrArray          *stmts)
{
  static const gchar *needed[] = { "batchId", "medicineId", "pharmacyId", "quantity" };

  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    if (pt_collection_lookup_field (movements, needed[i]) == NULL)
      {
        g_debug ("stock_movements lacks %s: no stock cache", needed[i]);
        return;
      }

  g_ptr_array_add (stmts, g_strdup (
    "CREATE TRIGGER IF NOT EXISTS pt_stock_ai AFTER INSERT ON stock_movements "
    "WHEN NEW.deleted = 0 AND NEW.batch_id IS NOT NULL BEGIN "
    "INSERT INTO batch_stock(batch_id, medicine_id, pharmacy_id, quantity) "
    "VALUES (NEW.batch_id, NEW.medicine_id, NEW.pharmacy_id, NEW.quantity) "
    "ON CONFLICT(batch_id) DO UPDATE SET quantity = quantity + excluded.quantity; "
    "INSERT INTO medicine_stock(medicine_id, pharmacy_id, quantity) "
    "VALUES (NEW.medicine_id, NEW.pharmacy_id, NEW.quantity) "
    "ON CONFLICT(medicine_id, pharmacy_id) DO UPDATE SET quantity = quantity + excluded.quantity; "
    /* The nearest expiry moves only when the batch's stock crossed zero
     * (a receipt of a new batch, the last box of a batch sold): a
     * dispense that leaves stock in its batch writes no page for it. */
    "UPDATE medicine_stock SET nearest_expiry = "
    PT_STORE_NEAREST_EXPIRY ("NEW.medicine_id", "NEW.pharmacy_id") " "
    "WHERE medicine_id = NEW.medicine_id AND pharmacy_id IS NEW.pharmacy_id "
    "AND (SELECT (quantity > 0) != (quantity - NEW.quantity > 0) FROM batch_stock "
    "     WHERE batch_id = NEW.batch_id) "
    "AND nearest_expiry IS NOT " PT_STORE_NEAREST_EXPIRY ("NEW.medicine_id", "NEW.pharmacy_id") "; "
    "END"));
  g_ptr_array_add (stmts, g_strdup (
    "CREATE TRIGGER IF NOT EXISTS pt_stock_au AFTER UPDATE OF quantity, deleted, batch_id, "
    "medicine_id, pharmacy_id ON stock_movements BEGIN "
    "UPDATE batch_stock SET quantity = quantity - OLD.quantity "
    "WHERE OLD.deleted = 0 AND batch_id = OLD.batch_id; "
    "UPDATE medicine_stock SET quantity = quantity - OLD.quantity "
    "WHERE OLD.deleted = 0 AND medicine_id = OLD.medicine_id AND pharmacy_id IS OLD.pharmacy_id; "
    "INSERT INTO batch_stock(batch_id, medicine_id, pharmacy_id, quantity) "
    "SELECT NEW.batch_id, NEW.medicine_id, NEW.pharmacy_id, NEW.quantity "
    "WHERE NEW.deleted = 0 AND NEW.batch_id IS NOT NULL "
    "ON CONFLICT(batch_id) DO UPDATE SET quantity = quantity + excluded.quantity; "
    "INSERT INTO medicine_stock(medicine_id, pharmacy_id, quantity) "
    "SELECT NEW.medicine_id, NEW.pharmacy_id, NEW.quantity "
    "WHERE NEW.deleted = 0 AND NEW.batch_id IS NOT NULL "
    "ON CONFLICT(medicine_id, pharmacy_id) DO UPDATE SET quantity = quantity + excluded.quantity; "
    /* Rare (a movement corrected by sync): both keys recomputed. */
    "UPDATE medicine_stock SET nearest_expiry = "
    PT_STORE_NEAREST_EXPIRY ("OLD.medicine_id", "OLD.pharmacy_id") " "
    "WHERE medicine_id = OLD.medicine_id AND pharmacy_id IS OLD.pharmacy_id; "
    "UPDATE medicine_stock SET nearest_expiry = "
    PT_STORE_NEAREST_EXPIRY ("NEW.medicine_id", "NEW.pharmacy_id") " "
    "WHERE medicine_id = NEW.medicine_id AND pharmacy_id IS NEW.pharmacy_id; "
    "END"));
  g_ptr_array_add (stmts, g_strdup (
    "CREATE TRIGGER IF NOT EXISTS pt_stock_ad AFTER DELETE ON stock_movements "
    "WHEN OLD.deleted = 0 BEGIN "
    "UPDATE batch_stock SET quantity = quantity - OLD.quantity WHERE batch_id = OLD.batch_id; "
    "UPDATE medicine_stock SET quantity = quantity - OLD.quantity "
    "WHERE medicine_id = OLD.medicine_id AND pharmacy_id IS OLD.pharmacy_id; "
    "UPDATE medicine_stock SET nearest_expiry = "
    PT_STORE_NEAREST_EXPIRY ("OLD.medicine_id", "OLD.pharmacy_id") " "
    "WHERE medicine_id = OLD.medicine_id AND pharmacy_id IS OLD.pharmacy_id; "
    "END"));
  /* A batch's expiry corrected, or the batch deleted: its medicine's
   * nearest expiry at the batch's branch (as the stock cache has them). */
  g_ptr_array_add (stmts, g_strdup (
    "CREATE TRIGGER IF NOT EXISTS pt_batch_expiry_au AFTER UPDATE OF expiry_date, deleted "
    "ON batches BEGIN "
    "UPDATE medicine_stock SET nearest_expiry = "
    PT_STORE_NEAREST_EXPIRY ("medicine_stock.medicine_id", "medicine_stock.pharmacy_id") " "
    "WHERE medicine_id = (SELECT medicine_id FROM batch_stock WHERE batch_id = NEW.id) "
    "AND pharmacy_id IS (SELECT pharmacy_id FROM batch_stock WHERE batch_id = NEW.id); "
    "END"));
  /* A batch that arrives after its movements (sync delivers a branch's
   * documents in any order after a repair): its stock is already in the
   * cache, its expiry only now known. */
  g_ptr_array_add (stmts, g_strdup (
    "CREATE TRIGGER IF NOT EXISTS pt_batch_expiry_ai AFTER INSERT ON batches "
    "WHEN EXISTS (SELECT 1 FROM batch_stock WHERE batch_id = NEW.id) BEGIN "
    "UPDATE medicine_stock SET nearest_expiry = "
    PT_STORE_NEAREST_EXPIRY ("medicine_stock.medicine_id", "medicine_stock.pharmacy_id") " "
    "WHERE medicine_id = (SELECT medicine_id FROM batch_stock WHERE batch_id = NEW.id) "
    "AND pharmacy_id IS (SELECT pharmacy_id FROM batch_stock WHERE batch_id = NEW.id); "
    "END"));
}

static GPtrArray *
registry_ddl (void)
{
  GPtrArray *stmts = g_ptr_array_new_with_free_func (g_free);
  const PtCollection * const *all;
  guint n = 0;

  all = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      collection_ddl (all[i], stmts);
      if (g_str_equal (all[i]->name, "stock_movements"))
        stock_ddl (all[i], stmts);
    }
  return stmts;
}

gboolean
_pt_store_table_has_column (PtStore     *self,
                            const gchar *table,
                            const gchar *column)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT 1 FROM pragma_table_info('%s') "
                                           "WHERE name = ?1", table);
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, column, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

gboolean
_pt_store_table_exists (PtStore     *self,
                        const gchar *name)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  if (sqlite3_prepare_v2 (self->db, "SELECT 1 FROM sqlite_master WHERE name = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

/* Brings the per-collection tables in line with the registry: new tables,
 * new columns (backfilled from the documents), indexes, search indexes.
 * Skipped when the registry's DDL is the one recorded in meta. */
gboolean
_pt_store_ensure_schema (PtStore *self,
                         GError **error)
{
  g_autoptr(GPtrArray) stmts = registry_ddl ();
  g_autoptr(GString) all = g_string_new (NULL);
  g_autofree gchar *fingerprint = NULL;
  g_autofree gchar *recorded = NULL;
  const PtCollection * const *colls;
  gboolean rebuild = FALSE;
  guint n = 0;

  for (guint i = 0; i < stmts->len; i++)
    g_string_append_printf (all, "%s;\n", (gchar *) stmts->pdata[i]);
  fingerprint = g_compute_checksum_for_string (G_CHECKSUM_SHA256, all->str, all->len);
  recorded = _pt_store_meta_get (self, "registry_ddl");
  if (g_strcmp0 (recorded, fingerprint) == 0)
    return TRUE;

  if (!_pt_store_begin (self, error))
    return FALSE;

  colls = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      const PtCollection *c = colls[i];
      g_autoptr(GPtrArray) cols = NULL;
      g_autoptr(GPtrArray) fts = NULL;
      g_autofree gchar *fts_name = NULL;

      if (!_pt_store_table_exists (self, c->name))
        continue;               /* created below with all its columns */
      cols = _pt_store_indexed_fields (c);
      for (guint j = 0; j < cols->len; j++)
        {
          const PtField *f = cols->pdata[j];
          g_autofree gchar *col = _pt_snake_case (f->name);

          if (!_pt_store_table_has_column (self, c->name, col))
            {
              g_autofree gchar *sql = g_strdup_printf ("ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s",
                                                       c->name, col, column_decl_type (f));
              if (!_pt_store_exec (self, sql, error))
                goto fail;
              rebuild = TRUE;
            }
        }
      /* A search index whose columns changed is recreated and refilled. */
      fts = _pt_store_searchable_fields (c);
      fts_name = g_strdup_printf ("%s_fts", c->name);
      if (_pt_store_table_exists (self, fts_name))
        {
          gboolean same = fts != NULL;

          for (guint j = 0; same && j < fts->len; j++)
            {
              g_autofree gchar *col = _pt_snake_case (((const PtField *) fts->pdata[j])->name);
              same = _pt_store_table_has_column (self, fts_name, col);
            }
          if (!same)
            {
              g_autofree gchar *sql = g_strdup_printf ("DROP TABLE \"%s\"", fts_name);
              if (!_pt_store_exec (self, sql, error))
                goto fail;
              rebuild = TRUE;
            }
        }
      else if (fts != NULL)
        rebuild = TRUE;
    }

  /* Indexes the registry or the store no longer want go: each one costs
   * a page write per insert. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) unwanted = g_ptr_array_new_with_free_func (g_free);
      g_autofree gchar *sql = g_strdup_printf ("SELECT name FROM sqlite_master WHERE type = 'index' "
                                               "AND tbl_name = '%s' AND sql IS NOT NULL",
                                               colls[i]->name);
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        continue;
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const gchar *name = (const gchar *) sqlite3_column_text (stmt, 0);
          g_autofree gchar *pattern = g_strdup_printf ("\"%s\" ON", name);

          if (!strstr (all->str, pattern))
            g_ptr_array_add (unwanted, g_strdup (name));
        }
      sqlite3_finalize (stmt);
      for (guint j = 0; j < unwanted->len; j++)
        {
          g_autofree gchar *drop = g_strdup_printf ("DROP INDEX \"%s\"",
                                                    (gchar *) unwanted->pdata[j]);
          if (!_pt_store_exec (self, drop, error))
            goto fail;
        }
    }

  /* Triggers are recreated from the current registry. */
  if (!_pt_store_exec (self,
                       "DROP TRIGGER IF EXISTS pt_stock_ai; "
                       "DROP TRIGGER IF EXISTS pt_stock_au; "
                       "DROP TRIGGER IF EXISTS pt_stock_ad; "
                       "DROP TRIGGER IF EXISTS pt_batch_expiry_au", error))
    goto fail;

  for (guint i = 0; i < stmts->len; i++)
    if (!_pt_store_exec (self, stmts->pdata[i], error))
      goto fail;

  if (rebuild && !_pt_store_rebuild_derived (self, error))
    goto fail;
  if (!_pt_store_meta_set (self, "registry_ddl", fingerprint, error))
    goto fail;
  return _pt_store_commit (self, error);

fail:
  _pt_store_rollback (self);
  return FALSE;
}
