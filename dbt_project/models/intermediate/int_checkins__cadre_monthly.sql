-- Check-ins per cadre and month.
-- Built a month at a time, as stg_checkins is (macros/microbatch.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='month',
    batch_size='month',
    begin=var('microbatch_begin'),
    post_hook="{{ refresh_join_statistics(this) }}",
    partition_by=['month'],
) }}

select
    cadre_id,
    checkin_month as month,
    count(*) as checkin_count
from {{ ref('stg_checkins') }}
group by cadre_id, checkin_month
