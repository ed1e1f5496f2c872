/* pt-dispense-dialog.h: dispense one prescription — the FEFO allocation
 * per batch, each warning acknowledged, an override reason when a
 * clinical warning needs one, payment (cash with change, card,
 * insurance) and the labels. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_DISPENSE_DIALOG (pt_dispense_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PtDispenseDialog, pt_dispense_dialog, PT, DISPENSE_DIALOG, AdwWindow)

/* Signal "dispensed" (const gchar *prescription_id) after a successful
 * dispense (with its payment and labels). */
PtDispenseDialog *pt_dispense_dialog_new (GtkWindow   *parent,
                                          PtStore     *store,
                                          const gchar *prescription_id);

G_END_DECLS
