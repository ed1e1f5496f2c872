#!/usr/bin/python3
"""The real PharmaTrack window in German, driven through AT-SPI.

Run by run-e2e.sh inside xvfb-run and dbus-run-session, with the catalogues
of the build tree (PHARMATRACK_LOCALEDIR=<builddir>/po) and LANGUAGE=de,
LANG=LC_ALL=de_DE.UTF-8.  It walks the welcome page, the sign-in page, every
page of the sidebar and the primary menu.  On each it checks

  * named German labels that a pharmacist would look for, and
  * that no text on screen is an English message of the catalogue that has
    a German translation (a string not marked, a template without
    translatable="yes", a catalogue that did not load);

and on the Medicines page, a medicine of our own shows its price, stock and
expiry in German formats: "1.234,56 GBP", "1.500", "31 Dez 2031".
Every wait has a timeout; the app is stopped by its PID.

    usage: e2e-l10n.py SCENARIO PO_FILE
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi  # noqa: E402
import pyatspi  # noqa: E402

APP = os.environ["PT_APP"]
ADMIN = os.environ["PT_ADMIN"]
SCHEMAS = os.environ["PT_SCHEMA_DIR"]
LOCALEDIR = os.environ["PHARMATRACK_LOCALEDIR"]
SHOTS = os.environ.get("PT_SCREENSHOT_DIR", "screenshots")
PASSWORD = "demo-pharmacy"
PHARMACIST = "pharmacist@demo.pharmatrack.example"
GERMAN = {"LANGUAGE": "de", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"}
STARTED = time.monotonic()


class Failure(Exception):
    pass


def log(*args):
    print(f"# [{time.monotonic() - STARTED:6.1f} s]", *args, flush=True)


def wait_for(predicate, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            r = predicate()
            if r:
                return r
        except Exception as e:  # the tree changes while we look
            last = e
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {what}"
                  + (f" (last error: {last})" if last else ""))


# ---- The German catalogue -------------------------------------------------

def read_po(path):
    """{msgid and plural msgid: [translations]} of the translated, not
    fuzzy, not obsolete messages."""
    out = {}
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    for block in blocks:
        fields, key, fuzzy = {}, None, False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if m:
                key = m.group(1)
                fields[key] = json.loads('"' + m.group(2) + '"')
            elif line.startswith('"') and key:
                fields[key] += json.loads(line)
        translations = [v for k, v in fields.items() if k.startswith("msgstr") and v]
        if fuzzy or not fields.get("msgid") or not translations:
            continue
        for k in ("msgid", "msgid_plural"):
            if k in fields:
                out.setdefault(fields[k], []).extend(translations)
    return out


def english_that_has_german(po):
    """Visible forms of the English messages whose German differs: these
    must never be on screen in a German session."""
    english = set()
    for msgid, translations in po.items():
        if "%" in msgid or "\n" in msgid:
            continue  # formatted: its visible form is not the msgid
        visible = msgid.replace("_", "") if re.search(r"_[A-Za-z]", msgid) else msgid
        if all(t.replace("_", "") != visible for t in translations):
            english.add(visible)
    return english


# ---- Accessibility tree ---------------------------------------------------

def role(acc):
    try:
        return acc.getRoleName()
    except Exception:
        return ""


def showing(acc):
    """GTK 4.8 sets no SHOWING state: an unmapped widget has no extent."""
    if role(acc) in ("frame", "dialog", "window", "application"):
        return True
    try:
        e = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return e.width > 0 and e.height > 0
    except NotImplementedError:
        return True
    except Exception:
        return False


def walk(acc, depth=0):
    if acc is None or depth > 90:
        return
    yield acc
    try:
        n = acc.childCount
    except Exception:
        return
    for i in range(n):
        try:
            c = acc.getChildAtIndex(i)
        except Exception:
            continue
        if c is not None and (depth == 0 or showing(c)):
            yield from walk(c, depth + 1)


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
    out = []
    for acc in walk(root):
        for t in texts(acc):
            out.append((role(acc), t))
    return out


def find(root, name=None, rolename=None, contains=None):
    for acc in walk(root):
        if rolename is not None and role(acc) != rolename:
            continue
        ts = texts(acc)
        if name is not None and name not in ts:
            continue
        if contains is not None and not any(contains in t for t in ts):
            continue
        return acc
    return None


def press(acc):
    a = acc.queryAction()
    for i in range(a.nActions):
        if a.getName(i) in ("click", "activate", "press", "toggle"):
            a.doAction(i)
            return
    a.doAction(0)


# ---- Keyboard -------------------------------------------------------------

KEYSYMS = {"Return": 0xff0d, "Tab": 0xff09, "Escape": 0xff1b, "F10": 0xffc7}
SHIFT, CONTROL, ALT = 1 << 0, 1 << 2, 1 << 3


def key(keysym, mask=0):
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.LOCKMODIFIERS)
    Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)
    if mask:
        Atspi.generate_keyboard_event(mask, None, Atspi.KeySynthType.UNLOCKMODIFIERS)
    time.sleep(0.3)


def type_text(text):
    for ch in text:
        if ch.isupper() or ch in '@_:+?!"#$%&*()<>{}|~^':
            key(ord(ch), SHIFT)
        else:
            Atspi.generate_keyboard_event(ord(ch), None, Atspi.KeySynthType.SYM)
            time.sleep(0.015)
    time.sleep(0.2)


# ---- The app --------------------------------------------------------------

class App:
    def __init__(self, scenario):
        self.scenario = scenario
        self.tmp = tempfile.mkdtemp(prefix="pt-e2e-l10n-")
        self.data_dir = os.path.join(self.tmp, "data")
        config = os.path.join(self.tmp, "config", "glib-2.0", "settings")
        os.makedirs(config)
        with open(os.path.join(config, "keyfile"), "w") as f:
            f.write("[io/github/pharmatrack/Desktop]\n"
                    "window-width=1280\nwindow-height=800\nlast-page='counter'\n")
        self.env = dict(os.environ)
        self.env.update({
            "GSETTINGS_SCHEMA_DIR": SCHEMAS,
            "GSETTINGS_BACKEND": "keyfile",
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "share"),
            "GSK_RENDERER": "cairo",
            "ADW_DISABLE_PORTAL": "1",
            "GTK_USE_PORTAL": "0",
        })
        self.env.pop("G_DEBUG", None)
        self.proc = None
        self.root = None
        os.makedirs(SHOTS, exist_ok=True)

    def admin(self, *args):
        """pharmatrack-admin in English: its output is parsed."""
        env = dict(self.env, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        env.pop("LANGUAGE", None)
        cmd = [ADMIN, "--data-dir", self.data_dir] + list(args)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise Failure(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        return r.stdout.strip()

    def put(self, collection, doc):
        path = os.path.join(self.tmp, "doc.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return self.admin("put", collection, "--file", path).split()[-1]

    def start(self):
        self.log = open(os.path.join(self.tmp, "app.log"), "w")
        env = dict(self.env, **GERMAN)
        self.proc = subprocess.Popen([APP, "--data-dir", self.data_dir], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        log("started app, pid", self.proc.pid)

        def app_root():
            if self.proc.poll() is not None:
                raise Failure(f"the app exited with status {self.proc.returncode}")
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                a = desktop.getChildAtIndex(i)
                try:
                    if a is not None and a.get_process_id() == self.proc.pid:
                        return a
                except Exception:
                    continue
            return None
        self.root = wait_for(app_root, 30, "the app on the accessibility bus")

    def wait(self, what, timeout=20, **kw):
        try:
            return wait_for(lambda: find(self.root, **kw), timeout, what)
        except Failure:
            self.screenshot("failure")
            log("on screen:\n" + "\n".join(f"  [{r}] {t!r}" for r, t in screen_texts(self.root)[:400]))
            raise

    def screenshot(self, name):
        path = os.path.join(SHOTS, f"{self.scenario}-{name}.png")
        subprocess.run(["import", "-window", "root", path], env=self.env, timeout=30,
                       capture_output=True)
        log("screenshot", path)
        return path

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.log.close()
            with open(os.path.join(self.tmp, "app.log")) as f:
                out = f.read()
            if out.strip():
                log("app output:\n" + out[-4000:])
            self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Checker:
    def __init__(self, po_path):
        self.english = english_that_has_german(read_po(po_path))
        log(f"{len(self.english)} English messages have a different German translation")

    def page(self, app, page, german):
        """On @page, every label of @german is shown, and no English message."""
        state = {}

        def all_there():
            state["shown"] = screen_texts(app.root)
            seen = {t for _, t in state["shown"]}
            state["missing"] = [label for label in german if label not in seen]
            return not state["missing"]
        try:
            wait_for(all_there, 30, f"{german} on the {page} page", interval=0.5)
        except Failure:
            app.screenshot(f"{page}-failure")
            log("on screen:\n" + "\n".join(f"  [{r}] {t!r}" for r, t in state.get("shown", [])))
            raise Failure(f"the {page} page does not show {state.get('missing')}")
        leaks = sorted({t for _, t in state["shown"] if t in self.english})
        if leaks:
            app.screenshot(f"{page}-english")
            raise Failure(f"the {page} page shows English text in a German session: {leaks}")
        log(f"{page}: {len(state['shown'])} texts, all German; saw {german}")
        app.screenshot(page)


# ---- Scenario -------------------------------------------------------------

# Alt+1 … Alt+6 switch pages (pt-window-actions.c): German labels that
# only that page shows.
PAGES = [
    ("counter", ["Heutige Warteschlange", "Neues Rezept"]),
    ("prescriptions", ["Etiketten drucken", "Beleg drucken"]),
    ("medicines", ["Abgelaufenes ausbuchen", "Korrigieren"]),
    ("patients", ["Neuer Patient"]),
    ("reports", ["Nach Zahlungsart", "Heute"]),
    ("sync", ["Jetzt synchronisieren", "Zuletzt gesendet"]),
]


def scenario_german(app, checker):
    # First run: the welcome page.
    app.start()
    app.wait("the welcome page", rolename="list item", contains="Mit Demodaten ausprobieren",
             timeout=30)
    checker.page(app, "welcome", ["Willkommen bei PharmaTrack", "Mit Demodaten ausprobieren",
                                  "Eine neue Apotheke offline beginnen"])
    app.stop()

    # A small demo store and a medicine of our own with a known price,
    # stock and expiry, for the number and date formats.
    app.admin("demo-data", "--medicines", "12", "--patients", "6", "--prescriptions", "4",
              "--seed", "7")
    med = app.put("medicines", {
        "name": "Lokalisan", "genericName": "lokalisanol", "strength": "50 mg",
        "form": "tablets", "schedule": "otc", "price": 123456, "category": "Analgesics"})
    app.admin("receive", "--medicine", med, "--lot", "L10N-DEZ", "--expiry", "2031-12-31",
              "--quantity", "1500", "--cost", "100")

    app.start()
    app.wait("the sign-in page", name="Passwort", timeout=30)
    checker.page(app, "sign-in", ["Passwort", "E-Mail", "Anmelden"])
    key(ord("a"), CONTROL)
    type_text(PHARMACIST)
    key(KEYSYMS["Return"])
    type_text(PASSWORD)
    key(KEYSYMS["Return"])
    app.wait("the signed-in header", rolename="label", contains=" · ", timeout=30)

    for number, (page, german) in enumerate(PAGES, start=1):
        key(ord(str(number)), ALT)
        checker.page(app, page, german)

    # German formats on the Medicines page.
    key(ord("3"), ALT)
    app.wait("the medicines page", name="Abgelaufenes ausbuchen")
    key(ord("f"), CONTROL)
    type_text("lokalisan")
    checker.page(app, "medicine-formats", ["1.234,56 GBP", "1.500", "31 Dez 2031",
                                           "Charge L10N-DEZ"])

    # The primary menu: F10 opens it, as in every GNOME app.
    app.wait("the main menu button", name="Hauptmenü")
    key(KEYSYMS["F10"])
    checker.page(app, "primary-menu", ["Einstellungen", "Tastenkürzel", "Info zu PharmaTrack"])
    key(KEYSYMS["Escape"])


def main():
    scenario, po = sys.argv[1], sys.argv[2]
    if scenario != "german-main-pages":
        print(f"unknown scenario {scenario}")
        return 2
    app = App(scenario)
    try:
        scenario_german(app, Checker(po))
    except Exception as e:
        print(f"FAIL: {scenario}: {e}", flush=True)
        app.cleanup()
        return 1
    app.cleanup()
    print(f"PASS: {scenario}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
