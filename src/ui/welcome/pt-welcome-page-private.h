/* pt-welcome-page-private.h: shared by pt-welcome-page.c and
 * pt-welcome-connect.c (connecting this counter to a pharmacy). */
#pragma once

#include "pt-welcome-page.h"

G_BEGIN_DECLS

struct _PtWelcomePage
{
  GtkWidget       parent_instance;

  GtkButton      *back_button;
  GtkStack       *stack;
  AdwStatusPage  *progress_page;
  GtkProgressBar *progress_bar;
  AdwEntryRow    *uri_row;
  AdwEntryRow    *tenant_row;
  GtkLabel       *connect_message;
  GtkProgressBar *connect_progress;
  GtkButton      *connect_button;
  GtkButton      *connect_cancel_button;
  AdwEntryRow    *tenant_name_row;
  AdwEntryRow    *branch_name_row;
  AdwComboRow    *currency_row;
  AdwEntryRow    *owner_name_row;
  AdwEntryRow    *owner_email_row;
  AdwPasswordEntryRow *owner_password_row;
  AdwPasswordEntryRow *owner_confirm_row;
  GtkLabel       *new_message;
  GtkButton      *create_button;

  GtkButton      *enrolment_file_button;
  AdwActionRow   *key_row;
  GtkButton      *key_file_button;
  GtkButton      *key_clear_button;
  AdwActionRow   *connect_row;

  gboolean        built;            /* the template is instantiated */
  gchar          *data_dir;
  /* Connecting (pt-welcome-connect.c). */
  GObject        *engine;           /* PtSyncEngine of the first sync */
  gulong          engine_status_id;
  GCancellable   *connect_cancellable;
  gchar          *database;         /* from an enrolment file; NULL = default */
  gchar          *key_file;         /* the pharmacy's encryption key file; NULL = none */
  gboolean        connecting;
  gboolean        resuming;         /* an unfinished enrolment store exists */
  guint           pulse_id;
  /* Demo progress, written by the worker, read by a timeout. */
  gint            demo_done;
  gint            demo_total;
  guint           progress_id;
};

void _pt_welcome_page_show_view          (PtWelcomePage *self,
                                          const gchar   *name);
void _pt_welcome_page_emit_store_created (PtWelcomePage *self,
                                          PtStore       *store,
                                          const gchar   *email);

void _pt_welcome_connect_init            (PtWelcomePage *self);
void _pt_welcome_connect_dispose         (PtWelcomePage *self);
/* Template callbacks. */
void _pt_welcome_connect_activated_cb    (PtWelcomePage *self);
void _pt_welcome_connect_clicked_cb      (PtWelcomePage *self);
void _pt_welcome_connect_cancel_cb       (PtWelcomePage *self);
void _pt_welcome_enrolment_file_cb       (PtWelcomePage *self);
void _pt_welcome_key_file_cb             (PtWelcomePage *self);
void _pt_welcome_key_clear_cb            (PtWelcomePage *self);

G_END_DECLS
