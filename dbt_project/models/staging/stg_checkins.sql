-- An event delivered again (same checkin_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
-- Built a month of checkin_at at a time (macros/microbatch.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='checkin_at',
    batch_size='month',
    begin=var('microbatch_begin'),
    post_hook="{{ refresh_join_statistics(this) }}",
    partition_by=['checkin_month'],
) }}

with first_deliveries as (
    {{ first_deliveries_in_batch(source('lake', 'checkins'), 'checkin_id') }}
)

select
    checkin_id,
    cadre_id,
    app_id,
    kind,
    checkin_at,
    lat,
    lon,
    accuracy_m,
    device_id,
    photo_hash,
    lat_text,
    lon_text,
    _dt as delivered_on,
    _file as source_file,
    {{ month_of('checkin_at') }} as checkin_month
from first_deliveries
