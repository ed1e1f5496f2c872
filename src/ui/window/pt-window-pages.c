/* pt-window-pages.c: the workspace's pages, each built on its first visit.
 *
 * The window starts on the sign-in (or welcome) screen, so none of the six
 * pages is needed for the first frame: their templates (column views,
 * forms, list factories) are parsed only when a page is first shown, and a
 * built page is then given what the window knows — the store, the branch,
 * the sync engine, the signed-in role. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-window-private.h"

static AdwBin *
slot_of (PtWindow    *self,
         const gchar *name)
{
  if (g_str_equal (name, "counter"))
    return self->counter_slot;
  if (g_str_equal (name, "prescriptions"))
    return self->prescriptions_slot;
  if (g_str_equal (name, "medicines"))
    return self->medicines_slot;
  if (g_str_equal (name, "patients"))
    return self->patients_slot;
  if (g_str_equal (name, "reports"))
    return self->reports_slot;
  if (g_str_equal (name, "sync"))
    return self->sync_slot;
  return NULL;
}

static gboolean
signed_in (PtWindow *self)
{
  return self->store != NULL && self->user_id != NULL;
}

static const gchar * const page_names[] = {
  "counter", "prescriptions", "medicines", "patients", "reports", "sync", NULL
};

/* Gives the page @name, if built, what the window knows now. */
static void
configure_page (PtWindow    *self,
                const gchar *name)
{
  if (g_str_equal (name, "sync") && self->sync_page != NULL)
    pt_sync_page_set_store (self->sync_page, self->store);
  if (!signed_in (self))
    return;
  if (g_str_equal (name, "medicines") && self->medicines_page != NULL)
    {
      pt_medicines_page_set_store (self->medicines_page, self->store, self->pharmacy_id);
      pt_medicines_page_update_permissions (self->medicines_page);
    }
  else if (g_str_equal (name, "counter") && self->counter_page != NULL)
    pt_counter_page_set_store (self->counter_page, self->store, self->pharmacy_id);
  else if (g_str_equal (name, "prescriptions") && self->prescriptions_page != NULL)
    pt_prescriptions_page_set_store (self->prescriptions_page, self->store, self->pharmacy_id);
  else if (g_str_equal (name, "patients") && self->patients_page != NULL)
    pt_patients_page_set_store (self->patients_page, self->store);
  else if (g_str_equal (name, "reports") && self->reports_page != NULL)
    pt_reports_page_set_store (self->reports_page, self->store, self->pharmacy_id);
}

/* Gives every built page what the window knows now (a store opened, a
 * sign-in, another branch). */
void
_pt_window_configure_pages (PtWindow *self)
{
  for (guint i = 0; page_names[i] != NULL; i++)
    configure_page (self, page_names[i]);
}

static GtkWidget *
build_page (PtWindow    *self,
            const gchar *name)
{
  GtkWidget *page = NULL;

  if (g_str_equal (name, "counter"))
    page = GTK_WIDGET (self->counter_page = g_object_new (PT_TYPE_COUNTER_PAGE, NULL));
  else if (g_str_equal (name, "prescriptions"))
    page = GTK_WIDGET (self->prescriptions_page = g_object_new (PT_TYPE_PRESCRIPTIONS_PAGE, NULL));
  else if (g_str_equal (name, "medicines"))
    page = GTK_WIDGET (self->medicines_page = g_object_new (PT_TYPE_MEDICINES_PAGE, NULL));
  else if (g_str_equal (name, "patients"))
    page = GTK_WIDGET (self->patients_page = g_object_new (PT_TYPE_PATIENTS_PAGE, NULL));
  else if (g_str_equal (name, "reports"))
    page = GTK_WIDGET (self->reports_page = g_object_new (PT_TYPE_REPORTS_PAGE, NULL));
  else if (g_str_equal (name, "sync"))
    {
      page = GTK_WIDGET (self->sync_page = g_object_new (PT_TYPE_SYNC_PAGE, NULL));
      pt_sync_page_set_engine (self->sync_page, self->sync_engine);
    }
  return page;
}

/* The page called @name, built now if it was not yet; NULL for a name
 * that is no page. */
GtkWidget *
_pt_window_ensure_page (PtWindow    *self,
                        const gchar *name)
{
  AdwBin *slot = slot_of (self, name);
  GtkWidget *page;

  if (slot == NULL)
    return NULL;
  page = adw_bin_get_child (slot);
  if (page != NULL)
    return page;
  page = build_page (self, name);
  g_assert (page != NULL);
  /* The slot holds the only reference; dispose clears the window's
   * pointer along with the template. */
  adw_bin_set_child (slot, page);
  configure_page (self, name);
  return page;
}

/* Puts the keyboard focus into the page shown: its search, the first
 * prescription of the counter's queue, or its first control.  In a folded
 * window (narrow, or wide labels in German, French, Spanish) showing a page
 * otherwise leaves the focus on the header's back button, where Ctrl+F
 * reached the window's search instead of the page's and Enter went back to
 * the page list.  With @keep_sidebar a page without a search leaves the
 * focus in the sidebar when the sidebar is shown beside the page. */
void
_pt_window_focus_page (PtWindow *self,
                       gboolean  keep_sidebar)
{
  const gchar *name = adw_view_stack_get_visible_child_name (self->view_stack);
  GtkWidget *page = name != NULL ? _pt_window_ensure_page (self, name) : NULL;

  if (page == NULL)
    return;
  if (g_str_equal (name, "medicines"))
    pt_medicines_page_focus_search (self->medicines_page);
  else if (g_str_equal (name, "patients"))
    pt_patients_page_focus_search (self->patients_page);
  else if (g_str_equal (name, "prescriptions"))
    pt_prescriptions_page_focus_search (self->prescriptions_page);
  else if (g_str_equal (name, "counter") && pt_counter_page_has_queue (self->counter_page))
    pt_counter_page_focus (self->counter_page);
  else if (keep_sidebar && !adw_leaflet_get_folded (self->leaflet))
    gtk_widget_grab_focus (GTK_WIDGET (self->sidebar_list));
  else if (!gtk_widget_child_focus (page, GTK_DIR_TAB_FORWARD))
    gtk_widget_grab_focus (page);
}
