/* pt-store-import.c: export and import of documents as relaxed Extended
 * JSON, one document per line (mongoexport / mongoimport), from a file or
 * an http(s) URL. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <libsoup/soup.h>

#include "pt-store-impl.h"

/* A line longer than this is refused without being kept in memory; it is
 * well above what a document of PT_DOCUMENT_MAX_BYTES takes as JSON. */
#define MAX_LINE_BYTES (16 * 1024 * 1024)
/* The report lists this many bad lines, then how many more there were. */
#define MAX_REPORTED_ERRORS 100

/* ---- Export ------------------------------------------------------------- */

static gboolean
export_collection (PtStore            *self,
                   const PtCollection *c,
                   gboolean            include_deleted,
                   GOutputStream      *out,
                   gint64             *n,
                   GError            **error)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT doc FROM \"%s\" WHERE deleted = 0 OR ?1 "
                                           "ORDER BY id", c->name);
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* Not the statement cache: the loop below may run for long and nothing
   * else must reuse the statement meanwhile. */
  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _pt_store_set_sqlite_error (self, rc, "export", error);
  sqlite3_bind_int (stmt, 1, include_deleted ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      bson_t doc;
      gchar *json;
      size_t len = 0;
      gboolean ok;

      if (!bson_init_static (&doc, sqlite3_column_blob (stmt, 0),
                             (size_t) sqlite3_column_bytes (stmt, 0)))
        continue;
      json = bson_as_relaxed_extended_json (&doc, &len);
      if (json == NULL)
        continue;
      ok = g_output_stream_write_all (out, json, len, NULL, NULL, error)
           && g_output_stream_write_all (out, "\n", 1, NULL, NULL, error);
      bson_free (json);
      if (!ok)
        {
          sqlite3_finalize (stmt);
          return FALSE;
        }
      (*n)++;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "export", error);
  return TRUE;
}

gint64
pt_store_export (PtStore       *self,
                 const gchar   *collection,
                 gboolean       include_deleted,
                 GOutputStream *out,
                 GError       **error)
{
  gint64 n = 0;

  g_return_val_if_fail (PT_IS_STORE (self), -1);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), -1);

  if (!pt_role_check (self->role, PT_PERM_IMPORT_EXPORT, error))
    return -1;
  if (collection != NULL)
    {
      const PtCollection *c = pt_schema_lookup_checked (collection, error);
      if (c == NULL || !export_collection (self, c, include_deleted, out, &n, error))
        return -1;
    }
  else
    {
      const PtCollection * const *all;
      guint n_all = 0;

      all = pt_schema_collections (&n_all);
      for (guint i = 0; i < n_all; i++)
        if (!export_collection (self, all[i], include_deleted, out, &n, error))
          return -1;
    }
  if (!g_output_stream_flush (out, NULL, error))
    return -1;
  return n;
}

/* ---- Reading lines ------------------------------------------------------ */

typedef struct
{
  GInputStream *in;
  GCancellable *cancellable;
  gchar         buf[64 * 1024];
  gsize         pos, len;
  gboolean      eof;
  gint64        done, total;
  PtProgressFunc progress;
  gpointer      progress_data;
} LineReader;

/* The next line (without its newline) into @line; *@too_long when it
 * passed MAX_LINE_BYTES (its content is then dropped).  FALSE at the end
 * or on error. */
static gboolean
read_line (LineReader *r,
           GString    *line,
           gboolean   *too_long,
           GError    **error)
{
  g_string_truncate (line, 0);
  *too_long = FALSE;
  for (;;)
    {
      gchar *nl;
      gsize chunk;
      gssize got;

      if (r->pos < r->len)
        {
          nl = memchr (r->buf + r->pos, '\n', r->len - r->pos);
          chunk = nl ? (gsize) (nl - (r->buf + r->pos)) : r->len - r->pos;
          if (!*too_long && line->len + chunk > MAX_LINE_BYTES)
            {
              *too_long = TRUE;
              g_string_truncate (line, 0);
            }
          if (!*too_long)
            g_string_append_len (line, r->buf + r->pos, chunk);
          r->pos += chunk;
          if (nl != NULL)
            {
              r->pos++;
              return TRUE;
            }
        }
      if (r->eof)
        return line->len > 0 || *too_long;
      got = g_input_stream_read (r->in, r->buf, sizeof r->buf, r->cancellable, error);
      if (got < 0)
        return FALSE;
      r->pos = 0;
      r->len = (gsize) got;
      r->done += got;
      if (got == 0)
        r->eof = TRUE;
      if (r->progress != NULL)
        r->progress (r->done, r->total, r->progress_data);
    }
}

/* ---- Import ------------------------------------------------------------- */

void
pt_import_report_free (PtImportReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->errors, g_ptr_array_unref);
  g_free (report);
}

typedef struct
{
  gint64  line;
  gchar  *message;
} LineError;

static void
report_error (PtImportReport *report,
              GArray         *errors,
              gint64          line,
              const gchar    *message)
{
  LineError e = { line, g_strdup (message) };

  report->rejected++;
  g_array_append_val (errors, e);
}

