#!/usr/bin/python3
"""End-to-end tests of the PharmaTrack window, driven through AT-SPI.

Run by run-e2e.sh inside dbus-run-session and xvfb-run; the harness is
tests/ui/ptharness.py, shared by every e2e script.  Each scenario
starts the app on a fresh data dir, finds controls by their accessible
names, types with synthesized key events (the way a person or a barcode
scanner does), saves screenshots, and stops the app by its PID.  Every wait
has a timeout.
"""
import json
import os
import select
import subprocess
import sys
import threading
import time

from ptharness import (ALT, CONTROL, KEYSYMS, SHIFT, Failure, click, combo, find, find_all,
                       is_sensitive, log, pyatspi, run, text_of, type_text, wait_for)

DEMO_PASSWORD = "demo-pharmacy"
OWNER = "owner@demo.pharmatrack.example"
CASHIER = "cashier@demo.pharmatrack.example"


def sign_in(app, email, password, focus_on_password=False):
    """Types the e-mail (Enter moves on) and the password (Enter signs in).
    After a lock the e-mail is filled in and the password has the focus:
    Shift+Tab goes back to the e-mail."""
    app.wait("the sign-in page", role="text", contains="Password")
    if focus_on_password:
        combo(KEYSYMS["\t"], SHIFT)
    combo(ord("a"), CONTROL)
    type_text(email + "\n")
    type_text(password + "\n")


def wait_signed_in(app, role):
    """The header names the user and the role only once signed in."""
    return app.wait(f"the header to show a signed-in {role}", role="label",
                    contains=f" · {role}", timeout=20)


def table_rows(app):
    """The catalogue rows on screen, each a list of its cells' texts."""
    # The column view stays the same widget: find it once.
    table = getattr(app, "table", None)
    if table is None:
        table = app.table = app.wait("the medicines table", name="Medicines", role="tree table")
    rows = []
    for row in find_all(table, role="table row"):
        cells = [c for c in find_all(row, role="table cell")]
        if not cells:
            continue
        texts = []
        for c in cells:
            labels = find_all(c, role="label")
            texts.append(labels[0].name if labels else "")
        rows.append(texts)
    return rows


NAME, DETAILS, STOCK, EXPIRY, PRICE, STATUS = range(6)


def first_row(app):
    rows = table_rows(app)
    return rows[0] if rows else None


def stock_of_first_row(app):
    row = first_row(app)
    # "1,234": the sellable stock (expired stock is a second label).
    return int(row[STOCK].split()[0].replace(",", "")) if row and row[STOCK] else None


def search(app, text):
    combo(ord("f"), CONTROL)          # Ctrl+F focuses and selects the search
    type_text(text)


def medicines(app):
    out = []
    for line in app.admin("list", "medicines").splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def expect_equal(actual, expected, what):
    if actual != expected:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


# ---- Scenarios ----------------------------------------------------------

def scenario_demo_first_run(app):
    """Demo first run → sign in → search by name and by barcode → receive
    stock → the stock column changes → adjust with a reason → the audit
    log has it."""
    app.start()
    app.wait("the welcome page", role="list item", contains="Explore with demo data", timeout=20)
    app.screenshot("welcome", committed="welcome.png")
    # The first choice has the keyboard focus: Enter picks it.
    combo(KEYSYMS["\n"])
    app.wait("the demo accounts on the sign-in page", role="label", name=OWNER, timeout=90)
    app.screenshot("signin")
    sign_in(app, OWNER, DEMO_PASSWORD)
    wait_signed_in(app, "Owner")
    catalogue_work(app)


