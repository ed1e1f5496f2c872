/* pt-counter-form.h: what the patient and prescription editors share —
 * reading a field and showing a validation problem next to it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The field's text without surrounding blanks (never NULL). */
gchar *pt_form_text        (gpointer     editable);
/* Shows @text in the form's @error_label, marks @field (may be NULL) as
 * the one to fix and moves the keyboard focus there. */
void   pt_form_show_error  (GtkLabel    *error_label,
                            GtkWidget   *field,
                            const gchar *text);
/* Hides the message and unmarks the field marked with it. */
void   pt_form_clear_error (GtkLabel    *error_label);

/* Tab and Shift+Tab move between @fields (NULL-terminated) of @window in
 * this order: a GtkListBox would otherwise stop on each row before its
 * entry, two keys per field. */
void   pt_form_set_focus_chain (GtkWidget  *window,
                                GtkWidget **fields);

G_END_DECLS