static gint
line_error_compare (gconstpointer a,
                    gconstpointer b)
{
  gint64 la = ((const LineError *) a)->line, lb = ((const LineError *) b)->line;
  return la < lb ? -1 : la > lb;
}

static void
line_error_clear (gpointer data)
{
  g_free (((LineError *) data)->message);
}

/* The report lists the bad lines in file order, the first ones only. */
static void
fill_report (PtImportReport *report,
             GArray         *errors)
{
  g_array_sort (errors, line_error_compare);
  for (guint i = 0; i < errors->len && i < MAX_REPORTED_ERRORS; i++)
    {
      LineError *e = &g_array_index (errors, LineError, i);
      g_ptr_array_add (report->errors, g_strdup_printf (_("line %" PRId64 ": %s"),
                                                        e->line, e->message));
    }
  if (errors->len > MAX_REPORTED_ERRORS)
    g_ptr_array_add (report->errors,
                     g_strdup_printf (_("… and %u more bad lines."),
                                      errors->len - MAX_REPORTED_ERRORS));
}

static gboolean
all_blank (const GString *s)
{
  for (gsize i = 0; i < s->len; i++)
    if (!g_ascii_isspace (s->str[i]))
      return FALSE;
  return TRUE;
}

typedef struct
{
  gint64  line;
  bson_t *doc;
} ParsedLine;

static void
parsed_line_free (ParsedLine *p)
{
  bson_destroy (p->doc);
  g_free (p);
}

gboolean
pt_store_import (PtStore         *self,
                 const gchar     *collection,
                 GInputStream    *in,
                 PtImportReport **report_out,
                 PtProgressFunc   progress,
                 gpointer         progress_data,
                 GCancellable    *cancellable,
                 GError         **error)
{
  static const PtWriteOptions opts = { .skip_permission = TRUE, .no_audit = TRUE, .import = TRUE };
  g_autoptr(PtImportReport) report = g_new0 (PtImportReport, 1);
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func ((GDestroyNotify) parsed_line_free);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GArray) errors = g_array_new (FALSE, FALSE, sizeof (LineError));
  g_autofree LineReader *reader = g_new0 (LineReader, 1);
  const PtCollection *c;
  gint64 line_no = 0;
  gboolean too_long = FALSE;
  GError *read_error = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (in), FALSE);

  report->errors = g_ptr_array_new_with_free_func (g_free);
  g_array_set_clear_func (errors, line_error_clear);
  if (report_out != NULL)
    *report_out = NULL;
  if (!pt_role_check (self->role, PT_PERM_IMPORT_EXPORT, error))
    return FALSE;
  c = pt_schema_lookup_checked (collection, error);
  if (c == NULL)
    return FALSE;

  /* 1. Read and parse every line first: the write lock is only taken once
   * the whole file is here (a slow download never blocks the counter). */
  reader->in = in;
  reader->cancellable = cancellable;
  reader->total = -1;
  reader->progress = progress;
  reader->progress_data = progress_data;
  if (g_object_get_data (G_OBJECT (in), "pt-import-total") != NULL)
    reader->total = *(gint64 *) g_object_get_data (G_OBJECT (in), "pt-import-total");
  while (read_line (reader, line, &too_long, &read_error))
    {
      bson_error_t bson_error;
      bson_t *doc;

      line_no++;
      if (too_long)
        {
          g_autofree gchar *msg = g_strdup_printf (_("the line is longer than %d MB; a document "
                                                     "may be at most %d MB."),
                                                   MAX_LINE_BYTES / (1024 * 1024),
                                                   PT_DOCUMENT_MAX_BYTES / (1024 * 1024));
          report_error (report, errors, line_no, msg);
          continue;
        }
      if (line->len > 0 && line->str[line->len - 1] == '\r')
        g_string_truncate (line, line->len - 1);
      if (all_blank (line))
        continue;
      if (!g_utf8_validate_len (line->str, line->len, NULL))
        {
          report_error (report, errors, line_no, _("the text is not valid UTF-8; save the file as UTF-8."));
          continue;
        }
      doc = bson_new_from_json ((const uint8_t *) line->str, (gssize) line->len, &bson_error);
      if (doc == NULL)
        {
          g_debug ("import line %" G_GINT64_FORMAT ": %s", line_no, bson_error.message);
          report_error (report, errors, line_no,
                        _("this is not a valid Extended JSON document (it may be cut off "
                          "or malformed)."));
          continue;
        }
      {
        ParsedLine *p = g_new0 (ParsedLine, 1);
        p->line = line_no;
        p->doc = doc;
        g_ptr_array_add (parsed, p);
      }
    }
  if (read_error != NULL)
    {
      g_debug ("import read failed: %s", read_error->message);
      if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, PT_ERROR, PT_ERROR_CANCELLED, _("The import was cancelled; nothing was imported."));
      else
        g_set_error (error, PT_ERROR, PT_ERROR_IO,
                     _("The import could not be read to the end; nothing was imported."));
      g_error_free (read_error);
      return FALSE;
    }

  /* 2. Validate and write everything in one transaction; any bad line
   * rolls all of it back. */
  if (!_pt_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < parsed->len; i++)
    {
      ParsedLine *p = parsed->pdata[i];
      g_autoptr(GError) doc_error = NULL;
      gboolean changed = FALSE;

      if (!_pt_store_begin (self, &doc_error))
        {
          report_error (report, errors, p->line, doc_error->message);
          break;
        }
      if (!_pt_store_write_doc (self, c, NULL, p->doc, TRUE, &opts, NULL, &changed, &doc_error))
        {
          _pt_store_rollback (self);
          report_error (report, errors, p->line, doc_error->message);
          continue;
        }
      if (!_pt_store_commit (self, &doc_error))
        {
          report_error (report, errors, p->line, doc_error->message);
          continue;
        }
      if (changed)
        report->imported++;
    }

  if (report->rejected > 0)
    {
      _pt_store_rollback (self);
      fill_report (report, errors);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%" PRId64 " line is not a valid %s document; "
                                "nothing was imported. First: %s",
                                "%" PRId64 " lines are not valid %s documents; "
                                "nothing was imported. First: %s",
                                report->rejected),
                   report->rejected, c->name, (gchar *) report->errors->pdata[0]);
      report->imported = 0;
      if (report_out != NULL)
        *report_out = g_steal_pointer (&report);
      return FALSE;
    }

  if (report->imported > 0)
    {
      g_autofree gchar *what = g_strdup_printf ("%" G_GINT64_FORMAT, report->imported);
      if (!_pt_store_audit (self, c->name, "*", "import", NULL, what, error))
        {
          _pt_store_rollback (self);
          return FALSE;
        }
    }
  if (!_pt_store_commit (self, error))
    return FALSE;
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return TRUE;
}