def catalogue_work(app):
    # By name: the list narrows to matching medicines as we type.
    catalogue = medicines(app)
    target = next(m for m in catalogue
                  if m.get("barcode") and len(m["name"]) > 6 and not m.get("deleted"))
    prefix = target["name"][:5]
    search(app, prefix.lower())
    wait_for(lambda: table_rows(app) and all(r[NAME].lower().startswith(prefix.lower())
                                             or prefix.lower() in r[NAME].lower()
                                             for r in table_rows(app)[:3]),
             10, f"rows matching {prefix!r}")
    app.wait("the match count", role="label", contains=f"“{prefix.lower()}”")
    app.screenshot("search-by-name")

    # By barcode, as a scanner types it: digits and Enter.
    search(app, target["barcode"] + "\n")
    wait_for(lambda: first_row(app) and first_row(app)[NAME] == target["name"], 10,
             f"{target['name']} first after scanning {target['barcode']}")
    app.wait("the detail pane of the scanned medicine", role="label", name=target["name"])
    before = stock_of_first_row(app)
    log("stock before:", before)
    app.screenshot("search-by-barcode")

    # Receive stock: Ctrl+R, then lot, expiry, quantity, cost, supplier.
    combo(ord("r"), CONTROL)
    app.dialog("Receive Stock")
    type_text("E2E-LOT-7\t2031-12-31\t48\t1.25\tCentral Wholesale\n")
    # The detail pane first (outside the list), then the column itself.
    app.wait("the new stock in the detail pane", role="label",
             name=f"Stock at this branch: {before + 48:,}")
    expect_equal(stock_of_first_row(app), before + 48, "the stock column after receiving 48")
    app.wait("the new batch in the detail pane", role="label", name="Lot E2E-LOT-7")
    app.screenshot("received")

    # Adjust without a reason is refused, with the reason it is recorded.
    combo(ord("j"), CONTROL)
    dialog = app.dialog("Adjust Stock")
    type_text("-5\n")
    app.wait("the reason-required message", within=dialog, role="label", contains="Give a reason")
    expect_equal(stock_of_first_row(app), before + 48, "stock after a refused adjustment")
    type_text("Damaged box found at the counter\n")
    app.wait("the adjusted stock in the detail pane", role="label",
             name=f"Stock at this branch: {before + 43:,}")
    expect_equal(stock_of_first_row(app), before + 43, "the stock column after adjusting by -5")
    app.wait("the adjustment in the stock history", role="label",
             contains="Damaged box found at the counter")
    app.screenshot("medicines")

    # The audit log has the adjustment, by the owner.
    audit = app.admin("list", "audit_events")
    movements = app.admin("list", "stock_movements")
    adjustment = [json.loads(l) for l in movements.splitlines()
                  if "Damaged box found at the counter" in l]
    if len(adjustment) != 1 or adjustment[0].get("quantity") not in (-5, {"$numberLong": "-5"}):
        raise Failure(f"expected one -5 adjustment movement, got {adjustment}")
    movement_id = adjustment[0]["_id"]["$oid"]
    if movement_id not in audit:
        raise Failure(f"the audit log has no event for movement {movement_id}")
    log("audit has movement", movement_id)

    # The whole catalogue again: the search cleared, a screenful of rows.
    search(app, "")
    combo(KEYSYMS["BackSpace"])
    wait_for(lambda: len(table_rows(app)) >= 12, 15, "a screenful of the catalogue")
    app.wait("the catalogue count", role="label", contains="medicines", timeout=10)
    app.screenshot("catalogue", committed="medicines.png")

    # The Sync page, reached from the header's sync indicator.
    click(app.wait("the sync indicator", role="push button", name="Sync status"))
    app.wait("the sync state", role="label", contains="Offline — not connected")
    app.screenshot("sync", committed="sync.png")


def demo_store(app):
    """A small demo store made by the command-line tool, not the GUI."""
    app.admin("demo-data", "--medicines", "60", "--patients", "10", "--prescriptions", "10")


