/* pt-patient-editor.c: new / edit patient. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-patient-editor.h"
#include "pt-ui-util.h"

enum
{
  F_FIRST, F_LAST, F_DOB, F_PHONE, F_EMAIL, F_LINE1, F_CITY, F_POSTCODE,
  F_ALLERGIES, F_CONDITIONS, F_INSURER, F_MEMBER, F_NOTES, N_FIELDS
};

static const struct
{
  const gchar *label;
  const gchar *hint;
} fields[N_FIELDS] = {
  [F_FIRST]      = { N_("First name"), NULL },
  [F_LAST]       = { N_("Last name"), NULL },
  [F_DOB]        = { N_("Date of birth"), N_("YYYY-MM-DD") },
  [F_PHONE]      = { N_("Phone"), NULL },
  [F_EMAIL]      = { N_("E-mail"), NULL },
  [F_LINE1]      = { N_("Street address"), NULL },
  [F_CITY]       = { N_("City"), NULL },
  [F_POSTCODE]   = { N_("Postcode"), NULL },
  [F_ALLERGIES]  = { N_("Allergies"), N_("e.g. amoxicillin, category: penicillins") },
  [F_CONDITIONS] = { N_("Conditions"), N_("comma separated") },
  [F_INSURER]    = { N_("Insurance provider"), NULL },
  [F_MEMBER]     = { N_("Insurance member number"), NULL },
  [F_NOTES]      = { N_("Notes"), NULL },
};

struct _PtPatientEditor
{
  AdwWindow  parent_instance;

  PtStore   *store;
  gchar     *patient_id;
  GtkEntry  *entries[N_FIELDS];
  GtkLabel  *error_label;
  GtkButton *save_button;
};

G_DEFINE_FINAL_TYPE (PtPatientEditor, pt_patient_editor, ADW_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- Allergies text ------------------------------------------------------ */

bson_t *
pt_patient_parse_allergies (const gchar *text)
{
  bson_t *array = bson_new ();
  g_auto(GStrv) parts = g_regex_split_simple ("[,;\n]", text ? text : "", 0, 0);
  guint n = 0;

  for (guint i = 0; parts[i]; i++)
    {
      g_autofree gchar *part = g_strstrip (g_strdup (parts[i]));
      const gchar *substance = part;
      const gchar *kind = "generic";
      gchar key[16];
      const gchar *k;
      bson_t item;

      if (g_ascii_strncasecmp (part, "category:", 9) == 0)
        {
          kind = "category";
          substance = part + 9;
          while (*substance == ' ')
            substance++;
        }
      if (*substance == '\0')
        continue;
      bson_uint32_to_string (n++, &k, key, sizeof key);
      BSON_APPEND_DOCUMENT_BEGIN (array, k, &item);
      BSON_APPEND_UTF8 (&item, "substance", substance);
      BSON_APPEND_UTF8 (&item, "kind", kind);
      bson_append_document_end (array, &item);
    }
  return array;
}

gchar *
pt_patient_format_allergies (const bson_t *patient)
{
  g_autoptr(GString) s = g_string_new (NULL);
  bson_iter_t iter, child;

  if (patient && bson_iter_init_find (&iter, patient, "allergies") && BSON_ITER_HOLDS_ARRAY (&iter)
      && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      {
        const uint8_t *data;
        uint32_t len;
        bson_t a;

        if (!BSON_ITER_HOLDS_DOCUMENT (&child))
          continue;
        bson_iter_document (&child, &len, &data);
        if (!bson_init_static (&a, data, len))
          continue;
        if (s->len > 0)
          g_string_append (s, ", ");
        if (g_strcmp0 (pt_bson_get_string (&a, "kind"), "category") == 0)
          g_string_append (s, "category: ");
        g_string_append (s, pt_bson_get_string (&a, "substance") ?: "");
      }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- Saving -------------------------------------------------------------- */

static gchar *
field_text (PtPatientEditor *self,
            guint            f)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entries[f]))));
}

static void
append_text (bson_t      *doc,
             const gchar *key,
             const gchar *value,
             gboolean     editing)
{
  if (value && *value)
    BSON_APPEND_UTF8 (doc, key, value);
  else if (editing)
    BSON_APPEND_NULL (doc, key);
}

