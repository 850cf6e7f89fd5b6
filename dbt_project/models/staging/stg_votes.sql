-- An event delivered again (same vote_id) is loaded once: the first delivery wins.
-- Timestamps are Asia/Shanghai wall-clock time (normalised at ingest).
-- Built a month of voted_at at a time (macros/microbatch.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='voted_at',
    batch_size='month',
    begin=var('microbatch_begin'),
    post_hook="{{ refresh_join_statistics(this) }}",
    partition_by=['vote_month'],
) }}

with first_deliveries as (
    {{ first_deliveries_in_batch(source('lake', 'votes'), 'vote_id') }}
)

select
    vote_id,
    campaign_id,
    voter_id,
    target_id,
    action,
    voted_at,
    device_id,
    ip,
    _dt as delivered_on,
    _file as source_file,
    {{ month_of('voted_at') }} as vote_month
from first_deliveries
