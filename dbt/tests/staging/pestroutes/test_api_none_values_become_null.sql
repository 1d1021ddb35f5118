-- The PestRoutes null conventions, checked on the warehouse the project runs on: every way the
-- API writes "nothing" becomes SQL NULL (ID lists: an empty array), real values keep their
-- value, and bad input never fails a cast. Each row is one rule; rows returned are rules broken.

with

checks as (

    -- datetimes and dates
    select 'datetime 0000-00-00 00:00:00 is null' as rule, {{ safe_timestamp("'0000-00-00 00:00:00'") }} is null as passed
    union all
    select 'datetime blank is null', {{ safe_timestamp("''") }} is null
    union all
    select 'datetime impossible day is null', {{ safe_timestamp("'2024-02-30 10:00:00'") }} is null
    union all
    select 'datetime garbage is null', {{ safe_timestamp("'soon'") }} is null
    union all
    select 'datetime parses', {{ safe_timestamp("'2024-02-29 23:59:58'") }} = cast('2024-02-29 23:59:58' as timestamp)
    union all
    select 'datetime date-only parses as midnight', {{ safe_timestamp("'2024-07-04'") }} = cast('2024-07-04 00:00:00' as timestamp)
    union all
    select 'date 0000-00-00 is null', {{ safe_date("'0000-00-00'") }} is null
    union all
    select 'date blank is null', {{ safe_date("''") }} is null
    union all
    select 'date impossible day is null', {{ safe_date("'2023-02-29'") }} is null
    union all
    select 'date parses', {{ safe_date("'2024-02-29'") }} = cast('2024-02-29' as date)

    -- foreign keys, numbers, flags, text
    union all
    select 'fk -1 is null', {{ pestroutes_fk("'-1'") }} is null
    union all
    select 'fk 0 is null', {{ pestroutes_fk("'0'") }} is null
    union all
    select 'fk blank is null', {{ pestroutes_fk("''") }} is null
    union all
    select 'fk parses', {{ pestroutes_fk("'5465'") }} = 5465
    union all
    select 'integer blank is null', {{ safe_integer("''") }} is null
    union all
    select 'integer keeps negative codes', {{ safe_integer("'-1'") }} = -1
    union all
    select 'money parses', {{ safe_decimal("'125.50'", 18, 2) }} = 125.50
    union all
    select 'money garbage is null', {{ safe_decimal("'12,50'", 18, 2) }} is null
    union all
    select 'float parses', {{ safe_float("'-117.1625'") }} = -117.1625
    union all
    select 'flag 1 is true', {{ safe_boolean("'1'") }} = true
    union all
    select 'flag 0 is false', {{ safe_boolean("'0'") }} = false
    union all
    select 'flag blank is null', {{ safe_boolean("''") }} is null
    union all
    select 'text blank is null', {{ nullif_blank("'  '") }} is null
    union all
    select 'text kept as sent', {{ nullif_blank("' Gate code '") }} = ' Gate code '

    -- ID lists (compared as text: array literals differ per warehouse)
    union all
    select 'id list parses in order', array_to_string({{ split_id_list("'12,5465, 6213'") }}, ',') = '12,5465,6213'
    union all
    select 'id list blank is empty', array_to_string({{ split_id_list("''") }}, ',') = ''
    union all
    select 'id list null stays null', {{ split_id_list('cast(null as varchar)') }} is null

    -- the office-scoped key
    union all
    select 'key is office and id', {{ office_scoped_key("'north'", '12') }} = 'north-12'

)

select rule
from checks
where not coalesce(passed, false)
