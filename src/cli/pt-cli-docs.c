/* pt-cli-docs.c: `put`, `get`, `delete`, `list` and `search`. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pt-cli-private.h"

/* Inputs above this are refused before parsing; documents above
 * PT_DOCUMENT_MAX_BYTES after it. */
#define MAX_INPUT_BYTES (64 * 1024 * 1024)
#define LIST_PAGE 1000

static gboolean
check_collection (PtCli *cli, const gchar *name, int *status)
{
  g_autoptr(GError) error = NULL;

  if (pt_schema_lookup_checked (name, &error) == NULL)
    {
      *status = pt_cli_fail (cli, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_id (PtCli *cli, const gchar *id, int *status)
{
  if (!pt_oid_is_valid (id))
    {
      *status = pt_cli_fail_msg (cli, _("“%s” is not a document id (24 hex digits)."), id);
      return FALSE;
    }
  return TRUE;
}

int
pt_cli_cmd_put (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *file = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *id = NULL;
  g_autoptr(GError) error = NULL;
  bson_t *doc;
  gsize length = 0;
  int status;
  const GOptionEntry entries[] = {
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file,
      N_("Read the document from F instead of stdin"), N_("F") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, _("COLLECTION"),
                     _("Creates or updates one document of COLLECTION from relaxed or "
                       "canonical MongoDB Extended JSON (as mongoexport writes it), read "
                       "from --file or stdin.  Without _id a new document is created; with "
                       "the _id of an existing one it is replaced (upsert).  tenantId may be "
                       "omitted; when present it must be this store’s tenant.  Prints the "
                       "document id."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 1, 1, &status))
    return status;
  if (!check_collection (cli, argv[1], &status))
    return status;

  text = pt_cli_read_input (file, MAX_INPUT_BYTES, &length, &error);
  if (text == NULL)
    return pt_cli_fail (cli, error);
  doc = pt_cli_parse_document (text, length, &error);
  if (doc == NULL)
    return pt_cli_fail (cli, error);

  if (!pt_cli_open_store (cli))
    {
      bson_destroy (doc);
      return PT_CLI_EXIT_FAILURE;
    }

  id = pt_store_put (cli->store, argv[1], doc, &error);
  bson_destroy (doc);
  if (id == NULL)
    return pt_cli_fail (cli, error);

  g_print ("%s\n", id);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_get (PtCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  bson_t *doc;
  int status;

  if (!pt_cli_parse (cli, &argc, &argv, NULL, _("COLLECTION ID"),
                     _("Prints the document as relaxed Extended JSON on one line.  A deleted "
                       "document is printed too; it carries \"deleted\": true."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 2, 2, &status))
    return status;
  if (!check_collection (cli, argv[1], &status) || !check_id (cli, argv[2], &status))
    return status;
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  doc = pt_store_get (cli->store, argv[1], argv[2], &error);
  if (doc == NULL)
    return pt_cli_fail (cli, error);
  pt_cli_print_document (doc);
  bson_destroy (doc);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_delete (PtCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!pt_cli_parse (cli, &argc, &argv, NULL, _("COLLECTION ID"),
                     _("Deletes a document: it is marked \"deleted\": true (a tombstone that "
                       "syncs to the cloud); nothing is erased."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 2, 2, &status))
    return status;
  if (!check_collection (cli, argv[1], &status) || !check_id (cli, argv[2], &status))
    return status;
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  if (!pt_store_delete (cli->store, argv[1], argv[2], &error))
    return pt_cli_fail (cli, error);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_list (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *limit_text = NULL;
  g_autofree gchar *pharmacy = NULL;
  g_autoptr(GError) error = NULL;
  gboolean include_deleted = FALSE;
  gint64 limit = 0;
  guint offset = 0;
  int status;
  const GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_STRING, &limit_text,
      N_("Print at most N documents"), N_("N") },
    { "include-deleted", 0, 0, G_OPTION_ARG_NONE, &include_deleted,
      N_("Print deleted documents (tombstones) too"), NULL },
    { "pharmacy", 0, 0, G_OPTION_ARG_STRING, &pharmacy,
      N_("Only documents of this pharmacy (where the collection has one)"), N_("ID") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, _("COLLECTION"),
                     _("Prints the documents of COLLECTION in _id order, one relaxed Extended "
                       "JSON document per line (the format of mongoexport)."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 1, 1, &status))
    return status;
  if (limit_text != NULL
      && !pt_cli_parse_int (limit_text, "--limit", 1, G_MAXUINT, &limit, &error))
    return pt_cli_usage (cli, "%s", error->message);
  if (pharmacy != NULL && !check_id (cli, pharmacy, &status))
    return status;
  if (!check_collection (cli, argv[1], &status))
    return status;
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  /* Page through so a 100,000-document collection streams. */
  for (;;)
    {
      g_autoptr(GPtrArray) page = NULL;
      PtListOptions options = { 0 };

      options.offset = offset;
      options.limit = LIST_PAGE;
      if (limit > 0)
        options.limit = MIN ((gint64) LIST_PAGE, limit - offset);
      options.include_deleted = include_deleted;
      options.pharmacy_id = pharmacy;

      page = pt_store_list (cli->store, argv[1], &options, &error);
      if (page == NULL)
        return pt_cli_fail (cli, error);
      for (guint i = 0; i < page->len; i++)
        pt_cli_print_document (g_ptr_array_index (page, i));
      offset += page->len;
      if (page->len < options.limit || (limit > 0 && offset >= limit))
        break;
    }

  if (fflush (stdout) != 0)
    return pt_cli_fail_msg (cli, _("Could not write the output."));
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_search (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *limit_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  const gchar *collection;
  gint64 limit = 20;
  int status;
  const GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_STRING, &limit_text,
      N_("Print at most N results (default 20)"), N_("N") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, _("medicines|patients QUERY"),
                     _("Searches medicines by name, generic name, code, manufacturer (word "
                       "prefixes) or exact barcode, or patients by name, phone or date of "
                       "birth (YYYY-MM-DD).  Prints the matching documents, best first, one "
                       "relaxed Extended JSON document per line; no match prints nothing."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 2, 2, &status))
    return status;
  if (limit_text != NULL
      && !pt_cli_parse_int (limit_text, "--limit", 1, 100000, &limit, &error))
    return pt_cli_usage (cli, "%s", error->message);

  collection = argv[1];
  if (strcmp (collection, "medicines") != 0 && strcmp (collection, "patients") != 0)
    return pt_cli_usage (cli, _("can search “medicines” or “patients”, not “%s”"), collection);
  if (!g_utf8_validate (argv[2], -1, NULL))
    return pt_cli_fail_msg (cli, _("The search text is not valid UTF-8."));
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  if (strcmp (collection, "medicines") == 0)
    ids = pt_store_search_medicines (cli->store, argv[2], limit, &error);
  else
    ids = pt_store_search_patients (cli->store, argv[2], limit, &error);
  if (ids == NULL)
    return pt_cli_fail (cli, error);

  for (guint i = 0; i < ids->len; i++)
    {
      bson_t *doc = pt_store_get (cli->store, collection, g_ptr_array_index (ids, i), &error);

      if (doc == NULL)
        return pt_cli_fail (cli, error);
      pt_cli_print_document (doc);
      bson_destroy (doc);
    }
  return PT_CLI_EXIT_OK;
}