/* ---- Sources ------------------------------------------------------------ */

static GInputStream *
with_total (GInputStream *in,
            gint64        size,
            gint64       *total)
{
  gint64 *copy = g_new (gint64, 1);

  *copy = size;
  /* pt_store_import reports progress against it. */
  g_object_set_data_full (G_OBJECT (in), "pt-import-total", copy, g_free);
  if (total != NULL)
    *total = size;
  return in;
}

GInputStream *
pt_open_import_source (const gchar  *path_or_url,
                       gint64       *total,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path_or_url != NULL, NULL);

  if (total != NULL)
    *total = -1;
  if (g_str_has_prefix (path_or_url, "http://") || g_str_has_prefix (path_or_url, "https://"))
    {
      g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60,
                                                                      "idle-timeout", 60,
                                                                      NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", path_or_url);
      g_autoptr(GInputStream) in = NULL;
      guint status;
      gint64 size = -1;

      if (msg == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("“%s” is not a valid web address."), path_or_url);
          return NULL;
        }
      in = soup_session_send (session, msg, cancellable, &local_error);
      if (in == NULL)
        {
          g_debug ("GET %s: %s", path_or_url, local_error->message);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_set_error (error, PT_ERROR, PT_ERROR_CANCELLED, _("The download was cancelled."));
          else
            g_set_error (error, PT_ERROR, PT_ERROR_NETWORK,
                         _("Could not download %s; check the address and the internet "
                           "connection."), path_or_url);
          return NULL;
        }
      status = soup_message_get_status (msg);
      if (status < 200 || status >= 300)
        {
          g_set_error (error, PT_ERROR, status == 404 ? PT_ERROR_NOT_FOUND : PT_ERROR_NETWORK,
                       _("The server answered “%u %s” for %s."), status,
                       soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "",
                       path_or_url);
          return NULL;
        }
      if (soup_message_headers_get_encoding (soup_message_get_response_headers (msg))
          == SOUP_ENCODING_CONTENT_LENGTH)
        size = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
      /* The stream keeps the session and message alive while it is read. */
      g_object_set_data_full (G_OBJECT (in), "pt-soup-session", g_object_ref (session),
                              g_object_unref);
      g_object_set_data_full (G_OBJECT (in), "pt-soup-message", g_object_ref (msg),
                              g_object_unref);
      return with_total (g_steal_pointer (&in), size, total);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path_or_url);
      g_autoptr(GFileInputStream) in = g_file_read (file, cancellable, &local_error);
      g_autoptr(GFileInfo) info = NULL;
      gint64 size = -1;

      if (in == NULL)
        {
          g_debug ("open %s: %s", path_or_url, local_error->message);
          g_set_error (error, PT_ERROR,
                       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                       ? PT_ERROR_NOT_FOUND : PT_ERROR_IO,
                       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                       ? _("There is no file “%s”.") : _("The file “%s” cannot be read."),
                       path_or_url);
          return NULL;
        }
      info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
      if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
        size = g_file_info_get_size (info);
      return with_total (G_INPUT_STREAM (g_steal_pointer (&in)), size, total);
    }
}
