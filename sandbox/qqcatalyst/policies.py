"""An agency's policies from issue to their end: activation, endorsements, renewal offers and
their outcome (renewed: a new policy with PriorPolicyID; non-renewed; lapsed), mid-term
cancellations and rewrites, each with the paperwork, fees and invoices that come with it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.qqcatalyst.agenda import add_months, cents, poisson, scaled, split, weighted
from sandbox.qqcatalyst.catalog import (
    CANCELLATION_REASONS,
    EQUIPMENT,
    LINES,
    MGAS,
    NONRENEWAL_REASONS,
    REWRITE_REASON,
    VEHICLES,
    Line,
)
from sandbox.qqcatalyst.reference import person
from sandbox.qqcatalyst.servicing import Servicing
from sandbox.qqcatalyst.store import Row, iso
from sandbox.qqcatalyst.values import money, new_uuid

# Per policy in force and year.
CLAIMS_PER_POLICY_YEAR = 0.5
CANCELLATIONS_PER_POLICY_YEAR = 0.05
_PLAN_MIX = (("Annual", 40), ("Semi-Annual", 25), ("Quarterly", 20), ("Monthly", 15))


class Policies(Servicing):
    """Issuing policies and everything that ends them."""

    # ----- issuing --------------------------------------------------------------------------------

    def _sub_id(self) -> int:
        """An id for a driver, vehicle, coverage or equipment item (one sequence for them all)."""
        return self.spec.id_base * 10 + self._next_number("sub")

    def _units(self, line: Line, contact: Row, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
        """Clean drivers, vehicles and equipment for a new policy of `line`."""
        units: dict[str, list[dict[str, Any]]] = {"Drivers": [], "Vehicles": [], "Equipment": []}
        state = contact.facts["place"][1]
        if line.drivers:
            for index in range(weighted(rng, ((1, 45), (2, 40), (3, 15)))):
                who = person(rng) if index or contact.facts["company"] else None
                first = who.first if who else contact.data["FirstName"]
                last = who.last if who else contact.data["LastName"]
                born = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
                units["Drivers"].append(
                    {
                        "DriverId": self._sub_id(),
                        "FirstName": first,
                        "LastName": last,
                        "DateOfBirth": iso(born),
                        "LicenseNumber": f"S{rng.randrange(10**7, 10**8)}",
                        "LicenseState": state,
                    }
                )
            for _ in range(weighted(rng, ((1, 55), (2, 35), (3, 10)))):
                units["Vehicles"].append(self._vehicle(rng))
        if line.equipment:
            for _ in range(rng.randint(1, 3)):
                units["Equipment"].append(self._equipment(rng))
        return units

    def _vehicle(self, rng: random.Random) -> dict[str, Any]:
        make, model = rng.choice(VEHICLES)
        vin = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17))
        return {
            "VehicleId": self._sub_id(),
            "VIN": vin,
            "Year": rng.randint(2010, 2026),
            "Make": make,
            "Model": model,
        }

    def _equipment(self, rng: random.Random) -> dict[str, Any]:
        return {
            "EquipmentId": self._sub_id(),
            "Description": rng.choice(EQUIPMENT),
            "SerialNumber": f"SN-{rng.randrange(10**6, 10**7)}",
            "Value": money(rng.randrange(2_000, 90_000)),
        }

    def _coverages(self, line: Line, premium: Decimal, rng: random.Random) -> list[dict[str, Any]]:
        """The line's coverages, their premiums adding up to the policy's to the cent."""
        shares = split(premium, len(line.coverages), rng)
        return [
            {
                "CoverageId": self._sub_id(),
                "CoverageCode": code,
                "Description": description,
                "Limit": money(limit) if limit else None,
                "Deductible": money(deductible),
                "Premium": money(share),
            }
            for (code, description, limit, deductible), share in zip(line.coverages, shares, strict=True)
        ]

    def _issue(
        self,
        contact: Row,
        line_name: str,
        carrier: Row,
        effective: date,
        term: int,
        premium: Decimal,
        rng: random.Random,
        moment: int,
        *,
        kind: str,
        prior: Row | None = None,
    ) -> Row:
        """Issue a policy (kind: migrated, new, renewal or rewrite) with everything that follows."""
        line = LINES[line_name]
        expires = add_months(effective, term)
        policy_number = self._next_number("policy", rng.randint(1, 9))
        agent = (
            contact.facts["agent"] if contact.facts["agent"].status == "A" else rng.choice(self.ref.agents())
        )
        if prior is not None and kind == "renewal":
            units = {key: [dict(unit) for unit in prior.facts["units"][key]] for key in prior.facts["units"]}
            detail = dict(prior.facts["detail"])
        else:
            units = self._units(line, contact, rng)
            billing = "Agency" if rng.random() < 0.45 else "Direct"
            detail = {"BillingMethod": billing, "PaymentPlan": weighted(rng, _PLAN_MIX)}
        rule = self.rules[(carrier.id, line_name)]
        rate = rule.facts["renewal" if kind == "renewal" else "new_business"]
        status = "Pending" if effective > self.today else "Active"
        data = {
            "PolicyId": self.new_id("policies", rng),
            "CustomerId": contact.id,
            "PolicyNumber": f"{carrier.facts['prefix']}{policy_number:07d}",
            "PolicyGuid": new_uuid(rng),
            "EffectiveDate": iso(effective),
            "ExpirationDate": iso(expires),
            "Status": status,
            "TotalPremium": money(premium),
            "LOB": line_name,
            "LOBId": line.lob_id,
            "PolicyType": line.policy_type,
            "Term": term,
            "WritingCarrier": carrier.data["CarrierName"],
            "CarrierId": carrier.id,
            "MGA": rng.choice(MGAS) if line.policy_type == "Commercial" and rng.random() < 0.15 else None,
            "AgentId": agent.id,
            "AgentName": agent.facts["name"],
            "CustomerName": contact.data["DisplayName"],
            "LocationID": contact.facts["location"].id,
            "PriorPolicyID": prior.id if prior is not None and kind == "renewal" else None,
            "PolicyDetail": {
                **detail,
                "CommissionPercent": float(rate * 100),
                "UnderwritingCompany": carrier.facts["company"],
            },
            "Drivers": [dict(unit) for unit in units["Drivers"]],
            "Vehicles": [dict(unit) for unit in units["Vehicles"]],
            "Coverages": self._coverages(line, premium, rng),
            "Equipment": [dict(unit) for unit in units["Equipment"]],
        }
        checked = {
            "EffectiveDate": "date",
            "ExpirationDate": "date",
            "Status": "status",
            "TotalPremium": "currency",
            "PolicyGuid": "uuid",
        }
        for i in range(len(units["Drivers"])):
            checked.update({f"Drivers[{i}].DateOfBirth": "date", f"Drivers[{i}].LicenseState": "state"})
        for i in range(len(line.coverages)):
            checked.update(
                {f"Coverages[{i}].{name}": "currency" for name in ("Premium", "Limit", "Deductible")}
            )
        checked.update({f"Equipment[{i}].Value": "currency" for i in range(len(units["Equipment"]))})
        policy = self.add(
            "policies",
            data,
            moment,
            rng,
            status=status,
            checked=checked,
            parent=contact,
            line=line_name,
            carrier=carrier,
            effective=effective,
            expires=expires,
            term=term,
            premium=premium,
            kind=kind,
            units=units,
            detail=detail,
            bills=[],
        )
        contact.facts["policies"].append(policy)
        self._count(f"issued_{kind}")
        if status == "Active":
            self.active[policy.id] = policy
        else:
            self._schedule(effective, self._activate, policy)
        self._paperwork(policy, rng, moment)
        if kind != "migrated":  # the old system paid those commissions
            statement = add_months(max(effective, self.today).replace(day=15), 1)
            self._schedule(statement, self._commission, policy)
        if detail["BillingMethod"] == "Agency":
            self._plan_instalments(policy, rng)
        offer = expires - timedelta(days=rng.randint(30, 45))
        self._schedule(offer, self._offer_renewal, policy)
        self._schedule(expires, self._expire, policy)
        return policy

    def _paperwork(self, policy: Row, rng: random.Random, moment: int) -> None:
        """Documents, fees and ACORD forms that come with a new policy."""
        line = LINES[policy.facts["line"]]
        kind = policy.facts["kind"]
        number = policy.data["PolicyNumber"]
        if kind != "migrated" or rng.random() < 0.5:
            self._document(policy, "Policy", "Dec Page", f"DecPage_{number}.pdf", rng, moment)
        if line.drivers and kind != "migrated":
            self._document(policy, "Policy", "ID Card", f"IDCards_{number}.pdf", rng, moment)
        if kind == "migrated":
            return
        if line.policy_type == "Personal" and rng.random() < 0.25:
            self._fee(policy, "Policy", rng.choice((25, 50)), rng, moment)
        if line.policy_type == "Commercial" and rng.random() < 0.4:
            self._fee(policy, "Broker", rng.randrange(100, 501, 25), rng, moment)
        if line.name == "Commercial Property" and kind != "renewal" and rng.random() < 0.6:
            self._fee(policy, "Inspection", rng.randrange(150, 351, 25), rng, moment)
        if kind != "renewal" or (line.policy_type == "Commercial" and rng.random() < 0.3):
            for form in line.acord:
                self._acord(policy, form, "Completed", rng, moment)

    def _activate(self, policy: Row, rng: random.Random) -> None:
        if policy.status == "Pending" and not policy.deleted:
            self.set_status(policy, "Active", self._moment(rng, policy), rng)
            self.active[policy.id] = policy

    def _endorse(self, policy: Row, rng: random.Random) -> None:
        """A mid-term change: a new premium, and sometimes a vehicle or an equipment item added."""
        moment = self._moment(rng, policy)
        facts = policy.facts
        line = LINES[facts["line"]]
        facts["premium"] = scaled(facts["premium"], rng, 0.95, 1.1)
        self.put(policy, "TotalPremium", money(facts["premium"]), rng)
        for index, share in enumerate(split(facts["premium"], len(line.coverages), rng)):
            self.put(policy, f"Coverages[{index}].Premium", money(share), rng)
        if line.drivers and rng.random() < 0.3:
            vehicle = self._vehicle(rng)
            facts["units"]["Vehicles"].append(vehicle)
            policy.data["Vehicles"].append(dict(vehicle))
        if line.equipment and rng.random() < 0.3:
            item = self._equipment(rng)
            facts["units"]["Equipment"].append(item)
            policy.data["Equipment"].append(dict(item))
            path = f"Equipment[{len(policy.data['Equipment']) - 1}].Value"
            self.check(policy, path, "currency")
            self.put(policy, path, item["Value"], rng)
        self.touch(policy, moment)
        self._count("endorsed")

    # ----- renewals -------------------------------------------------------------------------------

    def _offer_renewal(self, policy: Row, rng: random.Random) -> None:
        if policy.status not in ("Active", "Pending") or policy.facts.get("terminating"):
            return
        moment = self._moment(rng, policy)
        premium = scaled(policy.facts["premium"], rng, 0.97, 1.12)
        data = {
            "RenewalId": self.new_id("renewals", rng),
            "PolicyId": policy.id,
            "NewPolicyId": None,
            "RenewalDate": iso(policy.facts["expires"]),
            "Status": "Pending",
            "RenewalPremium": money(premium),
        }
        renewal = self.add(
            "renewals",
            data,
            moment,
            rng,
            status="Pending",
            parent=policy,
            premium=premium,
            checked={"RenewalDate": "date", "Status": "status", "RenewalPremium": "currency"},
        )
        policy.facts["renewal"] = renewal
        decide = policy.facts["expires"] - timedelta(days=rng.randint(1, 10))
        self._schedule(decide, self._decide_renewal, renewal)

    def _decide_renewal(self, renewal: Row, rng: random.Random) -> None:
        if renewal.deleted or renewal.status != "Pending":
            return
        policy = renewal.parent
        moment = self._moment(rng, renewal, policy)
        if policy.status not in ("Active", "Pending"):  # cancelled, or expired before anyone decided
            self.set_status(renewal, "Lapsed", moment, rng)
            return
        roll = rng.random()
        if roll < 0.78:
            facts = policy.facts
            new = self._issue(
                policy.parent,
                facts["line"],
                facts["carrier"],
                facts["expires"],
                facts["term"],
                renewal.facts["premium"],
                rng,
                moment,
                kind="renewal",
                prior=policy,
            )
            self.put(renewal, "NewPolicyId", new.id)
            self.set_status(renewal, "Renewed", moment, rng)
            self.set_status(policy, "Renewed", moment, rng)
            self.active.pop(policy.id, None)
        elif roll < 0.86:
            policy.facts["outcome"] = "NonRenewed"
            self.set_status(renewal, "NonRenewed", moment, rng)
            termination = self._terminate(
                policy,
                "NonRenewal",
                rng.choice(NONRENEWAL_REASONS),
                policy.facts["expires"],
                Decimal(0),
                rng,
                moment,
            )
            self._schedule(policy.facts["expires"], self._process_termination, termination)
        else:
            policy.facts["outcome"] = "Lapsed"  # the customer never paid the renewal: it lapses

    def _expire(self, policy: Row, rng: random.Random) -> None:
        if policy.status not in ("Active", "Pending") or policy.deleted:
            return
        moment = self._moment(rng, policy)
        self.set_status(
            policy, "NonRenewed" if policy.facts.get("outcome") == "NonRenewed" else "Expired", moment, rng
        )
        self.active.pop(policy.id, None)
        renewal = policy.facts.get("renewal")
        if renewal is not None and not renewal.deleted and renewal.status == "Pending":
            self.set_status(renewal, "Lapsed", moment, rng)

    # ----- claims and cancellations ---------------------------------------------------------------

    def _claims_and_cancellations(self, rng: random.Random) -> None:
        in_force = list(self.active.values())
        if not in_force:
            return
        for _ in range(poisson(rng, len(in_force) * CLAIMS_PER_POLICY_YEAR / 365)):
            self._open_claim(rng.choice(in_force), rng)
        for _ in range(poisson(rng, len(in_force) * CANCELLATIONS_PER_POLICY_YEAR / 365)):
            policy = rng.choice(in_force)
            if policy.facts.get("terminating") or policy.facts["expires"] <= self.today + timedelta(days=45):
                continue
            moment = self._moment(rng, policy)
            effective_on = self.today + timedelta(days=rng.choice((0, 0, 10, 20)))
            facts = policy.facts
            remaining = (facts["expires"] - effective_on).days / (facts["expires"] - facts["effective"]).days
            returned = cents(facts["premium"] * Decimal(str(round(max(0.0, remaining), 4))))
            rewrite = rng.random() < 0.1
            kind, reason = (
                ("Rewrite", REWRITE_REASON) if rewrite else ("Cancellation", rng.choice(CANCELLATION_REASONS))
            )
            termination = self._terminate(policy, kind, reason, effective_on, returned, rng, moment)
            policy.facts["terminating"] = termination
            self._schedule(
                effective_on + timedelta(days=rng.randint(0, 3)), self._process_termination, termination
            )

    def _terminate(
        self,
        policy: Row,
        kind: str,
        reason: str,
        on: date,
        returned: Decimal,
        rng: random.Random,
        moment: int,
    ) -> Row:
        data = {
            "TerminationId": self.new_id("terminations", rng),
            "PolicyId": policy.id,
            "TerminationDate": iso(on),
            "TerminationType": kind,
            "Reason": reason,
            "ReturnPremium": money(returned),
            "Status": "Pending",
        }
        checked = {
            "TerminationDate": "date",
            "TerminationType": "status",
            "ReturnPremium": "currency",
            "Status": "status",
        }
        return self.add(
            "terminations",
            data,
            moment,
            rng,
            status="Pending",
            checked=checked,
            parent=policy,
            type=kind,
            on=on,
            returned=returned,
        )

    def _process_termination(self, termination: Row, rng: random.Random) -> None:
        if termination.deleted or termination.status != "Pending":
            return
        policy = termination.parent
        moment = self._moment(rng, termination, policy)
        if termination.facts["type"] == "NonRenewal":
            self.set_status(termination, "Processed", moment, rng)
            return
        if rng.random() < 0.1 or policy.status not in ("Active", "Pending"):
            self.set_status(termination, "Rescinded", moment, rng)  # the insured paid, or it was moot
            policy.facts["terminating"] = None
            if "renewal" not in policy.facts:  # the offer was held back while it was terminating
                self._schedule(policy.facts["expires"] - timedelta(days=30), self._offer_renewal, policy)
            return
        self.set_status(termination, "Processed", moment, rng)
        self.set_status(policy, "Cancelled", moment, rng)
        self.active.pop(policy.id, None)
        commission = policy.facts.get("commission")
        if commission is not None and not commission.deleted and commission.status in ("Pending", "Paid"):
            self.set_status(commission, "Reversed", moment, rng)
        for bill in policy.facts["bills"]:
            if not bill.deleted and bill.status in ("Open", "Overdue"):
                self.set_status(bill, "Void", moment, rng)
        returned = termination.facts["returned"]
        if policy.facts["detail"]["BillingMethod"] == "Agency" and returned > 0:
            self._bill(policy, rng, due=self.today + timedelta(days=10), amount=-returned, moment=moment)
        if rng.random() < 0.6:
            self._document(
                policy,
                "Policy",
                "Correspondence",
                f"Cancellation_{policy.data['PolicyNumber']}.pdf",
                rng,
                moment,
            )
        if termination.facts["type"] == "Rewrite":
            facts = policy.facts
            others = [c for c in self.ref.carriers_for(facts["line"]) if c is not facts["carrier"]]
            premium = scaled(facts["premium"], rng, 0.85, 1.0)
            term = rng.choice(LINES[facts["line"]].terms)
            self._issue(
                policy.parent,
                facts["line"],
                rng.choice(others),
                termination.facts["on"],
                term,
                premium,
                rng,
                moment,
                kind="rewrite",
            )
