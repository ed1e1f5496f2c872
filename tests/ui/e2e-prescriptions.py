#!/usr/bin/python3
"""End-to-end tests of the Prescriptions page: a prescription through the
whole workflow from there — written, found by its number, dispensed with
a short-dated batch acknowledged and cash change, label and receipt
printed, then cancelled, which returns its stock, once only.  Harness:
ptharness.py, ptcounter.py; run by run-e2e-counter.sh."""
import os
import sys

from ptharness import (PHARMACIST, App, Failure, key, log, run, sensitive, type_text,
                       wait_for)
from ptcounter import (find_medicine, new_pdfs, pdf_text, prepare,
                       prescription, printed, rx_row, settle, sign_in, stock_of)


def prescriptions_app(scenario):
    return App(scenario, last_page="prescriptions", scope="app")


def scenario_whole_workflow(app):
    prepare(app, prescriptions=12)
    app.put("patients", {"firstName": "Katherine", "lastName": "Johnson",
                         "phone": "+44 20 7946 0555"})
    calmora = find_medicine(app, "Calmora")
    app.start()
    sign_in(app, PHARMACIST, expect=" prescriptions")   # "12 prescriptions" under the search
    app.wait("the demo prescriptions", contains="Rx ", rolename="list item")
    app.screenshot("page", committed="prescriptions.png")

    # The search has the focus; Ctrl+N writes a new prescription here.
    key("<Control>n")
    app.wait("the patient field", name="Patient")
    type_text("Katherine Johnson")
    key("Return")
    app.wait("the chosen patient", name="Katherine Johnson", rolename="list item")
    type_text("Calmora")
    app.wait("a Calmora result", contains="Calmora 250 mg")
    key("Return")
    type_text("30")
    key("Return")
    type_text("Take one at night")
    key("Return")
    app.wait("the item", contains="Calmora 250 mg tablets × 30", rolename="list item")
    key("<Control>s")                       # save to the queue
    settle()
    name = rx_row(app, "Katherine Johnson", "received", timeout=20)
    number = name.split(",")[0].replace("Rx ", "").strip()
    log("prescription", number)
    if prescription(app, number) is None:
        raise Failure(f"Rx {number} is not in the store")

    # Found by its number: Enter selects it, Ctrl+D dispenses.
    type_text(number)
    key("Return")
    key("<Control>d")
    app.wait("the short-dated batch to pick", contains="Lot CAL-20D")
    app.wait("the short-dated acknowledgement", name="Acknowledge short-dated stock",
             rolename="check box")
    dispense = app.wait("the Dispense button", name="Dispense", rolename="push button")
    if sensitive(dispense):
        raise Failure("Dispense was possible before the warning was acknowledged")
    key("space")
    wait_for(lambda: sensitive(dispense), 5, "Dispense after acknowledging")
    key("<Control>a")
    type_text("40")                          # 30 × 1.20 = 36.00; change 4.00
    app.wait("the change", contains="4.00", rolename="label")
    before = printed(app)
    key("Return")
    labels = new_pdfs(app, before, what="the label PDF")
    wait_for(lambda: (prescription(app, number) or {}).get("status") == "dispensed", 20,
             "the prescription dispensed in the store")
    settle(2)
    rx_row(app, "Katherine Johnson", "dispensed", timeout=20)
    if stock_of(app, calmora) != 30:
        raise Failure(f"Calmora stock is {stock_of(app, calmora)}, not 30, after dispensing 30 of 60")
    text = pdf_text(os.path.join(app.print_dir, labels[0]))
    for expected in ("Katherine Johnson", "Calmora 250 mg", "Take one at night", number):
        if expected not in text:
            raise Failure(f"the label does not show {expected!r}: {text}")

    # The receipt (Ctrl+Shift+P) has the total and the payment.
    before = printed(app)
    key("<Control><Shift>p")
    receipt = new_pdfs(app, before, what="the receipt PDF")
    text = pdf_text(os.path.join(app.print_dir, receipt[0]))
    log("receipt:", text)
    for expected in ("Katherine Johnson", number, "36.00"):
        if expected not in text:
            raise Failure(f"the receipt does not show {expected!r}: {text}")
    app.screenshot("dispensed")

    # Cancel (Delete): the stock goes back, and it cannot happen twice.
    key("Delete")
    app.wait("the cancellation reason", name="Cancellation reason", rolename="text")
    type_text("Prescriber changed the medicine")
    key("Return")
    wait_for(lambda: (prescription(app, number) or {}).get("status") == "cancelled", 20,
             "the prescription cancelled in the store")
    if stock_of(app, calmora) != 60:
        raise Failure(f"Calmora stock is {stock_of(app, calmora)}, not 60, after the cancel")
    settle(2)
    rx_row(app, "Katherine Johnson", "cancelled", timeout=20)
    cancel = app.wait("the Cancel button", name="Cancel…", rolename="push button")
    if sensitive(cancel):
        raise Failure("a cancelled prescription can be cancelled again")
    key("Delete")
    settle()
    if stock_of(app, calmora) != 60:
        raise Failure("a second cancel returned the stock twice")
    try:
        app.admin("cancel", "--prescription", prescription(app, number)["_id"]["$oid"],
                  "--reason", "again")
    except Failure as e:
        log("the store refuses a second cancel:", e)
    else:
        raise Failure("the store cancelled a prescription twice")


SCENARIOS = {
    "prescriptions-whole-workflow-cancel-returns-stock": (prescriptions_app,
                                                          scenario_whole_workflow),
}

if __name__ == "__main__":
    sys.exit(run(SCENARIOS, sys.argv))
