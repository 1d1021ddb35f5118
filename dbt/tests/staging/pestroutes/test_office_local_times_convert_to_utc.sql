-- PestRoutes timestamps are wall time of the office's zone; staging stores UTC. The offset
-- follows daylight saving time for each date and each office's own zone. Rows returned are
-- conversions that came out wrong.

{% set cases = [
    ('Los Angeles winter (PST, UTC-8)', '2024-01-15 08:00:00', 'America/Los_Angeles', '2024-01-15 16:00:00'),
    ('Los Angeles summer (PDT, UTC-7)', '2024-07-04 08:00:00', 'America/Los_Angeles', '2024-07-04 15:00:00'),
    ('Los Angeles, day DST starts', '2024-03-10 03:30:00', 'America/Los_Angeles', '2024-03-10 10:30:00'),
    ('Los Angeles, day DST ends', '2024-11-03 12:00:00', 'America/Los_Angeles', '2024-11-03 20:00:00'),
    ('Los Angeles, late evening crosses midnight UTC', '2024-07-04 20:30:00', 'America/Los_Angeles', '2024-07-05 03:30:00'),
    ('Denver summer (MDT, UTC-6)', '2024-07-04 08:00:00', 'America/Denver', '2024-07-04 14:00:00'),
    ('Chicago winter (CST, UTC-6)', '2024-01-15 08:00:00', 'America/Chicago', '2024-01-15 14:00:00'),
    ('New York summer (EDT, UTC-4)', '2024-07-04 08:00:00', 'America/New_York', '2024-07-04 12:00:00'),
    ('Phoenix has no DST (MST, UTC-7)', '2024-07-04 08:00:00', 'America/Phoenix', '2024-07-04 15:00:00'),
] %}

with

conversions as (
{% for rule, local_time, timezone, expected_utc in cases %}
    {% if not loop.first %}union all{% endif %}
    select
        '{{ rule }}' as rule,
        {{ local_to_utc(safe_timestamp("'" ~ local_time ~ "'"), "'" ~ timezone ~ "'") }} as converted,
        cast('{{ expected_utc }}' as timestamp) as expected
{% endfor %}
)

select
    rule,
    converted,
    expected

from conversions

where converted is distinct from expected
