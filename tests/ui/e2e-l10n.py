#!/usr/bin/python3
"""The real PharmaTrack window in German, driven through AT-SPI with the
shared harness (ptharness.py).

Run by run-e2e.sh inside xvfb-run and dbus-run-session, with the catalogues
of the build tree (PHARMATRACK_LOCALEDIR=<builddir>/po) and LANGUAGE=de,
LANG=LC_ALL=de_DE.UTF-8.  It walks the welcome page, the sign-in page, every
page of the sidebar, a patient's record, the dispense dialog of a
prescription and the primary menu.  On each it checks

  * German labels that a pharmacist would look for (plural forms included:
    "1 Patient", "in 19 Tagen"), and
  * that no text on screen is an English message of the catalogue that has
    a German translation (a string not marked, a template without
    translatable="yes", a catalogue that did not load);

and that numbers, money and dates are in German formats: "1.234,56 £",
"1.500", "31.12.2031", "07.03.1950".  In the dispense dialog the payment
shortcuts the German hint names (Alt+B, Alt+K, Alt+V) must choose cash,
card and insurance.  Nothing is dispensed: the dialog is cancelled and the
test checks the store.

Scenario french-spanish-pages runs the same store in French, then in
Spanish (LOCPATH points at fr_FR and es_ES compiled into the build dir):
the sign-in, counter and prescriptions pages and the dispense dialog show
the catalogue's translation of their labels and no English message, and
the payment shortcuts the translated hint names are the mnemonics of the
translated payment buttons and choose them.

Every wait has a timeout; the app is stopped by its PID.

    usage: e2e-l10n.py SCENARIO PO_DIR
"""
import os
import datetime
import json
import re
import signal
import subprocess
import sys
import time

import pyatspi
from gi.repository import Atspi

from ptharness import (ALT, CONTROL, DEMO_PASSWORD, PHARMACIST, App, Failure, combo, find,
                       key, log, run, type_text, wait_for, walk)

LOCALES = {lang: {"LANGUAGE": lang, "LANG": f"{loc}.UTF-8", "LC_ALL": f"{loc}.UTF-8"}
           for lang, loc in (("de", "de_DE"), ("fr", "fr_FR"), ("es", "es_ES"))}
F10, ESCAPE = 0xffc7, 0xff1b


# ---- The German catalogue -------------------------------------------------

def read_po(path):
    """{msgid and plural msgid: [translations]} of the translated, not
    fuzzy, not obsolete messages."""
    out = {}
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    for block in blocks:
        fields, field, fuzzy = {}, None, False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if m:
                field = m.group(1)
                fields[field] = json.loads('"' + m.group(2) + '"')
            elif line.startswith('"') and field:
                fields[field] += json.loads(line)
        translations = [v for k, v in fields.items() if k.startswith("msgstr") and v]
        if fuzzy or not fields.get("msgid") or not translations:
            continue
        for k in ("msgid", "msgid_plural"):
            if k in fields:
                out.setdefault(fields[k], []).extend(translations)
    return out


def visible(message):
    """A message as the user reads it: without its mnemonic underscore."""
    return message.replace("_", "") if re.search(r"_\w", message) else message


def mnemonic(message):
    """The letter after the underscore of a mnemonic label, lower case."""
    m = re.search(r"_(\w)", message)
    return m.group(1).lower() if m else None


def english_that_has_german(po):
    """Visible forms of the English messages whose German differs: these
    must never be on screen in a German session."""
    english = set()
    for msgid, translations in po.items():
        if "%" in msgid or "\n" in msgid:
            continue  # formatted: its visible form is not the msgid
        shown = msgid.replace("_", "") if re.search(r"_[A-Za-z]", msgid) else msgid
        if all(t.replace("_", "") != shown for t in translations):
            english.add(shown)
    return english


# ---- What is on screen ----------------------------------------------------

def role(acc):
    try:
        return acc.getRoleName()
    except Exception:
        return ""


def texts(acc):
    """What a person reads on @acc: its accessible name and, for text, its
    contents.  GTK 4.8 joins a widget's label and its text in the name
    ("Passwort Passwort"): the halves count too."""
    out = []
    try:
        name = acc.name or ""
    except Exception:
        return out
    if name:
        out.append(name)
        words = name.split(" ")
        for cut in range(1, len(words)):
            left, right = " ".join(words[:cut]), " ".join(words[cut:])
            if left == right:
                out.append(left)
    if role(acc) in ("label", "text", "entry", "password text"):
        try:
            t = acc.queryText()
            out.append(t.getText(0, t.characterCount))
        except Exception:
            pass
    return [t.strip() for t in out if t and t.strip()]


def screen_texts(root):
    """(role, text) of everything showing in every window of the app."""
    return [(role(acc), t) for acc in walk(root) for t in texts(acc)]


