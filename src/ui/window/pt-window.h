/* pt-window.h: the main window — first run, sign-in and the workspace. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_WINDOW (pt_window_get_type ())
G_DECLARE_FINAL_TYPE (PtWindow, pt_window, PT, WINDOW, AdwApplicationWindow)

PtWindow    *pt_window_new             (GtkApplication *application,
                                        const gchar    *data_dir);
/* The store once opened or created; NULL on the welcome page. */
PtStore     *pt_window_get_store       (PtWindow *self);
/* The branch this counter works for (hex id), NULL before sign-in. */
const gchar *pt_window_get_pharmacy_id (PtWindow *self);
void         pt_window_set_pharmacy_id (PtWindow    *self,
                                        const gchar *pharmacy_id);
/* A toast for a completed action (no-op before the workspace shows). */
void         pt_window_add_toast       (PtWindow    *self,
                                        const gchar *message);
/* An error dialog with a human sentence. */
void         pt_window_show_error      (PtWindow     *self,
                                        const gchar  *heading,
                                        const GError *error);
/* Something in the store changed: refresh counts and indicators. */
void         pt_window_store_changed   (PtWindow *self);
/* (Re)starts the sync engine for the open store after its server address
 * changed (Preferences). */
void         pt_window_restart_sync    (PtWindow *self);

/* The window an arbitrary widget lives in, or NULL. */
PtWindow    *pt_window_from_widget     (GtkWidget *widget);

G_END_DECLS
