/* pt-window-private.h: shared between pt-window.c and pt-window-actions.c. */
#pragma once

#include "pt-window.h"
#include "pt-counter-page.h"
#include "pt-medicines-page.h"
#include "pt-patients-page.h"
#include "pt-prescriptions-page.h"
#include "pt-reports-page.h"
#include "pt-signin-page.h"
#include "pt-sync-page.h"
#include "pt-welcome-page.h"

G_BEGIN_DECLS

struct _PtWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  GtkStack             *main_stack;
  PtWelcomePage        *welcome_page;
  PtSigninPage         *signin_page;
  AdwStatusPage        *error_page;
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkListBox           *sidebar_list;
  GtkLabel             *branch_label;
  AdwWindowTitle       *window_title;
  GtkMenuButton        *primary_menu_button;
  GtkMenuButton        *user_button;
  GMenuModel           *primary_menu;
  GMenuModel           *user_menu;
  GtkButton            *sync_button;
  GtkImage             *sync_icon;
  GtkLabel             *sync_label;
  AdwViewStack         *view_stack;
  /* The pages' slots; a page is built on its first visit and NULL until
   * then (pt-window-pages.c). */
  AdwBin               *counter_slot;
  AdwBin               *prescriptions_slot;
  AdwBin               *medicines_slot;
  AdwBin               *patients_slot;
  AdwBin               *reports_slot;
  AdwBin               *sync_slot;
  PtMedicinesPage      *medicines_page;
  PtSyncPage           *sync_page;
  PtCounterPage        *counter_page;
  PtPrescriptionsPage  *prescriptions_page;
  PtPatientsPage       *patients_page;
  PtReportsPage        *reports_page;

  /* state */
  gchar                *data_dir;
  GSettings            *settings;
  PtStore              *store;
  gulong                committed_id;
  gchar                *pharmacy_id;
  gchar                *pharmacy_name;
  gchar                *user_id;
  gchar                *user_email;
  gchar                *user_name;
  GPtrArray            *recent_emails;  /* who signed in at this counter */
  guint                 status_timeout_id;
  GObject              *sync_engine;    /* PtSyncEngine when connected */
  gulong                engine_status_id;
  gulong                offline_changed_id;
  GCancellable         *secret_cancellable;
  GtkWindow            *help_overlay;   /* built on first use */
  /* Until the first frame is on screen the sync engine waits (its
   * worker, the network monitor and the keyring lookup compete with the
   * first frame for the CPU and the main thread). */
  gboolean              first_frame_drawn;
  gboolean              sync_start_pending;
};

void _pt_window_install_actions   (PtWindowClass *klass);
void _pt_window_update_actions    (PtWindow *self);
void _pt_window_show_page         (PtWindow    *self,
                                   const gchar *name);
void _pt_window_lock              (PtWindow *self,
                                   gboolean  switch_user);
/* pt-window-pages.c */
GtkWidget *_pt_window_ensure_page     (PtWindow    *self,
                                       const gchar *name);
void _pt_window_configure_pages       (PtWindow *self);
void _pt_window_focus_page            (PtWindow *self,
                                       gboolean  keep_sidebar);
/* pt-window-sync.c */
void _pt_window_update_sync_indicator (PtWindow *self);
void _pt_window_sync_start        (PtWindow *self);
void _pt_window_sync_stop         (PtWindow *self);
void _pt_window_sync_dispose      (PtWindow *self);

G_END_DECLS