def scenario_wrong_password(app):
    demo_store(app)
    app.start()
    sign_in(app, OWNER, "not-the-password")
    app.wait("the refusal", role="label", contains="email or password is not right")
    if find(app.main, role="label", contains=" · Owner"):
        raise Failure("signed in with a wrong password")
    app.screenshot("refused")
    # Two more wrong tries: the counter asks to wait before the next.
    for _ in range(2):
        combo(ord("a"), CONTROL)
        type_text("still-wrong\n")
        time.sleep(0.5)
    app.wait("the delay after repeated failures", role="label", contains="Too many attempts")
    app.screenshot("delay")
    if find(app.main, role="label", contains=" · Owner"):
        raise Failure("signed in with a wrong password")


def sensitive_button(app, name):
    return is_sensitive(app.wait(f"the {name} button", role="push button", name=name))


def scenario_cashier(app):
    demo_store(app)
    app.start()
    sign_in(app, CASHIER, DEMO_PASSWORD)
    wait_signed_in(app, "Cashier")
    search(app, "a")
    wait_for(lambda: table_rows(app), 10, "catalogue rows")
    for name in ("Change price", "Edit medicine", "New medicine"):
        if sensitive_button(app, name):
            raise Failure(f"a cashier gets the “{name}” action")
    # The shortcut does nothing either.
    combo(ord("p"), CONTROL, SHIFT)
    time.sleep(0.5)
    if app.watcher.window("Change Price"):
        raise Failure("Ctrl+Shift+P opened the price editor for a cashier")
    app.screenshot("cashier")

    # Ctrl+L locks; a pharmacist signs in at the same counter and may.
    combo(ord("l"), CONTROL)
    app.wait("the locked counter offering the cashier", role="label",
             name="Signed In at This Counter")
    sign_in(app, "pharmacist@demo.pharmatrack.example", DEMO_PASSWORD, focus_on_password=True)
    wait_signed_in(app, "Pharmacist")
    wait_for(lambda: sensitive_button(app, "Change price"), 10,
             "the Change price action for a pharmacist")
    app.screenshot("pharmacist")


def is_focused(acc):
    try:
        return acc.getState().contains(pyatspi.STATE_FOCUSED)
    except Exception:
        return False


def scenario_folded_window_keys(app):
    """A window too narrow for the sidebar beside the page (as German,
    French and Spanish labels make it at 1280 px): Alt+N shows a page with
    the keyboard focus in it — its search — not on the header's back
    button, so typing searches that page and Ctrl+F stays on it."""
    demo_store(app)
    # Too narrow for the sidebar (220 px) beside any page.
    keyfile = os.path.join(app.tmp, "config", "glib-2.0", "settings", "keyfile")
    with open(keyfile, "w") as f:
        f.write("[io/github/pharmatrack/Desktop]\nwindow-width=480\nwindow-height=800\n")
    app.start()
    sign_in(app, OWNER, DEMO_PASSWORD)
    wait_signed_in(app, "Owner")
    back = app.wait("the back button of the folded window", role="push button",
                    name="Back to pages")
    combo(ord("2"), ALT)
    rx_search = app.wait("the prescriptions search", role="entry", name="Search prescriptions")
    wait_for(lambda: is_focused(rx_search), 10, "the focus in the prescriptions search after Alt+2")
    if is_focused(back):
        raise Failure("Alt+2 left the focus on the back button")
    type_text("zz")
    wait_for(lambda: text_of(rx_search) == "zz", 10, "typing to search prescriptions")
    # Ctrl+F is the page's own search, not the window's (Medicines).
    combo(ord("f"), CONTROL)
    time.sleep(0.5)
    if find(app.main, role="entry", name="Search medicines"):
        raise Failure("Ctrl+F on the Prescriptions page opened Medicines")
    wait_for(lambda: is_focused(rx_search), 10, "the focus still in the prescriptions search")
    app.screenshot("folded-prescriptions")
    combo(ord("3"), ALT)
    med_search = app.wait("the medicines search", role="entry", name="Search medicines")
    wait_for(lambda: is_focused(med_search), 10, "the focus in the medicines search after Alt+3")
    type_text("a")
    wait_for(lambda: table_rows(app), 10, "medicines found by typing after Alt+3")
    app.screenshot("folded-medicines")


