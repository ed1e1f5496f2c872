/* pt-rx-list-model.h: prescriptions as a GListModel of PtRxItem — the
 * counter's queue, the recent prescriptions (with a text filter) or one
 * patient's history.  Reloading replaces only the items that changed, so
 * views keep their rows, selection and focus.  No GTK. */
#pragma once

#include <gio/gio.h>
#include "pt-item-list.h"
#include "pt-rx-item.h"
#include "pt-store.h"

G_BEGIN_DECLS

typedef enum
{
  PT_RX_LIST_QUEUE,     /* open prescriptions + those done today, oldest first */
  PT_RX_LIST_RECENT,    /* the latest, newest first, filtered by text */
  PT_RX_LIST_PATIENT,   /* one patient's prescriptions, newest first */
} PtRxListKind;

#define PT_RX_LIST_RECENT_LIMIT 500

#define PT_TYPE_RX_LIST_MODEL (pt_rx_list_model_get_type ())
G_DECLARE_FINAL_TYPE (PtRxListModel, pt_rx_list_model, PT, RX_LIST_MODEL, PtItemList)

PtRxListModel *pt_rx_list_model_new             (PtRxListKind   kind);
PtRxListKind   pt_rx_list_model_get_kind        (PtRxListModel *self);
/* Each setter only records; pt_rx_list_model_reload() reads the store. */
void           pt_rx_list_model_set_store       (PtRxListModel *self,
                                                 PtStore       *store);
void           pt_rx_list_model_set_pharmacy_id (PtRxListModel *self,
                                                 const gchar   *pharmacy_id);
void           pt_rx_list_model_set_patient_id  (PtRxListModel *self,
                                                 const gchar   *patient_id);
/* RECENT: only prescriptions whose number or patient name contains
 * @text (case-insensitive). */
void           pt_rx_list_model_set_filter_text (PtRxListModel *self,
                                                 const gchar   *text);
/* Reads the store again (nothing when no one is signed in: the list is
 * emptied).  FALSE with @error when the store failed; the items stay. */
gboolean       pt_rx_list_model_reload          (PtRxListModel *self,
                                                 GError       **error);
/* The position of the prescription @id, or -1. */
gint           pt_rx_list_model_find            (PtRxListModel *self,
                                                 const gchar   *id);

G_END_DECLS
