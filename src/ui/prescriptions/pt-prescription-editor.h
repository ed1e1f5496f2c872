/* pt-prescription-editor.h: a new prescription in one keyboard flow —
 * patient (search or create inline), prescriber, items (medicine search
 * with stock and nearest expiry; quantity, instructions, dose, refills),
 * notes; Ctrl+S saves to the queue, Ctrl+Enter saves and dispenses. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_PRESCRIPTION_EDITOR (pt_prescription_editor_get_type ())
G_DECLARE_FINAL_TYPE (PtPrescriptionEditor, pt_prescription_editor, PT, PRESCRIPTION_EDITOR, AdwWindow)

/* Signal "saved" (const gchar *prescription_id, gboolean dispense). */
PtPrescriptionEditor *pt_prescription_editor_new (GtkWindow   *parent,
                                                  PtStore     *store,
                                                  const gchar *pharmacy_id,
                                                  const gchar *patient_id);

G_END_DECLS
