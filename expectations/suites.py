"""The expectations every published table must meet: one `TableExpectations` per audit table.

`elt release` validates the audit build against these and publishes nothing if one fails, or
if a built table has no entry here. They state what analysts and models rely on (keys, required
values, signs of money, domains, business rules between columns), so they stand on their own
even where a dbt test checks something similar during the build.
"""

from __future__ import annotations

from typing import Any

import great_expectations as gx
from great_expectations.expectations.row_conditions import Column, Condition

from expectations.spec import TableExpectations

e = gx.expectations

# PestRoutes IDs repeat across offices, so every key carries its office: `<office_name>-<id>`.
OFFICE_SCOPED_KEY = r"^.+-[0-9]+$"


def _office_scoped(*columns: str) -> tuple[Any, ...]:
    return tuple(
        e.ExpectColumnValuesToMatchRegex(column=column, regex=OFFICE_SCOPED_KEY) for column in columns
    )


def _not_null_when(column: str, condition: Condition) -> Any:
    """`column` must be filled on the rows matching `condition` (e.g. a status flag). GX's row
    condition objects run on dataframes (DuckDB) and as SQL (PostgreSQL) alike."""
    return e.ExpectColumnValuesToNotBeNull(column=column, row_condition=condition)


def _at_least(column_a: str, column_b: str) -> Any:
    """`column_a >= column_b` on every row."""
    return e.ExpectColumnPairValuesAToBeGreaterThanB(column_A=column_a, column_B=column_b, or_equal=True)


APPOINTMENT_STATUSES = ("pending", "completed", "no_show", "rescheduled", "cancelled", "unknown")

# Shopify's displayFinancialStatus and displayFulfillmentStatus, lowercased by staging.
ECOMMERCE_FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
)
ECOMMERCE_FULFILLMENT_STATUSES = (
    "unfulfilled",
    "partially_fulfilled",
    "fulfilled",
    "fulfillment_not_required",
    "in_progress",
    "on_hold",
    "open",
    "pending_fulfillment",
    "request_declined",
    "restocked",
    "scheduled",
)

# The application database (source app_db, dbt/models/marts/marketplace and ml/marketplace).
# Keys are (database_name, <entity>_id); customers and vendor contacts appear only as salted
# SHA-256 hashes (64 lowercase hex characters).
MARKETPLACE_BOOKING_STATUSES = ("requested", "confirmed", "in_progress", "completed", "cancelled", "no_show")
MARKETPLACE_PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded", "partially_refunded")
MARKETPLACE_VENDOR_STATUSES = ("active", "paused", "closed")
MARKETPLACE_VENDOR_CATEGORIES = ("storage", "moving", "decluttering")
APP_DB_TABLES = (
    "users",
    "addresses",
    "vendors",
    "vendor_services",
    "vendor_prices",
    "promotions",
    "bookings",
    "booking_items",
    "payments",
    "refunds",
    "reviews",
    "messages",
)
SHA256_HEX = r"^[0-9a-f]{64}$"


def _is_zero_when(column: str, condition: Condition) -> Any:
    """`column` is 0 on the rows matching `condition`."""
    return e.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0, row_condition=condition)


# QQCatalyst insurance agencies (source qqcatalyst, dbt/models/marts/insurance and ml/insurance):
# the production model of seed 002 (current rows) and the agency marts. Keys are `<agency>-<id>`;
# a policy's drivers, vehicles, coverages and equipment are `<policy_key>-<their id>`. Values that
# failed validation are NULL (standardised) with their rules in `failed_rules`, so the formats
# below hold wherever a value is present.
AGENCY_SCOPED_KEY = r"^.+-[0-9]+$"
POLICY_ENTRY_KEY = r"^.+-[0-9]+-[0-9]+$"
QQ_EMAIL = r"^[^@ ]+@[^@ ]+[.][a-z]{2,}$"
QQ_PHONE = r"^[+]1[2-9][0-9]{2}[2-9][0-9]{6}$"
QQ_ZIP = r"^[0-9]{5}(?:-[0-9]{4})?$"
QQ_STATE = r"^[A-Z]{2}$"
QQ_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
QQ_RULES = "(?:currency|date|email|phone|state|status|uuid|zip)"
QQ_FAILED_RULES = rf"^(?:{QQ_RULES}(?:,{QQ_RULES})*)?$"
QQ_LINES = (
    "Personal Auto",
    "Homeowners",
    "Umbrella",
    "Commercial Auto",
    "General Liability",
    "Workers Comp",
    "Commercial Property",
)
QQ_POLICY_STATUSES = ("Active", "Pending", "Cancelled", "Expired", "NonRenewed", "Renewed")
QQ_RENEWAL_OUTCOMES = ("renewed", "not_renewed", "cancelled", "pending")


def _agency_scoped(*columns: str) -> tuple[Any, ...]:
    return tuple(
        e.ExpectColumnValuesToMatchRegex(column=column, regex=AGENCY_SCOPED_KEY) for column in columns
    )


def _formats(**columns: str) -> tuple[Any, ...]:
    """Each column (name=regex) matches its standardised format wherever it is not NULL."""
    return tuple(
        e.ExpectColumnValuesToMatchRegex(column=column, regex=regex) for column, regex in columns.items()
    )


def _validation_flags() -> tuple[Any, ...]:
    """`failed_rules` lists known rule names, comma-separated; a valid row lists none."""
    return (
        e.ExpectColumnValuesToMatchRegex(column="failed_rules", regex=QQ_FAILED_RULES),
        e.ExpectColumnValuesToBeInSet(
            column="failed_rules", value_set=[""], row_condition=Column("is_valid") == True
        ),
    )


def _at_least_where_present(column_a: str, column_b: str) -> Any:
    """`column_a >= column_b` on the rows where both are present (a date that failed validation
    is NULL; a rate is NULL without its denominator)."""
    return e.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a, column_B=column_b, or_equal=True, ignore_row_if="either_value_is_missing"
    )


# AI tool usage (source ai_tools, dbt/models/marts/ai_tools). A row is a person's (`person_key`,
# subject_key = person_key) or an identity's the identity map gives to nobody (subject_key =
# `<identity_type>:<identity>`, identity shown).
AI_TOOLS = ("litellm", "copilot", "cursor", "anthropic", "openai", "windsurf", "augment")
AI_TOOL_IDENTITY_TYPES = ("email", "github_login", "openai_user_id", "api_key", "project_id")
AI_TOOL_UNMATCHED_SUBJECT = rf"^(?:{'|'.join(AI_TOOL_IDENTITY_TYPES)}):.+$"


def _ai_tool_subjects() -> tuple[Any, ...]:
    """A matched row names its person and no identity; an unmatched one its identity, no person."""
    matched, unmatched = Column("is_matched") == True, Column("is_matched") == False
    return (
        _not_null_when("person_key", matched),
        _not_null_when("person_name", matched),
        e.ExpectColumnValuesToBeNull(column="identity", row_condition=matched),
        e.ExpectColumnValuesToBeNull(column="person_key", row_condition=unmatched),
        _not_null_when("identity_type", unmatched),
        _not_null_when("identity", unmatched),
        e.ExpectColumnValuesToMatchRegex(
            column="subject_key", regex=AI_TOOL_UNMATCHED_SUBJECT, row_condition=unmatched
        ),
    )


def _ai_tool_estimated_parts() -> tuple[Any, ...]:
    """The estimated part of a total is within it, and 0 exactly when nothing is flagged."""
    return (
        _at_least("input_tokens", "estimated_input_tokens"),
        _at_least("output_tokens", "estimated_output_tokens"),
        _at_least("cost_usd", "estimated_cost_usd"),
        _is_zero_when("estimated_input_tokens", Column("tokens_are_estimated") == False),
        _is_zero_when("estimated_output_tokens", Column("tokens_are_estimated") == False),
        _is_zero_when("estimated_cost_usd", Column("cost_is_estimated") == False),
    )


