"""Field catalogue of the simulated PestRoutes API: every field each entity's records carry.

The API sends every value as a JSON string (or null); the kind says what the string holds and
how staging types it:

- ``id``       the record's primary key, an integer in a string
- ``fk``       an integer foreign key; ``"0"`` or ``"-1"`` means none
- ``int``      an integer (counts, status codes, minutes)
- ``money``    a decimal with two places (``"125.00"``)
- ``float``    a decimal number (coordinates, rates)
- ``datetime`` office-local ``YYYY-MM-DD HH:MM:SS``; null as ``0000-00-00 00:00:00`` or ``""``
- ``date``     ``YYYY-MM-DD``; null as ``0000-00-00`` or ``""``
- ``bool``     ``"1"`` / ``"0"``
- ``text``     free text; ``""`` means none
- ``idlist``   comma-separated integer IDs (``"12,5465,6213"``), ``""`` when empty
- ``intarray`` a real JSON array of integers (only ``unitIDs``)

Field names follow the contract notes' record shapes.
"""

from __future__ import annotations

# Kept compact, several fields a line, so the catalogue reads like the contract notes.
# fmt: off
FIELDS: dict[str, list[tuple[str, str]]] = {
    "customer": [
        ("customerID", "id"), ("billToAccountID", "fk"), ("officeID", "fk"), ("fname", "text"),
        ("lname", "text"), ("companyName", "text"), ("spouse", "text"), ("commercialAccount", "bool"),
        ("status", "int"), ("statusText", "text"), ("email", "text"), ("phone1", "text"),
        ("phone2", "text"), ("address", "text"), ("city", "text"), ("state", "text"), ("zip", "text"),
        ("billingCompanyName", "text"), ("billingFName", "text"), ("billingLName", "text"),
        ("billingAddress", "text"), ("billingCity", "text"), ("billingState", "text"),
        ("billingZip", "text"), ("billingPhone", "text"), ("billingEmail", "text"), ("lat", "float"),
        ("lng", "float"), ("squareFeet", "int"), ("addedByID", "fk"), ("dateAdded", "datetime"),
        ("dateCancelled", "datetime"), ("dateUpdated", "datetime"), ("sourceID", "fk"),
        ("source", "text"), ("aPay", "text"), ("preferredTechID", "fk"), ("paidInFull", "bool"),
        ("subscriptionIDs", "idlist"), ("balance", "money"), ("balanceAge", "int"),
        ("responsibleBalance", "money"), ("responsibleBalanceAge", "int"), ("masterAccount", "fk"),
        ("preferredBillingDate", "int"), ("paymentHoldDate", "date"),
        ("mostRecentCreditCardLastFour", "text"), ("mostRecentCreditCardExpirationDate", "text"),
        ("regionID", "fk"), ("appointmentIDs", "idlist"), ("ticketIDs", "idlist"),
        ("paymentIDs", "idlist"), ("unitIDs", "intarray"),
    ],
    "appointment": [
        ("appointmentID", "id"), ("officeID", "fk"), ("customerID", "fk"), ("subscriptionID", "fk"),
        ("routeID", "fk"), ("spotID", "fk"), ("date", "date"), ("start", "text"), ("end", "text"),
        ("duration", "int"), ("type", "fk"), ("dateAdded", "datetime"), ("employeeID", "fk"),
        ("status", "int"), ("statusText", "text"), ("callAhead", "int"), ("isInitial", "bool"),
        ("completedBy", "fk"), ("servicedBy", "fk"), ("dateCompleted", "datetime"), ("notes", "text"),
        ("officeNotes", "text"), ("timeIn", "datetime"), ("timeOut", "datetime"),
        ("checkIn", "datetime"), ("checkOut", "datetime"), ("windSpeed", "int"),
        ("windDirection", "text"), ("temperature", "int"), ("amountCollected", "money"),
        ("paymentMethod", "int"), ("servicedInterior", "bool"), ("ticketID", "fk"),
        ("dateCancelled", "datetime"), ("additionalTechs", "idlist"), ("appointmentNotes", "text"),
        ("doInterior", "bool"), ("dateUpdated", "datetime"), ("cancelledBy", "fk"),
        ("assignedTech", "fk"), ("rescheduleReasonID", "fk"), ("unitIDs", "intarray"),
    ],
    "subscription": [
        ("subscriptionID", "id"), ("customerID", "fk"), ("billToAccountID", "fk"), ("officeID", "fk"),
        ("dateAdded", "datetime"), ("contractAdded", "date"), ("active", "bool"),
        ("activeText", "text"), ("startDate", "date"), ("initialQuote", "money"),
        ("initialDiscount", "money"), ("initialServiceTotal", "money"), ("recurringCharge", "money"),
        ("contractValue", "money"), ("annualRecurringValue", "money"), ("billingFrequency", "int"),
        ("frequency", "int"), ("followupService", "int"), ("agreementLength", "int"),
        ("nextService", "date"), ("lastCompleted", "date"), ("serviceID", "fk"),
        ("serviceType", "text"), ("soldBy", "fk"), ("soldBy2", "fk"), ("preferredTech", "fk"),
        ("addedBy", "fk"), ("dateCancelled", "datetime"), ("cancellationNotes", "text"),
        ("cancellationReasonID", "fk"), ("sourceID", "fk"), ("regionID", "fk"),
        ("appointmentIDs", "idlist"), ("completedAppointmentIDs", "idlist"),
        ("dateUpdated", "datetime"),
    ],
    "ticket": [
        ("ticketID", "id"), ("customerID", "fk"), ("billToAccountID", "fk"), ("officeID", "fk"),
        ("dateCreated", "datetime"), ("invoiceDate", "date"), ("dateUpdated", "datetime"),
        ("active", "bool"), ("subTotal", "money"), ("taxAmount", "money"), ("total", "money"),
        ("serviceCharge", "money"), ("serviceTaxable", "bool"), ("productionValue", "money"),
        ("taxRate", "float"), ("appointmentID", "fk"), ("balance", "money"),
        ("subscriptionID", "fk"), ("serviceID", "fk"), ("autoGenerated", "bool"),
        ("autoGeneratedType", "text"), ("renewalID", "fk"),
    ],
    "payment": [
        ("paymentID", "id"), ("officeID", "fk"), ("customerID", "fk"), ("date", "datetime"),
        ("dateApplied", "datetime"), ("paymentMethod", "int"), ("amount", "money"),
        ("appliedAmount", "money"), ("notes", "text"), ("employeeID", "fk"), ("status", "int"),
        ("invoiceIDs", "idlist"), ("paymentOrigin", "int"), ("originalPaymentID", "fk"),
        ("lastFour", "text"), ("cardType", "text"), ("paymentProfileID", "fk"),
        ("batchOpened", "datetime"), ("batchClosed", "datetime"), ("dateUpdated", "datetime"),
    ],
    "employee": [
        ("employeeID", "id"), ("officeID", "fk"), ("active", "bool"), ("fname", "text"),
        ("lname", "text"), ("initials", "text"), ("nickname", "text"), ("type", "int"),
        ("phone", "text"), ("email", "text"), ("username", "text"), ("experience", "int"),
        ("skillIDs", "idlist"), ("skillDescriptions", "text"), ("linkedEmployeeIDs", "idlist"),
        ("licenseNumber", "text"), ("supervisorID", "fk"), ("roamingRep", "bool"),
        ("regionID", "fk"), ("lastLogin", "datetime"), ("dateUpdated", "datetime"),
    ],
    "note": [
        ("noteID", "id"), ("officeID", "fk"), ("customerID", "fk"), ("employeeID", "fk"),
        ("date", "datetime"), ("dateAdded", "datetime"), ("dateUpdated", "datetime"),
        ("contactType", "int"), ("typeDescription", "text"), ("notes", "text"),
        ("showCustomer", "bool"), ("showTech", "bool"), ("appointmentID", "fk"),
        ("cancellationReasonID", "fk"),
    ],
    "task": [
        ("taskID", "id"), ("officeID", "fk"), ("customerID", "fk"), ("addedBy", "fk"),
        ("assignedTo", "fk"), ("dateAdded", "datetime"), ("dateUpdated", "datetime"),
        ("dueDate", "date"), ("dateCompleted", "datetime"), ("task", "text"), ("category", "text"),
        ("completed", "bool"), ("completedBy", "fk"), ("completionNotes", "text"),
        ("phone", "text"), ("referenceType", "text"),
    ],
    "door": [
        ("doorID", "id"), ("officeID", "fk"), ("employeeID", "fk"), ("customerID", "fk"),
        ("latitude", "float"), ("longitude", "float"), ("address", "text"), ("city", "text"),
        ("zip", "text"), ("status", "int"), ("statusText", "text"), ("timeCreated", "datetime"),
        ("dateCreated", "date"),
    ],
    "knock": [
        ("knockID", "id"), ("officeID", "fk"), ("doorID", "fk"), ("employeeID", "fk"),
        ("status", "int"), ("statusText", "text"), ("notes", "text"), ("latitude", "float"),
        ("longitude", "float"), ("dateAdded", "datetime"), ("dateUpdated", "datetime"),
    ],
    "disbursement": [
        ("gatewayDisbursementID", "id"), ("officeID", "fk"), ("gatewayID", "text"),
        ("batchNumber", "text"), ("amount", "money"), ("itemCount", "int"), ("status", "text"),
        ("depositDate", "date"), ("dateCreated", "datetime"), ("dateUpdated", "datetime"),
    ],
    "appliedPayment": [
        ("appliedPaymentID", "id"), ("officeID", "fk"), ("paymentID", "fk"), ("ticketID", "fk"),
        ("customerID", "fk"), ("appliedBy", "fk"), ("dateApplied", "datetime"),
        ("appliedAmount", "money"), ("taxCollected", "money"), ("dateUpdated", "datetime"),
    ],
    "ticketItem": [
        ("itemID", "id"), ("ticketID", "fk"), ("officeID", "fk"), ("description", "text"),
        ("quantity", "float"), ("amount", "money"), ("taxable", "bool"), ("serviceID", "fk"),
        ("productID", "fk"), ("creditTo", "fk"), ("dateCreated", "datetime"),
        ("dateUpdated", "datetime"),
    ],
    "paymentProfile": [
        ("paymentProfileID", "id"), ("customerID", "fk"), ("officeID", "fk"), ("createdBy", "fk"),
        ("description", "text"), ("dateCreated", "datetime"), ("dateUpdated", "datetime"),
        ("status", "int"), ("statusNotes", "text"), ("billingName", "text"), ("lastFour", "text"),
        ("expMonth", "int"), ("expYear", "int"), ("paymentMethod", "int"), ("cardType", "text"),
        ("lastAttemptDate", "datetime"), ("autoPay", "bool"),
    ],
    "appointmentReminder": [
        ("reminderID", "id"), ("appointmentID", "fk"), ("customerID", "fk"), ("officeID", "fk"),
        ("dateSent", "datetime"), ("dateUpdated", "datetime"), ("emailSent", "bool"),
        ("textSent", "bool"), ("voiceSent", "bool"), ("status", "int"), ("statusText", "text"),
        ("dateResponded", "datetime"), ("response", "text"),
    ],
    "chargeback": [
        ("gatewayChargebackID", "id"), ("officeID", "fk"), ("paymentID", "fk"),
        ("customerID", "fk"), ("amount", "money"), ("status", "text"), ("reasonCode", "text"),
        ("reason", "text"), ("dueDate", "date"), ("dateCreated", "datetime"),
        ("dateUpdated", "datetime"),
    ],
    "additionalContact": [
        ("additionalContactID", "id"), ("customerID", "fk"), ("officeID", "fk"), ("fname", "text"),
        ("lname", "text"), ("phone", "text"), ("email", "text"), ("typeID", "int"),
        ("typeDescription", "text"),
    ],
    "genericFlagAssignment": [
        ("genericFlagAssignmentID", "id"), ("genericFlagID", "fk"), ("entityID", "fk"),
        ("type", "text"), ("officeID", "fk"), ("dateCreated", "datetime"),
        ("dateUpdated", "datetime"),
    ],
    "region": [
        ("regionID", "id"), ("officeID", "fk"), ("region", "text"), ("created", "datetime"),
        ("deleted", "bool"),
    ],
    "serviceType": [
        ("typeID", "id"), ("officeID", "fk"), ("description", "text"), ("frequency", "int"),
        ("defaultCharge", "money"), ("category", "text"), ("reservice", "bool"),
        ("defaultLength", "int"), ("defaultInitialCharge", "money"), ("minimumRecurringCharge", "money"),
        ("regularService", "bool"), ("initial", "bool"), ("glCode", "text"), ("visible", "bool"),
    ],
    "genericFlag": [
        ("genericFlagID", "id"), ("officeID", "fk"), ("code", "text"), ("description", "text"),
        ("status", "bool"), ("type", "text"), ("dateCreated", "datetime"),
        ("dateUpdated", "datetime"),
    ],
    "product": [
        ("productID", "id"), ("officeID", "fk"), ("description", "text"), ("code", "text"),
        ("category", "text"), ("amount", "money"), ("taxable", "bool"), ("glNumber", "text"),
        ("visible", "bool"),
    ],
    "cancellationReason": [
        ("reasonID", "id"), ("officeID", "fk"), ("reason", "text"), ("active", "bool"),
        ("visible", "bool"),
    ],
    "reserviceReason": [
        ("reserviceReasonID", "id"), ("officeID", "fk"), ("reason", "text"), ("visible", "bool"),
    ],
    "customerSource": [
        ("sourceID", "id"), ("officeID", "fk"), ("source", "text"), ("visible", "bool"),
        ("dealsSource", "bool"),
    ],
}
# fmt: on
