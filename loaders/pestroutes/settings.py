"""The PestRoutes entities the warehouse covers, kept as data.

Adding an endpoint is one entry here plus its staging model. Columns follow the contract
notes (loaders/pestroutes/README.md): the key inside each record, the ID parameter `get`
takes (also used to window `search` past its cap), the key `search` is documented to return
its IDs under (the loader reads the key named by `propertyName`, which wins when they differ),
and the date filter used for incremental loads (None: a small dimension reloaded whole).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    endpoint: str
    primary_key: str
    id_param: str
    search_key: str
    cursor: str | None
    table: str

    @property
    def incremental(self) -> bool:
        return self.cursor is not None


ENTITIES: tuple[Entity, ...] = (
    Entity("customer", "customerID", "customerIDs", "customerIDs", "dateUpdated", "customers"),
    Entity("appointment", "appointmentID", "appointmentIDs", "appointmentIDs", "dateUpdated", "appointments"),
    Entity(
        "subscription", "subscriptionID", "subscriptionIDs", "subscriptionIDs", "dateUpdated", "subscriptions"
    ),
    Entity("ticket", "ticketID", "ticketIDs", "ticketIDs", "dateUpdated", "tickets"),
    Entity("payment", "paymentID", "paymentIDs", "paymentIDs", "dateUpdated", "payments"),
    Entity("employee", "employeeID", "employeeIDs", "employeeIDs", "dateUpdated", "employees"),
    Entity("note", "noteID", "noteIDs", "noteIDs", "dateUpdated", "notes"),
    Entity("task", "taskID", "taskIDs", "taskIDs", "dateUpdated", "tasks"),
    # Doors are canvassing events: created, never updated, so creation time is the cursor.
    Entity("door", "doorID", "doorIDs", "doorIDs", "timeCreated", "doors"),
    Entity("knock", "knockID", "knockIDs", "knockIDs", "dateUpdated", "knocks"),
    Entity(
        "disbursement",
        "gatewayDisbursementID",
        "gatewayDisbursementIDs",
        "disbursementIDs",
        "dateUpdated",
        "disbursements",
    ),
    Entity(
        "appliedPayment",
        "appliedPaymentID",
        "appliedPaymentIDs",
        "appliedPaymentIDs",
        "dateUpdated",
        "applied_payments",
    ),
    Entity("ticketItem", "itemID", "itemIDs", "ticketItemIDs", "dateUpdated", "ticket_items"),
    Entity(
        "paymentProfile",
        "paymentProfileID",
        "paymentProfileIDs",
        "paymentProfileIDs",
        "dateUpdated",
        "payment_profiles",
    ),
    Entity(
        "appointmentReminder",
        "reminderID",
        "reminderIDs",
        "appointmentReminderIDs",
        "dateUpdated",
        "appointment_reminders",
    ),
    Entity(
        "chargeback",
        "gatewayChargebackID",
        "gatewayChargebackIDs",
        "chargebackIDs",
        "dateUpdated",
        "chargebacks",
    ),
    Entity(
        "additionalContact",
        "additionalContactID",
        "additionalContactIDs",
        "additionalContactIDs",
        None,
        "additional_contacts",
    ),
    Entity(
        "genericFlagAssignment",
        "genericFlagAssignmentID",
        "genericFlagAssignmentIDs",
        "genericFlagAssignmentIDs",
        "dateUpdated",
        "generic_flag_assignments",
    ),
    # `created` exists but misses renames; regions are a handful of rows, so reload them whole.
    Entity("region", "regionID", "regionIDs", "regionIDs", None, "regions"),
    Entity("serviceType", "typeID", "typeIDs", "serviceTypeIDs", None, "service_types"),
    Entity(
        "genericFlag", "genericFlagID", "genericFlagIDs", "genericFlagIDs", "dateUpdated", "generic_flags"
    ),
    Entity("product", "productID", "productIDs", "productIDs", None, "products"),
    Entity(
        "cancellationReason", "reasonID", "reasonIDs", "cancellationReasonIDs", None, "cancellation_reasons"
    ),
    Entity(
        "reserviceReason",
        "reserviceReasonID",
        "reserviceReasonIDs",
        "reserviceReasonIDs",
        None,
        "reservice_reasons",
    ),
    Entity("customerSource", "sourceID", "sourceIDs", "customerSourceIDs", None, "customer_sources"),
)

ENTITIES_BY_NAME: dict[str, Entity] = {e.endpoint: e for e in ENTITIES}
ENTITIES_BY_NAME.update({e.table: e for e in ENTITIES})

# Contract defaults; every one can be overridden in dlt config (see README).
SEARCH_CAP = 50_000
GET_BATCH_SIZE = 1_000
READS_PER_MINUTE = 60
READS_PER_DAY = 3_000
OVERLAP_MINUTES = 60
# The zone PestRoutes servers write timestamps in unless an office says otherwise.
DEFAULT_TIMEZONE = "America/Los_Angeles"
