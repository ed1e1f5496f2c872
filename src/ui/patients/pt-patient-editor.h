/* pt-patient-editor.h: new / edit patient, validated against the schema
 * registry by the store (messages shown inline). */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_PATIENT_EDITOR (pt_patient_editor_get_type ())
G_DECLARE_FINAL_TYPE (PtPatientEditor, pt_patient_editor, PT, PATIENT_EDITOR, AdwWindow)

/* @patient_id NULL = a new patient; @initial_name prefills first/last
 * name ("Ada Lovelace" → Ada / Lovelace) for the inline create.
 * Signal "saved" (const gchar *patient_id). */
PtPatientEditor *pt_patient_editor_new (GtkWindow   *parent,
                                        PtStore     *store,
                                        const gchar *patient_id,
                                        const gchar *initial_name);

G_END_DECLS
