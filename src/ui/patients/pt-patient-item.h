/* pt-patient-item.h: one patient of a search as an immutable GObject, and
 * the text forms of a patient document shared by the pages.  No GTK. */
#pragma once

#include <glib-object.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_PATIENT_ITEM (pt_patient_item_get_type ())
G_DECLARE_FINAL_TYPE (PtPatientItem, pt_patient_item, PT, PATIENT_ITEM, GObject)

PtPatientItem *pt_patient_item_new             (const gchar   *id,
                                                const bson_t  *patient);
const gchar   *pt_patient_item_get_id          (PtPatientItem *self);
const gchar   *pt_patient_item_get_name        (PtPatientItem *self);
const gchar   *pt_patient_item_get_description (PtPatientItem *self);
gboolean       pt_patient_item_has_allergies   (PtPatientItem *self);

/* "Ada Lovelace" */
gchar  *pt_patient_display_name     (const bson_t *patient);
/* "born 1 Jan 1980 · +44 20 7946 0001 · allergies: amoxicillin" */
gchar  *pt_patient_describe         (const bson_t *patient);
/* Parses the allergies field: one per line or comma, "category:
 * penicillins" for a category, otherwise a generic name.  Returns a
 * BSON array document for "allergies" (may be empty). */
bson_t *pt_patient_parse_allergies  (const gchar  *text);
/* The reverse, for editing: "amoxicillin, category: penicillins". */
gchar  *pt_patient_format_allergies (const bson_t *patient);

G_END_DECLS
