/* pt-ui-test-util.h: what the real-window tests (under Xvfb) share: the
 * test program's set-up, a wait on a condition with a timeout, template
 * children by name, the window opened and closed, and screenshots. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* How long a test waits for anything the window shows. */
#define PT_UI_TEST_WAIT_MS 60000

typedef gboolean (*PtUiTestCondition) (gpointer data);

/* gtk_test_init, adw_init, the app's resources and its icon. */
void        pt_ui_test_init                (int    *argc,
                                            char ***argv);

/* Iterates the default main context until @cond (@data) holds or
 * @timeout_ms pass; returns the last value of @cond. */
gboolean    pt_ui_test_wait_for            (PtUiTestCondition cond,
                                            gpointer          data,
                                            guint             timeout_ms);

/* The template child @name of @widget (of @widget's own type); asserts
 * that it exists. */
GtkWidget  *pt_ui_test_child               (GtkWidget   *widget,
                                            const gchar *name);

/* A PtWindow on @data_dir at 1280×800, presented; the caller owns it. */
GtkWidget  *pt_ui_test_open_window         (const gchar *data_dir);
/* Destroys *@window (if any) and runs the main context dry. */
void        pt_ui_test_close_window        (GtkWidget  **window);

/* The window's main part: "welcome", "signin" or "workspace". */
const gchar *pt_ui_test_main_part          (GtkWidget   *window);
/* Waits for the main part @name; returns whether it was reached. */
gboolean    pt_ui_test_wait_for_main_part  (GtkWidget   *window,
                                            const gchar *name);
GtkWidget  *pt_ui_test_welcome_child       (GtkWidget   *window,
                                            const gchar *name);
/* The workspace's page @name ("sync", "counter", …), or NULL while it is
 * not built yet (pages are built on their first visit). */
GtkWidget  *pt_ui_test_built_page          (GtkWidget   *window,
                                            const gchar *name);
/* The header's sync indicator text. */
const gchar *pt_ui_test_sync_indicator     (GtkWidget   *window);
/* Fills and sends the sign-in page; asserts the workspace is reached. */
void        pt_ui_test_sign_in             (GtkWidget   *window,
                                            const gchar *email,
                                            const gchar *password);

/* Saves the screen (the window fills it) as @name.png under the build
 * dir's ui/screenshots, once page transitions are over and a few frames
 * are drawn. */
void        pt_ui_test_screenshot          (GtkWidget   *window,
                                            const gchar *name);

G_END_DECLS
