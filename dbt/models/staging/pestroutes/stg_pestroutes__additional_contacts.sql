-- The loader reloads additional_contacts whole for each office every run (no cursor), so this is a
-- view over RAW (materialization from dbt_project.yml); the dedup only guards against overlap.

with

source as (

    select * from {{ source('pestroutes', 'additional_contacts') }}

),

renamed as (

    select
        {{ json_fields('record', {
            'additionalContactID': 'additional_contact_id',
            'customerID': 'customer_id',
            'officeID': 'office_id',
            'fname': 'first_name',
            'lname': 'last_name',
            'phone': 'phone',
            'email': 'email',
            'typeID': 'type_id',
            'typeDescription': 'type_description',
        }) }},
        _office as office_name,
        {{ pestroutes_office_timezone() }} as office_timezone,
        _extracted_at as extracted_at,
        _dlt_load_id as dlt_load_id

    from source

),

typed as (

    select
        {{ office_scoped_key('office_name', safe_integer('additional_contact_id')) }} as additional_contact_key,
        {{ safe_integer('additional_contact_id') }} as additional_contact_id,
        {{ pestroutes_fk('customer_id') }} as customer_id,
        {{ pestroutes_fk('office_id') }} as office_id,
        {{ nullif_blank('first_name') }} as first_name,
        {{ nullif_blank('last_name') }} as last_name,
        {{ nullif_blank('phone') }} as phone,
        {{ nullif_blank('email') }} as email,
        {{ safe_integer('type_id') }} as type_id,
        {{ nullif_blank('type_description') }} as type_description,
        office_name,
        office_timezone,
        extracted_at,
        dlt_load_id

    from renamed

),

final as (

    {{ latest_version_per_key('typed', 'additional_contact_key') }}

)

select * from final
