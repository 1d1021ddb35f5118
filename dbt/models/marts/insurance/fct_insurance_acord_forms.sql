-- One row per current ACORD form (`acord_form_key` = `<agency>-<AcordFormId>`): the standard
-- insurance form (ACORD 25 certificate, 125/126/140 applications ...) filled for a policy, the
-- API's form id (the seed's api_form_id), its number, name, date and status (Draft, Completed,
-- Sent). Current rows only (doc block insurance_current_rows_rule); invalid values carried
-- standardised with their failed_rules (doc block insurance_validation_rule).

with

acord_forms as (

    select * from {{ ref('stg_qqcatalyst__acord_forms') }}
    where not is_deleted and not is_hard_deleted

),

final as (

    select
        cast(acord_form_key as varchar) as acord_form_key,
        cast(agency as varchar) as agency,
        cast(acord_form_id as bigint) as acord_form_id,
        cast(form_id as varchar) as form_id,
        cast(form_number as varchar) as form_number,
        cast(form_name as varchar) as form_name,
        cast(policy_key as varchar) as policy_key,
        cast(policy_id as bigint) as policy_id,
        cast(form_date as date) as form_date,
        cast(status as varchar) as form_status,
        cast(created_on as timestamp) as created_on,
        cast(date_last_modified as timestamp) as date_last_modified,
        cast(failed_rules as varchar) as failed_rules,
        cast(is_valid as boolean) as is_valid

    from acord_forms

)

select * from final
