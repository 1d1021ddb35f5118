{#-
    Which fields of which QQCatalyst records each validation rule checks: the one list the
    staging models (their failed_rules), the audit model int_qqcatalyst__validation_failures
    and the daily mart all read, so a field is checked the same way everywhere.

    Keyed by staging model (without `stg_qqcatalyst__`): `table` is the RAW table (the `entity`
    of the audit and of the `qqcatalyst_statuses` seed), `array` the record's array a nested
    model unnests (`Emails` for stg_qqcatalyst__contact_emails), `key` the record's key column
    (`contact_key`, in a nested model too), and `fields` each checked field
    as (JSON path inside the record or array element, staging column, rule). The status rule
    reads the seed's list for (table, JSON path).
-#}
{% macro qqcatalyst_validated_models() -%}
    {{ return({
        'agencies': {'table': 'agencies', 'key': 'agency_key', 'fields': [
            ('AgencyGuid', 'agency_guid', 'uuid'),
            ('Phone', 'phone', 'phone'),
            ('Email', 'email', 'email'),
            ('Address.State', 'address_state', 'state'),
            ('Address.Zip', 'address_zip', 'zip'),
        ]},
        'carriers': {'table': 'carriers', 'key': 'carrier_key', 'fields': [
            ('State', 'state', 'state'),
            ('Phone', 'phone', 'phone'),
            ('Email', 'email', 'email'),
        ]},
        'locations': {'table': 'locations', 'key': 'location_key', 'fields': [
            ('Phone', 'phone', 'phone'),
            ('Email', 'email', 'email'),
            ('Address.State', 'address_state', 'state'),
            ('Address.Zip', 'address_zip', 'zip'),
        ]},
        'departments': {'table': 'departments', 'key': 'department_key', 'fields': []},
        'employees': {'table': 'employees', 'key': 'employee_key', 'fields': [
            ('Email', 'email', 'email'),
            ('Phone', 'phone', 'phone'),
            ('Status', 'status', 'status'),
            ('HireDate', 'hire_date', 'date'),
        ]},
        'contacts': {'table': 'contacts', 'key': 'contact_key', 'fields': [
            ('Status', 'status', 'status'),
            ('DateOfBirth', 'date_of_birth', 'date'),
            ('ContactGuid', 'contact_guid', 'uuid'),
        ]},
        'contact_emails': {'table': 'contacts', 'key': 'contact_key', 'array': 'Emails', 'fields': [
            ('EmailAddress', 'email_address', 'email'),
        ]},
        'contact_phones': {'table': 'contacts', 'key': 'contact_key', 'array': 'Phones', 'fields': [
            ('PhoneNumber', 'phone_number', 'phone'),
        ]},
        'contact_addresses': {'table': 'contacts', 'key': 'contact_key', 'array': 'Addresses', 'fields': [
            ('State', 'state', 'state'),
            ('Zip', 'zip', 'zip'),
        ]},
        'policies': {'table': 'policies', 'key': 'policy_key', 'fields': [
            ('PolicyGuid', 'policy_guid', 'uuid'),
            ('EffectiveDate', 'effective_date', 'date'),
            ('ExpirationDate', 'expiration_date', 'date'),
            ('Status', 'status', 'status'),
            ('TotalPremium', 'total_premium', 'currency'),
        ]},
        'policy_drivers': {'table': 'policies', 'key': 'policy_key', 'array': 'Drivers', 'fields': [
            ('DateOfBirth', 'date_of_birth', 'date'),
            ('LicenseState', 'license_state', 'state'),
        ]},
        'policy_vehicles': {'table': 'policies', 'key': 'policy_key', 'array': 'Vehicles', 'fields': []},
        'policy_coverages': {'table': 'policies', 'key': 'policy_key', 'array': 'Coverages', 'fields': [
            ('Limit', 'coverage_limit', 'currency'),
            ('Deductible', 'deductible', 'currency'),
            ('Premium', 'premium', 'currency'),
        ]},
        'policy_equipment': {'table': 'policies', 'key': 'policy_key', 'array': 'Equipment', 'fields': [
            ('Value', 'value', 'currency'),
        ]},
        'quotes': {'table': 'quotes', 'key': 'quote_key', 'fields': [
            ('QuotedPremium', 'quoted_premium', 'currency'),
            ('QuoteDate', 'quote_date', 'date'),
            ('ExpirationDate', 'expiration_date', 'date'),
            ('Status', 'status', 'status'),
            ('QuoteGuid', 'quote_guid', 'uuid'),
        ]},
        'applications': {'table': 'applications', 'key': 'application_key', 'fields': [
            ('SubmittedDate', 'submitted_date', 'date'),
            ('Status', 'status', 'status'),
        ]},
        'claims': {'table': 'claims', 'key': 'claim_key', 'fields': [
            ('LossDate', 'loss_date', 'date'),
            ('ReportedDate', 'reported_date', 'date'),
            ('ClosedDate', 'closed_date', 'date'),
            ('Status', 'status', 'status'),
            ('PaidAmount', 'paid_amount', 'currency'),
            ('ReserveAmount', 'reserve_amount', 'currency'),
            ('ClaimantEmail', 'claimant_email', 'email'),
            ('ClaimantPhone', 'claimant_phone', 'phone'),
        ]},
        'renewals': {'table': 'renewals', 'key': 'renewal_key', 'fields': [
            ('RenewalDate', 'renewal_date', 'date'),
            ('Status', 'status', 'status'),
            ('RenewalPremium', 'renewal_premium', 'currency'),
        ]},
        'terminations': {'table': 'terminations', 'key': 'termination_key', 'fields': [
            ('TerminationDate', 'termination_date', 'date'),
            ('TerminationType', 'termination_type', 'status'),
            ('ReturnPremium', 'return_premium', 'currency'),
            ('Status', 'status', 'status'),
        ]},
        'billing_records': {'table': 'billing_records', 'key': 'billing_record_key', 'fields': [
            ('BillingDate', 'billing_date', 'date'),
            ('DueDate', 'due_date', 'date'),
            ('Amount', 'amount', 'currency'),
            ('Status', 'status', 'status'),
        ]},
        'commission_rules': {'table': 'commission_rules', 'key': 'commission_rule_key', 'fields': [
            ('EffectiveDate', 'effective_date', 'date'),
            ('ExpirationDate', 'expiration_date', 'date'),
        ]},
        'commissions': {'table': 'commissions', 'key': 'commission_key', 'fields': [
            ('CommissionType', 'commission_type', 'status'),
            ('Amount', 'amount', 'currency'),
            ('StatementDate', 'statement_date', 'date'),
            ('PaidDate', 'paid_date', 'date'),
            ('Status', 'status', 'status'),
        ]},
        'fees': {'table': 'fees', 'key': 'fee_key', 'fields': [
            ('FeeType', 'fee_type', 'status'),
            ('Amount', 'amount', 'currency'),
            ('FeeDate', 'fee_date', 'date'),
        ]},
        'documents': {'table': 'documents', 'key': 'document_key', 'fields': [
            ('DocumentGuid', 'document_guid', 'uuid'),
        ]},
        'acord_forms': {'table': 'acord_forms', 'key': 'acord_form_key', 'fields': [
            ('FormDate', 'form_date', 'date'),
            ('Status', 'status', 'status'),
        ]},
    }) }}
{%- endmacro %}


{#- The checks of one staging model, as qqcatalyst_failed_rules takes them: a list of
    {rule, column, entity, field, path} (entity and field name the status rule's seed list). -#}
{% macro qqcatalyst_checks(model) -%}
    {%- set models = qqcatalyst_validated_models() -%}
    {%- if model not in models -%}
        {%- do exceptions.raise_compiler_error('qqcatalyst_checks: no staging model ' ~ model ~ ' (known: ' ~ models | sort | join(', ') ~ ')') -%}
    {%- endif -%}
    {%- set spec = models[model] -%}
    {%- set checks = [] -%}
    {%- for path, column, rule in spec.fields -%}
        {%- do checks.append({'rule': rule, 'column': column, 'entity': spec.table, 'field': path, 'path': path}) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}


{#- The rules checked on each RAW table's records, nested arrays included: {table: [rule, ...]},
    each list sorted and distinct. -#}
{% macro qqcatalyst_rules_by_table() -%}
    {%- set rules = {} -%}
    {%- for model, spec in qqcatalyst_validated_models().items() -%}
        {%- set table_rules = rules.setdefault(spec.table, []) -%}
        {%- for path, column, rule in spec.fields -%}
            {%- if rule not in table_rules -%}
                {%- do table_rules.append(rule) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set sorted_rules = {} -%}
    {%- for table, table_rules in rules.items() -%}
        {%- do sorted_rules.update({table: table_rules | sort}) -%}
    {%- endfor -%}
    {{ return(sorted_rules) }}
{%- endmacro %}
