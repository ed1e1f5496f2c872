/* pt-rx-list-row.h: the one row that shows a prescription — in the
 * counter queue, the Prescriptions page and a patient's history. */
#pragma once

#include <adwaita.h>
#include "pt-rx-item.h"

G_BEGIN_DECLS

typedef enum
{
  PT_RX_ROW_QUEUE,      /* the queue column says the status: time and what is owed */
  PT_RX_ROW_LIST,       /* a list of any status: the status pill and the date */
} PtRxRowStyle;

#define PT_TYPE_RX_LIST_ROW (pt_rx_list_row_get_type ())
G_DECLARE_FINAL_TYPE (PtRxListRow, pt_rx_list_row, PT, RX_LIST_ROW, AdwActionRow)

GtkWidget   *pt_rx_list_row_new      (PtRxItem     *item,
                                      const gchar  *currency,
                                      PtRxRowStyle  style);
PtRxItem    *pt_rx_list_row_get_item (PtRxListRow  *self);
const gchar *pt_rx_list_row_get_id   (PtRxListRow  *self);

G_END_DECLS
