/* pt-dispense-model.c: a dispense plan as list models. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "pt-dispense-model.h"
#include "pt-ui-util.h"

/* Days before expiry from which a batch is short-dated (as the store). */
#define SHORT_DATED_DAYS 30

struct _PtAllocationItem
{
  GObject     parent_instance;

  gchar      *title;
  gchar      *subtitle;
  gchar      *quantity_text;
  gchar      *accessible_name;
  PtQuantity  quantity;
  gboolean    short_dated;
};

G_DEFINE_FINAL_TYPE (PtAllocationItem, pt_allocation_item, G_TYPE_OBJECT)

static void
pt_allocation_item_finalize (GObject *object)
{
  PtAllocationItem *self = PT_ALLOCATION_ITEM (object);

  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->quantity_text);
  g_free (self->accessible_name);
  G_OBJECT_CLASS (pt_allocation_item_parent_class)->finalize (object);
}

static void
pt_allocation_item_class_init (PtAllocationItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_allocation_item_finalize;
}

static void
pt_allocation_item_init (PtAllocationItem *self)
{
}

static PtAllocationItem *
allocation_item_new (const PtAllocation *a,
                     PtTime              now)
{
  PtAllocationItem *self = g_object_new (PT_TYPE_ALLOCATION_ITEM, NULL);
  g_autofree gchar *date = pt_ui_format_date (a->expiry_date);
  gint64 days = (a->expiry_date - now) / PT_MS_PER_DAY;

  self->quantity = a->quantity;
  self->short_dated = a->expiry_date - now < SHORT_DATED_DAYS * PT_MS_PER_DAY;
  self->title = g_strdup_printf (_("Lot %s"), a->lot_number);
  self->subtitle = self->short_dated
                   ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "Expires %s — in %" PRId64 " day, short-dated",
                                                   "Expires %s — in %" PRId64 " days, short-dated",
                                                   days), date, days)
                   : g_strdup_printf (_("Expires %s"), date);
  self->quantity_text = g_strdup_printf ("× %" PRId64, a->quantity);
  /* Translators: accessible name of a batch to pick: "Lot A123, expires 12 Mar 2027: take 15" */
  self->accessible_name = g_strdup_printf (_("Lot %s, expires %s: take %" PRId64), a->lot_number,
                                           date, a->quantity);
  return self;
}

#define GETTER(Type, type, field, ret) \
  ret pt_##type##_get_##field (Type *self) \
  { \
    g_return_val_if_fail (G_TYPE_CHECK_INSTANCE_TYPE (self, pt_##type##_get_type ()), 0); \
    return self->field; \
  }

GETTER (PtAllocationItem, allocation_item, title, const gchar *)
GETTER (PtAllocationItem, allocation_item, subtitle, const gchar *)
GETTER (PtAllocationItem, allocation_item, quantity_text, const gchar *)
GETTER (PtAllocationItem, allocation_item, accessible_name, const gchar *)
GETTER (PtAllocationItem, allocation_item, quantity, PtQuantity)
GETTER (PtAllocationItem, allocation_item, short_dated, gboolean)

struct _PtDispenseLineItem
{
  GObject     parent_instance;

  gchar      *title;
  gchar      *subtitle;
  gchar      *count_text;
  gboolean    partial;
  GListStore *allocations;
};

G_DEFINE_FINAL_TYPE (PtDispenseLineItem, pt_dispense_line_item, G_TYPE_OBJECT)

static void
pt_dispense_line_item_finalize (GObject *object)
{
  PtDispenseLineItem *self = PT_DISPENSE_LINE_ITEM (object);

  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->count_text);
  g_clear_object (&self->allocations);
  G_OBJECT_CLASS (pt_dispense_line_item_parent_class)->finalize (object);
}

static void
pt_dispense_line_item_class_init (PtDispenseLineItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_dispense_line_item_finalize;
}

static void
pt_dispense_line_item_init (PtDispenseLineItem *self)
{
  self->allocations = g_list_store_new (PT_TYPE_ALLOCATION_ITEM);
}

GETTER (PtDispenseLineItem, dispense_line_item, title, const gchar *)
GETTER (PtDispenseLineItem, dispense_line_item, subtitle, const gchar *)
GETTER (PtDispenseLineItem, dispense_line_item, count_text, const gchar *)
GETTER (PtDispenseLineItem, dispense_line_item, partial, gboolean)

#undef GETTER

GListModel *
pt_dispense_line_item_get_allocations (PtDispenseLineItem *self)
{
  g_return_val_if_fail (PT_IS_DISPENSE_LINE_ITEM (self), NULL);
  return G_LIST_MODEL (self->allocations);
}

/* "Calmora 250 mg tablets": name, strength and form. */
static gchar *
medicine_title (PtStore     *store,
                const gchar *medicine_id)
{
  g_autoptr(bson_t) medicine = medicine_id ? pt_store_get (store, "medicines", medicine_id, NULL)
                                           : NULL;
  const gchar *name = medicine ? pt_bson_get_string (medicine, "name") : NULL;
  const gchar *parts[] = {
    medicine ? pt_bson_get_string (medicine, "strength") : NULL,
    medicine ? pt_bson_get_string (medicine, "form") : NULL,
  };
  GString *title;

  if (medicine == NULL)
    return g_strdup (_("Unknown medicine"));
  title = g_string_new (name ? name : "");
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL && *parts[i] != '\0')
      g_string_append_printf (title, " %s", parts[i]);
  return g_string_free (title, FALSE);
}

static PtDispenseLineItem *
line_item_new (PtStore              *store,
               const PtDispenseLine *line,
               PtTime                now)
{
  PtDispenseLineItem *self = g_object_new (PT_TYPE_DISPENSE_LINE_ITEM, NULL);

  self->title = medicine_title (store, line->medicine_id);
  self->partial = line->allocated < line->requested;
  if (line->requested == 0)
    self->subtitle = g_strdup (_("Already dispensed in full."));
  else if (self->partial)
    /* Translators: "15 of 20 — 5 still owed after this fill" */
    self->subtitle = g_strdup_printf (_("%" PRId64 " of %" PRId64 " — %" PRId64
                                        " still owed after this fill"),
                                      line->allocated, line->requested,
                                      line->requested - line->allocated);
  else
    self->subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " from %u batch",
                                                   "%" PRId64 " from %u batches",
                                                   line->allocations->len),
                                      line->allocated, line->allocations->len);
  self->count_text = g_strdup_printf ("%" PRId64, line->allocated);
  for (guint i = 0; i < line->allocations->len; i++)
    {
      g_autoptr(PtAllocationItem) a = allocation_item_new (line->allocations->pdata[i], now);
      g_list_store_append (self->allocations, a);
    }
  return self;
}

GListModel *
pt_dispense_model_new (PtStore              *store,
                       const PtDispensePlan *plan,
                       PtTime                now)
{
  GListStore *lines = g_list_store_new (PT_TYPE_DISPENSE_LINE_ITEM);

  g_return_val_if_fail (PT_IS_STORE (store), NULL);
  g_return_val_if_fail (plan != NULL, NULL);

  for (guint i = 0; i < plan->lines->len; i++)
    {
      g_autoptr(PtDispenseLineItem) line = line_item_new (store, plan->lines->pdata[i], now);
      g_list_store_append (lines, line);
    }
  return G_LIST_MODEL (lines);
}
