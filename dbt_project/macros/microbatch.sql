{#- Microbatch models (issue 8): the big event sources are built a month at a
    time, so that a new delivery day rebuilds only the months its events fall
    in. The pipeline names the months (orchestration/incremental.py) and passes
    them as --event-time-start / --event-time-end.

    The lake rows of `relation` that fall in this batch's month (dbt filters the
    source on its event_time) and are their id's first delivery: (_dt, _file,
    _row) first among every delivery of the id in the whole lake, whatever month
    the others carry (a re-delivery may correct the time). These are the rows a
    ranking of the whole lake keeps, for this month. -#}
{% macro first_deliveries_in_batch(relation, id_column) -%}
    {{ return(adapter.dispatch('first_deliveries_in_batch')(relation, id_column)) }}
{%- endmacro %}

{#- Spark (and any engine): rank every delivery of the batch's ids. -#}
{% macro default__first_deliveries_in_batch(relation, id_column) -%}
with deliveries_in_batch as (
    select *
    from {{ relation }}
),

every_delivery_of_their_ids as (
    select
        {{ id_column }},
        _dt,
        _file,
        _row
    from {{ relation.render() }}
    where {{ id_column }} in (select {{ id_column }} from deliveries_in_batch)
),

ranked as (
    select
        *,
        row_number() over (partition by {{ id_column }} order by _dt, _file, _row) as delivery_rank
    from every_delivery_of_their_ids
)

select deliveries_in_batch.*
from deliveries_in_batch
inner join ranked
    on
        deliveries_in_batch.{{ id_column }} = ranked.{{ id_column }}
        and deliveries_in_batch._dt = ranked._dt
        and deliveries_in_batch._file = ranked._file
        and deliveries_in_batch._row = ranked._row
where ranked.delivery_rank = 1
{%- endmacro %}

{#- DuckDB: the same rows by an anti-join, a delivery of the batch that no delivery of its id
    in the lake comes before, instead of numbering them all by a window: 1.8-2.2 s -> 1.2-1.3 s
    for one month of 20,000 cadres' logins (2.3 M rows kept of 5 M, the same rows). -#}
{% macro duckdb__first_deliveries_in_batch(relation, id_column) -%}
with deliveries_in_batch as (
    select *
    from {{ relation }}
)

select deliveries_in_batch.*
from deliveries_in_batch
where not exists (
    select 1
    from {{ relation.render() }} as earlier
    where
        earlier.{{ id_column }} = deliveries_in_batch.{{ id_column }}
        and (
            earlier._dt < deliveries_in_batch._dt
            or (earlier._dt = deliveries_in_batch._dt and earlier._file < deliveries_in_batch._file)
            or (
                earlier._dt = deliveries_in_batch._dt
                and earlier._file = deliveries_in_batch._file
                and earlier._row < deliveries_in_batch._row
            )
        )
)
{%- endmacro %}