def chosen(acc):
    """A toggle button that is down (GTK 4.8 says "pressed")."""
    try:
        return acc.getState().contains(pyatspi.STATE_PRESSED)
    except Exception:
        return False


# ---- The app in German ------------------------------------------------------

class LocalisedApp(App):
    """The harness's app on the counter page, every window searched, run in
    self.lang (German unless changed); pharmatrack-admin stays English (its
    output is parsed)."""

    def __init__(self, scenario):
        super().__init__(scenario, last_page="counter", scope="app")
        self.env.pop("LANGUAGE", None)
        self.env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
        self.lang = "de"

    def start(self):
        english = self.env
        self.env = dict(english, **LOCALES[self.lang])
        try:
            return super().start()
        finally:
            self.env = english

    def quit(self):
        """Stops the app by its PID but keeps its data dir (the harness's
        stop() also removes the dir, at the very end)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.log.close()
            self.proc = None


class Checker:
    def __init__(self, po_path):
        self.catalogue = read_po(po_path)
        self.english = english_that_has_german(self.catalogue)
        log(f"{len(self.english)} English messages have a different translation in {po_path}")

    def tr(self, msgid):
        """The catalogue's translation of @msgid as shown (no mnemonic mark)."""
        if msgid not in self.catalogue:
            raise Failure(f"“{msgid}” is not translated in the catalogue (changed in the UI?)")
        return visible(self.catalogue[msgid][0])

    def page(self, app, page, german, patterns=()):
        """On @page every label of @german and a text matching each regular
        expression of @patterns are shown, and no English message."""
        state = {}

        def all_there():
            state["shown"] = screen_texts(app.root)
            seen = {t for _, t in state["shown"]}
            state["missing"] = [label for label in german if label not in seen] + \
                [p for p in patterns if not any(re.fullmatch(p, t) for t in seen)]
            return not state["missing"]
        try:
            wait_for(all_there, 30, f"{list(german) + list(patterns)} on the {page} page",
                     interval=0.5)
        except Failure:
            app.screenshot(f"{page}-failure")
            log("on screen:\n" + "\n".join(f"  [{r}] {t!r}" for r, t in state.get("shown", [])))
            raise Failure(f"the {page} page does not show {state.get('missing')}")
        leaks = sorted({t for _, t in state["shown"] if t in self.english})
        if leaks:
            app.screenshot(f"{page}-english")
            raise Failure(f"the {page} page shows English text in a German session: {leaks}")
        log(f"{page}: {len(state['shown'])} texts, none English; saw {german} {patterns}")
        app.screenshot(page)


# ---- Scenario -------------------------------------------------------------

# Alt+1 … Alt+6 switch pages (pt-window-actions.c): German labels that
# only that page shows.
PAGES = [
    ("counter", ["Heutige Warteschlange", "Neues Rezept", "Eingegangen", "In Bearbeitung",
                 "Bereit", "Heute abgegeben", "Eingabetaste: Vorbereitung beginnen",
                 "Eingabetaste: Abgabedialog öffnen"], []),
    ("prescriptions", ["Abgeben …", "Stornieren …", "Etiketten drucken", "Beleg drucken"],
     [r"\d+ Rezepte"]),
    ("medicines", ["Abgelaufenes ausbuchen", "Korrigieren"], []),
    ("patients", ["Neuer Patient"], [r"\d+ Patienten"]),
    ("reports", ["Tageseinnahmen", "Nach Zahlungsart", "Nach Person", "Heute"],
     [r"Gesamteinnahmen: \d{1,3}(\.\d{3})*,\d\d £"]),
    ("sync", ["Jetzt synchronisieren", "Zuletzt gesendet"], []),
]
RX_NUMBER = "RX-2026-009001"


def day(offset):
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def prepare(app):
    """A small demo store; a medicine of our own with a known price, stock
    and expiry (number and date formats); a patient born before 1970; and
    her prescription, ready, for a short-dated medicine of 2.50 £."""
    app.admin("demo-data", "--medicines", "12", "--patients", "6", "--prescriptions", "4",
              "--seed", "7")
    med = app.put("medicines", {
        "name": "Lokalisan", "genericName": "lokalisanol", "strength": "50 mg",
        "form": "tablets", "schedule": "otc", "price": 123456, "category": "Analgesics"})
    app.admin("receive", "--medicine", med, "--lot", "L10N-DEZ", "--expiry", "2031-12-31",
              "--quantity", "1500", "--cost", "100")
    short = app.put("medicines", {
        "name": "Kurzolin", "genericName": "kurzolinum", "strength": "10 mg",
        "form": "tablets", "schedule": "otc", "price": 250, "category": "Analgesics"})
    app.admin("receive", "--medicine", short, "--lot", "L10N-KURZ", "--expiry", day(20),
              "--quantity", "10", "--cost", "100")
    patient = app.put("patients", {
        "firstName": "Grete", "lastName": "Müller", "phone": "030 1234567",
        "dateOfBirth": {"$date": "1950-03-07T00:00:00Z"}})
    pharmacy = json.loads(app.admin("list", "pharmacies").splitlines()[0])["_id"]["$oid"]
    app.put("prescriptions", {
        "number": RX_NUMBER, "patientId": {"$oid": patient},
        "pharmacyId": {"$oid": pharmacy}, "status": "ready",
        "prescriber": {"name": "Dr Anna Weber"},
        "items": [{"medicineId": {"$oid": short}, "quantity": 1,
                   "instructions": "Einmal täglich"}]})


