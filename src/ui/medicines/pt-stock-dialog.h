/* pt-stock-dialog.h: Receive stock and Adjust stock, one keyboard-driven
 * dialog each (Enter applies, Escape cancels).
 *
 * Signal "done" (const gchar *message): the change was committed; the
 * message is for a toast. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

typedef enum
{
  PT_STOCK_DIALOG_RECEIVE,
  PT_STOCK_DIALOG_ADJUST,
} PtStockDialogKind;

#define PT_TYPE_STOCK_DIALOG (pt_stock_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PtStockDialog, pt_stock_dialog, PT, STOCK_DIALOG, AdwWindow)

GtkWidget *pt_stock_dialog_new (GtkWindow         *parent,
                                PtStore           *store,
                                PtStockDialogKind  kind,
                                const gchar       *medicine_id,
                                const gchar       *medicine_name,
                                const gchar       *pharmacy_id);

/* Parses a signed whole number ("+5", "-2", "3"); FALSE for anything else
 * or zero. */
gboolean pt_stock_parse_delta (const gchar *text,
                               PtQuantity  *out);

G_END_DECLS