static void
show_error (PtPatientEditor *self,
            const gchar     *text)
{
  gtk_label_set_label (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

#define TEXT(f) ((const gchar *) g_ptr_array_index (texts, (f)))

static void
save_cb (PtPatientEditor *self)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *id = NULL;
  gboolean editing = self->patient_id != NULL;

  for (guint f = 0; f < N_FIELDS; f++)
    g_ptr_array_add (texts, field_text (self, f));

  if (*TEXT (F_FIRST) == '\0' || *TEXT (F_LAST) == '\0')
    {
      show_error (self, _("First name and last name are required."));
      gtk_widget_grab_focus (GTK_WIDGET (self->entries[*TEXT (F_FIRST) ? F_LAST : F_FIRST]));
      return;
    }
  if (editing)
    {
      g_autoptr(bson_t) old = pt_store_get (self->store, "patients", self->patient_id, NULL);
      bson_iter_t iter;

      if (old != NULL)
        {
          /* Edit: keep what the form does not show. */
          bson_iter_init (&iter, old);
          while (bson_iter_next (&iter))
            {
              const gchar *k = bson_iter_key (&iter);
              if (g_str_equal (k, "_id") || g_str_equal (k, "tenantId")
                  || g_str_equal (k, "createdAt") || g_str_equal (k, "updatedAt")
                  || g_str_equal (k, "deleted"))
                continue;
              if (g_str_equal (k, "firstName") || g_str_equal (k, "lastName")
                  || g_str_equal (k, "dateOfBirth") || g_str_equal (k, "phone")
                  || g_str_equal (k, "email") || g_str_equal (k, "address")
                  || g_str_equal (k, "allergies") || g_str_equal (k, "conditions")
                  || g_str_equal (k, "insurance") || g_str_equal (k, "notes"))
                continue;
              bson_append_iter (doc, k, -1, &iter);
            }
        }
      bson_oid_t oid;
      bson_oid_init_from_string (&oid, self->patient_id);
      BSON_APPEND_OID (doc, "_id", &oid);
    }

  BSON_APPEND_UTF8 (doc, "firstName", TEXT (F_FIRST));
  BSON_APPEND_UTF8 (doc, "lastName", TEXT (F_LAST));
  if (*TEXT (F_DOB))
    {
      PtTime dob;
      if (!pt_date_parse (TEXT (F_DOB), &dob, NULL))
        {
          show_error (self, _("Type the date of birth as YYYY-MM-DD, e.g. 1980-01-31."));
          gtk_widget_grab_focus (GTK_WIDGET (self->entries[F_DOB]));
          return;
        }
      BSON_APPEND_DATE_TIME (doc, "dateOfBirth", dob);
    }
  append_text (doc, "phone", TEXT (F_PHONE), FALSE);
  append_text (doc, "email", TEXT (F_EMAIL), FALSE);
  if (*TEXT (F_LINE1) || *TEXT (F_CITY) || *TEXT (F_POSTCODE))
    {
      bson_t addr;
      BSON_APPEND_DOCUMENT_BEGIN (doc, "address", &addr);
      append_text (&addr, "line1", TEXT (F_LINE1), FALSE);
      append_text (&addr, "city", TEXT (F_CITY), FALSE);
      append_text (&addr, "postcode", TEXT (F_POSTCODE), FALSE);
      bson_append_document_end (doc, &addr);
    }
  {
    g_autoptr(bson_t) allergies = pt_patient_parse_allergies (TEXT (F_ALLERGIES));
    BSON_APPEND_ARRAY (doc, "allergies", allergies);
  }
  {
    g_auto(GStrv) parts = g_strsplit (TEXT (F_CONDITIONS), ",", -1);
    bson_t arr;
    guint n = 0;

    BSON_APPEND_ARRAY_BEGIN (doc, "conditions", &arr);
    for (guint i = 0; parts[i]; i++)
      {
        g_autofree gchar *c = g_strstrip (g_strdup (parts[i]));
        gchar key[16];
        const gchar *k;

        if (*c == '\0')
          continue;
        bson_uint32_to_string (n++, &k, key, sizeof key);
        BSON_APPEND_UTF8 (&arr, k, c);
      }
    bson_append_array_end (doc, &arr);
  }
  if (*TEXT (F_INSURER) || *TEXT (F_MEMBER))
    {
      bson_t ins;
      BSON_APPEND_DOCUMENT_BEGIN (doc, "insurance", &ins);
      append_text (&ins, "provider", TEXT (F_INSURER), FALSE);
      append_text (&ins, "memberId", TEXT (F_MEMBER), FALSE);
      bson_append_document_end (doc, &ins);
    }
  append_text (doc, "notes", TEXT (F_NOTES), FALSE);

  id = pt_store_put (self->store, "patients", doc, &error);
  if (id == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);
      show_error (self, sentence);
      return;
    }
  g_signal_emit (self, signals[SAVED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* ---- GObject ------------------------------------------------------------- */

static void
pt_patient_editor_dispose (GObject *object)
{
  PtPatientEditor *self = PT_PATIENT_EDITOR (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (pt_patient_editor_parent_class)->dispose (object);
}

static void
pt_patient_editor_finalize (GObject *object)
{
  g_free (PT_PATIENT_EDITOR (object)->patient_id);
  G_OBJECT_CLASS (pt_patient_editor_parent_class)->finalize (object);
}

static void
pt_patient_editor_class_init (PtPatientEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_patient_editor_dispose;
  object_class->finalize = pt_patient_editor_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_patient_editor_init (PtPatientEditor *self)
{
  GtkWidget *box, *header, *cancel, *save, *scroller, *clamp, *content, *group = NULL;

  gtk_window_set_default_size (GTK_WINDOW (self), 620, 720);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  save = gtk_button_new_with_mnemonic (_("_Save Patient"));
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect_swapped (save, "clicked", G_CALLBACK (save_cb), self);
  self->save_button = GTK_BUTTON (save);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  gtk_box_append (GTK_BOX (box), header);

  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  clamp = adw_clamp_new ();
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->error_label));

  for (guint f = 0; f < N_FIELDS; f++)
    {
      GtkWidget *row, *entry;

      if (f == F_FIRST || f == F_PHONE || f == F_ALLERGIES || f == F_INSURER)
        {
          group = adw_preferences_group_new ();
          adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group),
                                           f == F_FIRST ? _("Patient")
                                           : f == F_PHONE ? _("Contact")
                                           : f == F_ALLERGIES ? _("Clinical")
                                           : _("Insurance and notes"));
          gtk_box_append (GTK_BOX (content), group);
        }
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(fields[f].label));
      entry = gtk_entry_new ();
      gtk_widget_set_hexpand (entry, TRUE);
      gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
      gtk_widget_set_size_request (entry, 300, -1);
      if (fields[f].hint)
        gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _(fields[f].hint));
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(fields[f].label), -1);
      if (f == F_PHONE)
        gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PHONE);
      if (f == F_EMAIL)
        gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_EMAIL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), entry);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      self->entries[f] = GTK_ENTRY (entry);
    }
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_box_append (GTK_BOX (box), scroller);
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), save);
}

