{#-
    QQCatalyst's validation rules (doc block qqcatalyst_validation_rules), one pair of macros per
    rule over a text expression (a value as read from the record's JSON):
      qqcatalyst_<rule>(expr)             the standardised value, NULL when unrecoverable;
      qqcatalyst_<rule>_is_invalid(expr)  true when the value breaks the rule.
    A NULL or blank value is missing, not malformed: its standardised value is NULL and it is
    never invalid. An invalid value never drops its row: staging keeps the row with the
    standardised value (NULL, or the repaired value of a 4-digit ZIP) and lists the rules it
    failed (qqcatalyst_failed_rules). Every rule is written once, in portable SQL over two
    dispatched regex helpers (qqcatalyst_matches, qqcatalyst_remove); patterns avoid
    backslashes (Snowflake string literals treat them as escapes) and are anchored (Snowflake's
    REGEXP_LIKE matches the whole value).
-#}


{#- ----- Shared helpers --------------------------------------------------------------------- -#}

{#- True when `expr` matches the anchored regular expression `pattern`; NULL for NULL. -#}
{% macro qqcatalyst_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('qqcatalyst_matches', 'elt_warehouse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__qqcatalyst_matches(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__qqcatalyst_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro snowflake__qqcatalyst_matches(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- `expr` with every match of `pattern` removed. -#}
{% macro qqcatalyst_remove(expr, pattern) -%}
    {{ return(adapter.dispatch('qqcatalyst_remove', 'elt_warehouse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__qqcatalyst_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '', 'g')
{%- endmacro %}

{#- Snowflake replaces every occurrence by default (and reads a 4th argument as a position). -#}
{% macro snowflake__qqcatalyst_remove(expr, pattern) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '')
{%- endmacro %}

{#- True when `expr` holds something (not NULL, not blank) whose standardised value
    `standardised` is NULL: the shape of every rule's _is_invalid but the ZIP code's. -#}
{% macro qqcatalyst_unrecoverable(expr, standardised) -%}
    (coalesce(trim({{ expr }}), '') <> '' and ({{ standardised }}) is null)
{%- endmacro %}


{#- ----- email --------------------------------------------------------------------------- -#}

{#- A local part of the characters RFC 5322 allows unquoted (dots between them), `@`, and a
    domain of letter/digit/hyphen labels ending in a top-level domain of two letters or more. -#}
{% macro qqcatalyst_email_pattern() -%}
^[a-z0-9!#$%&''*+/=?^_{|}~-]+([.][a-z0-9!#$%&''*+/=?^_{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?[.])+[a-z]{2,}$
{%- endmacro %}

{#- Trimmed and lowercased: `Jane.Doe@Example.COM ` gives `jane.doe@example.com`. -#}
{% macro qqcatalyst_email(expr) -%}
    case
        when {{ qqcatalyst_matches('lower(trim(' ~ expr ~ '))', qqcatalyst_email_pattern()) }}
            then lower(trim({{ expr }}))
    end
{%- endmacro %}

{% macro qqcatalyst_email_is_invalid(expr) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_email(expr)) }}
{%- endmacro %}


{#- ----- phone --------------------------------------------------------------------------- -#}

{#- A US (NANP) number in E.164, `+1` and ten digits whose area code and exchange start with
    2-9: any grouping of digits with spaces, dots, hyphens and parentheses, an optional leading
    `1` or `+1`, and an extension at the end (`x123`, `ext. 123`, `#123`), which is dropped.
    Letters (`555-CALL-NOW`), another country code (`+44 ...`), too few digits (`12345`) and
    impossible numbers (`000-000-0000`) give NULL. -#}
{% macro qqcatalyst_phone(expr) -%}
    {%- set without_extension = qqcatalyst_remove(
        'lower(trim(' ~ expr ~ '))', '[ ]*(x|ext[.]?|extension|#)[ ]*[0-9]{1,6}$'
    ) -%}
    {%- set digits = qqcatalyst_remove(without_extension, '[^0-9]') -%}
    case
        when {{ qqcatalyst_matches(without_extension, '^[+]?[0-9 ().-]+$') }}
            then case
                when
                    {{ without_extension }} not like '+%'
                    and {{ qqcatalyst_matches(digits, '^[2-9][0-9]{2}[2-9][0-9]{6}$') }}
                    then '+1' || {{ digits }}
                when {{ qqcatalyst_matches(digits, '^1[2-9][0-9]{2}[2-9][0-9]{6}$') }}
                    then '+' || {{ digits }}
            end
    end
{%- endmacro %}

{% macro qqcatalyst_phone_is_invalid(expr) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_phone(expr)) }}
{%- endmacro %}


{#- ----- zip ----------------------------------------------------------------------------- -#}

{#- `12345` and `12345-6789` as sent (trimmed); nine digits as ZIP+4 (`123456789` gives
    `12345-6789`); four digits padded with the leading zero a spreadsheet dropped (`2134` gives
    `02134`, flagged all the same: qqcatalyst_zip_is_invalid); anything else NULL. -#}
{% macro qqcatalyst_zip(expr) -%}
    case
        when {{ qqcatalyst_matches('trim(' ~ expr ~ ')', '^[0-9]{5}(-[0-9]{4})?$') }}
            then trim({{ expr }})
        when {{ qqcatalyst_matches('trim(' ~ expr ~ ')', '^[0-9]{9}$') }}
            then substr(trim({{ expr }}), 1, 5) || '-' || substr(trim({{ expr }}), 6, 4)
        when {{ qqcatalyst_matches('trim(' ~ expr ~ ')', '^[0-9]{4}$') }}
            then '0' || trim({{ expr }})
    end
{%- endmacro %}

{#- The one rule whose invalid values may still be standardised: a 4-digit ZIP is repaired
    (qqcatalyst_zip) and flagged, since the repair is a guess. -#}
{% macro qqcatalyst_zip_is_invalid(expr) -%}
    (
        coalesce(trim({{ expr }}), '') <> ''
        and not coalesce(
            {{ qqcatalyst_matches('trim(' ~ expr ~ ')', '^[0-9]{5}(-[0-9]{4})?$') }}
            or {{ qqcatalyst_matches('trim(' ~ expr ~ ')', '^[0-9]{9}$') }},
            false
        )
    )
{%- endmacro %}


{#- ----- state --------------------------------------------------------------------------- -#}

{#- A code of the `us_states` seed (the 50 states, DC, PR, GU, VI, AS, MP), trimmed and
    uppercased: `ca` and ` Ca ` give `CA`; `XX`, `Calif` give NULL. A scalar subquery on the
    seed (an aggregate, so it always returns one row: the form Snowflake accepts correlated).
    `expr` must not name a column of the seed (state_code, state_name, state_kind). -#}
{% macro qqcatalyst_state(expr) -%}
    (
        select max(us_states.state_code)
        from {{ ref('us_states') }} as us_states
        where us_states.state_code = upper(trim({{ expr }}))
    )
{%- endmacro %}

{% macro qqcatalyst_state_is_invalid(expr) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_state(expr)) }}
{%- endmacro %}


{#- ----- currency ------------------------------------------------------------------------ -#}

{#- An amount with up to 16 integer digits, grouped by thousands with commas or not, and
    optional decimals (or decimals alone, `.5`). -#}
{% macro qqcatalyst_amount_pattern() -%}
([0-9]{1,3}(,[0-9]{3}){1,5}|[0-9]{1,16})([.][0-9]*)?|[.][0-9]+
{%- endmacro %}

{#- numeric(18, 2): a JSON number, or a string with an optional `$`, thousands commas, and a
    sign before or after the `$` (`"$1,234.50"` 1234.50, `"-$5"` -5.00, `"1234.5"` 1234.50),
    or in parentheses as accountants write negatives (`"(12.00)"` -12.00). More decimals are
    rounded to two. `"12.3.4"`, `"N/A"`, `"$--5"` give NULL. -#}
{% macro qqcatalyst_currency(expr) -%}
    {%- set value = 'trim(' ~ expr ~ ')' -%}
    cast(
        case
            when {{ qqcatalyst_matches(value, '^[(][ ]*[$]?[ ]*(' ~ qqcatalyst_amount_pattern() ~ ')[ ]*[)]$') }}
                then -1 * cast({{ qqcatalyst_remove(value, '[$, ()]') }} as numeric(18, 2))
            when {{ qqcatalyst_matches(value, '^([-+][ ]*[$]?|[$][ ]*[-+]?)?[ ]*(' ~ qqcatalyst_amount_pattern() ~ ')$') }}
                then cast({{ qqcatalyst_remove(value, '[$, +]') }} as numeric(18, 2))
        end
        as numeric(18, 2)
    )
{%- endmacro %}

{% macro qqcatalyst_currency_is_invalid(expr) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_currency(expr)) }}
{%- endmacro %}


{#- ----- date ---------------------------------------------------------------------------- -#}

{#- `YYYY-MM-DD` (years 1000-9999) that exists in the calendar, as a date; an ISO date-time
    (`2026-03-01T00:00:00`) gives its date. `2026-02-30`, `0000-00-00`, `13/45/2020`,
    `2026-13-01` give NULL. The calendar check is the project's safe_date. -#}
{% macro qqcatalyst_date(expr) -%}
    cast(
        case
            when {{ qqcatalyst_matches(
                'trim(' ~ expr ~ ')',
                '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$'
            ) }}
                then {{ safe_date('trim(' ~ expr ~ ')') }}
        end
        as date
    )
{%- endmacro %}

{% macro qqcatalyst_date_is_invalid(expr) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_date(expr)) }}
{%- endmacro %}


{#- ----- status -------------------------------------------------------------------------- -#}

{#- One of the values the `qqcatalyst_statuses` seed lists for (entity, field), matched
    without regard to case or surrounding spaces and given in the seed's spelling (`ACTIVE`,
    ` active` give `Active`); anything else (`Actve`, `PENDING REVIEW`, `?`) NULL. `entity` is
    the RAW table (`policies`), `field` the record's field (`Status`, `FeeType` ...). A scalar
    subquery on the seed, as qqcatalyst_state; `expr` must not name a seed column (entity,
    field, value). -#}
{% macro qqcatalyst_status(expr, entity, field) -%}
    (
        select max(allowed.value)
        from {{ ref('qqcatalyst_statuses') }} as allowed
        where
            allowed.entity = '{{ entity }}'
            and allowed.field = '{{ field }}'
            and lower(allowed.value) = lower(trim({{ expr }}))
    )
{%- endmacro %}

{% macro qqcatalyst_status_is_invalid(expr, entity, field) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_status(expr, entity, field)) }}
{%- endmacro %}


{#- ----- uuid ---------------------------------------------------------------------------- -#}

{#- The canonical 8-4-4-4-12 hexadecimal form, trimmed and lowercased; anything else NULL
    (`not-a-uuid`, `1234-5678`, a UUID missing a digit). -#}
{% macro qqcatalyst_uuid(expr) -%}
    case
        when {{ qqcatalyst_matches(
            'lower(trim(' ~ expr ~ '))',
            '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        ) }}
            then lower(trim({{ expr }}))
    end
{%- endmacro %}

{% macro qqcatalyst_uuid_is_invalid(expr) -%}
    {{ qqcatalyst_unrecoverable(expr, qqcatalyst_uuid(expr)) }}
{%- endmacro %}


{#- ----- Rules by name ------------------------------------------------------------------- -#}

{#- The rule names, in the order failed_rules lists them (alphabetical). -#}
{% macro qqcatalyst_rule_names() -%}
    {{ return(['currency', 'date', 'email', 'phone', 'state', 'status', 'uuid', 'zip']) }}
{%- endmacro %}

{#- Whether `expr` breaks `rule` (a name of qqcatalyst_rule_names); `entity` and `field` name
    the seed's list for the status rule. -#}
{% macro qqcatalyst_is_invalid(rule, expr, entity=none, field=none) -%}
    {%- if rule == 'email' -%}{{ qqcatalyst_email_is_invalid(expr) }}
    {%- elif rule == 'phone' -%}{{ qqcatalyst_phone_is_invalid(expr) }}
    {%- elif rule == 'zip' -%}{{ qqcatalyst_zip_is_invalid(expr) }}
    {%- elif rule == 'state' -%}{{ qqcatalyst_state_is_invalid(expr) }}
    {%- elif rule == 'currency' -%}{{ qqcatalyst_currency_is_invalid(expr) }}
    {%- elif rule == 'date' -%}{{ qqcatalyst_date_is_invalid(expr) }}
    {%- elif rule == 'status' -%}
        {%- if entity is none or field is none -%}
            {%- do exceptions.raise_compiler_error('qqcatalyst_is_invalid: the status rule needs the entity and field of its seed list') -%}
        {%- endif -%}
        {{ qqcatalyst_status_is_invalid(expr, entity, field) }}
    {%- elif rule == 'uuid' -%}{{ qqcatalyst_uuid_is_invalid(expr) }}
    {%- else -%}
        {%- do exceptions.raise_compiler_error('qqcatalyst_is_invalid: unknown rule ' ~ rule ~ ' (rules: ' ~ qqcatalyst_rule_names() | join(', ') ~ ')') -%}
    {%- endif -%}
{%- endmacro %}

{#-
    `failed_rules` of a row: the names of the rules its values break, sorted, distinct and
    comma-separated (`currency,phone`); '' when none. `checks` lists what the row validates,
    each a mapping {rule, column} (status also {entity, field}), as qqcatalyst_checks gives
    them, or a (rule, column[, entity, field]) tuple:
        {{ qqcatalyst_failed_rules([('email', 'email'), ('phone', 'phone')]) }}
    `column` is the raw text of the value, before standardisation.
-#}
{% macro qqcatalyst_failed_rules(checks) -%}
    {%- set by_rule = {} -%}
    {%- for check in checks -%}
        {%- if check is mapping -%}
            {%- set rule, column, entity, field = check.rule, check.column, check.get('entity'), check.get('field') -%}
        {%- else -%}
            {%- set rule, column = check[0], check[1] -%}
            {%- set entity = check[2] if check | length > 2 else none -%}
            {%- set field = check[3] if check | length > 3 else none -%}
        {%- endif -%}
        {%- do by_rule.setdefault(rule, []).append(qqcatalyst_is_invalid(rule, column, entity, field)) -%}
    {%- endfor -%}
    {%- if not by_rule -%}
        cast('' as varchar)
    {%- else -%}
        cast(substr(
            {%- for rule in by_rule | sort %}
            coalesce(case when {{ by_rule[rule] | join(' or ') }} then ',{{ rule }}' end, ''){{ ' ||' if not loop.last }}
            {%- endfor %},
            2
        ) as varchar)
    {%- endif -%}
{%- endmacro %}
