/* pt-medicine-editor.h: New / Edit / Change price of a medicine, a form
 * generated from the schema registry and checked with pt_schema_validate.
 *
 * Signal "done" (const gchar *message): saved; the message is for a toast. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

typedef enum
{
  PT_EDITOR_NEW,
  PT_EDITOR_EDIT,
  PT_EDITOR_PRICE,   /* only the price fields */
} PtEditorMode;

#define PT_TYPE_MEDICINE_EDITOR (pt_medicine_editor_get_type ())
G_DECLARE_FINAL_TYPE (PtMedicineEditor, pt_medicine_editor, PT, MEDICINE_EDITOR, AdwWindow)

GtkWidget *pt_medicine_editor_new (GtkWindow    *parent,
                                   PtStore      *store,
                                   PtEditorMode  mode,
                                   const gchar  *medicine_id);

/* TRUE for the fields only PT_PERM_EDIT_PRICE may change. */
gboolean   pt_medicine_field_is_price (const PtField *field);

G_END_DECLS