static void
set_text (PtPatientEditor *self,
          guint            f,
          const gchar     *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entries[f]), text ? text : "");
}

PtPatientEditor *
pt_patient_editor_new (GtkWindow   *parent,
                       PtStore     *store,
                       const gchar *patient_id,
                       const gchar *initial_name)
{
  PtPatientEditor *self = g_object_new (PT_TYPE_PATIENT_EDITOR, NULL);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  self->store = g_object_ref (store);
  self->patient_id = g_strdup (patient_id);
  gtk_window_set_title (GTK_WINDOW (self), patient_id ? _("Edit Patient") : _("New Patient"));

  if (patient_id != NULL)
    {
      g_autoptr(bson_t) p = pt_store_get (store, "patients", patient_id, NULL);
      bson_iter_t iter, child;

      if (p != NULL)
        {
          g_autofree gchar *allergies = pt_patient_format_allergies (p);
          g_autoptr(GString) conditions = g_string_new (NULL);

          set_text (self, F_FIRST, pt_bson_get_string (p, "firstName"));
          set_text (self, F_LAST, pt_bson_get_string (p, "lastName"));
          if (bson_iter_init_find (&iter, p, "dateOfBirth") && BSON_ITER_HOLDS_DATE_TIME (&iter))
            {
              g_autofree gchar *dob = pt_time_format_iso (bson_iter_date_time (&iter), TRUE);
              set_text (self, F_DOB, dob);
            }
          set_text (self, F_PHONE, pt_bson_get_string (p, "phone"));
          set_text (self, F_EMAIL, pt_bson_get_string (p, "email"));
          set_text (self, F_LINE1, pt_bson_get_string (p, "address.line1"));
          set_text (self, F_CITY, pt_bson_get_string (p, "address.city"));
          set_text (self, F_POSTCODE, pt_bson_get_string (p, "address.postcode"));
          set_text (self, F_ALLERGIES, allergies);
          if (bson_iter_init_find (&iter, p, "conditions") && bson_iter_recurse (&iter, &child))
            while (bson_iter_next (&child))
              if (BSON_ITER_HOLDS_UTF8 (&child))
                {
                  if (conditions->len)
                    g_string_append (conditions, ", ");
                  g_string_append (conditions, bson_iter_utf8 (&child, NULL));
                }
          set_text (self, F_CONDITIONS, conditions->str);
          set_text (self, F_INSURER, pt_bson_get_string (p, "insurance.provider"));
          set_text (self, F_MEMBER, pt_bson_get_string (p, "insurance.memberId"));
          set_text (self, F_NOTES, pt_bson_get_string (p, "notes"));
        }
    }
  else if (initial_name != NULL)
    {
      g_autofree gchar *name = g_strstrip (g_strdup (initial_name));
      gchar *space = strrchr (name, ' ');

      if (space != NULL)
        {
          *space = '\0';
          set_text (self, F_FIRST, name);
          set_text (self, F_LAST, space + 1);
        }
      else
        set_text (self, F_FIRST, name);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->entries[F_FIRST]));
  return self;
}
