/* pt-preferences-window.h: connection, this counter, appearance. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_TYPE_PREFERENCES_WINDOW (pt_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (PtPreferencesWindow, pt_preferences_window, PT, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @parent: the main window (a PtWindow gives the branches), or NULL. */
GtkWidget *pt_preferences_window_new (GtkWindow *parent);

G_END_DECLS
