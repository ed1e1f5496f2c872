/* pt-cli-stock.c: `receive`, `adjust`, `dispense`, `cancel` and `stock`. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "pt-cli-private.h"

static gboolean
require (PtCli *cli, const gchar *value, const gchar *option, int *status)
{
  if (value == NULL || *value == '\0')
    {
      *status = pt_cli_usage (cli, _("%s is required"), option);
      return FALSE;
    }
  return TRUE;
}

static gboolean
require_id (PtCli *cli, const gchar *value, const gchar *option, int *status)
{
  if (!require (cli, value, option, status))
    return FALSE;
  if (!pt_oid_is_valid (value))
    {
      *status = pt_cli_usage (cli, _("%s must be a document id (24 hex digits), not “%s”"),
                              option, value);
      return FALSE;
    }
  return TRUE;
}

int
pt_cli_cmd_receive (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *medicine = NULL;
  g_autofree gchar *lot = NULL;
  g_autofree gchar *expiry = NULL;
  g_autofree gchar *quantity = NULL;
  g_autofree gchar *cost = NULL;
  g_autofree gchar *pharmacy = NULL;
  g_autofree gchar *supplier = NULL;
  g_autofree gchar *batch_id = NULL;
  g_autoptr(GError) error = NULL;
  PtReceipt receipt = { 0 };
  gint64 value;
  int status;
  const GOptionEntry entries[] = {
    { "medicine", 0, 0, G_OPTION_ARG_STRING, &medicine, N_("The medicine’s id"), N_("ID") },
    { "lot", 0, 0, G_OPTION_ARG_STRING, &lot, N_("The lot (batch) number"), N_("LOT") },
    { "expiry", 0, 0, G_OPTION_ARG_STRING, &expiry, N_("Expiry date"), N_("YYYY-MM-DD") },
    { "quantity", 0, 0, G_OPTION_ARG_STRING, &quantity,
      N_("Quantity received, in base units (tablets, ml)"), N_("N") },
    { "cost", 0, 0, G_OPTION_ARG_STRING, &cost,
      N_("Cost price per base unit in minor units (cents)"), N_("MINOR") },
    { "pharmacy", 0, 0, G_OPTION_ARG_STRING, &pharmacy,
      N_("The receiving pharmacy (default: this counter’s branch)"), N_("ID") },
    { "supplier", 0, 0, G_OPTION_ARG_STRING, &supplier, N_("The supplier"), N_("NAME") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Receives a batch of a medicine: creates the batch and its receipt "
                       "movement in the stock ledger, in one transaction.  The quantity must "
                       "be positive and the expiry date in the future.  Prints the batch id."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status)
      || !require_id (cli, medicine, "--medicine", &status)
      || !require (cli, lot, "--lot", &status)
      || !require (cli, expiry, "--expiry", &status)
      || !require (cli, quantity, "--quantity", &status))
    return status;
  if (pharmacy != NULL && !require_id (cli, pharmacy, "--pharmacy", &status))
    return status;

  receipt.medicine_id = medicine;
  receipt.lot_number = lot;
  receipt.pharmacy_id = pharmacy;
  receipt.supplier = supplier;
  if (!pt_date_parse (expiry, &receipt.expiry_date, &error))
    return pt_cli_usage (cli, "--expiry: %s", error->message);
  if (!pt_cli_parse_int (quantity, "--quantity", G_MININT64, G_MAXINT64, &value, &error))
    return pt_cli_usage (cli, "%s", error->message);
  receipt.quantity = value;
  if (cost != NULL)
    {
      if (!pt_cli_parse_int (cost, "--cost", G_MININT64, G_MAXINT64, &value, &error))
        return pt_cli_usage (cli, "%s", error->message);
      receipt.cost_price = value;
    }

  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  batch_id = pt_store_receive_stock (cli->store, &receipt, &error);
  if (batch_id == NULL)
    return pt_cli_fail (cli, error);
  g_print ("%s\n", batch_id);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_adjust (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *batch = NULL;
  g_autofree gchar *quantity = NULL;
  g_autofree gchar *reason = NULL;
  g_autofree gchar *movement_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 delta;
  int status;
  const GOptionEntry entries[] = {
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batch, N_("The batch id"), N_("ID") },
    { "quantity", 0, 0, G_OPTION_ARG_STRING, &quantity,
      N_("Signed change in base units: -3 removes three, +5 adds five"), N_("±N") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why (required; kept in the ledger and the audit log)"), N_("TEXT") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Adjusts the stock of a batch with a signed movement in the ledger "
                       "(stock count corrections, breakage).  Prints the movement id."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status)
      || !require_id (cli, batch, "--batch", &status)
      || !require (cli, quantity, "--quantity", &status)
      || !require (cli, reason, "--reason", &status))
    return status;
  if (!pt_cli_parse_int (quantity, "--quantity", G_MININT64 + 1, G_MAXINT64, &delta, &error))
    return pt_cli_usage (cli, "%s", error->message);
  if (delta == 0)
    return pt_cli_usage (cli, _("--quantity must not be zero"));

  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  movement_id = pt_store_adjust_stock (cli->store, batch, delta, reason, &error);
  if (movement_id == NULL)
    return pt_cli_fail (cli, error);
  g_print ("%s\n", movement_id);
  return PT_CLI_EXIT_OK;
}

static gchar *
medicine_label (PtStore *store, const gchar *id)
{
  bson_t *doc = pt_store_get (store, "medicines", id, NULL);
  gchar *label;

  if (doc == NULL)
    return g_strdup (id);
  label = g_strjoin (" ", pt_bson_get_string (doc, "name") ?: id,
                     pt_bson_get_string (doc, "strength") ?: "",
                     pt_bson_get_string (doc, "form") ?: "", NULL);
  g_strchomp (label);
  bson_destroy (doc);
  return label;
}

int
pt_cli_cmd_dispense (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *prescription = NULL;
  g_autofree gchar *override_reason = NULL;
  g_autofree gchar *total = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  int status;
  const GOptionEntry entries[] = {
    { "prescription", 0, 0, G_OPTION_ARG_STRING, &prescription,
      N_("The prescription id"), N_("ID") },
    { "override-reason", 0, 0, G_OPTION_ARG_STRING, &override_reason,
      N_("Dispense despite warnings (short-dated stock, partial fill, allergy, duplicate); "
         "the reason is audited"), N_("TEXT") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Dispenses what a prescription still needs, first-expiry-first-out "
                       "across the branch’s non-expired batches, in one transaction.  With "
                       "warnings (not enough stock, short-dated stock, an allergy, a "
                       "duplicate) nothing is dispensed unless --override-reason is given.  "
                       "Expired stock is never used.  Prints what was taken from which batch."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status)
      || !require_id (cli, prescription, "--prescription", &status))
    return status;
  if (override_reason != NULL && *override_reason == '\0')
    return pt_cli_usage (cli, _("--override-reason must not be empty"));

  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  plan = pt_store_dispense (cli->store, prescription, override_reason, pt_time_now (), &error);
  if (plan == NULL)
    return pt_cli_fail (cli, error);

  for (guint i = 0; i < plan->lines->len; i++)
    {
      PtDispenseLine *line = g_ptr_array_index (plan->lines, i);
      g_autofree gchar *label = medicine_label (cli->store, line->medicine_id);

      for (guint j = 0; line->allocations && j < line->allocations->len; j++)
        {
          PtAllocation *a = g_ptr_array_index (line->allocations, j);
          g_autofree gchar *expiry = pt_time_format_iso (a->expiry_date, TRUE);

          g_print (_("%s: %" PRId64 " from lot %s (expires %s)\n"),
                   label, a->quantity, a->lot_number, expiry);
        }
      if (line->allocated < line->requested)
        g_print (_("%s: %" PRId64 " still owed\n"),
                 label, line->requested - line->allocated);
    }
  total = pt_money_format (plan->total, pt_store_get_currency (cli->store));
  g_print (_("Total: %s\n"), total);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_cancel (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *prescription = NULL;
  g_autofree gchar *reason = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  const GOptionEntry entries[] = {
    { "prescription", 0, 0, G_OPTION_ARG_STRING, &prescription,
      N_("The prescription id"), N_("ID") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why (required; audited)"), N_("TEXT") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Cancels a prescription: everything dispensed for it goes back to "
                       "stock with return movements, and its status becomes cancelled.  "
                       "A prescription can be cancelled only once."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status)
      || !require_id (cli, prescription, "--prescription", &status)
      || !require (cli, reason, "--reason", &status))
    return status;

  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  if (!pt_store_cancel_prescription (cli->store, prescription, reason, &error))
    return pt_cli_fail (cli, error);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_stock (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *medicine = NULL;
  g_autofree gchar *pharmacy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean json = FALSE;
  PtQuantity total = 0;
  int status;
  const GOptionEntry entries[] = {
    { "medicine", 0, 0, G_OPTION_ARG_STRING, &medicine, N_("The medicine id"), N_("ID") },
    { "pharmacy", 0, 0, G_OPTION_ARG_STRING, &pharmacy,
      N_("Only this pharmacy (default: all branches)"), N_("ID") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Prints the stock on hand of a medicine per batch, nearest expiry "
                       "first, and the total — each the sum of the batch’s ledger movements."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status)
      || !require_id (cli, medicine, "--medicine", &status))
    return status;
  if (pharmacy != NULL && !require_id (cli, pharmacy, "--pharmacy", &status))
    return status;

  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  /* A clear "not found" instead of an empty table for a wrong id. */
  {
    bson_t *doc = pt_store_get (cli->store, "medicines", medicine, &error);
    if (doc == NULL)
      return pt_cli_fail (cli, error);
    bson_destroy (doc);
  }

  batches = pt_store_batch_stock (cli->store, medicine, pharmacy, &error);
  if (batches == NULL)
    return pt_cli_fail (cli, error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree gchar *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "medicineId");
      json_builder_add_string_value (builder, medicine);
      json_builder_set_member_name (builder, "batches");
      json_builder_begin_array (builder);
      for (guint i = 0; i < batches->len; i++)
        {
          PtBatchStock *b = g_ptr_array_index (batches, i);
          g_autofree gchar *expiry = pt_time_format_iso (b->expiry_date, TRUE);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "batchId");
          json_builder_add_string_value (builder, b->batch_id);
          json_builder_set_member_name (builder, "lotNumber");
          json_builder_add_string_value (builder, b->lot_number);
          json_builder_set_member_name (builder, "expiryDate");
          json_builder_add_string_value (builder, expiry);
          json_builder_set_member_name (builder, "pharmacyId");
          json_builder_add_string_value (builder, b->pharmacy_id);
          json_builder_set_member_name (builder, "quantity");
          json_builder_add_int_value (builder, b->quantity);
          json_builder_end_object (builder);
          total += b->quantity;
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "total");
      json_builder_add_int_value (builder, total);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
      return PT_CLI_EXIT_OK;
    }

  g_string_append_printf (out, "%-24s  %-16s  %-10s  %10s\n",
                          _("BATCH"), _("LOT"), _("EXPIRY"), _("QUANTITY"));
  for (guint i = 0; i < batches->len; i++)
    {
      PtBatchStock *b = g_ptr_array_index (batches, i);
      g_autofree gchar *expiry = pt_time_format_iso (b->expiry_date, TRUE);

      g_string_append_printf (out, "%-24s  %-16s  %-10s  %10" PRId64 "%s\n",
                              b->batch_id, b->lot_number, expiry, b->quantity,
                              b->expiry_date < pt_time_now () ? _("  (expired)") : "");
      total += b->quantity;
    }
  g_string_append_printf (out, "%-24s  %-16s  %-10s  %10" PRId64 "\n",
                          _("TOTAL"), "", "", total);
  g_print ("%s", out->str);
  return PT_CLI_EXIT_OK;
}