MARTS: list[TableExpectations] = [
    TableExpectations(
        table="dim_offices",
        layer="marts",
        source="pestroutes",
        primary_key=("office_name",),
        not_null=("pestroutes_office_id", "office_timezone", "customer_count", "active_technician_count"),
        non_negative=(
            "customer_count",
            "active_customer_count",
            "active_employee_count",
            "active_technician_count",
        ),
        extra=(_at_least("customer_count", "active_customer_count"),),
    ),
    TableExpectations(
        table="dim_customers",
        layer="marts",
        source="pestroutes",
        primary_key=("customer_key",),
        not_null=("customer_id", "office_name", "customer_status", "is_active", "is_commercial", "added_at"),
        non_negative=(
            "subscription_count",
            "active_subscription_count",
            "active_annual_recurring_value",
            "completed_appointment_count",
            "lifetime_billed_amount",
            "lifetime_collected_amount",
            "open_balance_amount",
        ),
        accepted_values={"customer_status": ("active", "inactive", "unknown")},
        extra=(
            *_office_scoped("customer_key"),
            _not_null_when("cancelled_at", Column("customer_status") == "inactive"),
            _at_least("subscription_count", "active_subscription_count"),
            _at_least("lifetime_billed_amount", "lifetime_collected_amount"),
        ),
    ),
    TableExpectations(
        table="dim_employees",
        layer="marts",
        source="pestroutes",
        primary_key=("employee_key",),
        not_null=("employee_id", "office_name", "employee_type", "is_technician", "is_active"),
        accepted_values={"employee_type": ("office_staff", "technician", "sales_rep", "other")},
        extra=(
            *_office_scoped("employee_key"),
            # Appointments are assigned to technicians: an office roster without any is broken.
            e.ExpectColumnDistinctValuesToContainSet(column="employee_type", value_set=["technician"]),
        ),
    ),
    TableExpectations(
        table="dim_service_types",
        layer="marts",
        source="pestroutes",
        primary_key=("service_type_key",),
        not_null=("service_type_id", "office_name", "service_type_name"),
        non_negative=(
            "service_frequency_days",
            "default_duration_minutes",
            "default_recurring_charge",
            "default_initial_charge",
            "minimum_recurring_charge",
        ),
        extra=_office_scoped("service_type_key"),
    ),
    TableExpectations(
        table="dim_cancellation_reasons",
        layer="marts",
        source="pestroutes",
        primary_key=("cancellation_reason_key",),
        not_null=("cancellation_reason_id", "office_name", "cancellation_reason"),
        extra=_office_scoped("cancellation_reason_key"),
    ),
    TableExpectations(
        table="dim_regions",
        layer="marts",
        source="pestroutes",
        primary_key=("region_key",),
        not_null=("region_id", "office_name", "region_name"),
        extra=_office_scoped("region_key"),
    ),
    TableExpectations(
        table="dim_customer_sources",
        layer="marts",
        source="pestroutes",
        primary_key=("customer_source_key",),
        not_null=("customer_source_id", "office_name", "customer_source"),
        extra=_office_scoped("customer_source_key"),
    ),
    TableExpectations(
        table="fct_appointments",
        layer="marts",
        source="pestroutes",
        primary_key=("appointment_key",),
        not_null=(
            "appointment_id",
            "office_name",
            "customer_key",
            "scheduled_date",
            "appointment_status",
            "is_completed",
            "is_cancelled",
            "amount_collected",
            "billed_amount",
        ),
        non_negative=("duration_minutes", "amount_collected", "billed_amount"),
        accepted_values={
            "appointment_status": APPOINTMENT_STATUSES,
            "status_code": (0, 1, 2, 3, -1),
        },
        # A visit longer than a day is a data-entry error, not a visit.
        between={"duration_minutes": (0, 24 * 60)},
        extra=(
            *_office_scoped("appointment_key", "customer_key"),
            _not_null_when("technician_employee_key", Column("is_completed") == True),
            _not_null_when("completed_at", Column("is_completed") == True),
            _not_null_when("cancelled_at", Column("is_cancelled") == True),
        ),
    ),
    TableExpectations(
        table="fct_subscriptions",
        layer="marts",
        source="pestroutes",
        primary_key=("subscription_key",),
        not_null=(
            "subscription_id",
            "office_name",
            "customer_key",
            "is_active",
            "billing_frequency",
            "annual_recurring_value",
            "monthly_recurring_revenue",
        ),
        non_negative=(
            "recurring_charge",
            "annual_recurring_value",
            "monthly_recurring_revenue",
            "active_annual_recurring_value",
            "contract_value",
            "initial_service_total",
            "completed_appointment_count",
        ),
        accepted_values={
            "billing_frequency": (
                "per_service",
                "monthly",
                "quarterly",
                "annually",
                "every_n_days",
                "none",
                "unknown",
            )
        },
        extra=(
            *_office_scoped("subscription_key", "customer_key"),
            _not_null_when("cancelled_at", Column("is_active") == False),
            _at_least("annual_recurring_value", "monthly_recurring_revenue"),
            _at_least("annual_recurring_value", "active_annual_recurring_value"),
        ),
    ),
    TableExpectations(
        table="fct_tickets",
        layer="marts",
        source="pestroutes",
        primary_key=("ticket_key",),
        not_null=(
            "ticket_id",
            "office_name",
            "customer_key",
            "billed_amount",
            "collected_amount",
            "balance_amount",
            "is_paid_in_full",
        ),
        # A negative balance would mean a ticket collected more than it billed: overpayments
        # must stay on the payment as unapplied credit.
        non_negative=("billed_amount", "collected_amount", "balance_amount", "applied_payment_count"),
        extra=(
            *_office_scoped("ticket_key", "customer_key"),
            _at_least("billed_amount", "collected_amount"),
            _not_null_when(
                "paid_in_full_at", (Column("is_paid_in_full") == True) & (Column("billed_amount") > 0)
            ),
        ),
    ),
    TableExpectations(
        table="fct_payments",
        layer="marts",
        source="pestroutes",
        primary_key=("payment_key",),
        not_null=(
            "payment_id",
            "office_name",
            "customer_key",
            "paid_at",
            "amount",
            "applied_amount",
            "payment_method",
        ),
        non_negative=("amount", "applied_amount", "unapplied_amount", "applied_ticket_count"),
        accepted_values={
            "payment_method": ("cash", "check", "credit_card", "ach", "other"),
            "payment_origin": ("office", "technician", "autopay", "customer_portal", "other"),
        },
        extra=(
            *_office_scoped("payment_key", "customer_key"),
            _at_least("amount", "applied_amount"),
        ),
    ),
    TableExpectations(
        table="fct_technician_days",
        layer="marts",
        source="pestroutes",
        primary_key=("technician_day_key",),
        not_null=("office_name", "technician_employee_key", "service_date", "appointments_scheduled"),
        non_negative=(
            "appointments_completed",
            "appointments_cancelled",
            "appointments_rescheduled",
            "appointments_no_show",
            "appointments_pending",
            "completed_service_minutes",
            "billed_revenue",
            "amount_collected_in_field",
        ),
        between={"appointments_scheduled": (1, None), "completion_rate": (0, 1)},
        extra=(
            e.ExpectCompoundColumnsToBeUnique(column_list=["technician_employee_key", "service_date"]),
            _at_least("appointments_scheduled", "appointments_completed"),
        ),
    ),
    # Service-request CSV exports (dbt/models/marts/service).
    TableExpectations(
        table="fct_service_requests",
        layer="marts",
        source="service_csv",
        primary_key=("sr_number",),
        not_null=(
            "is_closed",
            "is_repeat_visit",
            "task_count",
            "part_line_count",
            "parts_cost",
            "note_count",
            "data_as_of",
        ),
        non_negative=(
            "hours_to_close",
            "sla_hours",
            "task_count",
            "completed_task_count",
            "labor_hours",
            "part_line_count",
            "part_quantity",
            "parts_cost",
            "note_count",
        ),
        extra=(
            _not_null_when("closed_at", Column("is_closed") == True),
            _at_least("task_count", "completed_task_count"),
            # `data_as_of` is the newest time in the data (an unparsable open time is NULL).
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="data_as_of",
                column_B="opened_at",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            # A repeat visit always has the earlier request it repeats.
            _not_null_when("previous_sr_number", Column("is_repeat_visit") == True),
        ),
    ),
    TableExpectations(
        table="fct_parts_consumption",
        layer="marts",
        source="service_csv",
        primary_key=("part_number", "consumption_month"),
        not_null=("part_month_key", "part_line_count", "total_quantity", "total_cost"),
        non_negative=("total_quantity", "total_cost", "average_unit_cost", "lines_without_cost"),
        between={"part_line_count": (1, None), "task_count": (1, None)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="part_month_key"),
            _at_least("part_line_count", "task_count"),
            _at_least("task_count", "service_request_count"),
        ),
    ),
    TableExpectations(
        table="dim_service_customers",
        layer="marts",
        source="service_csv",
        primary_key=("customer_account_number",),
        not_null=("request_count", "open_request_count", "closed_request_count"),
        non_negative=(
            "request_count",
            "open_request_count",
            "closed_request_count",
            "avg_hours_to_close",
            "sla_breached_request_count",
            "repeat_visit_count",
            "serviced_unit_count",
        ),
        extra=(
            _at_least("request_count", "open_request_count"),
            _at_least("request_count", "closed_request_count"),
            _at_least("request_count", "repeat_visit_count"),
            _at_least("last_request_opened_at", "first_request_opened_at"),
        ),
    ),
    # incident.io incidents (dbt/models/marts/incident_response). Keys are `<workspace>-<id>`;
    # test and tutorial incidents never reach the marts; a metric is NULL rather than negative.
    TableExpectations(
        table="fct_incidents",
        layer="marts",
        source="incidents",
        primary_key=("incident_key",),
        not_null=("incident_id", "workspace", "mode", "is_open", "has_negative_duration", "dlt_load_id"),
        non_negative=("ttd_seconds", "ttr_seconds", "tts_seconds"),
        accepted_values={
            "status_category": (
                "triage",
                "declined",
                "merged",
                "canceled",
                "live",
                "paused",
                "learning",
                "closed",
            ),
            "mode": ("standard", "retrospective"),
            "visibility": ("public", "private"),
            "reported_at_source": ("timestamp", "incident_created", "first_update"),
            "detected_at_source": ("timestamp", "identified_timestamp", "incident_created", "first_update"),
            "fixed_at_source": ("timestamp", "status_change"),
            "resolved_at_source": ("timestamp", "status_change"),
        },
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="incident_key", regex=r"^.+-.+$"),
            e.ExpectCompoundColumnsToBeUnique(column_list=["workspace", "incident_id"]),
            # A standard incident is always reported: its creation is the last fallback.
            _not_null_when("reported_at", Column("mode") == "standard"),
            # Open means triage, live or paused, and nothing else.
            e.ExpectColumnValuesToBeInSet(
                column="status_category",
                value_set=["triage", "live", "paused"],
                row_condition=Column("is_open") == True,
            ),
            # Each metric needs both of its ends.
            _not_null_when("resolved_at", Column("ttr_seconds").is_not_null()),
            _not_null_when("fixed_at", Column("tts_seconds").is_not_null()),
            _not_null_when("impact_started_at", Column("ttd_seconds").is_not_null()),
        ),
    ),
    TableExpectations(
        table="fct_incident_response_weekly",
        layer="marts",
        source="incidents",
        primary_key=("week_start", "workspace", "severity"),
        not_null=(
            "incident_response_week_key",
            "incident_count",
            "ttd_incident_count",
            "ttr_incident_count",
            "tts_incident_count",
        ),
        non_negative=(
            "ttd_incident_count",
            "mean_ttd_seconds",
            "median_ttd_seconds",
            "ttr_incident_count",
            "mean_ttr_seconds",
            "median_ttr_seconds",
            "tts_incident_count",
            "mean_tts_seconds",
            "median_tts_seconds",
        ),
        between={"incident_count": (1, None)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="incident_response_week_key"),
            _at_least("incident_count", "ttd_incident_count"),
            _at_least("incident_count", "ttr_incident_count"),
            _at_least("incident_count", "tts_incident_count"),
            # A mean or median exists exactly when some incident of the row has the metric.
            _not_null_when("mean_ttr_seconds", Column("ttr_incident_count") > 0),
            _not_null_when("median_ttr_seconds", Column("ttr_incident_count") > 0),
        ),
    ),
    TableExpectations(
        table="fct_open_incidents",
        layer="marts",
        source="incidents",
        primary_key=("incident_key",),
        not_null=(
            "incident_id",
            "workspace",
            "status_category",
            "open_since",
            "as_of",
            "age_seconds",
            "age_hours",
            "age_days",
            "age_band",
            "age_band_order",
        ),
        non_negative=("age_seconds", "age_hours", "age_days"),
        accepted_values={
            "status_category": ("triage", "live", "paused"),
            "age_band": (
                "under 4 hours",
                "4 to 24 hours",
                "1 to 3 days",
                "3 to 7 days",
                "7 to 30 days",
                "30 days or more",
            ),
        },
        between={"age_band_order": (1, 6)},
        # No open incident is a good day, not a broken build.
        min_rows=0,
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="incident_key", regex=r"^.+-.+$"),
            _at_least("as_of", "open_since"),
        ),
    ),
    # Shopify orders (dbt/models/marts/ecommerce). Keys are `<shop>|<global id>`; test, deleted
    # and never-paid cancelled orders stay in fct_orders, flagged, and are never revenue.
    TableExpectations(
        table="fct_orders",
        layer="marts",
        source="ecommerce",
        primary_key=("order_key",),
        not_null=(
            "order_id",
            "shop",
            "is_test",
            "is_deleted",
            "is_cancelled",
            "is_revenue",
            "line_items_read",
            "line_items_complete",
            "line_items_landed",
            "has_all_line_items",
            "gross_amount",
            "discount_amount",
            "refund_amount",
            "net_amount",
            "current_revenue_amount",
            "dlt_load_id",
        ),
        non_negative=(
            "line_items_landed",
            "current_line_item_count",
            "removed_line_item_count",
            "units_sold",
            "current_units",
            "refund_count",
            "subtotal_amount",
            "total_discounts_amount",
            "tax_amount",
            "total_amount",
            "current_total_amount",
            "total_refunded_amount",
            "gross_amount",
            "discount_amount",
            "order_discount_amount",
            "refund_amount",
            "current_revenue_amount",
        ),
        accepted_values={
            "financial_status": ECOMMERCE_FINANCIAL_STATUSES,
            "fulfillment_status": ECOMMERCE_FULFILLMENT_STATUSES,
        },
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="order_key", regex=r"^.+\|gid://shopify/Order/[0-9]+$"),
            e.ExpectCompoundColumnsToBeUnique(column_list=["shop", "order_id"]),
            # Every line item the loader read landed in staging, and it read them to the end:
            # an order cut off at a page of its nested line items must never be released.
            e.ExpectColumnPairValuesToBeEqual(column_A="line_items_landed", column_B="line_items_read"),
            e.ExpectColumnValuesToBeInSet(column="line_items_complete", value_set=[True]),
            e.ExpectColumnValuesToBeInSet(column="has_all_line_items", value_set=[True]),
            _at_least("line_items_landed", "current_line_item_count"),
            _at_least("line_items_landed", "removed_line_item_count"),
            # Test and deleted orders are never revenue; a cancelled order has its time.
            e.ExpectColumnValuesToBeInSet(
                column="is_revenue", value_set=[False], row_condition=Column("is_test") == True
            ),
            e.ExpectColumnValuesToBeInSet(
                column="is_revenue", value_set=[False], row_condition=Column("is_deleted") == True
            ),
            _not_null_when("cancelled_at", Column("is_cancelled") == True),
            # A revenue order has a day to count on.
            _not_null_when("order_date", Column("is_revenue") == True),
        ),
    ),
    TableExpectations(
        table="fct_order_items",
        layer="marts",
        source="ecommerce",
        primary_key=("line_item_key",),
        not_null=(
            "line_item_id",
            "order_key",
            "order_id",
            "shop",
            "quantity",
            "current_quantity",
            "refunded_quantity",
            "edit_removed_quantity",
            "sold_quantity",
            "is_removed",
            "gross_amount",
            "discount_amount",
            "refund_amount",
            "net_amount",
            "current_revenue_amount",
            "dlt_load_id",
        ),
        non_negative=(
            "quantity",
            "current_quantity",
            "refunded_quantity",
            "edit_removed_quantity",
            "sold_quantity",
            "original_unit_price",
            "discounted_unit_price",
            "total_discount_amount",
            "gross_amount",
            "discount_amount",
            "refund_amount",
            "current_revenue_amount",
        ),
        extra=(
            e.ExpectCompoundColumnsToBeUnique(column_list=["shop", "line_item_id"]),
            # Units: what is left and what was refunded are both part of what was ordered, and
            # a unit sold is one not removed by an edit.
            _at_least("quantity", "current_quantity"),
            _at_least("quantity", "refunded_quantity"),
            _at_least("quantity", "sold_quantity"),
            _at_least("sold_quantity", "current_quantity"),
            _at_least("gross_amount", "discount_amount"),
            # A removed item has nothing left on the order, so no current revenue.
            e.ExpectColumnValuesToBeInSet(
                column="current_quantity", value_set=[0], row_condition=Column("is_removed") == True
            ),
        ),
    ),
    TableExpectations(
        table="fct_shop_revenue_daily",
        layer="marts",
        source="ecommerce",
        primary_key=("revenue_date", "shop"),
        not_null=(
            "shop_revenue_day_key",
            "order_count",
            "gross_revenue",
            "discounts",
            "refunds",
            "net_revenue",
            "refund_count",
            "refunded_total_amount",
        ),
        # net_revenue may be negative: a day of refunds only.
        non_negative=(
            "order_count",
            "gross_revenue",
            "discounts",
            "refunds",
            "refund_count",
            "refunded_total_amount",
            "average_order_value",
        ),
        extra=(
            e.ExpectColumnValuesToBeUnique(column="shop_revenue_day_key"),
            # A day is listed for its orders or its refunds.
            e.ExpectColumnValuesToBeBetween(
                column="order_count", min_value=1, row_condition=Column("refund_count") == 0
            ),
            _not_null_when("average_order_value", Column("order_count") > 0),
        ),
    ),
    TableExpectations(
        table="fct_orders_by_status_daily",
        layer="marts",
        source="ecommerce",
        primary_key=("order_date", "shop", "financial_status", "fulfillment_status"),
        not_null=(
            "order_status_day_key",
            "order_count",
            "cancelled_order_count",
            "total_amount",
            "current_total_amount",
        ),
        non_negative=("cancelled_order_count", "total_amount", "current_total_amount"),
        accepted_values={
            "financial_status": (*ECOMMERCE_FINANCIAL_STATUSES, "unknown"),
            "fulfillment_status": (*ECOMMERCE_FULFILLMENT_STATUSES, "unknown"),
        },
        between={"order_count": (1, None)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="order_status_day_key"),
            _at_least("order_count", "cancelled_order_count"),
        ),
    ),
    # QQCatalyst data quality (dbt/models/marts/data_quality): invalid source values per day,
    # entity and rule, zeros included. The trend check blocks a release when, on a day with enough
    # records, the share of an entity's records failing a rule jumps more than 25 points above its
    # 28 days before: a broken feed or a broken rule, not noise (days of fewer than 20 records and
    # a baseline of fewer than 100 are left to the data team's eye).
    TableExpectations(
        table="fct_qqcatalyst_invalid_values_daily",
        layer="marts",
        source="qqcatalyst",
        primary_key=("modified_date", "entity", "rule"),
        not_null=(
            "invalid_values_day_key",
            "record_count",
            "invalid_record_count",
            "invalid_value_count",
            "invalid_record_share",
            "trailing_28_day_record_count",
            "trailing_28_day_invalid_record_count",
        ),
        non_negative=(
            "invalid_record_count",
            "invalid_value_count",
            "trailing_28_day_record_count",
            "trailing_28_day_invalid_record_count",
        ),
        accepted_values={
            "rule": ("currency", "date", "email", "phone", "state", "status", "uuid", "zip"),
            # Every RAW table with a validated field (departments have none).
            "entity": (
                "acord_forms",
                "agencies",
                "applications",
                "billing_records",
                "carriers",
                "claims",
                "commission_rules",
                "commissions",
                "contacts",
                "documents",
                "employees",
                "fees",
                "locations",
                "policies",
                "quotes",
                "renewals",
                "terminations",
            ),
        },
        between={
            "record_count": (1, None),
            "invalid_record_share": (0, 1),
            "trailing_28_day_invalid_record_share": (0, 1),
            "invalid_record_share_change": (-1, 1),
        },
        extra=(
            e.ExpectColumnValuesToBeUnique(column="invalid_values_day_key"),
            _at_least("record_count", "invalid_record_count"),
            _at_least("invalid_value_count", "invalid_record_count"),
            _at_least("trailing_28_day_record_count", "trailing_28_day_invalid_record_count"),
            # The trend.
            e.ExpectColumnValuesToBeBetween(
                column="invalid_record_share_change",
                max_value=0.25,
                row_condition=(Column("record_count") >= 20)
                & (Column("trailing_28_day_record_count") >= 100),
            ),
        ),
    ),
    # The application database's marketplace (dbt/models/marts/marketplace): bookings, payments,
    # customers and vendors, GMV, vendor performance, cohorts, and the reconciliation with the
    # source that blocks any release of a warehouse that disagrees with the application.
    TableExpectations(
        table="fct_marketplace_bookings",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "booking_id"),
        not_null=(
            "user_id",
            "vendor_id",
            "vendor_service_id",
            "booking_status",
            "is_completed",
            "is_cancelled",
            "is_no_show",
            "created_at",
            "booking_date",
            "subtotal_amount",
            "discount_amount",
            "total_amount",
            "gmv_amount",
            "commission_amount",
            "is_hard_deleted",
        ),
        non_negative=(
            "subtotal_amount",
            "discount_amount",
            "total_amount",
            "gmv_amount",
            "commission_amount",
            "vendor_response_minutes",
        ),
        accepted_values={
            "booking_status": MARKETPLACE_BOOKING_STATUSES,
            "cancelled_by": ("customer", "vendor", "system"),
            "commission_rate_basis": ("valid_at_creation", "earliest_known"),
        },
        between={"commission_rate": (0, 1)},
        extra=(
            _at_least("subtotal_amount", "total_amount"),
            _at_least("total_amount", "gmv_amount"),
            _at_least("gmv_amount", "commission_amount"),
            # GMV is a completed booking's, and a completed booking has its commission rate.
            _is_zero_when("gmv_amount", Column("is_completed") == False),
            _not_null_when("completed_at", Column("is_completed") == True),
            _not_null_when("commission_rate", Column("is_completed") == True),
            _not_null_when("cancelled_at", Column("is_cancelled") == True),
            _not_null_when("cancelled_by", Column("is_cancelled") == True),
        ),
    ),
    TableExpectations(
        table="fct_marketplace_payments",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "payment_id"),
        not_null=(
            "booking_id",
            "payment_status",
            "created_at",
            "payment_date",
            "is_captured",
            "refund_count",
            "amount",
            "captured_amount",
            "refunded_amount",
            "pending_refund_amount",
            "net_amount",
            "is_hard_deleted",
        ),
        non_negative=(
            "amount",
            "captured_amount",
            "refunded_amount",
            "pending_refund_amount",
            "refund_count",
        ),
        accepted_values={
            "payment_status": MARKETPLACE_PAYMENT_STATUSES,
            "payment_method": ("card", "ach", "wallet"),
            "currency": ("USD",),
        },
        extra=(
            _at_least("amount", "captured_amount"),
            _not_null_when("paid_at", Column("is_captured") == True),
            _is_zero_when("captured_amount", Column("is_captured") == False),
        ),
    ),
    TableExpectations(
        table="dim_marketplace_users",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "user_id"),
        not_null=(
            "email_hash",
            "signed_up_at",
            "signup_date",
            "signup_month",
            "booking_count",
            "completed_booking_count",
            "cancelled_booking_count",
            "lifetime_gmv_amount",
            "is_deleted",
            "is_hard_deleted",
        ),
        non_negative=(
            "booking_count",
            "completed_booking_count",
            "cancelled_booking_count",
            "lifetime_gmv_amount",
        ),
        accepted_values={"signup_channel": ("web", "ios", "android", "referral")},
        extra=(
            # Hashed, never copied: a raw email or phone here would fail these.
            e.ExpectColumnValuesToMatchRegex(column="email_hash", regex=SHA256_HEX),
            e.ExpectColumnValuesToMatchRegex(column="phone_hash", regex=SHA256_HEX),
            _at_least("booking_count", "completed_booking_count"),
            _at_least("booking_count", "cancelled_booking_count"),
            _not_null_when("deleted_at", Column("is_deleted") == True),
            _not_null_when("first_booking_at", Column("booking_count") > 0),
            _at_least("last_booking_at", "first_booking_at"),
        ),
    ),
    TableExpectations(
        table="dim_marketplace_vendors",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "vendor_id"),
        not_null=(
            "commission_rate",
            "joined_at",
            "service_count",
            "active_service_count",
            "booking_count",
            "completed_booking_count",
            "cancelled_booking_count",
            "lifetime_gmv_amount",
            "lifetime_commission_amount",
            "review_count",
            "is_deleted",
            "is_hard_deleted",
        ),
        non_negative=(
            "service_count",
            "active_service_count",
            "booking_count",
            "lifetime_gmv_amount",
            "lifetime_commission_amount",
            "review_count",
        ),
        accepted_values={
            "vendor_status": MARKETPLACE_VENDOR_STATUSES,
            "vendor_category": MARKETPLACE_VENDOR_CATEGORIES,
        },
        between={"commission_rate": (0, 1), "average_rating": (1, 5)},
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="contact_email_hash", regex=SHA256_HEX),
            e.ExpectColumnValuesToMatchRegex(column="contact_phone_hash", regex=SHA256_HEX),
            _at_least("service_count", "active_service_count"),
            _at_least("booking_count", "completed_booking_count"),
            _at_least("lifetime_gmv_amount", "lifetime_commission_amount"),
            _not_null_when("average_rating", Column("review_count") > 0),
        ),
    ),
    TableExpectations(
        table="fct_marketplace_gmv_daily",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "vendor_id", "activity_date"),
        not_null=(
            "bookings_created",
            "bookings_completed",
            "bookings_cancelled",
            "gmv_amount",
            "commission_amount",
        ),
        non_negative=(
            "bookings_created",
            "bookings_completed",
            "bookings_cancelled",
            "gmv_amount",
            "commission_amount",
        ),
        between={"take_rate": (0, 1)},
        extra=(
            _at_least("gmv_amount", "commission_amount"),
            _not_null_when("take_rate", Column("gmv_amount") > 0),
        ),
    ),
    TableExpectations(
        table="fct_marketplace_vendor_performance_monthly",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "vendor_id", "month_start"),
        not_null=(
            "bookings_created",
            "bookings_completed",
            "bookings_cancelled",
            "bookings_no_show",
            "cancelled_by_vendor",
            "cancelled_by_customer",
            "cancelled_by_system",
            "responded_bookings",
            "review_count",
        ),
        non_negative=("bookings_created", "responded_bookings", "median_response_minutes", "review_count"),
        between={
            "cancellation_rate": (0, 1),
            "vendor_cancellation_rate": (0, 1),
            "customer_cancellation_rate": (0, 1),
            "average_rating": (1, 5),
        },
        extra=(
            _at_least("bookings_created", "bookings_completed"),
            _at_least("bookings_created", "bookings_cancelled"),
            _at_least("bookings_created", "responded_bookings"),
            _at_least("bookings_cancelled", "cancelled_by_vendor"),
            _at_least("bookings_cancelled", "cancelled_by_customer"),
            _at_least("cancellation_rate", "vendor_cancellation_rate"),
            _not_null_when("cancellation_rate", Column("bookings_created") > 0),
            _not_null_when("median_response_minutes", Column("responded_bookings") > 0),
        ),
    ),
    TableExpectations(
        table="fct_marketplace_customer_cohorts",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "cohort_type", "cohort_month", "months_since_cohort"),
        not_null=("activity_month", "cohort_size", "active_customers", "retention_rate"),
        accepted_values={"cohort_type": ("signup", "first_booking")},
        between={"cohort_size": (1, None), "months_since_cohort": (0, None), "retention_rate": (0, 1)},
        extra=(
            _at_least("cohort_size", "active_customers"),
            _at_least("activity_month", "cohort_month"),
        ),
    ),
    TableExpectations(
        table="fct_app_db_reconciliation",
        layer="marts",
        source="app_db",
        primary_key=("database_name", "table_name"),
        not_null=(
            "dlt_load_id",
            "source_row_count",
            "source_key_count",
            "warehouse_row_count",
            "rows_added_after_count",
            "keys_missing_in_warehouse",
            "keys_extra_in_warehouse",
            "is_exact_match",
        ),
        non_negative=("source_row_count", "warehouse_row_count", "rows_added_after_count"),
        accepted_values={"table_name": APP_DB_TABLES},
        extra=(
            # The release gate: the warehouse holds exactly what the application does, table by
            # table (doc block app_db_reconciliation_rule). A mismatch publishes nothing.
            e.ExpectColumnValuesToBeInSet(column="is_exact_match", value_set=[True]),
            e.ExpectColumnValuesToBeBetween(column="keys_missing_in_warehouse", min_value=0, max_value=0),
            e.ExpectColumnValuesToBeBetween(column="keys_extra_in_warehouse", min_value=0, max_value=0),
            e.ExpectColumnPairValuesToBeEqual(column_A="source_key_count", column_B="source_row_count"),
        ),
    ),
    # QQCatalyst insurance agencies (dbt/models/marts/insurance): the production model of seed 002,
    # current rows only, and the book-of-business, retention, claims and commission marts.
    TableExpectations(
        table="dim_insurance_agencies",
        layer="marts",
        source="qqcatalyst",
        primary_key=("agency_key",),
        not_null=("agency", "agency_id", "failed_rules", "is_valid"),
        extra=(
            *_agency_scoped("agency_key"),
            *_formats(
                agency_guid=QQ_UUID,
                phone=QQ_PHONE,
                email=QQ_EMAIL,
                address_state=QQ_STATE,
                address_zip=QQ_ZIP,
            ),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="dim_insurance_locations",
        layer="marts",
        source="qqcatalyst",
        primary_key=("location_key",),
        not_null=("agency", "location_id", "failed_rules", "is_valid"),
        extra=(
            *_agency_scoped("location_key"),
            *_formats(phone=QQ_PHONE, email=QQ_EMAIL, address_state=QQ_STATE, address_zip=QQ_ZIP),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="dim_insurance_departments",
        layer="marts",
        source="qqcatalyst",
        primary_key=("department_key",),
        not_null=("agency", "department_id", "failed_rules", "is_valid"),
        extra=(*_agency_scoped("department_key", "location_key"), *_validation_flags()),
    ),
    TableExpectations(
        table="dim_insurance_employees",
        layer="marts",
        source="qqcatalyst",
        primary_key=("employee_key",),
        not_null=("agency", "employee_id", "failed_rules", "is_valid"),
        accepted_values={
            "employee_status": ("A", "I"),
            "employee_role": ("Agent", "CSR", "Producer", "Manager"),
        },
        extra=(
            *_agency_scoped("employee_key", "department_key", "location_key"),
            *_formats(phone=QQ_PHONE, email=QQ_EMAIL),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="dim_insurance_contacts",
        layer="marts",
        source="qqcatalyst",
        primary_key=("contact_key",),
        not_null=(
            "agency",
            "contact_id",
            "email_count",
            "phone_count",
            "address_count",
            "failed_rules",
            "is_valid",
            "contact_details_failed_rules",
        ),
        non_negative=("email_count", "phone_count", "address_count"),
        # Deleted contacts (status D) are not current.
        accepted_values={
            "contact_status": ("A", "I"),
            "contact_sub_type": ("C", "P"),
            "contact_type": ("Customer", "Prospect", "Vendor"),
        },
        extra=(
            *_agency_scoped("contact_key", "location_key", "agent_key"),
            *_formats(
                contact_guid=QQ_UUID,
                primary_email=QQ_EMAIL,
                primary_phone=QQ_PHONE,
                address_state=QQ_STATE,
                address_zip=QQ_ZIP,
            ),
            *_validation_flags(),
            e.ExpectColumnValuesToMatchRegex(column="contact_details_failed_rules", regex=QQ_FAILED_RULES),
        ),
    ),
    TableExpectations(
        table="dim_insurance_carriers",
        layer="marts",
        source="qqcatalyst",
        primary_key=("carrier_key",),
        not_null=("agency", "carrier_id", "carrier_name", "failed_rules", "is_valid"),
        extra=(
            *_agency_scoped("carrier_key"),
            *_formats(state=QQ_STATE, phone=QQ_PHONE, email=QQ_EMAIL),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_quotes",
        layer="marts",
        source="qqcatalyst",
        primary_key=("quote_key",),
        not_null=("agency", "quote_id", "customer_key", "failed_rules", "is_valid"),
        non_negative=("quoted_premium",),
        accepted_values={"quote_status": ("Open", "Sold", "Lost", "Expired"), "line_of_business": QQ_LINES},
        extra=(
            *_agency_scoped("quote_key", "customer_key", "carrier_key"),
            *_formats(quote_guid=QQ_UUID),
            *_validation_flags(),
            _at_least_where_present("expiration_date", "quote_date"),
        ),
    ),
    TableExpectations(
        table="fct_insurance_applications",
        layer="marts",
        source="qqcatalyst",
        primary_key=("application_key",),
        not_null=("agency", "application_id", "quote_key", "failed_rules", "is_valid"),
        accepted_values={"application_status": ("Submitted", "Approved", "Declined", "Withdrawn")},
        extra=(
            *_agency_scoped("application_key", "quote_key", "customer_key", "carrier_key"),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_policies",
        layer="marts",
        source="qqcatalyst",
        primary_key=("policy_key",),
        not_null=(
            "agency",
            "policy_id",
            "customer_key",
            "carrier_key",
            "is_renewal_policy",
            "renewal_outcome",
            "failed_rules",
            "is_valid",
        ),
        non_negative=("total_premium", "annualized_premium", "term_days"),
        accepted_values={
            "policy_status": QQ_POLICY_STATUSES,
            "renewal_outcome": QQ_RENEWAL_OUTCOMES,
            "policy_type": ("Personal", "Commercial"),
            "line_of_business": QQ_LINES,
        },
        extra=(
            *_agency_scoped(
                "policy_key", "customer_key", "carrier_key", "prior_policy_key", "renewal_policy_key"
            ),
            *_formats(policy_guid=QQ_UUID),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["policy_key", "policy_number"]),
            _at_least_where_present("expiration_date", "effective_date"),
            _at_least_where_present("expiration_date", "in_force_end_date"),
            _at_least_where_present("in_force_end_date", "effective_date"),
            # A replacement makes a policy renewed.
            e.ExpectColumnValuesToBeNull(
                column="renewal_policy_key", row_condition=Column("renewal_outcome") != "renewed"
            ),
        ),
    ),
    TableExpectations(
        table="fct_insurance_policy_details",
        layer="marts",
        source="qqcatalyst",
        primary_key=("policy_key",),
        not_null=("agency", "policy_id", "failed_rules", "is_valid"),
        accepted_values={
            "billing_method": ("Agency", "Direct"),
            "payment_plan": ("Annual", "Semi-Annual", "Quarterly", "Monthly"),
        },
        between={"commission_percent": (0, 100)},
        extra=(*_agency_scoped("policy_key"), *_validation_flags()),
    ),
    TableExpectations(
        table="fct_insurance_drivers",
        layer="marts",
        source="qqcatalyst",
        primary_key=("driver_key",),
        not_null=("agency", "policy_key", "position", "failed_rules", "is_valid"),
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="driver_key", regex=POLICY_ENTRY_KEY),
            *_agency_scoped("policy_key"),
            *_formats(license_state=QQ_STATE),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_vehicles",
        layer="marts",
        source="qqcatalyst",
        primary_key=("vehicle_key",),
        not_null=("agency", "policy_key", "position", "failed_rules", "is_valid"),
        between={"model_year": (1900, 2100)},
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="vehicle_key", regex=POLICY_ENTRY_KEY),
            *_agency_scoped("policy_key"),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_coverages",
        layer="marts",
        source="qqcatalyst",
        primary_key=("coverage_key",),
        not_null=("agency", "policy_key", "position", "failed_rules", "is_valid"),
        non_negative=("coverage_limit", "deductible", "premium"),
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="coverage_key", regex=POLICY_ENTRY_KEY),
            *_agency_scoped("policy_key"),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_equipment",
        layer="marts",
        source="qqcatalyst",
        primary_key=("equipment_key",),
        not_null=("agency", "policy_key", "position", "failed_rules", "is_valid"),
        non_negative=("insured_value",),
        extra=(
            e.ExpectColumnValuesToMatchRegex(column="equipment_key", regex=POLICY_ENTRY_KEY),
            *_agency_scoped("policy_key"),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_claims",
        layer="marts",
        source="qqcatalyst",
        primary_key=("claim_key",),
        not_null=("agency", "claim_id", "policy_key", "incurred_amount", "failed_rules", "is_valid"),
        non_negative=("paid_amount", "reserve_amount", "incurred_amount", "days_to_report"),
        accepted_values={"claim_status": ("Open", "Closed", "Denied", "Reopened")},
        extra=(
            *_agency_scoped("claim_key", "policy_key", "customer_key", "carrier_key"),
            *_formats(claimant_email=QQ_EMAIL, claimant_phone=QQ_PHONE),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["claim_key", "claim_number"]),
            _at_least_where_present("reported_date", "loss_date"),
            _at_least_where_present("closed_date", "loss_date"),
            _at_least("incurred_amount", "reserve_amount"),
        ),
    ),
    TableExpectations(
        table="fct_insurance_renewals",
        layer="marts",
        source="qqcatalyst",
        primary_key=("renewal_key",),
        not_null=("agency", "renewal_id", "policy_key", "failed_rules", "is_valid"),
        non_negative=("renewal_premium",),
        accepted_values={"renewal_status": ("Pending", "Renewed", "NonRenewed", "Lapsed")},
        extra=(
            *_agency_scoped("renewal_key", "policy_key", "new_policy_key"),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["renewal_key", "policy_key"]),
            # A renewed renewal names its replacement policy.
            _not_null_when("new_policy_key", Column("renewal_status") == "Renewed"),
        ),
    ),
    TableExpectations(
        table="fct_insurance_terminations",
        layer="marts",
        source="qqcatalyst",
        primary_key=("termination_key",),
        not_null=("agency", "termination_id", "policy_key", "failed_rules", "is_valid"),
        non_negative=("return_premium",),
        accepted_values={
            "termination_type": ("Cancellation", "NonRenewal", "Rewrite"),
            "termination_status": ("Pending", "Processed", "Rescinded"),
        },
        extra=(
            *_agency_scoped("termination_key", "policy_key"),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["termination_key", "policy_key"]),
        ),
    ),
    TableExpectations(
        table="fct_insurance_billing_records",
        layer="marts",
        source="qqcatalyst",
        primary_key=("billing_record_key",),
        not_null=("agency", "billing_record_id", "contact_key", "policy_key", "failed_rules", "is_valid"),
        # A credit (returned premium after a cancellation) is a negative amount.
        accepted_values={"billing_status": ("Open", "Paid", "Overdue", "Void")},
        extra=(
            *_agency_scoped("billing_record_key", "contact_key", "policy_key"),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(
                column_list=["billing_record_key", "billing_date", "contact_key"]
            ),
        ),
    ),
    TableExpectations(
        table="fct_insurance_commission_rules",
        layer="marts",
        source="qqcatalyst",
        primary_key=("commission_rule_key",),
        not_null=("agency", "commission_rule_id", "carrier_key", "failed_rules", "is_valid"),
        accepted_values={"line_of_business": QQ_LINES},
        between={"new_business_rate": (0, 1), "renewal_rate": (0, 1)},
        extra=(*_agency_scoped("commission_rule_key", "carrier_key"), *_validation_flags()),
    ),
    TableExpectations(
        table="fct_insurance_commissions",
        layer="marts",
        source="qqcatalyst",
        primary_key=("commission_key",),
        not_null=("agency", "commission_id", "policy_key", "carrier_key", "failed_rules", "is_valid"),
        non_negative=("amount",),
        accepted_values={
            "commission_type": ("NewBusiness", "Renewal"),
            "commission_status": ("Pending", "Paid", "Reversed"),
        },
        extra=(
            *_agency_scoped("commission_key", "policy_key", "carrier_key", "commission_rule_key"),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["commission_key", "policy_key"]),
            _at_least_where_present("paid_date", "statement_date"),
        ),
    ),
    TableExpectations(
        table="fct_insurance_fees",
        layer="marts",
        source="qqcatalyst",
        primary_key=("fee_key",),
        not_null=("agency", "fee_id", "policy_key", "failed_rules", "is_valid"),
        non_negative=("amount",),
        accepted_values={"fee_type": ("Policy", "Broker", "Inspection", "Installment", "Late")},
        extra=(
            *_agency_scoped("fee_key", "policy_key"),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["fee_key", "policy_key", "fee_type"]),
        ),
    ),
    TableExpectations(
        table="fct_insurance_documents",
        layer="marts",
        source="qqcatalyst",
        primary_key=("document_key",),
        not_null=("agency", "document_id", "entity_type", "entity_key", "failed_rules", "is_valid"),
        accepted_values={
            "entity_type": ("Contact", "Policy", "Claim"),
            "document_type": ("Application", "Dec Page", "ID Card", "Claim Photo", "Correspondence", "Other"),
        },
        extra=(
            *_agency_scoped("document_key", "entity_key"),
            *_formats(document_guid=QQ_UUID),
            *_validation_flags(),
        ),
    ),
    TableExpectations(
        table="fct_insurance_acord_forms",
        layer="marts",
        source="qqcatalyst",
        primary_key=("acord_form_key",),
        not_null=("agency", "acord_form_id", "form_id", "policy_key", "failed_rules", "is_valid"),
        accepted_values={"form_status": ("Draft", "Completed", "Sent")},
        extra=(
            *_agency_scoped("acord_form_key", "policy_key"),
            *_validation_flags(),
            e.ExpectCompoundColumnsToBeUnique(column_list=["acord_form_key", "form_id"]),
            # The API's form id: ACORD, the form number and its edition (year-month).
            e.ExpectColumnValuesToMatchRegex(column="form_id", regex=r"^ACORD-[0-9]+-[0-9]{4}-[0-9]{2}$"),
        ),
    ),
    TableExpectations(
        table="fct_insurance_book_of_business_monthly",
        layer="marts",
        source="qqcatalyst",
        primary_key=("agency", "month_start", "carrier_key", "line_of_business"),
        not_null=(
            "as_of_date",
            "is_complete_month",
            "policies_in_force",
            "premium_in_force",
            "annualized_premium_in_force",
            "policies_exposed",
            "earned_premium",
            "new_business_policies",
            "new_business_premium",
            "renewal_policies",
            "renewal_premium",
        ),
        non_negative=(
            "policies_in_force",
            "premium_in_force",
            "annualized_premium_in_force",
            "earned_premium",
            "new_business_policies",
            "new_business_premium",
            "renewal_policies",
            "renewal_premium",
        ),
        accepted_values={"line_of_business": (*QQ_LINES, "Unknown")},
        # A row is a carrier and line with a policy exposed in the month.
        between={"policies_exposed": (1, None)},
        extra=(
            *_agency_scoped("carrier_key"),
            # A policy in force on the snapshot day, or that took effect in the month, was exposed in it.
            _at_least("policies_exposed", "policies_in_force"),
            _at_least("policies_exposed", "new_business_policies"),
            _at_least("policies_exposed", "renewal_policies"),
            _at_least("as_of_date", "month_start"),
        ),
    ),
    TableExpectations(
        table="fct_insurance_retention_monthly",
        layer="marts",
        source="qqcatalyst",
        primary_key=("agency", "month_start", "carrier_key", "line_of_business"),
        not_null=(
            "policies_up_for_renewal",
            "policies_renewed",
            "policies_not_renewed",
            "policies_pending",
            "renewal_rate",
            "expiring_premium",
            "renewed_expiring_premium",
            "renewal_premium",
        ),
        non_negative=(
            "policies_renewed",
            "policies_not_renewed",
            "policies_pending",
            "expiring_premium",
            "renewed_expiring_premium",
            "renewal_premium",
            "premium_retention_rate",
        ),
        accepted_values={"line_of_business": (*QQ_LINES, "Unknown")},
        between={
            "policies_up_for_renewal": (1, None),
            "renewal_rate": (0, 1),
            "decided_renewal_rate": (0, 1),
        },
        extra=(
            *_agency_scoped("carrier_key"),
            _at_least("policies_up_for_renewal", "policies_renewed"),
            _at_least("policies_up_for_renewal", "policies_not_renewed"),
            _at_least("policies_up_for_renewal", "policies_pending"),
            _at_least("expiring_premium", "renewed_expiring_premium"),
            _at_least_where_present("decided_renewal_rate", "renewal_rate"),
            _not_null_when("decided_renewal_rate", Column("policies_renewed") > 0),
        ),
    ),
    TableExpectations(
        table="fct_insurance_claims_monthly",
        layer="marts",
        source="qqcatalyst",
        primary_key=("agency", "month_start", "carrier_key", "line_of_business"),
        not_null=(
            "policies_exposed",
            "earned_premium",
            "claim_count",
            "open_claim_count",
            "denied_claim_count",
            "paid_amount",
            "reserve_amount",
            "incurred_amount",
        ),
        non_negative=(
            "policies_exposed",
            "earned_premium",
            "claim_count",
            "paid_amount",
            "reserve_amount",
            "incurred_amount",
            "claim_frequency",
            "claim_severity",
            "loss_ratio",
        ),
        accepted_values={"line_of_business": (*QQ_LINES, "Unknown")},
        extra=(
            *_agency_scoped("carrier_key"),
            _at_least("claim_count", "open_claim_count"),
            _at_least("claim_count", "denied_claim_count"),
            _at_least("incurred_amount", "paid_amount"),
            _not_null_when("claim_frequency", Column("policies_exposed") > 0),
            _not_null_when("claim_severity", Column("claim_count") > 0),
            # A month is listed for its exposure or its claims.
            e.ExpectColumnValuesToBeBetween(
                column="claim_count", min_value=1, row_condition=Column("policies_exposed") == 0
            ),
        ),
    ),
    TableExpectations(
        table="fct_insurance_commissions_monthly",
        layer="marts",
        source="qqcatalyst",
        primary_key=("agency", "month_start", "carrier_key", "commission_type"),
        not_null=(
            "commission_count",
            "net_commission_count",
            "net_commission_amount",
            "paid_amount",
            "pending_amount",
            "reversed_amount",
            "commissioned_premium",
            "expected_commission_amount",
            "commission_variance_amount",
        ),
        non_negative=(
            "net_commission_count",
            "net_commission_amount",
            "paid_amount",
            "pending_amount",
            "reversed_amount",
            "commissioned_premium",
            "expected_commission_amount",
        ),
        accepted_values={"commission_type": ("NewBusiness", "Renewal", "Unknown")},
        between={"commission_count": (1, None), "effective_commission_rate": (0, 1)},
        extra=(
            *_agency_scoped("carrier_key"),
            _at_least("commission_count", "net_commission_count"),
            _at_least("net_commission_amount", "paid_amount"),
        ),
    ),
    # AI tool usage (dbt/models/marts/ai_tools): a day fact per tool, person (or identity the map
    # gives to nobody) and model, its weekly rollups and the unmatched list. Tokens and cost a
    # tool does not report are estimated from the seeds and flagged; a seed missing a tool would
    # leave them NULL, which blocks the release.
    TableExpectations(
        table="fct_ai_tool_daily_metrics",
        layer="marts",
        source="ai_tools",
        primary_key=("ai_tool_daily_metric_key",),
        not_null=(
            "activity_date",
            "week_start",
            "tool",
            "subject_key",
            "is_matched",
            "identity_count",
            "model",
            "requests",
            "input_tokens",
            "output_tokens",
            "tokens_are_estimated",
            "cost_usd",
            "cost_is_estimated",
        ),
        non_negative=("requests", "input_tokens", "output_tokens", "cost_usd"),
        accepted_values={"tool": AI_TOOLS, "identity_type": AI_TOOL_IDENTITY_TYPES},
        between={"identity_count": (1, None)},
        extra=(
            e.ExpectCompoundColumnsToBeUnique(column_list=["activity_date", "tool", "subject_key", "model"]),
            *_ai_tool_subjects(),
            # week_start is the Monday of the day's ISO week: at most 6 days before it.
            _at_least("activity_date", "week_start"),
        ),
    ),
    TableExpectations(
        table="fct_ai_tool_person_usage_weekly",
        layer="marts",
        source="ai_tools",
        primary_key=("week_start", "tool", "subject_key"),
        not_null=(
            "ai_tool_person_week_key",
            "iso_year",
            "iso_week",
            "is_matched",
            "active_days",
            "model_count",
            "requests",
            "input_tokens",
            "output_tokens",
            "estimated_input_tokens",
            "estimated_output_tokens",
            "tokens_are_estimated",
            "cost_usd",
            "estimated_cost_usd",
            "cost_is_estimated",
        ),
        non_negative=("requests", "input_tokens", "output_tokens", "cost_usd"),
        accepted_values={"tool": AI_TOOLS, "identity_type": AI_TOOL_IDENTITY_TYPES},
        between={"active_days": (1, 7), "model_count": (1, None), "iso_week": (1, 53)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="ai_tool_person_week_key"),
            *_ai_tool_subjects(),
            *_ai_tool_estimated_parts(),
        ),
    ),
    TableExpectations(
        table="fct_ai_tool_usage_weekly",
        layer="marts",
        source="ai_tools",
        primary_key=("week_start", "tool"),
        not_null=(
            "ai_tool_week_key",
            "iso_year",
            "iso_week",
            "active_people",
            "unmatched_identities",
            "active_days",
            "requests",
            "input_tokens",
            "output_tokens",
            "estimated_input_tokens",
            "estimated_output_tokens",
            "tokens_are_estimated",
            "cost_usd",
            "estimated_cost_usd",
            "cost_is_estimated",
        ),
        non_negative=(
            "active_people",
            "unmatched_identities",
            "requests",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        ),
        accepted_values={"tool": AI_TOOLS},
        between={"active_days": (1, 7), "iso_week": (1, 53)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="ai_tool_week_key"),
            *_ai_tool_estimated_parts(),
        ),
    ),
    TableExpectations(
        table="fct_ai_tool_spend_weekly",
        layer="marts",
        source="ai_tools",
        primary_key=("week_start", "tool"),
        not_null=(
            "ai_tool_spend_week_key",
            "iso_year",
            "iso_week",
            "estimated_usage_cost_usd",
            "spend_usd",
            "spend_source",
            "spend_is_estimated",
        ),
        non_negative=("usage_cost_usd", "estimated_usage_cost_usd", "billed_cost_usd", "spend_usd"),
        accepted_values={"tool": AI_TOOLS, "spend_source": ("billed", "usage")},
        between={"iso_week": (1, 53)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="ai_tool_spend_week_key"),
            _not_null_when("billed_cost_usd", Column("spend_source") == "billed"),
            _not_null_when("usage_cost_usd", Column("spend_source") == "usage"),
            # A bill is never an estimate.
            e.ExpectColumnValuesToBeInSet(
                column="spend_is_estimated",
                value_set=[False],
                row_condition=Column("spend_source") == "billed",
            ),
            _at_least_where_present("usage_cost_usd", "estimated_usage_cost_usd"),
        ),
    ),
    TableExpectations(
        table="dim_ai_tool_unmatched_identities",
        layer="marts",
        source="ai_tools",
        primary_key=("unmatched_identity_key",),
        not_null=(
            "tool",
            "identity_type",
            "identity",
            "subject_key",
            "first_seen_date",
            "last_seen_date",
            "active_days",
            "model_count",
            "requests",
            "tokens_are_estimated",
            "cost_is_estimated",
        ),
        non_negative=("requests", "input_tokens", "output_tokens", "cost_usd"),
        accepted_values={"tool": AI_TOOLS, "identity_type": AI_TOOL_IDENTITY_TYPES},
        between={"active_days": (1, None), "model_count": (1, None)},
        # An identity map that covers everyone is a good day, not a broken build.
        min_rows=0,
        extra=(
            e.ExpectCompoundColumnsToBeUnique(column_list=["tool", "identity_type", "identity"]),
            e.ExpectColumnValuesToMatchRegex(column="subject_key", regex=AI_TOOL_UNMATCHED_SUBJECT),
            _at_least("last_seen_date", "first_seen_date"),
        ),
    ),
]