def rx_status(app):
    for line in app.admin("list", "prescriptions").splitlines():
        d = json.loads(line)
        if d.get("number") == RX_NUMBER:
            return d.get("status")
    raise Failure(f"{RX_NUMBER} is not in the store")


def click_on(acc):
    """A left click in the middle of @acc, as a person does with the mouse
    (GTK 4.8 does not implement AT-SPI's grabFocus)."""
    e = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    Atspi.generate_mouse_event(e.x + e.width // 2, e.y + e.height // 2, "b1c")
    time.sleep(0.3)


def open_dispense(app, checker):
    """Our prescription found on the Prescriptions page by its number, then
    Ctrl+D.  The search is clicked: in a window too narrow for the sidebar
    (German and French labels make the toolbars wider) Alt+2 leaves the
    focus on the header's back button, where Ctrl+F is the window's
    Medicines search and Enter goes back to the page list."""
    key("<Alt>2")
    search = app.wait("the prescriptions search", name=checker.tr("Search prescriptions"))
    click_on(search)
    type_text(RX_NUMBER + "\n")
    app.wait("our prescription", contains="Grete Müller", rolename="list item")
    key("<Control>d")


def dispense_dialog(app, checker):
    """The prescription's dispense dialog in German, its payment shortcuts,
    then Escape: nothing dispensed."""
    open_dispense(app, checker)
    checker.page(app, "dispense", [
        "Kurzes Ablaufdatum bestätigen", "Zu entnehmende Chargen", "Charge L10N-KURZ", "Zahlungsart",
        "Alt+B, Alt+K oder Alt+V", "Bar", "Karte", "Versicherung", "Zu zahlen", "2,50 £"],
        [r"Läuft am \d\d\.\d\d\.\d{4} ab — in \d+ Tagen, kurzes Ablaufdatum"])
    # The hint's shortcuts are the buttons' mnemonics and choose them.
    payment_shortcuts(app, checker, "dispense")
    combo(ESCAPE)
    app.gone("the dispense dialog", name="Zu entnehmende Chargen")
    time.sleep(1.5)   # GTK 4.8: no tree walk right after a dialog closed
    if rx_status(app) != "ready":
        raise Failure(f"{RX_NUMBER} is {rx_status(app)} after Escape, not ready")


def scenario_german(app, po_dir):
    checker = Checker(os.path.join(po_dir, "de.po"))
    # First run: the welcome page.
    app.start()
    app.wait("the welcome page", rolename="list item", contains="Mit Demodaten ausprobieren",
             timeout=30)
    checker.page(app, "welcome", ["Willkommen bei PharmaTrack", "Mit Demodaten ausprobieren",
                                  "Eine neue Apotheke offline beginnen"])
    app.quit()

    prepare(app)
    app.start()
    app.wait("the sign-in page", name="Passwort", timeout=30)
    checker.page(app, "sign-in", ["Passwort", "E-Mail", "Anmelden"])
    combo(ord("a"), CONTROL)
    type_text(PHARMACIST + "\n")
    type_text(DEMO_PASSWORD + "\n")
    app.wait("the signed-in header", rolename="label", contains=" · ", timeout=30)

    for number, (page, german, patterns) in enumerate(PAGES, start=1):
        combo(ord(str(number)), ALT)
        checker.page(app, page, german, patterns)

    # German formats on the Medicines page.
    combo(ord("3"), ALT)
    app.wait("the medicines page", name="Abgelaufenes ausbuchen")
    combo(ord("f"), CONTROL)
    type_text("lokalisan")
    checker.page(app, "medicine-formats", ["1.234,56 £", "1.500", "31.12.2031",
                                           "Charge L10N-DEZ"])

    # A patient's record: the singular of "%u patients", a date of birth
    # before 1970 in German format.
    combo(ord("4"), ALT)
    app.wait("the patients page", name="Neuer Patient")
    combo(ord("f"), CONTROL)
    type_text("Grete\n")
    checker.page(app, "patient-record", ["1 Patient", "Grete Müller", "Geburtsdatum",
                                         "07.03.1950"])

    dispense_dialog(app, checker)

    # The primary menu: F10 opens it, as in every GNOME app.
    app.wait("the main menu button", name="Hauptmenü")
    combo(F10)
    checker.page(app, "primary-menu", ["Einstellungen", "Tastenkürzel", "Info zu PharmaTrack"])
    combo(ESCAPE)


# French and Spanish through the catalogue: English msgids of labels that
# only that page shows, looked up in the language's catalogue.  (Strings
# left unmarked show in English in every language: the German walk of every
# page finds those; these runs show that each catalogue loads and fits.)
PAGE_MSGIDS = [
    ("counter", ["Today’s Queue", "_New Prescription", "Received", "In Progress",
                 "Dispensed Today", "Enter starts preparing"]),
    ("prescriptions", ["_Dispense…", "_Cancel…", "Print _Labels", "Print Re_ceipt"]),
]
PAYMENT_MSGIDS = ["Ca_sh", "C_ard", "_Insurance"]


def payment_shortcuts(app, checker, where):
    """The hint names Alt+<letter> of each translated payment button, in
    order, and each Alt+<letter> chooses its button."""
    labels = [checker.catalogue[m][0] for m in PAYMENT_MSGIDS]
    letters = [mnemonic(label) for label in labels]
    hint = checker.tr("Alt+S, Alt+A or Alt+I")
    named = [k.lower() for k in re.findall(r"Alt\+(\w)", hint)]
    if named != letters:
        raise Failure(f"{where}: the hint “{hint}” names Alt+{named}, but the buttons "
                      f"{labels} have the mnemonics {letters}")
    if len(set(letters)) != len(letters):
        raise Failure(f"{where}: the payment buttons {labels} share a mnemonic")
    # Cash is chosen when the dialog opens: press the others first.
    for letter, label in list(zip(letters, labels))[1:] + [(letters[0], labels[0])]:
        combo(ord(letter), ALT)

        def method_chosen():
            button = find(app.root, name=visible(label), rolename="push button")
            return button is not None and chosen(button)
        try:
            wait_for(method_chosen, 5, f"Alt+{letter.upper()} to choose “{visible(label)}”")
        except Failure:
            app.screenshot(f"{where}-alt-{letter}-failure")
            raise


def scenario_french_spanish(app, po_dir):
    prepare(app)
    for lang in ("fr", "es"):
        checker = Checker(os.path.join(po_dir, f"{lang}.po"))
        tr = checker.tr
        app.lang = lang
        app.start()
        app.wait("the sign-in page", name=tr("Password"), timeout=30)
        checker.page(app, f"{lang}-sign-in", [tr("Password"), tr("Sign In")])
        combo(ord("a"), CONTROL)
        type_text(PHARMACIST + "\n")
        type_text(DEMO_PASSWORD + "\n")
        app.wait("the signed-in header", rolename="label", contains=" · ", timeout=30)
        for number, (page, msgids) in enumerate(PAGE_MSGIDS, start=1):
            combo(ord(str(number)), ALT)   # Alt+1 counter, Alt+2 prescriptions
            checker.page(app, f"{lang}-{page}", [tr(m) for m in msgids])

        open_dispense(app, checker)
        checker.page(app, f"{lang}-dispense",
                      [tr("Acknowledge short-dated stock"), tr("Batches to Pick"),
                       tr("Payment method"), tr("Alt+S, Alt+A or Alt+I"),
                       tr("Lot %s") % "L10N-KURZ"] + [tr(m) for m in PAYMENT_MSGIDS])
        payment_shortcuts(app, checker, f"{lang}-dispense")
        combo(ESCAPE)
        app.gone("the dispense dialog", name=tr("Batches to Pick"))
        time.sleep(1.5)   # GTK 4.8: no tree walk right after a dialog closed
        if rx_status(app) != "ready":
            raise Failure(f"{RX_NUMBER} is {rx_status(app)} after Escape, not ready")
        app.quit()


SCENARIOS = {
    "german-main-pages": scenario_german,
    "french-spanish-pages": scenario_french_spanish,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print(f"usage: e2e-l10n.py {{{'|'.join(SCENARIOS)}}} PO_DIR")
        return 2
    po_dir = sys.argv[2]
    if sys.argv[1] == "french-spanish-pages":
        missing = [loc for loc in ("fr_FR.UTF-8", "es_ES.UTF-8")
                   if not os.path.exists(os.path.join(os.environ.get("LOCPATH", ""), loc,
                                                      "LC_IDENTIFICATION"))]
        if missing:
            print(f"SKIP: {missing} not compiled under LOCPATH (localedef or the locales "
                  "data is missing)")
            return 77
    return run({name: (LocalisedApp, lambda app, fn=fn: fn(app, po_dir))
                for name, fn in SCENARIOS.items()}, sys.argv)


if __name__ == "__main__":
    sys.exit(main())
