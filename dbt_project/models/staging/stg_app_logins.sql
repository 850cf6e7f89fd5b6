-- An event delivered again (same login_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
-- Built a month of login_at at a time (macros/microbatch.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='login_at',
    batch_size='month',
    begin=var('microbatch_begin'),
    post_hook="{{ refresh_join_statistics(this) }}",
    partition_by=['login_month'],
) }}

with first_deliveries as (
    {{ first_deliveries_in_batch(source('lake', 'app_logins'), 'login_id') }}
)

select
    login_id,
    cadre_id,
    app_id,
    device_id,
    ip,
    login_at,
    logout_at,
    actions,
    _dt as delivered_on,
    _file as source_file,
    {{ month_of('login_at') }} as login_month
from first_deliveries