ML: list[TableExpectations] = [
    TableExpectations(
        table="customer_churn_features",
        layer="ml",
        source="pestroutes",
        primary_key=("customer_key", "as_of_date"),
        not_null=(
            "customer_as_of_key",
            "office_name",
            "tenure_days",
            "active_subscriptions",
            "completed_appointments_last_90_days",
            "completed_appointments_last_365_days",
            "billed_to_date",
            "paid_to_date",
            "open_balance",
            "churned_within_90_days",
            "label_is_complete",
            "data_newest_event_date",
        ),
        non_negative=(
            "active_subscriptions",
            "active_annual_recurring_value",
            "completed_appointments_last_90_days",
            "completed_appointments_last_365_days",
            "cancelled_appointments_last_90_days",
            "cancelled_appointments_last_365_days",
            "rescheduled_appointments_last_90_days",
            "rescheduled_appointments_last_365_days",
            "no_show_appointments_last_90_days",
            "no_show_appointments_last_365_days",
            "billed_to_date",
            "paid_to_date",
            "notes_last_90_days",
            "tasks_last_90_days",
        ),
        accepted_values={"churned_within_90_days": (True, False), "label_is_complete": (True, False)},
        # Features only see the days before the as-of date: a customer is at least a day old and
        # the last completed visit is at least a day back.
        between={"tenure_days": (1, None), "days_since_last_completed_service": (1, None)},
        extra=(
            e.ExpectColumnValuesToBeUnique(column="customer_as_of_key"),
            _at_least("completed_appointments_last_365_days", "completed_appointments_last_90_days"),
            _at_least("cancelled_appointments_last_365_days", "cancelled_appointments_last_90_days"),
            _at_least("rescheduled_appointments_last_365_days", "rescheduled_appointments_last_90_days"),
            _at_least("no_show_appointments_last_365_days", "no_show_appointments_last_90_days"),
            # A label that marks most customers as churning within 90 days is a broken label:
            # at least half of the rows are not churned (a share, so it is also SQL on
            # PostgreSQL, which has no mean of a boolean).
            e.ExpectColumnValuesToBeInSet(column="churned_within_90_days", value_set=[False], mostly=0.5),
        ),
    ),
    TableExpectations(
        table="service_request_resolution_features",
        layer="ml",
        source="service_csv",
        primary_key=("sr_number",),
        not_null=(
            "opened_at",
            "customer_prior_request_count",
            "customer_prior_closed_request_count",
            "customer_open_backlog_at_open",
            "unit_prior_request_count",
            "open_hour",
            "open_weekday",
            "is_closed",
        ),
        non_negative=(
            "customer_prior_request_count",
            "customer_prior_closed_request_count",
            "customer_prior_avg_hours_to_close",
            "customer_open_backlog_at_open",
            "unit_prior_request_count",
            "hours_to_resolution",
        ),
        between={"open_hour": (0, 23), "open_weekday": (0, 6)},
        extra=(
            _at_least("customer_prior_request_count", "customer_prior_closed_request_count"),
            _at_least("customer_prior_request_count", "customer_open_backlog_at_open"),
            _not_null_when("hours_to_resolution", Column("is_closed") == True),
        ),
    ),
    # The application database's booking features (dbt/models/ml/marketplace): weekly as-of
    # dates, features from events strictly before them.
    TableExpectations(
        table="user_booking_features",
        layer="ml",
        source="app_db",
        primary_key=("database_name", "user_id", "as_of_date"),
        not_null=(
            "tenure_days",
            "bookings_before",
            "bookings_last_90_days",
            "completed_bookings_before",
            "cancelled_bookings_before",
            "customer_cancelled_bookings_before",
            "paid_amount_before",
            "refunds_requested_before",
            "refund_requested_amount_before",
        ),
        non_negative=(
            "bookings_before",
            "bookings_last_90_days",
            "completed_bookings_before",
            "cancelled_bookings_before",
            "customer_cancelled_bookings_before",
            "paid_amount_before",
            "refunds_requested_before",
            "refund_requested_amount_before",
        ),
        # Features only see the days before the as-of date: the customer is at least a day old,
        # the last booking at least a day back.
        between={
            "tenure_days": (1, None),
            "days_since_last_booking": (1, None),
            "days_since_last_completed_booking": (1, None),
            "cancellation_rate_before": (0, 1),
        },
        extra=(
            _at_least("bookings_before", "bookings_last_90_days"),
            _at_least("bookings_before", "completed_bookings_before"),
            _at_least("bookings_before", "cancelled_bookings_before"),
            _at_least("cancelled_bookings_before", "customer_cancelled_bookings_before"),
            _not_null_when("days_since_last_booking", Column("bookings_before") > 0),
        ),
    ),
    TableExpectations(
        table="vendor_booking_features",
        layer="ml",
        source="app_db",
        primary_key=("database_name", "vendor_id", "as_of_date"),
        not_null=(
            "tenure_days",
            "bookings_before",
            "bookings_last_90_days",
            "completed_bookings_before",
            "cancelled_bookings_before",
            "vendor_cancelled_bookings_before",
            "responded_bookings_before",
            "reviews_before",
            "priced_services",
        ),
        non_negative=(
            "bookings_before",
            "bookings_last_90_days",
            "completed_bookings_before",
            "cancelled_bookings_before",
            "vendor_cancelled_bookings_before",
            "responded_bookings_before",
            "median_response_minutes_before",
            "reviews_before",
            "priced_services",
            "average_price_amount",
            "price_index",
        ),
        accepted_values={
            "vendor_status": MARKETPLACE_VENDOR_STATUSES,
            "vendor_category": MARKETPLACE_VENDOR_CATEGORIES,
        },
        between={
            "tenure_days": (1, None),
            "commission_rate": (0, 1),
            "cancellation_rate_before": (0, 1),
            "vendor_cancellation_rate_before": (0, 1),
            "average_rating_before": (1, 5),
        },
        extra=(
            _at_least("bookings_before", "bookings_last_90_days"),
            _at_least("bookings_before", "cancelled_bookings_before"),
            _at_least("bookings_before", "responded_bookings_before"),
            _at_least("cancelled_bookings_before", "vendor_cancelled_bookings_before"),
            _not_null_when("median_response_minutes_before", Column("responded_bookings_before") > 0),
            _not_null_when("average_rating_before", Column("reviews_before") > 0),
        ),
    ),
    TableExpectations(
        table="booking_cancellation_training",
        layer="ml",
        source="app_db",
        primary_key=("database_name", "booking_id"),
        not_null=(
            "user_id",
            "vendor_id",
            "created_at",
            "feature_as_of_date",
            "created_hour",
            "has_user_features",
            "has_vendor_features",
            "was_cancelled",
            "label_is_final",
        ),
        non_negative=("user_bookings_before", "vendor_bookings_before"),
        between={
            "created_hour": (0, 23),
            "user_tenure_days": (1, None),
            "vendor_tenure_days": (1, None),
            "user_cancellation_rate_before": (0, 1),
            "vendor_cancellation_rate_before": (0, 1),
        },
        extra=(
            _not_null_when("user_bookings_before", Column("has_user_features") == True),
            _not_null_when("vendor_bookings_before", Column("has_vendor_features") == True),
            # A label that marks most bookings as cancelled is a broken label.
            e.ExpectColumnValuesToBeInSet(column="was_cancelled", value_set=[False], mostly=0.5),
        ),
    ),
    # QQCatalyst's policy non-renewal features (dbt/models/ml/insurance): month-end as-of dates,
    # features from what was known by the end of each, the label only before the outcome was known.
    TableExpectations(
        table="policy_non_renewal_features",
        layer="ml",
        source="qqcatalyst",
        primary_key=("policy_key", "as_of_date"),
        not_null=(
            "agency",
            "is_renewal_policy",
            "policy_age_days",
            "days_to_expiration",
            "customer_policies_in_force",
            "customer_lines_in_force",
            "customer_renewal_terms_before",
            "customer_cancellations_before",
            "claims_before",
            "claims_last_365_days",
            "open_claims",
            "customer_claims_before",
            "bills_before",
            "past_due_bills",
            "past_due_amount",
            "late_fees_before",
            "late_fee_amount_before",
            "commission_amount_before",
            "customer_quotes_last_90_days",
            "renewal_outcome",
            "outcome_known_on",
            "label_is_known",
        ),
        non_negative=(
            "total_premium",
            "customer_renewal_terms_before",
            "customer_cancellations_before",
            "claims_before",
            "open_claims",
            "bills_before",
            "past_due_bills",
            "past_due_amount",
            "late_fees_before",
            "late_fee_amount_before",
            "customer_quotes_last_90_days",
        ),
        accepted_values={"renewal_outcome": QQ_RENEWAL_OUTCOMES, "line_of_business": QQ_LINES},
        # The policy is in force on its as-of dates: started by then, expiring after, and counted
        # among its customer's policies in force.
        between={
            "policy_age_days": (0, None),
            "days_to_expiration": (1, None),
            "customer_tenure_days": (0, None),
            "customer_policies_in_force": (1, None),
            "customer_lines_in_force": (1, None),
            "days_since_last_claim": (0, None),
        },
        extra=(
            *_agency_scoped("policy_key", "customer_key", "carrier_key"),
            _at_least_where_present("customer_tenure_days", "policy_age_days"),
            _at_least("customer_policies_in_force", "customer_lines_in_force"),
            _at_least("claims_before", "claims_last_365_days"),
            _at_least("claims_before", "open_claims"),
            _at_least("customer_claims_before", "claims_before"),
            _not_null_when("days_since_last_claim", Column("claims_before") > 0),
            # The label is set exactly on the rows before the outcome was known.
            _not_null_when("was_not_renewed", Column("label_is_known") == True),
            e.ExpectColumnValuesToBeNull(
                column="was_not_renewed", row_condition=Column("label_is_known") == False
            ),
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="outcome_known_on",
                column_B="as_of_date",
                row_condition=Column("label_is_known") == True,
            ),
            # A label that marks most policies as lost at renewal is a broken label: at least
            # half of the labelled rows are renewals (a share, so it is also SQL on PostgreSQL).
            e.ExpectColumnValuesToBeInSet(column="was_not_renewed", value_set=[False], mostly=0.5),
        ),
    ),
]

SUITES: list[TableExpectations] = [*MARTS, *ML]
