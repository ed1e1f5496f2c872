/* pt-medicine-detail.h: one medicine's fields, batches and ledger. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_MEDICINE_DETAIL (pt_medicine_detail_get_type ())
G_DECLARE_FINAL_TYPE (PtMedicineDetail, pt_medicine_detail, PT, MEDICINE_DETAIL, GtkWidget)

/* Shows @medicine_id (NULL: the empty state). */
void pt_medicine_detail_show (PtMedicineDetail *self,
                              PtStore          *store,
                              const gchar      *pharmacy_id,
                              const gchar      *medicine_id);

/* Formats one schema field's value of @doc for display; NULL when absent
 * or not shown (ids, embedded documents). */
gchar *pt_medicine_field_to_text (const PtField *field,
                                  const bson_t  *doc,
                                  const gchar   *currency);
/* "Receipt", "Adjustment", … for a stock movement kind. */
const gchar *pt_movement_kind_label (const gchar *kind);

G_END_DECLS
