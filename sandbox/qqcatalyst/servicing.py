"""What happens around a policy once it exists: claims, invoices, commissions, fees, documents and
ACORD forms, each with its own small life (a claim is reviewed until it closes, an invoice is
paid or falls overdue, a commission statement is paid or reversed, a form goes from Draft to Sent).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sandbox.qqcatalyst.agenda import Agenda, add_months, cents, scaled, split
from sandbox.qqcatalyst.catalog import ACORD_FORMS, CLAIM_DESCRIPTIONS, LINES
from sandbox.qqcatalyst.reference import email_for, person
from sandbox.qqcatalyst.store import Row, iso, stamp
from sandbox.qqcatalyst.values import money, new_uuid, phone_number

CLAIM_REVIEW_DAYS = (5, 45)  # days from a report to its first review
_PLANS = {"Annual": 12, "Semi-Annual": 6, "Quarterly": 3, "Monthly": 1}  # months between instalments
_RESERVES = {"Personal": (800, 12_000), "Commercial": (2_000, 60_000)}


class Servicing(Agenda):
    """Claims, billing, commissions, fees, documents and ACORD forms of an agency's policies."""

    # ----- claims ---------------------------------------------------------------------------------

    def _open_claim(self, policy: Row, rng: random.Random) -> None:
        moment = self._moment(rng, policy)
        contact = policy.parent
        loss = max(policy.facts["effective"], self.today - timedelta(days=rng.randint(0, 14)))
        reserve = cents(rng.randrange(*_RESERVES[LINES[policy.facts["line"]].policy_type]))
        if rng.random() < 0.3:  # a third party claims against the insured
            who = person(rng)
            email = email_for(f"{who.first}.{who.last}", rng)
            phone = phone_number(rng.choice(self.ref.places)[3], rng)
        else:
            email, phone = contact.facts["email"], contact.facts["phone"]
        claim_number = self._next_number("claim")
        data = {
            "ClaimId": self.new_id("claims", rng),
            "PolicyId": policy.id,
            "ClaimNumber": f"CLM-{self.today.year}-{self.spec.agency_id % 100:02d}{claim_number:05d}",
            "LossDate": iso(loss),
            "ReportedDate": iso(self.today),
            "ClosedDate": None,
            "Status": "Open",
            "PaidAmount": 0.0,
            "ReserveAmount": money(reserve),
            "Description": rng.choice(CLAIM_DESCRIPTIONS[policy.facts["line"]]),
            "ClaimantEmail": email,
            "ClaimantPhone": phone,
        }
        checked = {
            "LossDate": "date",
            "ReportedDate": "date",
            "ClosedDate": "date",
            "Status": "status",
            "PaidAmount": "currency",
            "ReserveAmount": "currency",
            "ClaimantEmail": "email",
            "ClaimantPhone": "phone",
        }
        claim = self.add(
            "claims", data, moment, rng, status="Open", checked=checked, parent=policy, reserve=reserve
        )
        if rng.random() < 0.5:
            self._document(claim, "Claim", "Claim Photo", f"Photo_{data['ClaimNumber']}.jpg", rng, moment)
        self._schedule(self.day + rng.randint(*CLAIM_REVIEW_DAYS), self._review_claim, claim)

    def _review_claim(self, claim: Row, rng: random.Random) -> None:
        if claim.deleted or claim.status not in ("Open", "Reopened"):
            return
        moment = self._moment(rng, claim)
        roll = rng.random()
        reserve = claim.facts["reserve"]
        if roll < 0.65:
            self.put(claim, "PaidAmount", money(scaled(reserve, rng, 0.3, 1.1)), rng)
        if roll < 0.8:
            self.put(claim, "ReserveAmount", 0.0, rng)
            self.put(claim, "ClosedDate", iso(self.today), rng)
            self.set_status(claim, "Closed" if roll < 0.65 else "Denied", moment, rng)
            if roll < 0.65 and rng.random() < 0.06:
                self._schedule(self.day + rng.randint(10, 60), self._reopen_claim, claim)
            return
        claim.facts["reserve"] = scaled(reserve, rng, 0.8, 1.5)
        self.put(claim, "ReserveAmount", money(claim.facts["reserve"]), rng)
        self.touch(claim, moment)
        self._schedule(self.day + rng.randint(10, 40), self._review_claim, claim)

    def _reopen_claim(self, claim: Row, rng: random.Random) -> None:
        if claim.deleted or claim.status != "Closed":
            return
        moment = self._moment(rng, claim)
        self.put(claim, "ClosedDate", None)
        self.put(claim, "ReserveAmount", money(claim.facts["reserve"] / 2), rng)
        self.set_status(claim, "Reopened", moment, rng)
        self._schedule(self.day + rng.randint(7, 30), self._review_claim, claim)

    # ----- billing and commissions ----------------------------------------------------------------

    def _plan_instalments(self, policy: Row, rng: random.Random) -> None:
        facts = policy.facts
        step = _PLANS[facts["detail"]["PaymentPlan"]]
        count = max(1, facts["term"] // step)
        shares = split(facts["premium"], count, rng) if count > 1 else [facts["premium"]]
        for index, share in enumerate(shares):
            due = add_months(facts["effective"], index * step)
            if due < self.today:
                continue  # paid before the agency moved to QQCatalyst
            self._schedule(due - timedelta(days=20), partial(self._bill, due=due, amount=share), policy)

    def _bill(
        self, policy: Row, rng: random.Random, *, due: date, amount: Decimal, moment: int | None = None
    ) -> None:
        """An invoice (a credit when `amount` is negative) for an agency-billed policy."""
        if policy.deleted or (amount > 0 and policy.status not in ("Active", "Pending", "Renewed")):
            return
        moment = moment or self._moment(rng, policy)
        invoice = self._next_number("invoice")
        prefix = "".join(word[0] for word in self.spec.title.split()).upper()
        data = {
            "BillingRecordId": self.new_id("billing_records", rng),
            "ContactId": policy.parent.id,
            "PolicyId": policy.id,
            "InvoiceNumber": f"{prefix}-{invoice:06d}",
            "BillingDate": iso(self.today),
            "DueDate": iso(due),
            "Amount": money(amount),
            "Status": "Open",
        }
        checked = {"BillingDate": "date", "DueDate": "date", "Amount": "currency", "Status": "status"}
        bill = self.add("billing_records", data, moment, rng, status="Open", checked=checked, parent=policy)
        policy.facts["bills"].append(bill)
        if amount > 0 and policy.facts["detail"]["PaymentPlan"] == "Monthly":
            self._fee(policy, "Installment", 5, rng, moment)
        if amount > 0 and rng.random() < 0.15:
            self._schedule(due + timedelta(days=1), self._bill_overdue, bill)
        else:
            self._schedule(self.day + rng.randint(1, max(1, (due - self.today).days)), self._bill_paid, bill)

    def _bill_overdue(self, bill: Row, rng: random.Random) -> None:
        if bill.deleted or bill.status != "Open":
            return
        moment = self._moment(rng, bill)
        self.set_status(bill, "Overdue", moment, rng)
        self._fee(bill.parent, "Late", 25, rng, moment)
        if rng.random() < 0.9:
            self._schedule(self.day + rng.randint(5, 25), self._bill_paid, bill)

    def _bill_paid(self, bill: Row, rng: random.Random) -> None:
        if not bill.deleted and bill.status in ("Open", "Overdue"):
            self.set_status(bill, "Paid", self._moment(rng, bill), rng)

    def _commission(self, policy: Row, rng: random.Random) -> None:
        if policy.deleted or policy.status == "Cancelled":
            return
        facts = policy.facts
        rule = self.rules[(facts["carrier"].id, facts["line"])]
        kind = "Renewal" if facts["kind"] == "renewal" else "NewBusiness"
        amount = cents(facts["premium"] * rule.facts["renewal" if kind == "Renewal" else "new_business"])
        data = {
            "CommissionId": self.new_id("commissions", rng),
            "PolicyId": policy.id,
            "CarrierId": facts["carrier"].id,
            "CommissionRuleId": rule.id,
            "CommissionType": kind,
            "Amount": money(amount),
            "StatementDate": iso(self.today),
            "PaidDate": None,
            "Status": "Pending",
        }
        checked = {
            "CommissionType": "status",
            "Amount": "currency",
            "StatementDate": "date",
            "PaidDate": "date",
            "Status": "status",
        }
        commission = self.add(
            "commissions",
            data,
            self._moment(rng, policy),
            rng,
            status="Pending",
            checked=checked,
            parent=policy,
        )
        facts["commission"] = commission
        self._schedule(self.day + rng.randint(7, 30), self._commission_paid, commission)

    def _commission_paid(self, commission: Row, rng: random.Random) -> None:
        if commission.deleted or commission.status != "Pending":
            return
        self.put(commission, "PaidDate", iso(self.today), rng)
        self.set_status(commission, "Paid", self._moment(rng, commission), rng)

    # ----- fees, documents, ACORD forms -----------------------------------------------------------

    def _fee(self, policy: Row, kind: str, amount: int, rng: random.Random, moment: int) -> Row:
        data = {
            "FeeId": self.new_id("fees", rng),
            "PolicyId": policy.id,
            "FeeType": kind,
            "Amount": money(amount),
            "FeeDate": iso(self.today),
        }
        checked = {"FeeType": "status", "Amount": "currency", "FeeDate": "date"}
        return self.add("fees", data, moment, rng, checked=checked, parent=policy)

    def _document(
        self, owner: Row, entity_type: str, kind: str, file_name: str, rng: random.Random, moment: int
    ) -> Row:
        uploader = rng.choice([e for e in self.ref.employees if e.status == "A"])
        data = {
            "DocumentId": self.new_id("documents", rng),
            "EntityType": entity_type,
            "EntityId": owner.id,
            "FileName": file_name,
            "DocumentType": kind,
            "DocumentGuid": new_uuid(rng),
            "UploadedBy": uploader.facts["name"],
            "UploadedOn": stamp(moment),
        }
        return self.add("documents", data, moment, rng, checked={"DocumentGuid": "uuid"}, parent=owner)

    def _acord(self, policy: Row, number: str, status: str, rng: random.Random, moment: int) -> Row:
        edition, name = ACORD_FORMS[number]
        data = {
            "AcordFormId": self.new_id("acord_forms", rng),
            "FormId": f"ACORD-{number}-{edition}",
            "FormNumber": number,
            "FormName": name,
            "PolicyId": policy.id,
            "FormDate": iso(self.today),
            "Status": status,
        }
        form = self.add(
            "acord_forms",
            data,
            moment,
            rng,
            status=status,
            parent=policy,
            checked={"FormDate": "date", "Status": "status"},
        )
        self._schedule(self.day + rng.randint(1, 5), self._advance_form, form)
        return form

    def _advance_form(self, form: Row, rng: random.Random) -> None:
        if form.deleted or form.status == "Sent":
            return
        self.set_status(form, "Completed" if form.status == "Draft" else "Sent", self._moment(rng, form), rng)
        if form.status == "Completed":
            self._schedule(self.day + rng.randint(1, 5), self._advance_form, form)
