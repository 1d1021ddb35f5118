-- One row per current contact (`contact_key` = `<agency>-<EntityID>`): customers, prospects and
-- vendors, people (P) or companies (C), with their agent, location, status and, from the
-- contact's lists, the primary email, phone and address (doc block insurance_primary_contact_rule)
-- and how many of each it has. Current rows only (doc block insurance_current_rows_rule; a
-- contact deleted at the source has Status D and IsDeleted, and leaves this table). Invalid
-- values are carried standardised (NULL when unrecoverable): failed_rules lists the rules the
-- contact's own fields failed, and contact_details_failed_rules those of its primary email,
-- phone and address (doc block insurance_validation_rule).

with

contacts as (

    select * from {{ ref('stg_qqcatalyst__contacts') }}
    where not is_deleted and not is_hard_deleted

),

emails as (

    select * from {{ ref('stg_qqcatalyst__contact_emails') }}

),

phones as (

    select * from {{ ref('stg_qqcatalyst__contact_phones') }}

),

addresses as (

    select * from {{ ref('stg_qqcatalyst__contact_addresses') }}

),

-- The first entry flagged primary, else the first entry in the list (position order).
ranked_emails as (

    select
        emails.*,
        row_number() over (
            partition by emails.contact_key
            order by case when emails.is_primary then 0 else 1 end, emails.position
        ) as entry_rank,
        count(*) over (partition by emails.contact_key) as entry_count

    from emails

),

ranked_phones as (

    select
        phones.*,
        row_number() over (
            partition by phones.contact_key
            order by case when phones.is_primary then 0 else 1 end, phones.position
        ) as entry_rank,
        count(*) over (partition by phones.contact_key) as entry_count

    from phones

),

ranked_addresses as (

    select
        addresses.*,
        row_number() over (
            partition by addresses.contact_key
            order by case when addresses.is_primary then 0 else 1 end, addresses.position
        ) as entry_rank,
        count(*) over (partition by addresses.contact_key) as entry_count

    from addresses

),

primary_email as (

    select * from ranked_emails
    where entry_rank = 1

),

primary_phone as (

    select * from ranked_phones
    where entry_rank = 1

),

primary_address as (

    select * from ranked_addresses
    where entry_rank = 1

),

final as (

    select
        cast(contacts.contact_key as varchar) as contact_key,
        cast(contacts.agency as varchar) as agency,
        cast(contacts.contact_id as bigint) as contact_id,
        cast(contacts.display_name as varchar) as display_name,
        cast(contacts.first_name as varchar) as first_name,
        cast(contacts.last_name as varchar) as last_name,
        cast(contacts.company_name as varchar) as company_name,
        cast(contacts.contact_sub_type as varchar) as contact_sub_type,
        cast(contacts.contact_type as varchar) as contact_type,
        cast(contacts.status as varchar) as contact_status,
        cast(contacts.location_key as varchar) as location_key,
        cast(contacts.location_id as bigint) as location_id,
        cast(contacts.agent_key as varchar) as agent_key,
        cast(contacts.agent_id as bigint) as agent_id,
        cast(contacts.agent_name as varchar) as agent_name,
        cast(contacts.date_of_birth as date) as date_of_birth,
        cast(contacts.contact_guid as varchar) as contact_guid,
        cast(primary_email.email_address as varchar) as primary_email,
        cast(primary_email.email_type as varchar) as primary_email_type,
        cast(primary_phone.phone_number as varchar) as primary_phone,
        cast(primary_phone.phone_type as varchar) as primary_phone_type,
        cast(primary_address.address_type as varchar) as primary_address_type,
        cast(primary_address.line1 as varchar) as address_line1,
        cast(primary_address.line2 as varchar) as address_line2,
        cast(primary_address.city as varchar) as address_city,
        cast(primary_address.state as varchar) as address_state,
        cast(primary_address.zip as varchar) as address_zip,
        cast(coalesce(primary_email.entry_count, 0) as integer) as email_count,
        cast(coalesce(primary_phone.entry_count, 0) as integer) as phone_count,
        cast(coalesce(primary_address.entry_count, 0) as integer) as address_count,
        cast(contacts.created_on as timestamp) as created_on,
        cast(contacts.date_last_modified as timestamp) as date_last_modified,
        cast(contacts.failed_rules as varchar) as failed_rules,
        cast(contacts.is_valid as boolean) as is_valid,
        -- The three lists hold disjoint rules (email; phone; state, zip), each sorted, and in
        -- that order: joined with commas they stay sorted.
        cast(
            coalesce(primary_email.failed_rules, '')
            || case
                when coalesce(primary_email.failed_rules, '') <> '' and coalesce(primary_phone.failed_rules, '') <> ''
                    then ','
                else ''
            end
            || coalesce(primary_phone.failed_rules, '')
            || case
                when
                    (coalesce(primary_email.failed_rules, '') <> '' or coalesce(primary_phone.failed_rules, '') <> '')
                    and coalesce(primary_address.failed_rules, '') <> ''
                    then ','
                else ''
            end
            || coalesce(primary_address.failed_rules, '')
            as varchar
        ) as contact_details_failed_rules

    from contacts
    left join primary_email
        on contacts.contact_key = primary_email.contact_key
    left join primary_phone
        on contacts.contact_key = primary_phone.contact_key
    left join primary_address
        on contacts.contact_key = primary_address.contact_key

)

select * from final
