"""Counter helpers shared by the counter, patients, prescriptions and
reports scenarios (on top of ptharness)."""
import datetime
import json
import os
import subprocess
import time

from ptharness import (App, Failure, DEMO_PASSWORD, find, key, log, sensitive, type_text,
                       wait_for)


def counter_app(scenario):
    """The app opening on the counter page; searches span every window
    (the counter's dialogs are windows of their own)."""
    return App(scenario, last_page="counter", scope="app")


def day(offset):
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def prepare(app, prescriptions=12):
    """A small demo store and two medicines of our own with known stock:
    Calmora (60, expires in 20 days: short-dated) and Dermilon (10, a year
    and more)."""
    app.admin("demo-data", "--medicines", "60", "--patients", "20", "--prescriptions",
              str(prescriptions), "--seed", "11")
    meds = {}
    meds["calmora"] = app.put("medicines", {
        "name": "Calmora", "genericName": "calmoratine", "strength": "250 mg",
        "form": "tablets", "schedule": "rx", "price": 120, "category": "Analgesics"})
    meds["dermilon"] = app.put("medicines", {
        "name": "Dermilon", "genericName": "dermilonide", "strength": "1 %",
        "form": "cream", "schedule": "rx", "price": 450, "category": "Dermatologicals"})
    app.admin("receive", "--medicine", meds["calmora"], "--lot", "CAL-20D",
              "--expiry", day(20), "--quantity", "60", "--cost", "50")
    app.admin("receive", "--medicine", meds["dermilon"], "--lot", "DER-1Y",
              "--expiry", day(400), "--quantity", "10", "--cost", "200")
    return meds


def clear_prescriptions(app):
    for line in app.admin("list", "prescriptions").splitlines():
        app.admin("delete", "prescriptions", json.loads(line)["_id"]["$oid"])


def sign_in(app, email, password=DEMO_PASSWORD, expect="Received ("):
    """The e-mail field has the focus; Enter moves on to the password."""
    app.wait("the sign-in page", name="Password", timeout=30)
    app.wait("the e-mail field", name="Email")
    key("<Control>a")
    type_text(email)
    key("Return")
    type_text(password)
    key("Return")
    if expect:
        app.wait("the signed-in page", contains=expect, rolename="label", timeout=30)


def pharmacy_id(app):
    line = app.admin("list", "pharmacies").splitlines()[0]
    return json.loads(line)["_id"]["$oid"]


def find_medicine(app, name):
    for line in app.admin("list", "medicines").splitlines():
        d = json.loads(line)
        if d.get("name") == name:
            return d["_id"]["$oid"]
    raise Failure(f"no medicine {name}")


def stock_of(app, medicine_id):
    """Stock of a medicine at the branch: the sum of its ledger."""
    return json.loads(app.admin("stock", "--medicine", medicine_id, "--json"))["total"]


def prescription(app, number):
    """The prescription document with this number, as a dict, or None."""
    for line in app.admin("list", "prescriptions").splitlines():
        d = json.loads(line)
        if d.get("number") == number:
            return d
    return None


def rx_row(app, number_or_name, status, timeout=15):
    """The accessible name of a prescription row (the objects are not
    kept: a list replaces the rows of the prescriptions that changed)."""
    def name():
        acc = find(app.root, contains=f"{number_or_name}, {status}", rolename="list item")
        return acc.name if acc is not None else None
    try:
        return wait_for(name, timeout, f"{number_or_name} {status} in a list")
    except Failure:
        app.screenshot("failure")
        raise


def dispense_selected(app, number, method=None, tendered=None, duplicate_reason=None):
    """Ctrl+D on the selected prescription @number and dispenses it: a
    duplicate-therapy warning (expected when @duplicate_reason is given)
    is acknowledged with that reason; paid by card (@method "card") or in
    cash (@tendered typed, else the exact total)."""
    key("<Control>d")
    button = app.wait("the Dispense button", name="Dispense", rolename="push button")
    app.wait("the total to pay", name="Total to pay", rolename="list item")
    if duplicate_reason is not None:
        app.wait("the duplicate-therapy acknowledgement", name="Acknowledge duplicate therapy",
                 rolename="check box")
        if sensitive(button):
            raise Failure("Dispense was possible before the duplicate warning was acknowledged")
        key("space")     # the acknowledgement has the focus; then the reason has it
        app.wait("the override reason", name="Override reason", rolename="text")
        type_text(duplicate_reason)
    if method == "card":
        key("<Alt>a")
        wait_for(lambda: sensitive(button), 5, "Dispense possible when paid by card")
        key("<Alt>d")
    else:
        if tendered is not None:
            key("<Control>a")
            type_text(tendered)
        wait_for(lambda: sensitive(button), 5, "Dispense possible with the cash tendered")
        key("Return")
    wait_for(lambda: (prescription(app, number) or {}).get("status") == "dispensed", 20,
             f"{number} dispensed in the store")
    settle(2)


def pdf_text(path):
    r = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                       timeout=30)
    return " ".join(r.stdout.split())


def new_pdfs(app, before, timeout=20, what="a PDF"):
    """PDF files printed since @before (a set of names)."""
    def found():
        if not os.path.isdir(app.print_dir):
            return None
        fresh = [f for f in os.listdir(app.print_dir) if f.endswith(".pdf") and f not in before]
        return sorted(fresh) or None
    return wait_for(found, timeout, what)


def printed(app):
    return set(os.listdir(app.print_dir)) if os.path.isdir(app.print_dir) else set()


def settle(seconds=1.5):
    """GTK 4.8 may crash if the tree is walked right after a dialog closed
    or while rows are replaced: give it a moment after such a step."""
    time.sleep(seconds)
    log("settled")