# ---- Connect this counter ----------------------------------------------

class Mongosim:
    """tests/mongosim on a free port, stopped by its PID."""

    def __init__(self):
        self.proc = subprocess.Popen([os.environ["PT_MONGOSIM"], "--port", "0", "--verbose"],
                                     stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stderr], [], [], 20)
        line = self.proc.stderr.readline() if ready else ""
        if "listening on " not in line:
            self.stop()
            raise Failure(f"mongosim did not start within 20 s ({line.strip()!r})")
        host = line.split("listening on ")[1].split()[0]
        self.uri = f"mongodb://{host}/?replicaSet=rs0"
        # Its log is drained so that it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()
        log("mongosim at", self.uri, "pid", self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def admin_at(app, data_dir, *args):
    """pharmatrack-admin on another data dir than the app's."""
    cmd = [os.environ["PT_ADMIN"], "--data-dir", data_dir] + list(args)
    r = subprocess.run(cmd, env=app.env, capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    return r.stdout.strip()


def scenario_connect_counter(app):
    """A pharmacy's data is in the cloud (a first counter made it and
    synced); a new counter: welcome → Connect this counter → address and
    organisation ID → the first sync's progress → sign in with the cloud's
    account → the main window lists that pharmacy's medicines."""
    sim = Mongosim()
    try:
        seed = os.path.join(app.tmp, "seed")
        admin_at(app, seed, "demo-data", "--medicines", "300", "--patients", "40",
                 "--prescriptions", "40")
        admin_at(app, seed, "sync", "--uri", sim.uri, "--once")
        status = admin_at(app, seed, "status")
        tenant = status.split("Tenant:", 1)[1].split("(", 1)[1].split(")", 1)[0]
        cloud = [json.loads(line) for line in
                 admin_at(app, seed, "list", "medicines").splitlines()
                 if line.startswith("{")]
        target = next(m for m in cloud if len(m["name"]) > 6 and not m.get("deleted"))
        log("tenant", tenant, "with", len(cloud), "medicines; looking for", target["name"])

        app.start()
        app.wait("the welcome page's Connect choice", role="list item",
                 contains="Connect this counter", timeout=20)
        # The first choice has the focus; the second is one row down.
        combo(KEYSYMS["down"])
        combo(KEYSYMS["\n"])
        # The address has the focus; Tab goes on to the organisation ID.
        app.wait("the server address field", role="text", name="Server address")
        type_text(sim.uri + "\t")
        app.wait("the organisation ID field", role="text", name="Organisation ID")
        type_text(tenant)
        app.screenshot("filled")
        # Enter in the organisation ID connects.
        type_text("\n")
        # Shown from Connect until the sign-in page replaces the page.
        app.wait("the first sync's progress", role="progress bar", name="First sync progress",
                 timeout=20)
        app.wait("the sign-in page after the first sync", role="text", contains="Password",
                 timeout=120)
        sign_in(app, OWNER, DEMO_PASSWORD)
        wait_signed_in(app, "Owner")

        # The main window lists this pharmacy's medicines (Ctrl+F goes to
        # the Medicines page from any page), found by name.
        search(app, target["name"])
        wait_for(lambda: first_row(app) and first_row(app)[NAME] == target["name"], 15,
                 f"{target['name']} from the cloud in the catalogue")
        local = app.admin("status")
        if f"({tenant})" not in local:
            raise Failure(f"the counter's store is not tenant {tenant}: {local}")
        app.screenshot("connected")
    finally:
        sim.stop()


SCENARIOS = {
    "demo-first-run-search-receive-adjust": scenario_demo_first_run,
    "wrong-password-refused": scenario_wrong_password,
    "cashier-cannot-change-price": scenario_cashier,
    "connect-counter-first-sync": scenario_connect_counter,
    "folded-window-alt-n-focuses-the-page": scenario_folded_window_keys,
}


if __name__ == "__main__":
    sys.exit(run(SCENARIOS, sys.argv))
