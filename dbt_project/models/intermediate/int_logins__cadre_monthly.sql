-- Login traces per cadre and month (warehouse contract definitions).
-- Built a month at a time, as stg_app_logins is (macros/microbatch.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='month',
    batch_size='month',
    begin=var('microbatch_begin'),
    post_hook="{{ refresh_join_statistics(this) }}",
    partition_by=['month'],
) }}
-- Session lengths are summed as exact decimals (seconds, to the microsecond): a float sum depends on the
-- order a parallel aggregate adds in, and the last bit decided ties in the
-- trace score's ranking differently from one build to the next.
with logins as (
    select
        cadre_id,
        app_id,
        login_month as month,
        actions,
        case
            when logout_at is null then 0
            else least({{ seconds_between('login_at', 'logout_at') }}, {{ var('max_session_minutes') }} * 60)
        end as session_seconds
    from {{ ref('stg_app_logins') }}
)

select
    cadre_id,
    month,
    count(*) as login_count,
    count(distinct app_id) as distinct_apps,
    cast(sum(cast(session_seconds as decimal(18, 6))) as double) / 60 as screen_minutes,
    count(case when actions = 0 then 1 end) as trace_only_logins
from logins
group by cadre_id, month
