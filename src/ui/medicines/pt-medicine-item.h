/* pt-medicine-item.h: one catalogue row as a GObject, for list views. */
#pragma once

#include <glib-object.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_MEDICINE_ITEM (pt_medicine_item_get_type ())
G_DECLARE_FINAL_TYPE (PtMedicineItem, pt_medicine_item, PT, MEDICINE_ITEM, GObject)

/* Takes ownership of @row (NULL makes a blank placeholder). */
PtMedicineItem *pt_medicine_item_new           (PtMedicineRow *row,
                                                const gchar   *currency,
                                                PtTime         now);
/* Takes @row (same medicine, fresh figures) and notifies the changes. */
void            pt_medicine_item_update        (PtMedicineItem *self,
                                                PtMedicineRow  *row,
                                                const gchar    *currency,
                                                PtTime          now);
const gchar    *pt_medicine_item_get_id        (PtMedicineItem *self);
const gchar    *pt_medicine_item_get_name      (PtMedicineItem *self);
const gchar    *pt_medicine_item_get_barcode   (PtMedicineItem *self);
PtQuantity      pt_medicine_item_get_stock     (PtMedicineItem *self);
/* The stock not in expired batches: what can be sold. */
PtQuantity      pt_medicine_item_get_sellable  (PtMedicineItem *self);
PtTime          pt_medicine_item_get_nearest_expiry (PtMedicineItem *self);
gboolean        pt_medicine_item_get_low_stock (PtMedicineItem *self);
const PtMedicineRow *pt_medicine_item_get_row  (PtMedicineItem *self);

G_END_DECLS
